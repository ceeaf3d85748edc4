/**
 * Copies text: the Clipboard API where allowed, else the old copy command on a selected field
 * (the one given, or a temporary off-screen text area).
 */
export async function copyText(
  text: string,
  fallback?: HTMLInputElement | HTMLTextAreaElement | null,
): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const field = fallback ?? document.createElement('textarea');
    const temporary = !fallback;
    if (temporary) {
      field.value = text;
      field.setAttribute('readonly', '');
      field.className = 'fixed -left-[9999px] top-0';
      document.body.appendChild(field);
    }
    const active = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    field.focus();
    field.select();
    try {
      return document.execCommand('copy');
    } catch {
      return false;
    } finally {
      if (temporary) {
        field.remove();
        active?.focus();
      }
    }
  }
}
