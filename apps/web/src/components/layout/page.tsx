import { createContext, type ReactNode, useContext, useEffect, useRef, useState } from 'react';
import { can } from '../../features/auth/capabilities';
import { useCurrentUser } from '../../features/auth/queries';
import { useDocumentTitle } from '../../lib/use-document-title';
import { NoPermission } from '../ui/no-permission';
import { Breadcrumbs } from './breadcrumbs';

/** Lets a screen's content name the thing the page shows once it has loaded it (usePageSubject). */
const SubjectContext = createContext<(subject: string | undefined) => void>(() => {});

/**
 * Names the thing the page edits or shows ("Group sync" on Edit service), from a component inside
 * the page that has loaded it: the heading, the document title and the breadcrumbs then carry it.
 */
export function usePageSubject(subject: string | undefined) {
  const set = useContext(SubjectContext);
  useEffect(() => {
    set(subject || undefined);
    return () => set(undefined);
  }, [set, subject]);
}

/**
 * One screen: breadcrumbs, its single h1, an optional description and actions, and its content,
 * or a "no permission" state when the user lacks the capability (the BFF refuses anyway). With a
 * subject (the prop, or usePageSubject inside), the h1 and the document title are "title: subject"
 * and the breadcrumbs end with the subject; `back` is the page's parent in the breadcrumbs when the
 * navigation tree does not have it.
 */
export function Page({
  title,
  subject: subjectProp,
  cap,
  description,
  actions,
  back,
  children,
}: {
  title: string;
  /** The name of the thing the page edits or shows, when the page has it at hand. */
  subject?: string | undefined;
  /** Any one of these is enough. */
  cap?: string | string[];
  description?: ReactNode;
  actions?: ReactNode;
  back?: { to: string; label: string };
  children: ReactNode;
}) {
  const [hookedSubject, setHookedSubject] = useState<string>();
  const subject = subjectProp || hookedSubject;
  const fullTitle = subject ? `${title}: ${subject}` : title;
  useDocumentTitle(fullTitle);
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
      <Breadcrumbs current={subject ?? title} parent={back} />
      <div className="flex flex-wrap items-start justify-between gap-4 border-b border-slate-200 pb-4">
        <div className="min-w-0">
          <h1
            ref={heading}
            tabIndex={-1}
            className="text-2xl font-semibold break-words text-slate-900 focus:outline-none"
          >
            {fullTitle}
          </h1>
          {description && <div className="mt-1 max-w-3xl text-sm text-slate-600">{description}</div>}
        </div>
        {allowed && actions && <div className="flex max-w-full flex-wrap gap-2 print:hidden">{actions}</div>}
      </div>
      <SubjectContext.Provider value={setHookedSubject}>
        <div className="mt-6">{allowed ? children : <NoPermission />}</div>
      </SubjectContext.Provider>
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
