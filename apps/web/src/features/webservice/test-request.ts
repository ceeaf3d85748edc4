import { type ExternalSingle, SOAP_NAMESPACE, soapRequest, toFormBody, xmlrpcRequest } from '@gatehouse/shared';

export const TEST_PROTOCOLS = ['rest-json', 'rest-xml', 'xmlrpc', 'soap'] as const;
export type TestProtocol = (typeof TEST_PROTOCOLS)[number];

export const TEST_PROTOCOL_LABELS: Record<TestProtocol, string> = {
  'rest-json': 'REST (JSON)',
  'rest-xml': 'REST (XML)',
  xmlrpc: 'XML-RPC',
  soap: 'SOAP',
};

/** The site protocol each test-client choice goes through. */
export const PROTOCOL_OF: Record<TestProtocol, 'rest' | 'xmlrpc' | 'soap'> = {
  'rest-json': 'rest',
  'rest-xml': 'rest',
  xmlrpc: 'xmlrpc',
  soap: 'soap',
};

export interface BuiltRequest {
  method: 'POST';
  /** Same-origin path and query. */
  url: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * The request a Moodle client would send: REST as a bracket-encoded form body with wstoken,
 * wsfunction and moodlewsrestformat; XML-RPC and SOAP as XML bodies with ?wstoken= in the URL
 * (and SOAPAction for SOAP).
 */
export function buildRequest(
  protocol: TestProtocol,
  token: string,
  fn: { name: string; parameters: ExternalSingle },
  args: Record<string, unknown>,
): BuiltRequest {
  const wstoken = encodeURIComponent(token);
  if (protocol === 'rest-json' || protocol === 'rest-xml') {
    const format = protocol === 'rest-json' ? 'json' : 'xml';
    const form = toFormBody(args);
    return {
      method: 'POST',
      url: '/webservice/rest/server.php',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `wstoken=${wstoken}&wsfunction=${encodeURIComponent(fn.name)}&moodlewsrestformat=${format}${form ? `&${form}` : ''}`,
    };
  }
  if (protocol === 'xmlrpc') {
    return {
      method: 'POST',
      url: `/webservice/xmlrpc/server.php?wstoken=${wstoken}`,
      headers: { 'Content-Type': 'text/xml; charset=utf-8' },
      body: xmlrpcRequest(fn.name, args),
    };
  }
  return {
    method: 'POST',
    url: `/webservice/soap/server.php?wstoken=${wstoken}`,
    headers: { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: `"${SOAP_NAMESPACE}#${fn.name}"` },
    body: soapRequest(fn.name, fn.parameters, args),
  };
}

const TOKEN_MASK = '••••••••';

/** The text with the token (raw or URL-encoded) replaced by a mask, for showing a request. */
export function maskToken(text: string, token: string): string {
  if (!token) return text;
  return text.split(encodeURIComponent(token)).join(TOKEN_MASK).split(token).join(TOKEN_MASK);
}

export interface TestResponse {
  status: number;
  statusText: string;
  contentType: string;
  body: string;
  ms: number;
}

/** Sends the request to the real protocol endpoint, without the console's session cookie. */
export async function sendRequest(req: BuiltRequest, signal?: AbortSignal): Promise<TestResponse> {
  const started = performance.now();
  const res = await fetch(req.url, {
    method: req.method,
    headers: req.headers,
    body: req.body,
    credentials: 'omit',
    cache: 'no-store',
    signal,
  });
  const body = await res.text();
  return {
    status: res.status,
    statusText: res.statusText,
    contentType: res.headers.get('content-type') ?? '',
    body,
    ms: Math.round(performance.now() - started),
  };
}

/** JSON pretty-printed; anything else as it came. */
export function prettyBody(r: Pick<TestResponse, 'contentType' | 'body'>): { text: string; json: boolean } {
  if (r.contentType.includes('json')) {
    try {
      return { text: JSON.stringify(JSON.parse(r.body), null, 2), json: true };
    } catch {
      // Not valid JSON after all: show it raw.
    }
  }
  return { text: r.body, json: false };
}
