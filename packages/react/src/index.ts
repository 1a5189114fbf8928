/**
 * `@syncline/react`: React bindings for a Syncline client — live queries on
 * `useSyncExternalStore`, sync status, pending state, rejections, and small unstyled, accessible
 * components with messages a person understands. Works with a `SynclineClient` of
 * `@syncline/client` or anything with the same API ({@link SynclineClientLike},
 * {@link LiveCollection}), such as a bridge to a client in another process.
 *
 * @example
 * <SynclineProvider client={client}>
 *   <OfflineIndicator />
 *   <RejectionNotices />
 *   <Tasks />
 * </SynclineProvider>
 *
 * function Tasks() {
 *   const { data } = useQuery(client.db.tasks, { where: { done: false } });
 *   return <ul>{data?.map((t) => <li key={t.id}>{t.title} <PendingBadge id={t.id} collection="tasks" /></li>)}</ul>;
 * }
 */
export type { LiveCollection, SynclineClientLike } from './client-like.ts';
export type { LiveQuery, QueryResult } from './live-query.ts';
export { liveQuery } from './live-query.ts';
export {
  defaultOfflineMessages,
  defaultPendingMessages,
  defaultRejectionMessages,
  type OfflineMessages,
  type PendingMessages,
  type RejectionMessages,
} from './messages.ts';
export { OfflineIndicator, type OfflineIndicatorProps } from './offline-indicator.tsx';
export { PendingBadge, type PendingBadgeProps } from './pending-badge.tsx';
export { SynclineProvider, type SynclineProviderProps, useSynclineClient } from './provider.tsx';
export {
  RejectionNotice,
  type RejectionNoticeOptions,
  type RejectionNoticeProps,
  RejectionNotices,
} from './rejection-notice.tsx';
export {
  type FieldComparison,
  humanize,
  type RejectionView,
  type RejectionViewOptions,
  rejectionView,
} from './rejection-view.ts';
export { usePending } from './use-pending.ts';
export { useQuery, useRecord } from './use-query.ts';
export { type Rejections, useRejections } from './use-rejections.ts';
export { type InitialSync, useInitialSync, useOnline, useSyncStatus } from './use-sync-status.ts';
