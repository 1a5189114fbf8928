import type { ClientRejection } from '@syncline/client';
import type { RejectionMessages } from './messages.ts';

/** One field of a conflict, side by side: the version on the server and the refused change. */
export interface FieldComparison {
  field: string;
  label: string;
  theirs: string;
  mine: string;
}

/** Everything a rejection notice shows, as text; a render prop gets it to lay out its own way. */
export interface RejectionView {
  rejection: ClientRejection;
  title: string;
  what: string;
  /** Who wrote the current version; null when the server did not say (or there is none). */
  who: string | null;
  /** The fields the refused change touched, with both versions; empty when there is no current. */
  fields: FieldComparison[];
  /** Whether "re-apply mine" is possible (a conflict on a record that still exists). */
  canReapply: boolean;
}

/** Options of {@link rejectionView}. */
export interface RejectionViewOptions {
  messages: RejectionMessages;
  /** A user id as a person reads it (default: the id itself). */
  userName?: ((userId: string) => string) | undefined;
  /** The signed-in user: a current version saved by them reads "by you". */
  currentUserId?: string | undefined;
  /** A field's label (default: `dueAt` → "Due at"). */
  fieldLabel?: ((field: string, collection: string) => string) | undefined;
}

/** `dueAt` → "Due at". */
export function humanize(field: string): string {
  const words = field.replace(/([A-Z])/g, ' $1').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function show(value: unknown, empty: string): string {
  if (value === null || value === undefined || value === '') return empty;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * What to tell a person about a rejection: what happened, who wrote the version that won, and
 * the two versions of every field the refused change touched.
 *
 * @example
 * const view = rejectionView(rejection, { messages: defaultRejectionMessages, userName: (id) => names[id] ?? id });
 * view.who; // "The current version was saved by Bob."
 */
export function rejectionView(rejection: ClientRejection, options: RejectionViewOptions): RejectionView {
  const m = options.messages;
  const { current } = rejection;
  let who: string | null = null;
  if (current && current.updatedBy !== undefined) {
    const by = current.updatedBy;
    if (by !== null && by === options.currentUserId) who = m.byYou;
    else who = m.who(by === null ? null : (options.userName?.(by) ?? by), rejection);
  }
  const mine: Record<string, unknown> = {};
  let deleted = false;
  for (const op of rejection.dropped) {
    if (op.op === 'insert') Object.assign(mine, op.data);
    else if (op.op === 'update') Object.assign(mine, op.patch);
    else deleted = true;
  }
  const label = options.fieldLabel ?? ((f: string) => humanize(f));
  const fields: FieldComparison[] = [];
  if (current) {
    for (const [field, value] of Object.entries(mine)) {
      fields.push({
        field,
        label: label(field, rejection.collection),
        theirs: show(current[field], m.empty),
        mine: deleted ? m.deleted : show(value, m.empty),
      });
    }
  }
  return {
    rejection,
    title: m.title(rejection),
    what: m.what(rejection),
    who,
    fields,
    canReapply: rejection.code === 'conflict' && current !== null && current.deletedAt === null,
  };
}
