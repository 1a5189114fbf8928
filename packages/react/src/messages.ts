import type { ClientRejection } from '@syncline/client';

/**
 * Default texts of {@link OfflineIndicator}. Replace any of them through its `messages` prop
 * (e.g. to translate), or render your own with its render prop.
 */
export interface OfflineMessages {
  /** Shown while the device is offline. */
  offline: string;
  /** Shown while online (default: nothing). */
  online: string;
}

/**
 * The English defaults of {@link OfflineMessages}.
 *
 * @example
 * <OfflineIndicator messages={{ ...defaultOfflineMessages, online: 'Back online.' }} />
 */
export const defaultOfflineMessages: OfflineMessages = {
  offline: "You are offline. Your changes have been saved and will be synced when you're back online.",
  online: '',
};

/** Default texts of {@link PendingBadge}; replace any through its `messages` prop. */
export interface PendingMessages {
  /** The badge's text. */
  pending: string;
  /** Its tooltip: what the state means. */
  title: string;
}

/**
 * The English defaults of {@link PendingMessages}.
 *
 * @example
 * <PendingBadge id={task.id} messages={{ pending: 'Syncing…' }} />
 */
export const defaultPendingMessages: PendingMessages = {
  pending: 'Not synced yet',
  title: 'Saved on this device. It will be synced as soon as the server can be reached.',
};

/**
 * Default texts of {@link RejectionNotice}; the functions get the rejection to talk about.
 * Replace any through the `messages` prop of the notice or of {@link RejectionNotices}.
 */
export interface RejectionMessages {
  /** The notice's heading. */
  title(rejection: ClientRejection): string;
  /** What happened and why (default: the client's own message, written for a person). */
  what(rejection: ClientRejection): string;
  /** Who wrote the current version: a user's display name, null for a write outside the app. */
  who(name: string | null, rejection: ClientRejection): string;
  /** Who wrote it, when it was this user (another device or tab). */
  byYou: string;
  /** Label of the version on the server. */
  theirs: string;
  /** Label of the refused change. */
  mine: string;
  /** A value that is empty (null). */
  empty: string;
  /** What the refused change was, when it was a delete. */
  deleted: string;
  reapply: string;
  dismiss: string;
}

/**
 * The English defaults of {@link RejectionMessages}.
 *
 * @example
 * <RejectionNotices messages={{ reapply: 'Keep my version', who: (name) => `${name ?? 'An admin'} changed it first.` }} />
 */
export const defaultRejectionMessages: RejectionMessages = {
  title: () => 'Your change was not saved',
  what: (r) => r.message,
  who: (name) =>
    name === null
      ? 'The current version was written on the server, outside the app.'
      : `The current version was saved by ${name}.`,
  byYou: 'The current version was saved by you, on another device or tab.',
  theirs: 'Current version',
  mine: 'Your change',
  empty: '(empty)',
  deleted: 'You deleted it.',
  reapply: 'Re-apply mine',
  dismiss: 'Dismiss',
};
