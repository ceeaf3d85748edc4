import { type ReactNode, useEffect, useRef } from 'react';
import { Link } from 'react-router';
import { can } from '../../features/auth/capabilities';
import { useCurrentUser } from '../../features/auth/queries';
import { useDocumentTitle } from '../../lib/use-document-title';
import { NoPermission } from '../ui/no-permission';

/**
 * One screen: its single h1, an optional description and actions, and its content, or a
 * "no permission" state when the user lacks the capability (the BFF refuses anyway).
 */
export function Page({
  title,
  cap,
  description,
  actions,
  back,
  children,
}: {
  title: string;
  /** Any one of these is enough. */
  cap?: string | string[];
  description?: ReactNode;
  actions?: ReactNode;
  back?: { to: string; label: string };
  children: ReactNode;
}) {
  useDocumentTitle(title);
  const me = useCurrentUser();
  const caps = cap === undefined ? [] : Array.isArray(cap) ? cap : [cap];
  const allowed = caps.length === 0 || caps.some((c) => can(me, c));
  const heading = useRef<HTMLHeadingElement>(null);

  // After a navigation, start keyboard and screen-reader users at the new page's heading.
  useEffect(() => {
    const active = document.activeElement;
    if (!active || active === document.body || !active.closest('main')) heading.current?.focus({ preventScroll: true });
  }, []);

  return (
    <div className="mx-auto max-w-7xl px-4 py-6 sm:px-6 sm:py-8 print:max-w-none print:p-0">
      {back && (
        <p className="mb-3 text-sm print:hidden">
          <Link to={back.to} className="text-blue-700 hover:underline">
            ← {back.label}
          </Link>
        </p>
      )}
      <div className="flex flex-wrap items-start justify-between gap-4 border-b border-slate-200 pb-4">
        <div className="min-w-0">
          <h1
            ref={heading}
            tabIndex={-1}
            className="text-2xl font-semibold break-words text-slate-900 focus:outline-none"
          >
            {title}
          </h1>
          {description && <div className="mt-1 max-w-3xl text-sm text-slate-600">{description}</div>}
        </div>
        {allowed && actions && <div className="flex max-w-full flex-wrap gap-2 print:hidden">{actions}</div>}
      </div>
      <div className="mt-6">{allowed ? children : <NoPermission />}</div>
    </div>
  );
}

/** A titled block within a page (GitHub settings style). */
export function Section({
  title,
  description,
  children,
}: {
  title: string;
  description?: ReactNode;
  children: ReactNode;
}) {
  return (
    <section className="mt-8 first:mt-0">
      <h2 className="text-lg font-semibold text-slate-900">{title}</h2>
      {description && <div className="mt-1 text-sm text-slate-600">{description}</div>}
      <div className="mt-3">{children}</div>
    </section>
  );
}
