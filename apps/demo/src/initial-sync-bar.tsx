import { useInitialSync } from '@syncline/react';
import type { ReactNode } from 'react';

/** A progress bar while the first download runs (it moves page by page); nothing after. */
export function InitialSyncBar(): ReactNode {
  const { inProgress, progress } = useInitialSync();
  if (!inProgress) return null;
  const percent = Math.round(progress * 100);
  return (
    <div className="initial-sync" data-testid="initial-sync">
      <label>
        Downloading your tasks… {percent}%{' '}
        <progress value={progress} max={1} aria-label="Downloading your tasks" />
      </label>
    </div>
  );
}
