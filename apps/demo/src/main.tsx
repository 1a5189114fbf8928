/**
 * The demo's entry: the sign-in screen, or the signed-in user's client and app. Registers the
 * service worker (app shell offline, Background Sync).
 */
import { SynclineProvider } from '@syncline/react';
import { type ReactNode, StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.tsx';
import { startClient } from './client.ts';
import { registerServiceWorker } from './register-service-worker.ts';
import { clearSession, loadSession, type Session } from './session.ts';
import { SignIn } from './sign-in.tsx';
import './styles.css';

type Started = Awaited<ReturnType<typeof startClient>>;

function SignedIn({ session, onSignOut }: { session: Session; onSignOut(): void }): ReactNode {
  const [started, setStarted] = useState<Started | null>(null);
  useEffect(() => {
    let live = true;
    const starting = startClient(session);
    void starting.then((s) => {
      if (live) setStarted(s);
    });
    return () => {
      live = false;
      void starting.then((s) => s.close());
    };
  }, [session]);
  if (started === null) return <p>Opening your tasks…</p>;
  return (
    <SynclineProvider client={started.client}>
      <App userId={session.userId} onSignOut={onSignOut} />
    </SynclineProvider>
  );
}

function Root({ initial }: { initial: Session | null }): ReactNode {
  const [session, setSession] = useState(initial);
  if (session === null) return <SignIn onSignedIn={setSession} />;
  return (
    <SignedIn
      key={session.userId}
      session={session}
      onSignOut={() => void clearSession().then(() => setSession(null))}
    />
  );
}

const session = await loadSession();
createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <Root initial={session} />
  </StrictMode>,
);
registerServiceWorker();
