import { useSyncExternalStore } from 'react';

export interface Toast {
  id: number;
  tone: 'error' | 'success';
  message: string;
}

let toasts: Toast[] = [];
let nextId = 1;
const listeners = new Set<() => void>();

function emit() {
  for (const l of listeners) l();
}

function push(tone: Toast['tone'], message: string, ms: number) {
  const id = nextId++;
  // The same message twice in a row (e.g. several queries failing together) shows once.
  if (toasts.some((t) => t.message === message && t.tone === tone)) return;
  toasts = [...toasts, { id, tone, message }].slice(-4);
  emit();
  setTimeout(() => dismissToast(id), ms);
}

export function dismissToast(id: number) {
  const next = toasts.filter((t) => t.id !== id);
  if (next.length !== toasts.length) {
    toasts = next;
    emit();
  }
}

export const toast = {
  error: (message: string) => push('error', message, 10_000),
  success: (message: string) => push('success', message, 5_000),
};

export function useToasts(): Toast[] {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => toasts,
  );
}
