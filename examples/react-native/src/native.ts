// examples/react-native/src/native.ts: the device's modules handed to src/syncline.ts. Only this
// file, src/App.tsx and index.js import React Native packages (not type-checked by the
// repository's CI, which does not install React Native: see README.md).
import { open } from '@op-engineering/op-sqlite';
import AsyncStorage from '@react-native-async-storage/async-storage';
import NetInfo from '@react-native-community/netinfo';
import { Platform } from 'react-native';
import { openSyncline, type Syncline } from './syncline';

/** The demo server of `npm start`: the iOS simulator shares the host's loopback; the Android
 * emulator reaches it at 10.0.2.2; a phone over USB after `adb reverse tcp:8787 tcp:8787`. */
export const SERVER = Platform.OS === 'android' ? 'http://10.0.2.2:8787' : 'http://127.0.0.1:8787';
export const ME = 'alice';

let token: string | null = null;
async function devToken({ forceRefresh }: { forceRefresh: boolean }): Promise<string | null> {
  if (token && !forceRefresh) return token;
  // Dev mode only: a real app gets its token from its own sign-in (README "Authentication").
  const res = await fetch(`${SERVER}/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId: ME }),
  });
  token = ((await res.json()) as { token: string }).token;
  return token;
}

let opened: Syncline | null = null;
/** One client per JS context: the app and an Android headless task each open their own. */
export function syncline(): Syncline {
  opened ??= openSyncline(
    { db: open({ name: 'tasks.db' }), NetInfo, storage: AsyncStorage },
    { url: `${SERVER}/sync`, getToken: devToken },
  );
  return opened;
}
