import type { Protocol } from './settings';

// What each protocol of Manage protocols answers, in words for that page. All four answer calls
// (AMF since issue 20).

export const PROTOCOL_SUPPORT: Record<Protocol, { note: string }> = {
  rest: { note: 'Answers calls: JSON and XML, as Moodle.' },
  soap: { note: "Answers calls: Moodle's RPC/encoded contract and WSDL." },
  xmlrpc: { note: 'Answers calls, as Moodle.' },
  amf: {
    note: "Answers calls: AMF0 and AMF3, from Flash's NetConnection and Flex's RemoteObject, as Moodle 2.x's Zend_Amf server.",
  },
};
