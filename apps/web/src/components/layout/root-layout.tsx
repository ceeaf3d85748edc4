import { Outlet } from 'react-router';
import { Toaster } from '../ui/toaster';

export function RootLayout() {
  return (
    <>
      <Outlet />
      <Toaster />
    </>
  );
}
