import type { ClientRejection } from '@syncline/client';
import { type ReactNode, useId } from 'react';
import { defaultRejectionMessages, type RejectionMessages } from './messages.ts';
import { type RejectionView, rejectionView } from './rejection-view.ts';
import { useRejections } from './use-rejections.ts';

/** Props shared by {@link RejectionNotice} and {@link RejectionNotices}. */
export interface RejectionNoticeOptions {
  messages?: Partial<RejectionMessages>;
  /** A user id as a person reads it, e.g. from your users table (default: the id). */
  userName?: (userId: string) => string;
  /** The signed-in user's id: a version they saved on another device reads "by you". */
  currentUserId?: string;
  /** A field's label (default: `dueAt` → "Due at"). */
  fieldLabel?: (field: string, collection: string) => string;
  className?: string;
}

/** Props of {@link RejectionNotice}. */
export interface RejectionNoticeProps extends RejectionNoticeOptions {
  rejection: ClientRejection;
  /** Shows "Re-apply mine" (for a conflict on a record that still exists). */
  onReapply?: (key: string) => void;
  /** Shows "Dismiss". */
  onDismiss?: (key: string) => void;
  /** Renders the notice yourself from the computed texts. */
  children?: (view: RejectionView) => ReactNode;
}

/**
 * Tells the user that a change of theirs was refused: what happened, who saved the version that
 * won, both versions of each field they changed, and (for a conflict) a "Re-apply mine" button.
 * An `alert`, since the change is gone from the screen. Unstyled (`data-code` for CSS).
 *
 * @example
 * <RejectionNotice
 *   rejection={r}
 *   userName={(id) => users[id]?.name ?? id}
 *   onReapply={(key) => client.reapply(key)}
 *   onDismiss={(key) => client.dismiss(key)}
 * />
 */
export function RejectionNotice(props: RejectionNoticeProps): ReactNode {
  const { rejection, onReapply, onDismiss, children, className } = props;
  const headingId = useId();
  const view = rejectionView(rejection, {
    messages: { ...defaultRejectionMessages, ...props.messages },
    userName: props.userName,
    currentUserId: props.currentUserId,
    fieldLabel: props.fieldLabel,
  });
  if (children) return children(view);
  const m = { ...defaultRejectionMessages, ...props.messages };
  return (
    <div role="alert" aria-labelledby={headingId} className={className} data-code={rejection.code}>
      <p id={headingId}>
        <strong>{view.title}</strong>
      </p>
      <p>{view.what}</p>
      {view.who !== null && <p>{view.who}</p>}
      {view.fields.length > 0 && (
        <dl>
          {view.fields.map((f) => (
            <div key={f.field}>
              <dt>{f.label}</dt>
              <dd>
                {m.theirs}: {f.theirs}
              </dd>
              <dd>
                {m.mine}: {f.mine}
              </dd>
            </div>
          ))}
        </dl>
      )}
      {view.canReapply && onReapply && (
        <button type="button" onClick={() => onReapply(rejection.key)}>
          {m.reapply}
        </button>
      )}
      {onDismiss && (
        <button type="button" onClick={() => onDismiss(rejection.key)}>
          {m.dismiss}
        </button>
      )}
    </div>
  );
}

/**
 * Every stored rejection as a {@link RejectionNotice}, wired to {@link useRejections}: "Re-apply
 * mine" re-applies and "Dismiss" forgets. A failed re-apply stays visible through the hook's
 * `error`; the notice remains so the user can dismiss it.
 *
 * @example
 * <RejectionNotices currentUserId={me.id} userName={(id) => users[id]?.name ?? id} />
 */
export function RejectionNotices(props: RejectionNoticeOptions): ReactNode {
  const { rejections, reapply, dismiss } = useRejections();
  if (rejections.length === 0) return null;
  return (
    <>
      {rejections.map((r) => (
        <RejectionNotice
          key={r.key}
          {...props}
          rejection={r}
          onReapply={(key) => void reapply(key).catch(() => undefined)}
          onDismiss={(key) => void dismiss(key).catch(() => undefined)}
        />
      ))}
    </>
  );
}
