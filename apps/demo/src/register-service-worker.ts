/**
 * Registers the demo's service worker at `/sw.js` with scope `/` (a module worker: it shares
 * the app's chunks). Where service workers are unavailable the app still works online.
 */
export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('/sw.js', { type: 'module', scope: '/' }).catch((error: unknown) => {
    console.warn('The service worker could not be registered: the app will not open offline.', error);
  });
}
