// Applies the console's colour theme before the first paint (loaded by index.html as a blocking
// script in <head>: the CSP allows no inline script). The choice ("light", "dark", or none for the
// system's) is saved by the header's Theme control (src/features/shell/theme.ts) under this key.
(() => {
  try {
    const saved = localStorage.getItem('gatehouse.theme');
    const dark = saved === 'dark' || (saved !== 'light' && matchMedia('(prefers-color-scheme: dark)').matches);
    document.documentElement.classList.toggle('dark', dark);
  } catch {
    // No storage (private mode, blocked): the light theme.
  }
})();
