import type { RunResult, SqliteDriver, SqlRow, SqlValue } from './driver.ts';
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

  async run(sql: string, params: readonly SqlValue[] = []): Promise<RunResult> {
    try {
      return await this.driver.run(sql, params);
    } catch (error) {
      throw toStorageError(error);
    }
  }

  async all(sql: string, params: readonly SqlValue[] = []): Promise<SqlRow[]> {
    try {
      return await this.driver.all(sql, params);
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
