import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import type { Client, TestApp } from '../../test/helpers';
import { splitFaultString } from '../../test/xmlrpc-faults';

// Hub calls as a Moodle site makes them (XML-RPC, the token in the URL), sent through
// app.request so that each call can come from its own client address. The body is the npm
// `xmlrpc` package's own serialisation and the answer is read with its deserializer.

const require = createRequire(import.meta.url);
const { serializeMethodCall } = require('xmlrpc/lib/serializer') as {
  serializeMethodCall(method: string, params: unknown[]): string;
};
const Deserializer = require('xmlrpc/lib/deserializer') as new () => {
  deserializeMethodResponse(stream: Readable, cb: (err: unknown, value: unknown) => void): void;
};

export interface RpcAnswer<T = unknown> {
  status: number;
  value?: T;
  /** Moodle's fault; errorcode is read from the end of faultString, where Moodle puts it. */
  fault?: { faultCode: number; faultString: string; errorcode: string };
  text: string;
}

/** One XML-RPC call from `ip` (the connection's address, as the test client sets it). */
export async function rpc<T = unknown>(
  t: TestApp,
  fn: string,
  params: unknown[],
  token: string,
  ip = '192.0.2.10',
): Promise<RpcAnswer<T>> {
  const client: Client = t.client({ ip });
  const res = await client.request('POST', `/webservice/xmlrpc/server.php?wstoken=${token}`, {
    body: serializeMethodCall(fn, params),
    headers: { 'content-type': 'text/xml' },
  });
  const text = res.text;
  if (!text) return { status: res.status, text };
  return new Promise((resolve, reject) => {
    new Deserializer().deserializeMethodResponse(Readable.from([text]), (err, value) => {
      if (err && typeof err === 'object' && 'faultCode' in err) {
        const f = err as { faultCode: number; faultString: string };
        resolve({
          status: res.status,
          text,
          fault: {
            faultCode: f.faultCode,
            faultString: f.faultString,
            errorcode: splitFaultString(f.faultString).errorcode,
          },
        });
      } else if (err) reject(err);
      else resolve({ status: res.status, text, value: value as T });
    });
  });
}

/** Moodle's siteinfo structure as a registering site sends it. */
export const siteInfo = (name: string, url: string, extra: Record<string, unknown> = {}) => ({
  name,
  url,
  description: `${name}, a Moodle site`,
  contactname: `${name} admin`,
  contactemail: 'admin@site.example',
  language: 'en',
  countrycode: 'NZ',
  courses: 12,
  users: 340,
  moodlerelease: '4.5 (Build: 20250101)',
  ...extra,
});

/** One course as hub_register_courses takes it. */
export const courseInfo = (sitecourseid: number, fullname: string, extra: Record<string, unknown> = {}) => ({
  sitecourseid,
  fullname,
  shortname: `C${sitecourseid}`,
  description: `About ${fullname}`,
  language: 'en',
  publishername: 'Pat Publisher',
  publisheremail: 'pat@site.example',
  contributornames: '',
  coverage: '',
  creatorname: 'Cora Creator',
  licenceshortname: 'cc-sa',
  subject: '0111',
  audience: 'educators',
  educationallevel: 'tertiary',
  creatornotes: '',
  creatornotesformat: 1,
  enrollable: false,
  ...extra,
});

/** Web services and XML-RPC on, and the hub enabled with the given settings. */
export async function enableHub(admin: Client, settings: Record<string, unknown>): Promise<void> {
  const s = await admin.patch('/api/settings', { enablewebservices: '1', webserviceprotocols: 'xmlrpc' });
  if (s.status !== 200) throw new Error(s.text);
  const h = await admin.patch('/api/hub/settings', { enabled: true, ...settings });
  if (h.status !== 200) throw new Error(h.text);
}

// ---- the hub's own endpoint, as a Moodle site calls it ----------------------------------------

/** A PHP float (xmlrpc-epi writes it as <double>), for the values a site sends as floats (moodleversion). */
export class PhpFloat {
  constructor(readonly value: number) {}
}

/** PHP's `%.14G` (precision 14), as xmlrpc-epi prints a double. */
function phpG14(x: number): string {
  if (x === 0) return '0';
  const e = Math.floor(Math.log10(Math.abs(x)));
  if (e < -5 || e >= 14)
    return x
      .toExponential(13)
      .replace(/\.?0+e/, 'E')
      .replace(/E\+?/, 'E+')
      .replace('E+-', 'E-');
  return String(Number(x.toPrecision(14)));
}

/** xmlrpc-epi's 'escaping' => 'markup' (Moodle 3.3's client): < > & " as entities, other text as it is. */
const markup = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** One value as xmlrpc-epi writes it with verbosity "pretty": each element on its own line, one space a level. */
function epiValue(v: unknown, depth: number): string {
  const pad = (n: number) => ' '.repeat(n);
  const inner = depth + 1;
  let body: string;
  if (v instanceof PhpFloat) body = `${pad(inner)}<double>${phpG14(v.value)}</double>\n`;
  else if (typeof v === 'boolean') body = `${pad(inner)}<boolean>${v ? 1 : 0}</boolean>\n`;
  else if (typeof v === 'number')
    body = Number.isInteger(v) ? `${pad(inner)}<int>${v}</int>\n` : `${pad(inner)}<double>${phpG14(v)}</double>\n`;
  else if (typeof v === 'string')
    body = v === '' ? `${pad(inner)}<string/>\n` : `${pad(inner)}<string>${markup(v)}</string>\n`;
  else if (Array.isArray(v)) {
    // A PHP list (keys 0..n-1): <array>; an empty one has an empty <data/>.
    body = v.length
      ? `${pad(inner)}<array>\n${pad(inner + 1)}<data>\n${v.map((x) => epiValue(x, inner + 1)).join('')}${pad(inner + 1)}</data>\n${pad(inner)}</array>\n`
      : `${pad(inner)}<array>\n${pad(inner + 1)}<data/>\n${pad(inner)}</array>\n`;
  } else if (v && typeof v === 'object') {
    // stdClass or an associative array: <struct>.
    const members = Object.entries(v)
      .map(
        ([k, x]) =>
          `${pad(inner + 1)}<member>\n${pad(inner + 2)}<name>${markup(k)}</name>\n${epiValue(x, inner + 1)}${pad(inner + 1)}</member>\n`,
      )
      .join('');
    body = members ? `${pad(inner)}<struct>\n${members}${pad(inner)}</struct>\n` : `${pad(inner)}<struct/>\n`;
  } else body = `${pad(inner)}<string/>\n`; // PHP null: xmlrpc-epi's empty value
  return `${pad(depth)}<value>\n${body}${pad(depth)}</value>\n`;
}

/**
 * The body PHP's xmlrpc_encode_request($method, array_values($params), ['encoding' => 'utf-8',
 * 'escaping' => 'markup']) builds (Moodle 3.3, webservice/xmlrpc/lib.php webservice_xmlrpc_client::call;
 * xmlrpc-epi's default verbosity "pretty"): the values positional, one <param> each.
 */
function phpXmlrpcRequest(method: string, params: unknown[]): string {
  const ps = params.map((p) => ` <param>\n${epiValue(p, 2)} </param>\n`).join('');
  return `<?xml version="1.0" encoding="utf-8"?>\n<methodCall>\n<methodName>${method}</methodName>\n${
    ps ? `<params>\n${ps}</params>\n` : '<params/>\n'
  }</methodCall>\n`;
}

/**
 * The request Zend_XmlRpc_Client (Moodle 2.0–3.0, lib/zend/Zend/XmlRpc/Request.php saveXml) sends:
 * compact, the XML declaration with UTF-8, <string> for strings.
 */
export function zendXmlrpcRequest(method: string, strings: string[]): string {
  const ps = strings.map((s) => `<param><value><string>${markup(s)}</string></value></param>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<methodCall><methodName>${method}</methodName><params>${ps}</params></methodCall>\n`;
}

/** Reads an XML-RPC answer with the npm `xmlrpc` deserializer: the value, or Moodle's fault. */
function readAnswer<T>(status: number, text: string): Promise<RpcAnswer<T>> {
  if (!text) return Promise.resolve({ status, text });
  return new Promise((resolve, reject) => {
    new Deserializer().deserializeMethodResponse(Readable.from([text]), (err, value) => {
      if (err && typeof err === 'object' && 'faultCode' in err) {
        const f = err as { faultCode: number; faultString: string };
        resolve({
          status,
          text,
          fault: { ...f, errorcode: splitFaultString(f.faultString).errorcode },
        });
      } else if (err) reject(err);
      else resolve({ status, text, value: value as T });
    });
  });
}

/**
 * A hub call as a Moodle 3.1–3.3 site makes it (webservice/xmlrpc/lib.php): POST
 * {hub}/local/hub/webservice/webservices.php?wstoken=TOKEN (moodle_url::param, rawurlencode),
 * the body of phpXmlrpcRequest, the headers of the client's call(): Content-Type, User-Agent, Host.
 * `body` replaces the body (a Zend request, say).
 */
export async function hubCall<T = unknown>(
  t: TestApp,
  fn: string,
  params: unknown[],
  token: string,
  opts: { ip?: string; body?: string } = {},
): Promise<RpcAnswer<T>> {
  const body = opts.body ?? phpXmlrpcRequest(fn, params);
  const res = await t
    .client({ ip: opts.ip ?? '192.0.2.10' })
    .request('POST', `/local/hub/webservice/webservices.php?wstoken=${encodeURIComponent(token)}`, {
      body,
      headers: {
        'content-type': 'text/xml; charset=utf-8',
        'user-agent': 'Moodle XML-RPC Client/1.0',
        'content-length': String(Buffer.byteLength(body)),
      },
    });
  return readAnswer<T>(res.status, res.text);
}

/** A multipart part: a text field, or a file (curl sends the pool file's content hash as its name). */
export type CurlPart =
  | readonly [name: string, value: string]
  | readonly [name: string, file: { filename: string; content: Buffer }];

/**
 * A multipart/form-data body as PHP's curl sends an array CURLOPT_POSTFIELDS (lib/filelib.php
 * curl::post with a stored_file, which add_to_curl_request turns into curl_file_create(path)):
 * libcurl's boundary (24 dashes, 16 hex digits), a text part per field, the file part with
 * Content-Type application/octet-stream, the parts in the order of the array.
 */
export function curlMultipartFor(parts: readonly CurlPart[]): { body: Buffer; contentType: string } {
  const boundary = `------------------------${'0123456789abcdef'.split('').reverse().join('')}`;
  const chunks: Buffer[] = [];
  for (const [name, v] of parts) {
    if (typeof v === 'string') {
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${v}\r\n`));
    } else {
      chunks.push(
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${v.filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
        ),
        v.content,
        Buffer.from('\r\n'),
      );
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** POST {hub}/local/hub/webservice/upload.php with curl's multipart body. */
export async function hubUpload(t: TestApp, parts: readonly CurlPart[], ip = '192.0.2.10') {
  const { body, contentType } = curlMultipartFor(parts);
  return t.client({ ip }).request('POST', '/local/hub/webservice/upload.php', {
    body: new Uint8Array(body),
    headers: { 'content-type': contentType, 'content-length': String(body.length), accept: '*/*' },
  });
}
