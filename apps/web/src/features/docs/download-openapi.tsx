import type { OpenApiDocumentDto } from '@gatehouse/shared';
import { type FetchQueryOptions, type QueryKey, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Button, type ButtonVariant } from '../../components/ui/button';
import { downloadJson } from '../../lib/download';
import { toast } from '../../lib/toast';

/**
 * Downloads an OpenAPI document as a file. It is fetched with the console session (and kept in
 * the query cache), then saved from memory. The OpenAPI documents page uses plain download links.
 */
export function DownloadOpenApiButton<TKey extends QueryKey>({
  label,
  filename,
  query,
  variant = 'secondary',
}: {
  label: string;
  filename: string;
  query: FetchQueryOptions<OpenApiDocumentDto, Error, OpenApiDocumentDto, TKey>;
  variant?: ButtonVariant;
}) {
  const qc = useQueryClient();
  const [busy, setBusy] = useState(false);
  return (
    <Button
      variant={variant}
      busy={busy}
      onClick={async () => {
        setBusy(true);
        try {
          downloadJson(filename, await qc.fetchQuery(query));
        } catch (e) {
          toast.error(`Could not download the OpenAPI document: ${e instanceof Error ? e.message : 'unknown error'}`);
        } finally {
          setBusy(false);
        }
      }}
    >
      {label}
    </Button>
  );
}
