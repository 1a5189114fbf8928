/** The IndexedDB database of a user: switching users never mixes their data. */
export function databaseName(userId: string): string {
  return `syncline-demo-${userId}`;
}

/**
 * What the tabs elect their syncing leader with, and the service worker takes before a
 * Background Sync push: one name for the origin (one user is signed in at a time).
 */
export const LOCK_DATABASE = 'syncline-demo';
