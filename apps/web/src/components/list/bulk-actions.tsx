import type { ReactNode } from 'react';
import { Button } from '../ui/button';

/** The bulk actions' toolbar over a list: what is selected, the actions, and Clear selection. */
export function BulkActions({
  count,
  onClear,
  children,
  label = 'Bulk actions',
}: {
  count: number;
  onClear: () => void;
  children: ReactNode;
  label?: string;
}) {
  return (
    <div className="mb-3 flex flex-wrap items-center gap-2" role="toolbar" aria-label={label}>
      {children}
      {count > 0 && (
        <Button size="sm" variant="ghost" onClick={onClear}>
          Clear selection
        </Button>
      )}
    </div>
  );
}
