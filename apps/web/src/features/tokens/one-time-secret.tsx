import { type ReactNode, useEffect, useId, useRef, useState } from 'react';
import { Button } from '../../components/ui/button';
import { copyText } from '../../lib/clipboard';

type CopyState = 'idle' | 'copied' | 'failed';

/**
 * A secret shown once, right after it was made: a prominent panel with the value, a Copy button
 * and a warning that it will not be shown again. The secret lives only in the state of the screen
 * that shows this; nothing stores it.
 */
export function OneTimeSecret({
  title,
  label,
  secret,
  children,
}: {
  title: string;
  /** The visible label of the value, e.g. "Token". */
  label: string;
  secret: string;
  children?: ReactNode;
}) {
  const titleId = useId();
  const inputId = useId();
  const input = useRef<HTMLInputElement>(null);
  const [state, setState] = useState<CopyState>('idle');

  useEffect(() => {
    if (state !== 'copied') return;
    const t = setTimeout(() => setState('idle'), 4000);
    return () => clearTimeout(t);
  }, [state]);

  return (
    <section
      aria-labelledby={titleId}
      className="rounded-md border-2 border-amber-400 bg-amber-50 px-5 py-4 text-sm text-amber-950 shadow-sm"
    >
      <h2 id={titleId} className="text-base font-semibold">
        {title}
      </h2>
      {children && <div className="mt-1 space-y-1">{children}</div>}
      <div className="mt-3">
        <label htmlFor={inputId} className="mb-1 block text-sm font-medium">
          {label}
        </label>
        <div className="flex flex-wrap items-center gap-2">
          <input
            ref={input}
            id={inputId}
            readOnly
            value={secret}
            spellCheck={false}
            autoComplete="off"
            onFocus={(e) => e.currentTarget.select()}
            className="min-w-0 flex-1 rounded-md border border-amber-300 bg-white px-3 py-2 font-mono text-sm text-slate-900"
          />
          <Button
            variant="primary"
            onClick={async () => setState((await copyText(secret, input.current)) ? 'copied' : 'failed')}
          >
            Copy<span className="sr-only"> {label.toLowerCase()}</span>
          </Button>
          <span role="status" className="min-w-16 text-sm font-medium">
            {state === 'copied' ? 'Copied' : state === 'failed' ? 'Could not copy: select the value and copy it.' : ''}
          </span>
        </div>
      </div>
      <p className="mt-3 font-medium">
        <span aria-hidden="true">⚠ </span>
        Copy it now: it will not be shown again. Leaving or reloading this page loses it; if it is lost, the only way to
        get a working one is to make a new one.
      </p>
    </section>
  );
}
