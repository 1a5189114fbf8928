/**
 * The one way the push path builds a transaction view: a {@link WriteTx} that forwards every
 * method to the store's transaction except those it overrides, optionally running a hook before
 * each forwarded call. The prefetch cache (known.ts) and the deferred inserts (pipeline.ts) are
 * such views; neither repeats the methods it leaves alone.
 */
import type { WriteTx } from '../../stores/types.ts';

/** The methods every WriteTx has; the optional batch capabilities are not part of a view. */
export type TxMethod = {
  [K in keyof WriteTx]-?: undefined extends WriteTx[K] ? never : K;
}[keyof WriteTx];

/** Every method a view forwards (the type makes the list complete: a new WriteTx method must be added). */
const METHODS: Record<TxMethod, true> = {
  all: true,
  savepoint: true,
  lockClient: true,
  setLastSeq: true,
  writeAs: true,
  getOutcomes: true,
  saveOutcome: true,
  pruneOutcomes: true,
  getRecord: true,
  insertRecord: true,
  updateRecord: true,
  softDelete: true,
};

type AnyMethod = (...args: unknown[]) => Promise<unknown>;

/**
 * `tx` with `overrides` in place of its own methods. `before`, when given, is awaited before every
 * method that is not overridden. Methods are forwarded by name and called on `tx` (a store's
 * transaction may be a class instance, which a spread would not copy). The view offers none of
 * the optional batch methods (`getRecords`, `insertRecords`, `saveOutcomes`): it serves single
 * mutations.
 */
export function txView(
  tx: WriteTx,
  overrides: Partial<Pick<WriteTx, TxMethod>>,
  before?: (method: TxMethod) => Promise<void>,
): WriteTx {
  const view: Partial<Record<TxMethod, AnyMethod>> = {};
  for (const name of Object.keys(METHODS) as TxMethod[]) {
    const own = overrides[name] as AnyMethod | undefined;
    const target = tx[name] as AnyMethod;
    view[name] =
      own ??
      (before
        ? async (...args) => {
            await before(name);
            return target.apply(tx, args);
          }
        : (...args) => target.apply(tx, args));
  }
  return view as unknown as WriteTx;
}
