import {
  amfArguments,
  amfAsJson,
  type ExternalSingle,
  readPacket,
  remotingEnvelope,
  SOAP_NAMESPACE,
  soapRequest,
  toFormBody,
  xmlrpcRequest,
} from '@gatehouse/shared';

export const TEST_PROTOCOLS = ['rest-json', 'rest-xml', 'xmlrpc', 'soap', 'amf'] as const;
export type TestProtocol = (typeof TEST_PROTOCOLS)[number];

export const TEST_PROTOCOL_LABELS: Record<TestProtocol, string> = {
  'rest-json': 'REST (JSON)',
  'rest-xml': 'REST (XML)',
  xmlrpc: 'XML-RPC',
  soap: 'SOAP',
  amf: 'AMF (Flex RemoteObject)',
};

/** The site protocol each test-client choice goes through. */
export const PROTOCOL_OF: Record<TestProtocol, 'rest' | 'xmlrpc' | 'soap' | 'amf'> = {
  'rest-json': 'rest',
  'rest-xml': 'rest',
  xmlrpc: 'xmlrpc',
  soap: 'soap',
  amf: 'amf',
};

export interface BuiltRequest {
  method: 'POST';
  /** Same-origin path and query. */
  url: string;
  headers: Record<string, string>;
  /** What is sent: text, or AMF's bytes. */
  body: string | Uint8Array<ArrayBuffer>;
  /** The body as the page shows it (AMF's bytes described: the message and its arguments as JSON). */
  shown: string;
}

/**
 * The request a Moodle client would send: REST as a bracket-encoded form body with wstoken,
 * wsfunction and moodlewsrestformat; XML-RPC and SOAP as XML bodies with ?wstoken= in the URL
 * (and SOAPAction for SOAP); AMF as Flex's RemoteObject sends a call (a RemotingMessage in an
 * AMF0 envelope, the arguments by position), with ?wstoken= in the URL.
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
    return text({
      method: 'POST',
      url: '/webservice/rest/server.php',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `wstoken=${wstoken}&wsfunction=${encodeURIComponent(fn.name)}&moodlewsrestformat=${format}${form ? `&${form}` : ''}`,
    });
  }
  if (protocol === 'xmlrpc') {
    return text({
      method: 'POST',
      url: `/webservice/xmlrpc/server.php?wstoken=${wstoken}`,
      headers: { 'Content-Type': 'text/xml; charset=utf-8' },
      body: xmlrpcRequest(fn.name, args),
    });
  }
  if (protocol === 'amf') {
    const list = amfArguments(fn.parameters, args);
    const body = remotingEnvelope(fn.name, list, 'TESTCLIENT-1');
    return {
      method: 'POST',
      url: `/webservice/amf/server.php?wstoken=${wstoken}`,
      headers: { 'Content-Type': 'application/x-amf' },
      body,
      shown: `AMF0 envelope (${body.length} bytes), one message to response URI /1: an AMF3 flex.messaging.messages.RemotingMessage\n${JSON.stringify({ operation: fn.name, body: list }, null, 2)}`,
    };
  }
  return text({
    method: 'POST',
    url: `/webservice/soap/server.php?wstoken=${wstoken}`,
    headers: { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: `"${SOAP_NAMESPACE}#${fn.name}"` },
    body: soapRequest(fn.name, fn.parameters, args),
  });
}

const text = (r: Omit<BuiltRequest, 'shown'> & { body: string }): BuiltRequest => ({ ...r, shown: r.body });

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
  const contentType = res.headers.get('content-type') ?? '';
  const body = contentType.startsWith('application/x-amf') ? amfText(await res.arrayBuffer()) : await res.text();
  return {
    status: res.status,
    statusText: res.statusText,
    contentType,
    body,
    ms: Math.round(performance.now() - started),
  };
}

/** An AMF answer as text: each message's target and value, as JSON (typed objects with "$class"). */
function amfText(bytes: ArrayBuffer): string {
  try {
    const packet = readPacket(new Uint8Array(bytes));
    return JSON.stringify(
      packet.bodies.map((b) => ({ target: b.target, value: amfAsJson(b.value) })),
      null,
      2,
    );
  } catch (e) {
    return `(an AMF answer that could not be read: ${e instanceof Error ? e.message : String(e)})`;
  }
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

/** A Moodle error read from a response body: its reason code when the body names one, and its message. */
export interface MoodleError {
  /** Moodle's errorcode (invalidtoken, invalidparameter, …); null when the body does not say (SOAP's MOODLE:error). */
  errorcode: string | null;
  message: string;
  /** What carried it: an exception (REST) or a fault (XML-RPC, SOAP) and, for a fault without errorcode, its faultcode. */
  kind: 'exception' | 'fault';
  faultcode?: string;
}

/** XML's predefined entities and character references, decoded. */
function xmlText(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|lt|gt|amp|quot|apos);/gi, (whole, ref: string) => {
    const r = ref.toLowerCase();
    if (r.startsWith('#x')) return String.fromCodePoint(Number.parseInt(r.slice(2), 16));
    if (r.startsWith('#')) return String.fromCodePoint(Number.parseInt(r.slice(1), 10));
    return ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" } as Record<string, string>)[r] ?? whole;
  });
}

const ERRORCODE_SUFFIX = / \| ERRORCODE: ([^\s|]+)$/;

/** "<message> | ERRORCODE: <code>" (Moodle's XML-RPC and SOAP faults) split apart. */
function splitErrorcode(text: string): { message: string; errorcode: string | null } {
  const m = ERRORCODE_SUFFIX.exec(text);
  return m ? { message: text.slice(0, m.index), errorcode: m[1] ?? null } : { message: text, errorcode: null };
}

const tag = (body: string, name: string) =>
  new RegExp(`<(?:[\\w-]+:)?${name}(?:\\s[^>]*)?>([\\s\\S]*?)</(?:[\\w-]+:)?${name}>`).exec(body)?.[1];

/**
 * The Moodle error a response carries, whatever its HTTP status (Moodle answers most of them
 * with 200): REST JSON's {"exception","errorcode","message"}, REST XML's <EXCEPTION> with
 * <ERRORCODE> (webservice/rest/locallib.php), an XML-RPC fault whose faultString ends with
 * " | ERRORCODE: <code>" (webservice/xmlrpc/locallib.php), a SOAP fault with the code in
 * faultactor or after " | ERRORCODE: ", or send_error's faultcode MOODLE:error (no code).
 * Undefined for an answer that is not an error.
 */
export function moodleErrorOf(protocol: TestProtocol, r: Pick<TestResponse, 'body'>): MoodleError | undefined {
  const body = r.body;
  if (protocol === 'rest-json') {
    let v: unknown;
    try {
      v = JSON.parse(body);
    } catch {
      return undefined;
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
    const o = v as Record<string, unknown>;
    if (typeof o.errorcode !== 'string' || (typeof o.exception !== 'string' && typeof o.error !== 'string')) {
      return undefined;
    }
    const message = typeof o.message === 'string' ? o.message : typeof o.error === 'string' ? o.error : '';
    return { errorcode: o.errorcode, message, kind: 'exception' };
  }
  if (protocol === 'amf') {
    let bodies: unknown;
    try {
      bodies = JSON.parse(body);
    } catch {
      return undefined;
    }
    if (!Array.isArray(bodies)) return undefined;
    for (const b of bodies as { value?: Record<string, unknown> }[]) {
      const v = b.value;
      if (v?.$class === 'flex.messaging.messages.ErrorMessage')
        return { errorcode: String(v.faultCode ?? '') || null, message: String(v.faultString ?? ''), kind: 'fault' };
      // A legacy AMF0 fault (Zend's array).
      if (v && typeof v.code === 'string' && typeof v.description === 'string' && !v.$class)
        return { errorcode: v.code, message: v.description, kind: 'fault' };
    }
    return undefined;
  }
  if (protocol === 'rest-xml') {
    if (!/<EXCEPTION[\s>]/.test(body)) return undefined;
    const code = tag(body, 'ERRORCODE');
    return {
      errorcode: code === undefined ? null : xmlText(code),
      message: xmlText(tag(body, 'MESSAGE') ?? ''),
      kind: 'exception',
    };
  }
  if (protocol === 'xmlrpc') {
    if (!/<fault>/.test(body)) return undefined;
    const member = /<name>faultString<\/name>\s*<value>(?:<string>)?([\s\S]*?)(?:<\/string>)?<\/value>/.exec(body)?.[1];
    const code = /<name>faultCode<\/name>\s*<value>(?:<(?:int|i4)>)?([\s\S]*?)(?:<\/(?:int|i4)>)?<\/value>/.exec(
      body,
    )?.[1];
    const { message, errorcode } = splitErrorcode(xmlText(member ?? ''));
    return { errorcode, message, kind: 'fault', ...(errorcode ? {} : { faultcode: code ?? '' }) };
  }
  const fault = tag(body, 'Fault');
  if (fault === undefined) return undefined;
  const faultcode = xmlText(tag(fault, 'faultcode') ?? '');
  const actor = tag(fault, 'faultactor');
  const { message, errorcode } = splitErrorcode(xmlText(tag(fault, 'faultstring') ?? ''));
  const code = actor !== undefined && actor !== '' ? xmlText(actor) : errorcode;
  return { errorcode: code, message, kind: 'fault', ...(code ? {} : { faultcode }) };
}
