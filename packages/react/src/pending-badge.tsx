import type { ReactNode } from 'react';
import { defaultPendingMessages, type PendingMessages } from './messages.ts';
import { usePending } from './use-pending.ts';

/** Props of {@link PendingBadge}. */
export interface PendingBadgeProps {
  /** The record's id. */
  id: string;
  /** Its collection (faster; without it every collection is looked at). */
  collection?: string;
  messages?: Partial<PendingMessages>;
  className?: string;
  /** Renders the badge yourself; called only while the record is pending. */
  children?: (messages: PendingMessages) => ReactNode;
}

/**
 * A small "not synced yet" badge for one record, rendered only while it has local changes the
 * server has not answered. Unstyled (`data-pending` for CSS); its text is read by screen readers.
 *
 * @example
 * <li>{task.title} <PendingBadge id={task.id} collection="tasks" className="badge" /></li>
 */
export function PendingBadge({
  id,
  collection,
  messages,
  className,
  children,
}: PendingBadgeProps): ReactNode {
  const pending = usePending(id, collection);
  if (!pending) return null;
  const m = { ...defaultPendingMessages, ...messages };
  if (children) return children(m);
  return (
    <span className={className} title={m.title} data-pending="">
      {m.pending}
    </span>
  );
}
