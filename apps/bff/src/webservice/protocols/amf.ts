import { randomUUID } from 'node:crypto';
import type { ExternalDescription } from '@gatehouse/shared';
import {
  AMF_CLASS,
  AmfDouble,
  AmfError,
  type AmfObject,
  type AmfPacket,
  AmfTyped,
  type AmfWriter,
  readPacket,
  writePacket,
} from '@gatehouse/shared';
import type { Deps } from '../../deps';
import { OUTCOME } from '../../lib/metrics';
import { tokenFrom } from '../access';
import { type CallRequest, publicError, runCall } from '../call';
import { MoodleException } from '../exceptions';
import { readBodyLimited } from '../params';
import type { ExternalFunction } from '../types';
import { argumentsFor } from './arguments';
import type { Exchange } from './exchange';
import { type ErrorStatus, type ProtocolAdapter, ProtocolRequestError, type PublicError } from './route';

// /webservice/amf/server.php: Moodle 2.x's AMF server (webservice/amf, on Zend_Amf_Server), as
// Flash and Flex clients call it. An AMF0 envelope of one or more bodies, each either
// - a legacy AMF0 call (NetConnection.call): the target is the function ("class.function" as
//   Moodle's virtual service class named it is read as the function), the value its arguments;
// - Flex messaging (RemoteObject), the value an AMF3 message in a one-item list: a CommandMessage
//   (ping, disconnect, logout) answered with an AcknowledgeMessage, a RemotingMessage whose
//   operation is the function and whose body is the argument list.
// Each call goes through the same access-check chain as the other protocols (runCall), with the
// token of the query string's wstoken or an Authorization: Bearer header. Answers go to the
// body's response URI + "/onResult", failures to "/onStatus": in AMF3 a Flex ErrorMessage whose
// faultCode is Moodle's errorcode, faultString the message and faultDetail the debug information
// (when debugging shows it); in AMF0 Zend's fault array (description, detail, line, code). Every
// answer is HTTP 200 (Flash Player reads no other), but a body over the limit (413) and a
// disabled protocol (403).

const FLEX = 'flex.messaging.messages.';
const REMOTING = `${FLEX}RemotingMessage`;
const COMMAND = `${FLEX}CommandMessage`;
const ACKNOWLEDGE = `${FLEX}AcknowledgeMessage`;
const ERROR = `${FLEX}ErrorMessage`;

/** CommandMessage operations (mx.messaging.messages.CommandMessage) answered with an acknowledgement. */
const ACKNOWLEDGED = new Map([
  [5, 'client ping'],
  [9, 'logout'],
  [12, 'disconnect'],
  [2, 'poll'],
  [0, 'subscribe'],
  [1, 'unsubscribe'],
]);
const LOGIN_OPERATION = 8;

/** The largest AMF request read. AMF calls are small; this leaves room for a base64 file in core_files_upload. */
const MAX_AMF_BYTES = 1024 * 1024;

/** One body of the request, as decode read it. */
type Item =
  | { kind: 'call'; response: string; flex?: AmfObject; functionName: string; args: unknown }
  | { kind: 'ack'; response: string; flex: AmfObject }
  | { kind: 'error'; response: string; flex?: AmfObject; error: MoodleException };

export interface AmfState {
  amf3: boolean;
  items: Item[];
}

const classOf = (v: unknown): string | undefined =>
  typeof v === 'object' && v !== null ? (v as AmfObject)[AMF_CLASS] : undefined;

/** "webservices_virtual_class_000000.core_webservice_get_site_info" (Moodle's target) → the function. */
const functionOf = (name: string) => name.slice(name.lastIndexOf('.') + 1);

/**
 * An AMF value as the parameters' validation reads values: typed objects as plain ones, a date as
 * a Unix time in seconds (Moodle's descriptions type times as integers), a ByteArray as base64
 * (core_files_upload's filecontent), undefined as absent. The value is a tree or a DAG (the
 * reader refuses cycles and caps what references expand to), so this ends.
 */
function plain(v: unknown): unknown {
  if (v === undefined) return null;
  if (typeof v !== 'object' || v === null) return v;
  if (v instanceof Date) return Math.floor(v.getTime() / 1000);
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  if (Array.isArray(v)) return v.map(plain);
  const out = Object.create(null) as Record<string, unknown>;
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (o[k] !== undefined) out[k] = plain(o[k]);
  return out;
}

/** The argument list of a call: a list as it is, any other value as the one argument. */
const argumentList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

function invalid(message: string): MoodleException {
  return new MoodleException('invalid_parameter_exception', 'invalidparameter', message);
}

function readItem(deps: Deps, target: string, response: string, value: unknown): Item {
  // Flex sends its message as the one item of an AMF0 list.
  const message = Array.isArray(value) && value.length === 1 && classOf(value[0]) ? value[0] : value;
  const cls = classOf(message);
  const flex = cls?.startsWith(FLEX) ? (message as AmfObject) : undefined;
  try {
    if (flex && cls === REMOTING) {
      const operation = flex.operation;
      if (typeof operation !== 'string' || operation === '')
        throw invalid('A RemotingMessage needs an operation (the function to call)');
      const name = functionOf(operation);
      return {
        kind: 'call',
        response,
        flex,
        functionName: name,
        args: argumentsFor(deps.catalogue, name, argumentList(plain(flex.body))),
      };
    }
    if (flex && cls === COMMAND) {
      const op = Number(flex.operation);
      if (ACKNOWLEDGED.has(op)) return { kind: 'ack', response, flex };
      if (op === LOGIN_OPERATION)
        throw invalid('AMF logins are not supported: call with a token (wstoken in the URL, or Authorization: Bearer)');
      throw invalid(`CommandMessage operation ${String(flex.operation).slice(0, 40)} is not supported`);
    }
    if (flex) throw invalid(`${cls} is not a message Gatehouse answers (a RemotingMessage or a CommandMessage)`);
    if (target === '' || target === 'null') throw invalid('An AMF0 call needs a target: the function to call');
    const name = functionOf(target);
    return {
      kind: 'call',
      response,
      functionName: name,
      args: argumentsFor(deps.catalogue, name, argumentList(plain(value))),
    };
  } catch (err) {
    const error = err instanceof MoodleException ? err : invalid(err instanceof Error ? err.message : String(err));
    return { kind: 'error', response, flex, error };
  }
}

// ---- answers ------------------------------------------------------------------------------------

/**
 * A cleaned return value as AMF writes it: a description's float as a double even when it is
 * whole (AMF3 would send 3 as an integer), a structure's keys in the description's order.
 */
function amfValue(desc: ExternalDescription | null, v: unknown): unknown {
  if (v === null || v === undefined || desc === null) return v ?? null;
  if (desc.kind === 'value') return desc.type === 'float' && typeof v === 'number' ? new AmfDouble(v) : v;
  if (desc.kind === 'multiple') return Array.isArray(v) ? v.map((x) => amfValue(desc.content, x)) : [];
  const o = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k in desc.keys) if (o[k] !== undefined) out[k] = amfValue(desc.keys[k] as ExternalDescription, o[k]);
  return out;
}

/** Zend_Amf's ids: an upper-case UUID. */
const messageId = () => randomUUID().toUpperCase();

/** An AcknowledgeMessage's members (Zend_Amf_Value_Messaging_AcknowledgeMessage), with `body`. */
function acknowledgement(flex: AmfObject | undefined, body: unknown): [string, unknown][] {
  return [
    ['correlationId', typeof flex?.messageId === 'string' ? flex.messageId : null],
    ['clientId', typeof flex?.clientId === 'string' ? flex.clientId : messageId()],
    ['destination', typeof flex?.destination === 'string' ? flex.destination : null],
    ['messageId', messageId()],
    ['timestamp', new AmfDouble(Date.now())],
    ['timeToLive', 0],
    ['headers', {}],
    ['body', body],
  ];
}

function flexError(flex: AmfObject | undefined, e: PublicError): AmfTyped {
  return new AmfTyped(ERROR, [
    ...acknowledgement(flex, null),
    ['extendedData', null],
    ['faultCode', e.errorcode],
    ['faultDetail', e.debuginfo ?? ''],
    ['faultString', e.message],
    ['rootCause', null],
  ]);
}

/** Zend_Amf's AMF0 fault: an array of description, detail, line and code (Moodle's errorcode here). */
const amf0Fault = (e: PublicError) => ({
  description: e.message,
  detail: e.debuginfo ?? '',
  line: 0,
  code: e.errorcode,
});

interface Answer {
  target: string;
  response: string;
  write: (w: AmfWriter) => void;
}

function resultAnswer(amf3: boolean, item: { response: string; flex?: AmfObject }, value: unknown): Answer {
  const body = item.flex ? new AmfTyped(ACKNOWLEDGE, acknowledgement(item.flex, value)) : value;
  return {
    target: `${item.response}/onResult`,
    response: '',
    write: (w) => (amf3 ? w.value3(body) : w.value0(body)),
  };
}

function errorAnswer(amf3: boolean, item: { response: string; flex?: AmfObject }, e: PublicError): Answer {
  return {
    target: `${item.response}/onStatus`,
    response: '',
    write: (w) => (amf3 ? w.value3(flexError(item.flex, e)) : w.value0(amf0Fault(e))),
  };
}

function reply(x: Exchange, answers: Answer[], amf3: boolean, status: ErrorStatus = 200): Response {
  return x.bytes(writePacket(amf3, answers), status, 'application/x-amf');
}

/** Every body's answer, the calls run one after another through the access-check chain. */
async function respond(deps: Deps, x: Exchange, state: AmfState, call: CallRequest): Promise<Response> {
  const { amf3 } = state;
  const answers: Answer[] = [];
  for (const item of state.items) {
    if (item.kind === 'ack') answers.push(resultAnswer(amf3, item, null));
    else if (item.kind === 'error') {
      deps.metrics.call('amf', '', OUTCOME.invalid);
      answers.push(errorAnswer(amf3, item, publicError(deps, item.error)));
    } else {
      let outcome = runCall(deps, { ...call, functionName: item.functionName, args: item.args });
      if (outcome instanceof Promise) outcome = await outcome;
      answers.push(
        outcome.ok
          ? resultAnswer(amf3, item, amfValue((outcome.fn as ExternalFunction).returns, outcome.value))
          : errorAnswer(amf3, item, publicError(deps, outcome.error)),
      );
    }
  }
  return reply(x, answers, amf3);
}

/**
 * The AMF endpoint. The body is read whole before any call (every body of a batch needs its own
 * answer at its response URI, a refused token's included), within MAX_AMF_BYTES.
 */
export const amf: ProtocolAdapter<Uint8Array, AmfState> = {
  protocol: 'amf',
  maxBytes: MAX_AMF_BYTES,
  postOnly: 'AMF calls are POST requests (Content-Type: application/x-amf)',
  status: { refused: 200, invalid: 200 },
  read: readBodyLimited,
  decode(deps, _x, request, body, call) {
    call.token = tokenFrom(request.header('authorization'), request.query.get('wstoken') ?? undefined);
    if (body.length === 0)
      throw new ProtocolRequestError('An AMF call needs a body: an AMF envelope (Content-Type: application/x-amf)');
    let packet: AmfPacket;
    try {
      packet = readPacket(body);
    } catch (e) {
      // Malformed AMF or a limit passed: invalidparameter in AMF's shape.
      if (e instanceof AmfError) throw new ProtocolRequestError(e.message);
      throw e;
    }
    if (packet.bodies.length === 0) throw new ProtocolRequestError('The AMF envelope holds no message');
    const items = packet.bodies.map((b) => readItem(deps, b.target, b.response, b.value));
    const first = items.find((i) => i.kind === 'call');
    if (first?.kind === 'call') call.functionName = first.functionName;
    return { amf3: packet.amf3 || packet.version === 3, items };
  },
  respond,
  encodeError(x, state, error, status) {
    // A request that could not be read has no response URI to answer at: one fault at "/onStatus", in AMF3.
    if (!state) return reply(x, [errorAnswer(true, { response: '' }, error)], true, status);
    return reply(
      x,
      state.items.map((i) => errorAnswer(state.amf3, i, error)),
      state.amf3,
      status,
    );
  },
};
