import { type ReactNode, useCallback, useEffect, useRef } from 'react';
import { type BlockerFunction, useBlocker } from 'react-router';
import { isSessionExpired } from '../../api/client';
import { ConfirmDialog } from '../ui/dialog';

export interface LeaveGuard {
  /** The "Leave without saving?" dialog: render it once in the form. */
  prompt: ReactNode;
  /** Lets the next navigation through (call it after a successful save, before navigating on). */
  release: () => void;
}

/**
 * Asks before leaving a page with unsaved changes: in-app navigation (react-router's blocker, with
 * a dialog) and closing or reloading the tab (beforeunload). Moving within the same page (its
 * query string) never asks, nor does the move to the sign-in page when the session has expired
 * (the form keeps a draft then: see useFormDraft). One guard per page: a router has one blocker.
 */
export function useLeaveGuard(dirty: boolean): LeaveGuard {
  const dirtyRef = useRef(dirty);
  dirtyRef.current = dirty;
  const shouldBlock = useCallback<BlockerFunction>(
    ({ currentLocation, nextLocation }) =>
      dirtyRef.current && !isSessionExpired() && currentLocation.pathname !== nextLocation.pathname,
    [],
  );
  const blocker = useBlocker(shouldBlock);

  useEffect(() => {
    if (!dirty) return;
    const onBeforeUnload = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      // Older browsers need returnValue set to show their prompt.
      e.returnValue = '';
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, [dirty]);

  const prompt = (
    <ConfirmDialog
      open={blocker.state === 'blocked'}
      title="Leave without saving?"
      confirmLabel="Leave without saving"
      onConfirm={() => blocker.proceed?.()}
      onCancel={() => blocker.reset?.()}
    >
      <p>You have unsaved changes on this page. If you leave now, they are lost.</p>
    </ConfirmDialog>
  );
  return {
    prompt,
    release: () => {
      dirtyRef.current = false;
    },
  };
}
