/**
 * What one background run did, for a "last synced in background at …" line in the UI.
 *
 * @example
 * const r: BackgroundSyncRecord | null = background.last;
 * if (r) label = `Last background sync ${new Date(r.finishedAt).toLocaleTimeString()}: ${r.outcome}`;
 */
export interface BackgroundSyncRecord {
  /** `clock.now()` when the OS woke the task. */
  startedAt: number;
  /** When the run reported completion. */
  finishedAt: number;
  /**
   * `synced`: one full push + pull cycle. `offline`: no request could be made or none got
   * through. `timed-out`: the budget ran out or the OS said time was up (the outbox keeps what was
   * not acknowledged). `failed`: the server refused or failed (`error` says how).
   */
  outcome: 'synced' | 'offline' | 'timed-out' | 'failed';
  /** The error's `code` and person-readable `message`, or null after a sync. */
  error: { code: string; message: string } | null;
  /** Local changes still waiting to be pushed after the run, when the client reports it. */
  pending: number | null;
}

/**
 * A string key-value store that survives the process: `@react-native-async-storage/async-storage`
 * fits as it is; MMKV with a two-line wrapper.
 *
 * @example
 * import AsyncStorage from '@react-native-async-storage/async-storage';
 * createBackgroundSync({ client, storage: AsyncStorage });
 */
export interface KeyValueStorage {
  getItem(key: string): Promise<string | null>;
  setItem(key: string, value: string): Promise<void>;
}

const OUTCOMES = new Set(['synced', 'offline', 'timed-out', 'failed']);

/** Reads a record written by {@link writeRecord}; null when absent or unreadable. */
export async function readRecord(
  storage: KeyValueStorage,
  key: string,
): Promise<BackgroundSyncRecord | null> {
  const raw = await storage.getItem(key);
  if (raw === null) return null;
  try {
    const value = JSON.parse(raw) as Partial<BackgroundSyncRecord> | null;
    if (
      !value ||
      typeof value.startedAt !== 'number' ||
      typeof value.finishedAt !== 'number' ||
      !OUTCOMES.has(String(value.outcome))
    )
      return null;
    return {
      startedAt: value.startedAt,
      finishedAt: value.finishedAt,
      outcome: value.outcome as BackgroundSyncRecord['outcome'],
      error: value.error ?? null,
      pending: typeof value.pending === 'number' ? value.pending : null,
    };
  } catch {
    // Written by another version, or damaged: no record is better than a wrong one.
    return null;
  }
}

/** Stores `record` under `key` as JSON. */
export function writeRecord(
  storage: KeyValueStorage,
  key: string,
  record: BackgroundSyncRecord,
): Promise<void> {
  return storage.setItem(key, JSON.stringify(record));
}
