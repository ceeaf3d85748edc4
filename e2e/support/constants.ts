// E2E_BASE_PORT lets two runs share the machine; the suite uses 3100.
export const BASE_PORT = Number(process.env.E2E_BASE_PORT ?? 3100);
export const ADMIN_PASSWORD = 'Admin-pass-1';
export const DEMO_PASSWORD = 'Demo-pass-1';
