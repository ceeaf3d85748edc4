import { type KeyboardEvent, type ReactNode, useState } from 'react';
import { Button } from '../../components/ui/button';
import { Dialog } from '../../components/ui/dialog';
import { cn } from '../../lib/cn';
import { formatBytes } from './file-size';

// A hub course's screenshots and backup, as the visitors' search and Manage courses show them:
// thumbnails (at most 150 × 150, the size download.php makes by default) that open a larger view,
// and a link to the course backup with its size.

export type ScreenshotUrl = (n: number, size: 'thumbnail' | 'original') => string;

const screenshotAlt = (n: number, courseName: string) => `Screenshot ${n} of ${courseName}`;

/** One image with a placeholder while it loads and a message if it cannot be loaded. */
function Picture({
  src,
  alt,
  className,
  failedText,
  lazy,
}: {
  src: string;
  alt: string;
  className?: string;
  failedText: string;
  /** Load it only when it scrolls near (a list of thumbnails). */
  lazy?: boolean;
}) {
  const [state, setState] = useState<'loading' | 'loaded' | 'failed'>('loading');
  if (state === 'failed') {
    return (
      <span className="flex h-full w-full items-center justify-center p-2 text-center text-xs text-slate-500">
        {failedText}
      </span>
    );
  }
  return (
    <img
      src={src}
      alt={alt}
      loading={lazy ? 'lazy' : 'eager'}
      decoding="async"
      onLoad={() => setState('loaded')}
      onError={() => setState('failed')}
      className={cn(className, state === 'loading' && 'animate-pulse bg-slate-200')}
    />
  );
}

/** The larger view: one screenshot at a time, Previous / Next (or the arrow keys), Escape closes. */
function ScreenshotViewer({
  courseName,
  numbers,
  url,
  at,
  onAt,
  onClose,
}: {
  courseName: string;
  numbers: readonly number[];
  url: ScreenshotUrl;
  at: number | null;
  onAt: (i: number) => void;
  onClose: () => void;
}) {
  const i = at ?? 0;
  const n = numbers[i];
  const go = (next: number) => {
    if (next >= 0 && next < numbers.length) onAt(next);
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'ArrowLeft') go(i - 1);
    else if (e.key === 'ArrowRight') go(i + 1);
    else return;
    e.preventDefault();
  };
  return (
    <Dialog
      open={at !== null && n !== undefined}
      onClose={onClose}
      wide
      title={n === undefined ? 'Screenshot' : `Screenshot ${n} of ${courseName}`}
      footer={<Button onClick={onClose}>Close</Button>}
    >
      {n !== undefined && (
        // biome-ignore lint/a11y/noStaticElementInteractions: the arrow keys are a shortcut for the buttons inside
        <div onKeyDown={onKeyDown} className="flex flex-col gap-3">
          <figure className="flex min-h-40 items-center justify-center rounded-md bg-slate-100">
            <Picture
              key={n}
              src={url(n, 'original')}
              alt={screenshotAlt(n, courseName)}
              className="max-h-[65vh] max-w-full object-contain"
              failedText="This screenshot could not be loaded. Try again later."
            />
          </figure>
          {numbers.length > 1 && (
            <div className="flex items-center justify-between gap-2">
              <Button size="sm" disabled={i === 0} onClick={() => go(i - 1)}>
                Previous<span className="sr-only"> screenshot</span>
              </Button>
              <span className="text-sm text-slate-600" aria-live="polite">
                {i + 1} of {numbers.length}
              </span>
              <Button size="sm" disabled={i === numbers.length - 1} onClick={() => go(i + 1)}>
                Next<span className="sr-only"> screenshot</span>
              </Button>
            </div>
          )}
        </div>
      )}
    </Dialog>
  );
}

/**
 * A course's screenshots as thumbnails (buttons: Enter or a click opens the larger view). `small`
 * shows them 48 px high (a table row), else in their 150 px box. `limit` shows the first ones
 * only; `actions` adds controls under each thumbnail.
 */
export function ScreenshotThumbnails({
  courseName,
  numbers,
  url,
  small,
  limit,
  actions,
  className,
}: {
  courseName: string;
  numbers: readonly number[];
  url: ScreenshotUrl;
  small?: boolean;
  limit?: number;
  actions?: (n: number) => ReactNode;
  className?: string;
}) {
  const [at, setAt] = useState<number | null>(null);
  if (numbers.length === 0) return null;
  const shown = limit === undefined ? numbers : numbers.slice(0, limit);
  return (
    <>
      <ul aria-label={`Screenshots of ${courseName}`} className={cn('flex flex-wrap gap-2', className)}>
        {shown.map((n, i) => (
          <li key={n} className="flex flex-col items-center gap-1">
            <button
              type="button"
              onClick={() => setAt(i)}
              className={cn(
                'flex items-center justify-center overflow-hidden rounded border border-slate-200 bg-slate-50 hover:border-blue-600 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-blue-600',
                small ? 'h-12 w-16' : 'size-[150px] max-w-[calc(50vw-2rem)]',
              )}
            >
              <Picture
                lazy
                src={url(n, 'thumbnail')}
                alt={screenshotAlt(n, courseName)}
                className="max-h-full max-w-full object-contain"
                failedText={small ? 'No image' : `Screenshot ${n} could not be loaded`}
              />
              <span className="sr-only"> (view larger)</span>
            </button>
            {actions?.(n)}
          </li>
        ))}
        {shown.length < numbers.length && (
          <li className="flex items-center text-xs text-slate-600">+{numbers.length - shown.length} more</li>
        )}
      </ul>
      <ScreenshotViewer
        courseName={courseName}
        numbers={numbers}
        url={url}
        at={at}
        onAt={setAt}
        onClose={() => setAt(null)}
      />
    </>
  );
}

/** The link to a course's backup (.mbz), with its size. */
export function BackupLink({
  href,
  size,
  courseName,
  className,
}: {
  href: string;
  size: number;
  courseName: string;
  className?: string;
}) {
  return (
    <a
      href={href}
      download
      className={cn(
        'inline-flex items-center gap-1 text-blue-700 underline hover:no-underline focus-visible:outline-2 focus-visible:outline-blue-600',
        className,
      )}
    >
      <svg viewBox="0 0 16 16" fill="currentColor" aria-hidden="true" className="size-3.5 shrink-0">
        <path d="M8 1a.75.75 0 0 1 .75.75v6.69l2.22-2.22a.75.75 0 1 1 1.06 1.06l-3.5 3.5a.75.75 0 0 1-1.06 0l-3.5-3.5a.75.75 0 0 1 1.06-1.06l2.22 2.22V1.75A.75.75 0 0 1 8 1ZM2.75 12.5a.75.75 0 0 0 0 1.5h10.5a.75.75 0 0 0 0-1.5H2.75Z" />
      </svg>
      <span>
        Download the course backup<span className="sr-only"> of {courseName}</span> ({formatBytes(size)})
      </span>
    </a>
  );
}
