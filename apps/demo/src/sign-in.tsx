import { type FormEvent, type ReactNode, useState } from 'react';
import { requestToken, type Session, saveSession } from './session.ts';

/** Props of {@link SignIn}. */
export interface SignInProps {
  onSignedIn(session: Session): void;
}

const SUGGESTED = ['alice', 'bob', 'carol'];

/**
 * The sign-in screen: pick (or type) a name and get a dev token for it. Dev mode only: anyone
 * can be anyone, which is what a demo on one machine wants.
 */
export function SignIn({ onSignedIn }: SignInProps): ReactNode {
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function signIn(userId: string) {
    setBusy(true);
    setError(null);
    try {
      const session = await requestToken(userId.trim());
      await saveSession(session);
      onSignedIn(session);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      setBusy(false);
    }
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    if (name.trim() !== '') void signIn(name);
  }

  return (
    <main className="sign-in">
      <h1>Syncline tasks</h1>
      <p>An offline-first task list. Pick a name to sign in (dev mode: no password).</p>
      <div className="suggested">
        {SUGGESTED.map((user) => (
          <button key={user} type="button" disabled={busy} onClick={() => void signIn(user)}>
            {user}
          </button>
        ))}
      </div>
      <form onSubmit={submit}>
        <label>
          Or another name{' '}
          <input value={name} onChange={(e) => setName(e.target.value)} aria-label="Your name" />
        </label>{' '}
        <button type="submit" disabled={busy || name.trim() === ''}>
          Sign in
        </button>
      </form>
      {error !== null && <p role="alert">{error}</p>}
    </main>
  );
}
