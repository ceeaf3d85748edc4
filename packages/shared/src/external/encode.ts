import type { ExternalDescription, ExternalSingle } from './description';

// Request encoders for every protocol, shared by the generated documentation examples, the
// console's test client and the tests that run those examples against the server.

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
function xmlText(v: string): string {
  return v.replace(/[&<>"]/g, (c) => XML_ESCAPES[c] ?? c);
}

/** PHP bracket notation: { groups: [{ courseid: 2 }] } → [['groups[0][courseid]', '2']]. */
function toBracketPairs(value: unknown, prefix = ''): [string, string][] {
  if (value === null || value === undefined) return [];
  if (typeof value === 'object') {
    const entries = Array.isArray(value)
      ? value.map((v, i) => [String(i), v] as const)
      : Object.entries(value as object);
    return entries.flatMap(([k, v]) => toBracketPairs(v, prefix ? `${prefix}[${k}]` : k));
  }
  if (typeof value === 'boolean') return [[prefix, value ? '1' : '0']];
  return [[prefix, String(value)]];
}

export function toFormBody(args: unknown): string {
  return toBracketPairs(args)
    .map(([k, v]) => `${encodeURIComponent(k).replace(/%5B/g, '[').replace(/%5D/g, ']')}=${encodeURIComponent(v)}`)
    .join('&');
}

function xmlrpcValue(v: unknown): string {
  if (v === null || v === undefined) return '<value><nil/></value>';
  if (typeof v === 'boolean') return `<value><boolean>${v ? 1 : 0}</boolean></value>`;
  if (typeof v === 'number')
    return Number.isInteger(v) ? `<value><int>${v}</int></value>` : `<value><double>${v}</double></value>`;
  if (typeof v === 'string') return `<value><string>${xmlText(v)}</string></value>`;
  if (Array.isArray(v)) return `<value><array><data>${v.map(xmlrpcValue).join('')}</data></array></value>`;
  const members = Object.entries(v as object)
    .map(([k, x]) => `<member><name>${xmlText(k)}</name>${xmlrpcValue(x)}</member>`)
    .join('');
  return `<value><struct>${members}</struct></value>`;
}

/** An XML-RPC methodCall with one struct of named arguments. */
export function xmlrpcRequest(functionName: string, args: unknown): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<methodCall>\n  <methodName>${xmlText(functionName)}</methodName>\n  <params>\n    <param>${xmlrpcValue(args ?? {})}</param>\n  </params>\n</methodCall>\n`;
}

export const SOAP_NAMESPACE = 'urn:gatehouse:webservice';

function soapElement(name: string, value: unknown, desc: ExternalDescription | undefined, indent: string): string {
  if (value === undefined) return '';
  if (value === null) return `${indent}<${name} xsi:nil="true"/>\n`;
  if (Array.isArray(value)) {
    const content = desc?.kind === 'multiple' ? desc.content : undefined;
    return `${indent}<${name}>\n${value.map((v) => soapElement('item', v, content, `${indent}  `)).join('')}${indent}</${name}>\n`;
  }
  if (typeof value === 'object') {
    const keys = desc?.kind === 'single' ? desc.keys : {};
    const inner = Object.entries(value as object)
      .map(([k, v]) => soapElement(k, v, keys[k], `${indent}  `))
      .join('');
    return `${indent}<${name}>\n${inner}${indent}</${name}>\n`;
  }
  return `${indent}<${name}>${xmlText(typeof value === 'boolean' ? String(value) : String(value))}</${name}>\n`;
}

/** A SOAP 1.1 document/literal envelope; lists are wrapped, one <item> per entry, as in the WSDL. */
export function soapRequest(functionName: string, parameters: ExternalSingle, args: Record<string, unknown>): string {
  const body = Object.entries(args)
    .map(([k, v]) => soapElement(k, v, parameters.keys[k], '      '))
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n  <soap:Body>\n    <${functionName} xmlns="${SOAP_NAMESPACE}">\n${body}    </${functionName}>\n  </soap:Body>\n</soap:Envelope>\n`;
}

/** Example arguments for a description: defaults where given, else a plausible value of the type. */
export function sampleValue(desc: ExternalDescription, name = ''): unknown {
  if (desc.presence === 'default' && desc.default !== undefined) return desc.default;
  if (desc.kind === 'multiple') return [sampleValue(desc.content, name)];
  if (desc.kind === 'single') {
    return Object.fromEntries(
      Object.entries(desc.keys)
        .filter(([, d]) => d.presence === 'required')
        .map(([k, d]) => [k, sampleValue(d, k)]),
    );
  }
  switch (desc.type) {
    case 'int':
      return name.endsWith('id') ? 2 : 1;
    case 'float':
      return 1.5;
    case 'bool':
      return true;
    case 'email':
      return 'someone@example.com';
    case 'url':
      return 'https://example.com/';
    case 'username':
      return 'someone';
    case 'alpha':
    case 'alphaext':
      return 'example';
    case 'alphanum':
    case 'alphanumext':
      return 'example1';
    case 'lang':
      return 'en';
    case 'plugin':
    case 'component':
      return 'core';
    case 'sequence':
      return '1,2';
    default:
      return `Example ${name || 'text'}`;
  }
}

export interface ProtocolExamples {
  restForm: string;
  restJson: string;
  xmlrpc: string;
  soap: string;
  amf: string;
}

/**
 * A call's arguments as an AMF client sends them: one by one in the order the function declares
 * its parameters, as Moodle's AMF server took them; when a parameter before the last one given
 * is left out, one object of named arguments instead (which Gatehouse also reads).
 */
export function amfArguments(parameters: ExternalSingle, args: Record<string, unknown>): unknown[] {
  const names = Object.keys(parameters.keys);
  let last = -1;
  names.forEach((k, i) => {
    if (args[k] !== undefined) last = i;
  });
  const given = names.filter((k) => args[k] !== undefined);
  return given.length === last + 1 ? given.map((k) => args[k]) : [args];
}

/**
 * A Flex (ActionScript 3) RemoteObject calling the function over AMF: the arguments one by one
 * in the order the function declares its parameters, as Moodle's AMF server took them (or one
 * object of named arguments, which Gatehouse also reads, when the example leaves a gap).
 */
function amfExample(
  baseUrl: string,
  functionName: string,
  parameters: ExternalSingle,
  args: Record<string, unknown>,
  token: string,
): string {
  const list = amfArguments(parameters, args).map((a) => JSON.stringify(a));
  return [
    '// Flex (ActionScript 3): mx.rpc.remoting.RemoteObject, AMF3 over HTTP POST (application/x-amf)',
    'var api:RemoteObject = new RemoteObject("gatehouse");',
    `api.endpoint = ${JSON.stringify(`${baseUrl}/webservice/amf/server.php?wstoken=${token}`)};`,
    `api.getOperation(${JSON.stringify(functionName)}).send(${list.join(', ')});`,
    '// result: ResultEvent.result is the return value; a fault: FaultEvent.fault.faultCode is the errorcode',
  ].join('\n');
}

/** Ready-to-run curl commands for each protocol. */
export function curlExamples(
  baseUrl: string,
  functionName: string,
  parameters: ExternalSingle,
  args: Record<string, unknown>,
  token = 'YOUR_TOKEN',
): ProtocolExamples {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const form = toFormBody(args);
  return {
    restForm: `curl -X POST ${q(`${baseUrl}/webservice/rest/server.php`)} \\\n  -H ${q(`Authorization: Bearer ${token}`)} \\\n  -d ${q(`wsfunction=${functionName}&moodlewsrestformat=json${form ? `&${form}` : ''}`)}`,
    restJson: `curl -X POST ${q(`${baseUrl}/webservice/rest/server.php?wsfunction=${functionName}&moodlewsrestformat=json`)} \\\n  -H ${q(`Authorization: Bearer ${token}`)} \\\n  -H 'Content-Type: application/json' \\\n  -d ${q(JSON.stringify(args))}`,
    xmlrpc: `curl -X POST ${q(`${baseUrl}/webservice/xmlrpc/server.php`)} \\\n  -H ${q(`Authorization: Bearer ${token}`)} \\\n  -H 'Content-Type: text/xml' \\\n  --data-binary ${q(xmlrpcRequest(functionName, args))}`,
    amf: amfExample(baseUrl, functionName, parameters, args, token),
    soap: `curl -X POST ${q(`${baseUrl}/webservice/soap/server.php`)} \\\n  -H ${q(`Authorization: Bearer ${token}`)} \\\n  -H 'Content-Type: text/xml; charset=utf-8' \\\n  -H ${q(`SOAPAction: "${SOAP_NAMESPACE}#${functionName}"`)} \\\n  --data-binary ${q(soapRequest(functionName, parameters, args))}`,
  };
}
