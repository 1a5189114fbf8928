import { SynclineError } from '@syncline/core';
import { expect } from 'vitest';
import type { LocalStore } from '../local-store.ts';
import { querySchema } from './fixtures.ts';

/** How the suite makes stores. A location names one database (a file path, an IndexedDB name…). */
export interface LocalStoreFactory {
  create(location: string): Promise<LocalStore> | LocalStore;
  /** A location no other test uses. */
  newLocation(): string;
  /** Removes what a location left behind; called after its stores are closed. */
  cleanup?(location: string): Promise<void> | void;
}

/** Tracks the stores and locations of one test, so that each test closes and cleans up what it made. */
export class Harness {
  private readonly stores: LocalStore[] = [];
  private readonly locations: string[] = [];

  constructor(
    private readonly factory: LocalStoreFactory,
    readonly persistent: boolean,
  ) {}

  /** A store on `location` (a fresh one when omitted), not yet opened. */
  async create(location?: string): Promise<{ store: LocalStore; location: string }> {
    const where = location ?? this.newLocation();
    const store = await this.factory.create(where);
    this.stores.push(store);
    return { store, location: where };
  }

  /** A fresh store, opened with `schema`. */
  async opened(schema = querySchema): Promise<{ store: LocalStore; location: string }> {
    const made = await this.create();
    await made.store.open(schema);
    return made;
  }

  /**
   * The same data seen again: for a persistent store, close it and create a new store on the same
   * location (not yet opened); otherwise the same instance, which the test opens again.
   */
  async reopen(store: LocalStore, location: string): Promise<LocalStore> {
    if (!this.persistent) return store;
    await store.close();
    return (await this.create(location)).store;
  }

  private newLocation(): string {
    const location = this.factory.newLocation();
    this.locations.push(location);
    return location;
  }

  async dispose(): Promise<void> {
    for (const store of this.stores.splice(0)) await store.close().catch(() => undefined);
    for (const location of this.locations.splice(0)) await this.factory.cleanup?.(location);
  }
}

/** Asserts that `promise` rejects with a `SynclineError` of `code`. */
export async function expectSynclineError(promise: Promise<unknown>, code: string): Promise<void> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SynclineError);
  expect((error as SynclineError).code).toBe(code);
}
