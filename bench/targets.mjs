// The requests every bench drives (bench/run.mjs, bench/pg.mjs, bench/profile.mjs): the bare
// route and site info through REST JSON, XML-RPC, SOAP (document/literal) and AMF (a Flex
// RemotingMessage, as bytes: `body` is then a Buffer), with `token`.
export function protocolTargets(token) {
  return {
    bare: { path: '/healthz', method: 'GET', headers: {} },
    restJson: {
      path: '/webservice/rest/server.php',
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'wsfunction=core_webservice_get_site_info&moodlewsrestformat=json',
    },
    xmlrpc: {
      path: '/webservice/xmlrpc/server.php',
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/xml' },
      body: '<?xml version="1.0"?><methodCall><methodName>core_webservice_get_site_info</methodName><params><param><value><struct></struct></value></param></params></methodCall>',
    },
    soap: {
      path: '/webservice/soap/server.php',
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/xml; charset=utf-8' },
      body: '<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><core_webservice_get_site_info xmlns="urn:gatehouse:webservice"/></soap:Body></soap:Envelope>',
    },
    amf: {
      path: '/webservice/amf/server.php',
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-amf' },
      body: amfSiteInfo(),
    },
  };
}

/** AMF3's variable-length integer, below 2^14 here. */
const u29 = (v) => (v < 0x80 ? [v] : [(v >>> 7) | 0x80, v & 0x7f]);
/** AMF3's string: its UTF-8 length (a U29) then the bytes. */
const str3 = (s) => [...u29((Buffer.byteLength(s) << 1) | 1), ...Buffer.from(s)];
const utf0 = (s) => [0, Buffer.byteLength(s), ...Buffer.from(s)];

/**
 * Flex's RemoteObject calling core_webservice_get_site_info: an AMF0 envelope (version 3) of one
 * message to /1, an AMF0 list holding an AMF3 RemotingMessage with sealed members.
 */
function amfSiteInfo() {
  const members = ['operation', 'destination', 'body', 'messageId', 'headers', 'clientId', 'timestamp', 'timeToLive'];
  const message = [
    0x0a,
    ...u29((members.length << 4) | 0b0011),
    ...str3('flex.messaging.messages.RemotingMessage'),
    ...members.flatMap(str3),
    ...[0x06, ...str3('core_webservice_get_site_info')],
    ...[0x06, ...str3('gatehouse')],
    ...[0x09, 0x01, 0x01], // no argument
    ...[0x06, ...str3('BENCH-1')],
    ...[0x0a, 0x0b, 0x01, 0x01], // headers: an empty anonymous object
    0x01,
    ...[0x04, 0x00],
    ...[0x04, 0x00],
  ];
  const value = [0x0a, 0, 0, 0, 1, 0x11, ...message];
  const n = value.length;
  return Buffer.from([
    0,
    3,
    0,
    0,
    0,
    1,
    ...utf0('null'),
    ...utf0('/1'),
    n >>> 24,
    (n >>> 16) & 0xff,
    (n >>> 8) & 0xff,
    n & 0xff,
    ...value,
  ]);
}
