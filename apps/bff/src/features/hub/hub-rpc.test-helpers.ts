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
