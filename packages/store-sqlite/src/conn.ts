import type { MaybePromise, RunResult, SqliteDriver, SqlRow, SqlValue } from './driver.ts';
import { toStorageError } from './errors.ts';

/** The driver with every failure turned into `SynclineError('storage')`. */
export class Conn {
  constructor(readonly driver: SqliteDriver) {}

  async exec(sql: string): Promise<void> {
    try {
      await this.driver.exec(sql);
    } catch (error) {
      throw toStorageError(error);
    }
  }

  /** Answers synchronously when the driver does (no promise per statement on better-sqlite3). */
  run(sql: string, params: readonly SqlValue[] = []): MaybePromise<RunResult> {
    try {
      const result = this.driver.run(sql, params);
      return result instanceof Promise ? result.catch(rethrow) : result;
    } catch (error) {
      throw toStorageError(error);
    }
  }

  all(sql: string, params: readonly SqlValue[] = []): MaybePromise<SqlRow[]> {
    try {
      const rows = this.driver.all(sql, params);
      return rows instanceof Promise ? rows.catch(rethrow) : rows;
    } catch (error) {
      throw toStorageError(error);
    }
  }

  /**
   * Runs one statement once per parameter list. With a synchronous driver no `await` happens per
   * row, which keeps bulk loads (initial sync) at the speed of the library itself.
   */
  async runMany<T>(sql: string, items: readonly T[], params: (item: T) => SqlValue[]): Promise<void> {
    try {
      for (const item of items) {
        const result = this.driver.run(sql, params(item));
        if (result instanceof Promise) await result;
      }
    } catch (error) {
      throw toStorageError(error);
    }
  }
}

function rethrow(error: unknown): never {
  throw toStorageError(error);
}
