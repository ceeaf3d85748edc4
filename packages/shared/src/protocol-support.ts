import { PROTOCOLS, type Protocol } from './settings';

// Which protocols answer calls today. AMF keeps its row on Manage protocols (as in Moodle), but
// until issue 20 builds it an enabled AMF answers every call with 501 "amfnotsupported": it is
// not counted as a working protocol (the Overview, missing capabilities) and the console says so.

/** The protocols that answer web-service calls. */
const ANSWERING_PROTOCOLS: readonly Protocol[] = PROTOCOLS.filter((p) => p !== 'amf');

/** True when an enabled `protocol` answers calls (false for AMF, which is not built yet). */
export function protocolAnswers(protocol: Protocol): boolean {
  return ANSWERING_PROTOCOLS.includes(protocol);
}

/** What works of each protocol today, in words for Manage protocols. */
export const PROTOCOL_SUPPORT: Record<Protocol, { works: boolean; note: string }> = {
  rest: { works: true, note: 'Answers calls: JSON and XML, as Moodle.' },
  soap: { works: true, note: "Answers calls: Moodle's RPC/encoded contract and WSDL." },
  xmlrpc: { works: true, note: 'Answers calls, as Moodle.' },
  amf: {
    works: false,
    note: 'Not built yet: with AMF enabled every AMF call is answered with HTTP 501 (errorcode amfnotsupported) and nothing is run. It is not counted as a working protocol. Use REST, SOAP or XML-RPC.',
  },
};
