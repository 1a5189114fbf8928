import type { ReactNode } from 'react';
import { defaultOfflineMessages, type OfflineMessages } from './messages.ts';
import { useOnline } from './use-sync-status.ts';

/** Props of {@link OfflineIndicator}. */
export interface OfflineIndicatorProps {
  /** Replaces some or all of the default texts. */
  messages?: Partial<OfflineMessages>;
  className?: string;
  /** Renders the content yourself (inside the live region). */
  children?: (state: { online: boolean; message: string }) => ReactNode;
}

/**
 * A global offline indicator: a polite live region (`role="status"`) that is always in the page,
 * so screen readers announce the message when the device goes offline, and says nothing while
 * online. Unstyled: style it through `className` and `data-online`.
 *
 * @example
 * <OfflineIndicator className="banner" />
 * <OfflineIndicator messages={{ offline: 'Hors ligne : vos modifications sont enregistrées.' }} />
 * <OfflineIndicator>{({ online }) => (online ? null : <OfflineIcon />)}</OfflineIndicator>
 */
export function OfflineIndicator({ messages, className, children }: OfflineIndicatorProps): ReactNode {
  const online = useOnline();
  const m = { ...defaultOfflineMessages, ...messages };
  const message = online ? m.online : m.offline;
  return (
    <div role="status" aria-live="polite" className={className} data-online={online}>
      {children ? children({ online, message }) : message}
    </div>
  );
}
