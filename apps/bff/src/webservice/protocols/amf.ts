import type { Exchange } from './exchange';
import type { ProtocolAdapter } from './route';

const NOT_SUPPORTED = JSON.stringify({
  exception: 'moodle_exception',
  errorcode: 'amfnotsupported',
  message: 'The AMF protocol is not supported yet. Use REST, XML-RPC or SOAP.',
});
const notSupported = (x: Exchange) => x.text(NOT_SUPPORTED, 501, 'application/json');

/**
 * AMF keeps its row on Manage protocols; until it is built an enabled AMF says so plainly (501),
 * before reading anything. With web services off it answers 403, as a disabled protocol does.
 * The codec's other methods are never reached: `answer` answers every request.
 */
export const amf: ProtocolAdapter<undefined> = {
  protocol: 'amf',
  maxBytes: 0,
  status: { refused: 200, invalid: 400 },
  answer: (deps, x) => (deps.settings.flag('enablewebservices') ? notSupported(x) : x.send(null, 403)),
  read: () => Promise.resolve(undefined),
  decode: () => undefined,
  encodeResult: notSupported,
  encodeError: notSupported,
};
