import { ApiReferenceReact } from '@scalar/api-reference-react';
import '@scalar/api-reference-react/style.css';
import { useMemo } from 'react';
import type { OpenApiDocument } from '../webservice/queries';

/**
 * Scalar's API reference for an OpenAPI document already fetched with the console session.
 * Loaded on demand (it is large): import it with React.lazy. Everything it would fetch from
 * elsewhere is off: no fonts from a CDN, no telemetry, no request proxy, no AI agent, and no
 * test-request client (Try it in the API documentation calls functions without a token here).
 */
export default function ScalarReference({ document }: { document: OpenApiDocument }) {
  const configuration = useMemo(
    () => ({
      content: document,
      withDefaultFonts: false,
      telemetry: false,
      hideClientButton: true,
      hideTestRequestButton: true,
      showDeveloperTools: 'never' as const,
      agent: { disabled: true },
      mcp: { disabled: true },
      hideDarkModeToggle: true,
      forceDarkModeState: 'light' as const,
      documentDownloadType: 'none' as const,
    }),
    [document],
  );
  return <ApiReferenceReact configuration={configuration} />;
}
