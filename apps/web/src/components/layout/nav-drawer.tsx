import { type KeyboardEvent, type ReactNode, useEffect, useRef } from 'react';

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]), select, textarea, [tabindex]:not([tabindex="-1"])';

/**
 * The navigation as a drawer from the left, for phones and narrow windows. It is a modal
 * <dialog> (the page behind is inert), Tab and Shift+Tab wrap inside it, Escape and a click on
 * the backdrop close it. Its content exists only while it is open, so that the navigation is not
 * in the page twice. Where focus goes on close is the caller's choice (`onClosed`).
 */
export function NavDrawer({
  id,
  open,
  onClose,
  onClosed,
  children,
}: {
  id: string;
  open: boolean;
  onClose: () => void;
  /** Runs right after the drawer has closed: move the focus. */
  onClosed: () => void;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const onClosedRef = useRef(onClosed);
  onClosedRef.current = onClosed;

  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) {
      d.showModal();
      d.querySelector<HTMLElement>(FOCUSABLE)?.focus();
    } else if (!open && d.open) {
      d.close();
      onClosedRef.current();
    }
  }, [open]);

  // Unmounting while open: close so the page is not left inert.
  useEffect(() => () => ref.current?.close(), []);

  const trapTab = (e: KeyboardEvent<HTMLDialogElement>) => {
    if (e.key !== 'Tab') return;
    const items = [...e.currentTarget.querySelectorAll<HTMLElement>(FOCUSABLE)];
    const first = items[0];
    const last = items[items.length - 1];
    if (!first || !last) return;
    const active = document.activeElement;
    if (e.shiftKey && (active === first || !e.currentTarget.contains(active))) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && (active === last || !e.currentTarget.contains(active))) {
      e.preventDefault();
      first.focus();
    }
  };

  return (
    <dialog
      ref={ref}
      id={id}
      aria-label="Navigation"
      onKeyDown={trapTab}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      // A click on the backdrop lands on the <dialog> itself (its panel fills the whole box).
      onClick={(e) => {
        if (e.target === e.currentTarget) onClose();
      }}
      className="fixed inset-y-0 left-0 m-0 h-dvh max-h-dvh w-72 max-w-[85vw] border-r border-slate-200 bg-white p-0 text-slate-900 shadow-xl backdrop:bg-black/40 print:hidden"
    >
      {open && (
        <div className="h-full overflow-y-auto">
          {/* For touch and screen-reader users, who have no Escape key. */}
          <div className="flex justify-end px-3 pt-3">
            <button
              type="button"
              onClick={onClose}
              className="rounded-md px-2 py-1 text-sm text-slate-700 hover:bg-slate-100"
            >
              Close menu
            </button>
          </div>
          {children}
        </div>
      )}
    </dialog>
  );
}
