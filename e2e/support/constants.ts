export const BASE_PORT = 3100;
export const ADMIN_PASSWORD = 'Admin-pass-1';
export const DEMO_PASSWORD = 'Demo-pass-1';
