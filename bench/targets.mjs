// The requests every bench drives (bench/run.mjs, bench/pg.mjs, bench/profile.mjs): the bare
// route and site info through REST JSON, XML-RPC and SOAP (document/literal), with `token`.
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
  };
}
