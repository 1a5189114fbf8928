/**
 * The demo's entry: the sign-in screen, or the signed-in user's client and app. The client lives
 * outside React (one per sign-in, closed at sign-out), so no effect re-run can start a second one
 * in the same tab. Registers the service worker (app shell offline, Background Sync).
 */
import { SynclineProvider } from '@syncline/react';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.tsx';
import { startClient } from './client.ts';
import { registerServiceWorker } from './register-service-worker.ts';
import { clearSession, loadSession, type Session } from './session.ts';
import { SignIn } from './sign-in.tsx';
import './styles.css';

const root = createRoot(document.getElementById('root') as HTMLElement);

/** Shows the sign-in screen, or starts `session`'s client and shows the app. */
async function show(session: Session | null): Promise<void> {
  if (session === null) {
    root.render(
      <StrictMode>
        <SignIn onSignedIn={(s) => void show(s)} />
      </StrictMode>,
    );
    return;
  }
  root.render(<p>Opening your tasks…</p>);
  const started = await startClient(session);
  const signOut = async () => {
    await started.close();
    await clearSession();
    await show(null);
  };
  root.render(
    <StrictMode>
      <SynclineProvider client={started.client}>
        <App userId={session.userId} onSignOut={() => void signOut()} />
      </SynclineProvider>
    </StrictMode>,
  );
}

await show(await loadSession());
registerServiceWorker();
