import { useEffect, useState } from 'react';
import { copyText } from '../../lib/clipboard';
import { cn } from '../../lib/cn';
import { Button } from './button';

type CopyState = 'idle' | 'copied' | 'failed';

/** A Copy button with its own "Copied" status. */
function CopyButton({ text, className }: { text: string; className?: string }) {
  const [state, setState] = useState<CopyState>('idle');

  useEffect(() => {
    if (state === 'idle') return;
    const t = setTimeout(() => setState('idle'), 4000);
    return () => clearTimeout(t);
  }, [state]);

  return (
    <span className={cn('inline-flex items-center gap-2 print:hidden', className)}>
      <span role="status" className="text-xs font-medium text-slate-600">
        {state === 'copied' ? 'Copied' : state === 'failed' ? 'Could not copy: select the text and copy it.' : ''}
      </span>
      <Button size="sm" onClick={async () => setState((await copyText(text)) ? 'copied' : 'failed')}>
        Copy
      </Button>
    </span>
  );
}

/**
 * Code or JSON in a scrollable, keyboard-focusable block with a Copy button. Printed, it wraps
 * and shows in full, dark on white.
 */
export function CodeBlock({
  code,
  label,
  copy = true,
  className,
}: {
  code: string;
  /** What the block holds, for screen readers (e.g. "REST (form) example"). */
  label: string;
  copy?: boolean;
  className?: string;
}) {
  return (
    <figure aria-label={label} className={cn('m-0 min-w-0', className)}>
      {copy && (
        <div className="mb-1 flex justify-end">
          <CopyButton text={code} />
        </div>
      )}
      <pre
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must take focus so that keyboard users can scroll it (axe: scrollable-region-focusable)
        tabIndex={0}
        className={cn(
          // Dark in both themes: it keeps the original palette (index.css).
          'original-palette max-h-[28rem] overflow-auto rounded-md border border-slate-800 bg-slate-950 p-4 font-mono text-xs leading-relaxed whitespace-pre text-slate-100',
          'focus-visible:outline-2 focus-visible:outline-blue-600',
          'print:max-h-none print:overflow-visible print:border-slate-300 print:bg-white print:break-all print:whitespace-pre-wrap print:text-slate-900',
        )}
      >
        <code>{code}</code>
      </pre>
    </figure>
  );
}
