import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { RouterProvider } from 'react-router/dom';
import { createQueryClient } from './lib/query-client';
import { createRouter } from './router';
import './index.css';

// zod (the shared schemas) first probes whether `new Function` works, for a faster parser:
// under the console's CSP (no 'unsafe-eval') that probe is refused and reported as a violation on
// every page that loads a schema. Jitless mode skips it. This is what `z.config({ jitless: true })`
// sets (zod 4 keeps its config on this global), written directly so that zod stays out of the
// initial bundle; it must happen before any screen loads zod.
const zodGlobal = globalThis as { __zod_globalConfig?: { jitless?: boolean } };
zodGlobal.__zod_globalConfig = { ...zodGlobal.__zod_globalConfig, jitless: true };

const queryClient = createQueryClient();
const router = createRouter(queryClient);
const root = document.getElementById('root');
if (!root) throw new Error('No #root element in index.html');

createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  </StrictMode>,
);
