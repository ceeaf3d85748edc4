import type { ExternalDescription } from '@gatehouse/shared';
import type { Context } from 'hono';
import { Hono } from 'hono';
import type { Deps } from '../../deps';
import type { AppEnv } from '../../types';
import {
  AccessDenied,
  checkProtocol,
  checkService,
  checkToken,
  ProtocolDisabled,
  protocolRefused,
  tokenFrom,
} from '../access';
import { publicError, refusalBeforeBody, runCall } from '../call';
import { MoodleException } from '../exceptions';
import { decodeUtf8, ParamsError, rawRequest, readBodyLimited } from '../params';
import type { ExternalFunction } from '../types';
import { missingTokenRefusal } from './faults';
import { child, escapeXml, MAX_ANONYMOUS_XML_BYTES, MAX_XML_BYTES, parseXml, XmlError, type XNode } from './xml';

const SOAP_NS = 'urn:gatehouse:webservice';
const ENV = 'http://schemas.xmlsoap.org/soap/envelope/';
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

class SoapRequestError extends Error {}

// ---- WSDL ------------------------------------------------------------------------------------

function xsdType(desc: ExternalDescription & { kind: 'value' }): string {
  if (desc.type === 'int') return 'xsd:long';
  if (desc.type === 'float') return 'xsd:double';
  if (desc.type === 'bool') return 'xsd:boolean';
  return 'xsd:string';
}

/** An element declaration for a described value; `input` marks optional and defaulted keys as minOccurs=0. */
function xsdElement(name: string, desc: ExternalDescription, input: boolean, occurs = ''): string {
  const optional = desc.presence === 'optional' || (input && desc.presence === 'default');
  const min = occurs || (optional ? ' minOccurs="0"' : '');
  const doc = desc.desc
    ? `<xsd:annotation><xsd:documentation>${escapeXml(desc.desc)}</xsd:documentation></xsd:annotation>`
    : '';
  if (desc.kind === 'value') {
    const nillable = desc.allowNull ? ' nillable="true"' : '';
    return `<xsd:element name="${name}" type="${xsdType(desc)}"${min}${nillable}>${doc}</xsd:element>`;
  }
  if (desc.kind === 'multiple') {
    return `<xsd:element name="${name}"${min}>${doc}<xsd:complexType><xsd:sequence>${xsdElement('item', desc.content, input, ' minOccurs="0" maxOccurs="unbounded"')}</xsd:sequence></xsd:complexType></xsd:element>`;
  }
  const keys = Object.entries(desc.keys)
    .map(([k, sub]) => xsdElement(k, sub, input))
    .join('');
  return `<xsd:element name="${name}"${min}>${doc}<xsd:complexType><xsd:sequence>${keys}</xsd:sequence></xsd:complexType></xsd:element>`;
}

/** WSDL 1.1, SOAP 1.1 document/literal (wrapped), for the functions of one service. */
function buildWsdl(functions: readonly ExternalFunction[], location: string, serviceName: string): string {
  const elements = functions
    .map((f) => {
      const params = Object.entries(f.parameters.keys)
        .map(([k, d]) => xsdElement(k, d, true))
        .join('');
      const ret = f.returns ? xsdElement('return', f.returns, false) : '';
      return `<xsd:element name="${f.name}"><xsd:complexType><xsd:sequence>${params}</xsd:sequence></xsd:complexType></xsd:element><xsd:element name="${f.name}Response"><xsd:complexType><xsd:sequence>${ret}</xsd:sequence></xsd:complexType></xsd:element>`;
    })
    .join('\n');
  const messages = functions
    .map(
      (f) =>
        `<message name="${f.name}Request"><part name="parameters" element="tns:${f.name}"/></message><message name="${f.name}Response"><part name="parameters" element="tns:${f.name}Response"/></message>`,
    )
    .join('\n');
  const ops = functions
    .map(
      (f) =>
        `<operation name="${f.name}"><documentation>${escapeXml(f.description)}</documentation><input message="tns:${f.name}Request"/><output message="tns:${f.name}Response"/></operation>`,
    )
    .join('\n');
  const bindings = functions
    .map(
      (f) =>
        `<operation name="${f.name}"><soap:operation soapAction="${SOAP_NS}#${f.name}" style="document"/><input><soap:body use="literal"/></input><output><soap:body use="literal"/></output></operation>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:tns="${SOAP_NS}" targetNamespace="${SOAP_NS}" name="${escapeXml(serviceName)}">
<types><xsd:schema targetNamespace="${SOAP_NS}" elementFormDefault="qualified">
${elements}
</xsd:schema></types>
${messages}
<portType name="GatehousePortType">
${ops}
</portType>
<binding name="GatehouseBinding" type="tns:GatehousePortType"><soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
${bindings}
</binding>
<service name="GatehouseService"><port name="GatehousePort" binding="tns:GatehouseBinding"><soap:address location="${escapeXml(location)}"/></port></service>
</definitions>
`;
}

// ---- requests and responses ------------------------------------------------------------------

/** Reads a function's arguments from the operation element, guided by the description. */
export function decodeElement(node: XNode, desc: ExternalDescription): unknown {
  if (node.attrs.nil === 'true' || node.attrs.nil === '1') return null;
  if (desc.kind === 'value') {
    if (node.children.length) throw new SoapRequestError(`<${node.name}> must hold a value, not elements`);
    if (desc.type === 'bool') return node.text.trim();
    return node.text;
  }
  if (desc.kind === 'multiple') return node.children.map((c) => decodeElement(c, desc.content));
  return decodeStruct(node, desc.keys);
}

function decodeStruct(node: XNode, keys: Record<string, ExternalDescription>): Record<string, unknown> {
  const out = Object.create(null) as Record<string, unknown>;
  for (const c of node.children) {
    if (Object.hasOwn(out, c.name)) throw new SoapRequestError(`<${c.name}> appears twice`);
    const sub = keys[c.name];
    // Unknown elements are passed on as text so that validation names them.
    out[c.name] = sub && Object.hasOwn(keys, c.name) ? decodeElement(c, sub) : c.text;
  }
  return out;
}

function encodeElement(name: string, value: unknown, desc: ExternalDescription): string {
  if (value === undefined) return '';
  if (value === null) return `<${name} xsi:nil="true"/>`;
  if (desc.kind === 'value') {
    const text = typeof value === 'boolean' ? String(value) : String(value);
    return `<${name}>${escapeXml(text)}</${name}>`;
  }
  if (desc.kind === 'multiple') {
    const items = Array.isArray(value) ? value : [];
    return `<${name}>${items.map((v) => encodeElement('item', v, desc.content)).join('')}</${name}>`;
  }
  const obj = value as Record<string, unknown>;
  return `<${name}>${Object.entries(desc.keys)
    .map(([k, sub]) => encodeElement(k, obj[k], sub))
    .join('')}</${name}>`;
}

function envelope(body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<SOAP-ENV:Envelope xmlns:SOAP-ENV="${ENV}" xmlns:xsi="${XSI}"><SOAP-ENV:Body>${body}</SOAP-ENV:Body></SOAP-ENV:Envelope>\n`;
}

function soapResponse(fn: ExternalFunction, value: unknown): string {
  const ret = fn.returns ? encodeElement('return', value, fn.returns) : '';
  return envelope(`<${fn.name}Response xmlns="${SOAP_NS}">${ret}</${fn.name}Response>`);
}

/** A SOAP 1.1 fault: the Moodle error code as faultcode, the message as faultstring, all of it in detail. */
function soapFault(e: ReturnType<typeof publicError>): string {
  const detail = `<exception xmlns="${SOAP_NS}"><exception>${escapeXml(e.exception)}</exception><errorcode>${escapeXml(
    e.errorcode,
  )}</errorcode><message>${escapeXml(e.message)}</message>${e.debuginfo ? `<debuginfo>${escapeXml(e.debuginfo)}</debuginfo>` : ''}</exception>`;
  return envelope(
    `<SOAP-ENV:Fault><faultcode>${escapeXml(e.errorcode)}</faultcode><faultstring>${escapeXml(e.message)}</faultstring><detail>${detail}</detail></SOAP-ENV:Fault>`,
  );
}

function xml(c: Context<AppEnv>, body: string, status: 200 | 413 | 500) {
  return c.body(body, status, { 'Content-Type': 'text/xml; charset=utf-8' });
}

/** Where SOAP clients send their calls: the public URL (GATEHOUSE_WWWROOT), never the request's Host. */
function serviceAddress(deps: Deps, wstoken: string | null): string {
  return `${deps.env.wwwroot}/webservice/soap/server.php${wstoken ? `?wstoken=${encodeURIComponent(wstoken)}` : ''}`;
}

/**
 * /webservice/soap/server.php: SOAP 1.1 document/literal. `?wsdl=1` returns the WSDL of the
 * token's service, generated from the catalogue; faults carry Moodle's error codes. The token
 * (query string or Authorization header) is checked before the body is read; a body without
 * one is read only up to MAX_ANONYMOUS_XML_BYTES.
 */
export function soapRoutes(deps: Deps) {
  return new Hono<AppEnv>().all('/', async (c) => {
    if (protocolRefused(deps, 'soap')) return c.body(null, 403);
    const query = new URL(c.req.url).searchParams;
    const request = rawRequest(c);
    const token = tokenFrom(request.header('authorization'), query.get('wstoken') ?? undefined);
    const ip = c.get('actor').ip;
    const fault = (e: MoodleException, status: 413 | 500 = 500) => xml(c, soapFault(publicError(deps, e)), status);
    try {
      if (query.has('wsdl') && (c.req.method === 'GET' || c.req.method === 'HEAD')) {
        checkProtocol(deps, 'soap');
        const found = checkToken(deps, 'soap', token, ip);
        const service = checkService(deps, found.u, found.s, ip);
        const fns = service.functions.map((n) => deps.catalogue.get(n)).filter((f): f is ExternalFunction => !!f);
        const location = serviceAddress(deps, query.get('wstoken'));
        return xml(c, buildWsdl(fns, location, `gatehouse_${service.shortname}`), 200);
      }
    } catch (err) {
      if (err instanceof ProtocolDisabled) return c.body(null, 403);
      if (err instanceof AccessDenied) return fault(err);
      throw err;
    }
    let functionName = '';
    let args: unknown = {};
    try {
      if (c.req.method !== 'POST')
        throw new SoapRequestError('SOAP calls are POST requests (or GET ?wsdl=1 for the WSDL)');
      const refusal = refusalBeforeBody(deps, 'soap', token, ip, c.var.reqId);
      if (refusal) return fault(refusal);
      const limit = token === undefined ? MAX_ANONYMOUS_XML_BYTES : MAX_XML_BYTES;
      const root = parseXml(decodeUtf8(await readBodyLimited(request, limit)));
      if (root.name !== 'Envelope') throw new SoapRequestError('The document is not a SOAP envelope');
      const body = child(root, 'Body');
      const op = body?.children[0];
      if (!op) throw new SoapRequestError('The SOAP body holds no operation');
      functionName = op.name;
      const fn = deps.catalogue.get(functionName);
      args = fn ? decodeStruct(op, fn.parameters.keys) : {};
    } catch (err) {
      if (err instanceof ProtocolDisabled) return c.body(null, 403);
      if (err instanceof ParamsError) {
        if (err.status === 413 && token === undefined) return fault(missingTokenRefusal());
        return fault(
          new MoodleException('invalid_parameter_exception', 'invalidparameter', err.message),
          err.status === 413 ? 413 : 500,
        );
      }
      if (err instanceof XmlError || err instanceof SoapRequestError) {
        return fault(new MoodleException('invalid_parameter_exception', 'invalidparameter', err.message));
      }
      throw err;
    }
    try {
      const outcome = await runCall(deps, { protocol: 'soap', token, functionName, args, ip, reqId: c.var.reqId });
      if (!outcome.ok) return fault(outcome.error);
      return xml(c, soapResponse(outcome.fn, outcome.value), 200);
    } catch (err) {
      if (err instanceof ProtocolDisabled) return c.body(null, 403);
      throw err;
    }
  });
}
