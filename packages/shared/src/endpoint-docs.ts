// The documentation of what a client calls besides the functions: Moodle's file endpoints, the two
// SOAP styles and every deliberate difference from Moodle. One text for the console's API
// documentation pages (apps/web) and the OpenAPI documents (the BFF), so both say the same as the
// README's "What external systems call". Plain text: the SPA renders it as text, the OpenAPI
// documents escape it for CommonMark.

/** Where a parameter of an endpoint is sent. */
export type EndpointParamIn = 'path' | 'query' | 'form' | 'header';

interface EndpointParamDoc {
  name: string;
  in: EndpointParamIn;
  required: boolean;
  description: string;
}

interface EndpointAnswerDoc {
  status: number;
  description: string;
}

/** One error an endpoint answers with, in Moodle's AJAX error shape. */
interface EndpointErrorDoc {
  status: number;
  errorcode: string;
  message: string;
  when: string;
}

export interface EndpointDoc {
  /** A stable id, for anchors. */
  id: string;
  methods: readonly string[];
  /** The path, with Moodle's slash arguments written as <name>. */
  path: string;
  title: string;
  summary: string;
  /** Further paragraphs. */
  details: readonly string[];
  parameters: readonly EndpointParamDoc[];
  answers: readonly EndpointAnswerDoc[];
  errors: readonly EndpointErrorDoc[];
  /** A ready-to-run example for a site at baseUrl. */
  example(baseUrl: string): string;
}

/** The JSON body of every error of the file endpoints (Moodle's AJAX_SCRIPT error, as login/token.php's). */
export const FILE_ERROR_EXAMPLE =
  '{"error":"Invalid token - token not found","errorcode":"invalidtoken","stacktrace":null,"debuginfo":null,"reproductionlink":null}';

const TOKEN_PARAMS: readonly EndpointParamDoc[] = [
  {
    name: 'token',
    in: 'query',
    required: false,
    description:
      "The web-service token, as Moodle's clients send it. Required unless the Authorization header carries it.",
  },
  {
    name: 'Authorization',
    in: 'header',
    required: false,
    description:
      '"Bearer <token>": the preferred way (a token in a URL ends up in logs). Gatehouse only; Moodle has no such header.',
  },
];

const TOKEN_ERRORS: readonly EndpointErrorDoc[] = [
  {
    status: 200,
    errorcode: 'missingparam',
    message: 'A required parameter (token) was missing',
    when: 'no token in the request',
  },
  {
    status: 200,
    errorcode: 'invalidtoken',
    message: 'Invalid token - token not found',
    when: 'the token is unknown (expired or IP-restricted tokens have their own messages, as on the protocols)',
  },
  {
    status: 200,
    errorcode: 'accessexception',
    message: 'Access control exception',
    when: 'web services are off on the site',
  },
];

const FILE_ARGUMENT = 'The file: <contextid>/<component>/<filearea>/<itemid>/<filepath><filename>';

const DOWNLOAD_ANSWERS: readonly EndpointAnswerDoc[] = [
  {
    status: 200,
    description:
      'The file, streamed. Content-Type from its name (text/plain files with charset=utf-8), Content-Disposition inline, or attachment with forcedownload=1, Last-Modified, ETag "<sha1 of the content>", Accept-Ranges: bytes, the cache headers of Moodle\'s send_stored_file. HEAD answers the headers alone.',
  },
  { status: 206, description: 'One byte range (Range: bytes=a-b), with Content-Range.' },
  { status: 304, description: 'If-None-Match matches the ETag (or, without it, If-Modified-Since is not older).' },
  { status: 416, description: 'The Range cannot be satisfied (Moodle sends the whole file: a difference).' },
];

const DOWNLOAD_ERRORS: readonly EndpointErrorDoc[] = [
  ...TOKEN_ERRORS,
  {
    status: 200,
    errorcode: 'accessexception',
    message: 'Access control exception',
    when: "the token's service does not allow downloads (debuginfo: Web service file downloading must be enabled in external service settings)",
  },
  {
    status: 200,
    errorcode: 'requireloginerror',
    message: 'Course or activity not accessible.',
    when: 'the file is in a course the user is not enrolled in, or in a hidden activity',
  },
  {
    status: 404,
    errorcode: 'filenotfound',
    message: 'Sorry, the requested file could not be found',
    when: 'no such file, or a file of another user',
  },
];

export const FILE_ENDPOINTS: readonly EndpointDoc[] = [
  {
    id: 'upload',
    methods: ['POST'],
    path: '/webservice/upload.php',
    title: 'Upload files',
    summary:
      "Moodle's webservice/upload.php: stores one or more files in the user's draft area and answers the JSON array of their file records.",
    details: [
      "The body is multipart/form-data and is streamed: each file goes to the file store while it is read, never whole in memory. The token's service must allow uploads (can upload files).",
      'The itemid of the answer names the draft area: its files download from webservice/draftfile.php, and a later upload with the same itemid adds to it.',
      'Each record, in Moodle\'s order: component, contextid, userid (a string, as PHP reads it), filearea, filename, filepath, itemid, license, author, source. A file that cannot be stored gets {"filename","errortype","error"} in its place (fileoversized: larger than the maximum size; filenameexist: the name is taken).',
      "Limits: the maximum upload size (maxbytes, or the server's) per file, the user quota (userquota) for all of a user's files; users with moodle/user:ignoreuserquota are exempt from the quota.",
    ],
    parameters: [
      ...TOKEN_PARAMS.map((p) => (p.name === 'token' ? { ...p, in: 'form' as const } : p)),
      {
        name: 'filearea',
        in: 'form',
        required: false,
        description:
          'draft (use this), or private, the default when left out as in Moodle. Moodle 3.1+ refuses private uploads; Gatehouse still takes them (itemid 0) for the old mobile app, from users holding moodle/user:manageownfiles.',
      },
      {
        name: 'itemid',
        in: 'form',
        required: false,
        description: 'The draft area to add to; 0 or left out: a new draft area, whose id the answer gives.',
      },
      {
        name: 'filepath',
        in: 'form',
        required: false,
        description: 'The folder in the area, starting and ending with a slash; default /.',
      },
      {
        name: 'file_1, file_2, …',
        in: 'form',
        required: true,
        description: 'The files: any field names, each file part with its filename (up to 20 files).',
      },
    ],
    answers: [
      { status: 200, description: "The JSON array of the stored files' records (see above), or an error object." },
    ],
    errors: [
      ...TOKEN_ERRORS,
      {
        status: 200,
        errorcode: 'accessexception',
        message: 'Access control exception',
        when: "the token's service does not allow uploads (debuginfo: Web service file upload must be enabled in external service settings)",
      },
      {
        status: 200,
        errorcode: 'userquotalimit',
        message: 'You have reached your file quota limit.',
        when: 'the files would pass the user quota, or together pass the maximum upload size',
      },
      {
        status: 200,
        errorcode: 'upload_error_ini_size',
        message: 'The uploaded file exceeds the upload_max_filesize directive in php.ini.',
        when: "a file is larger than the server's limit (413 when the whole request is)",
      },
      { status: 200, errorcode: 'error', message: 'Error', when: 'filearea is neither draft nor private' },
      {
        status: 200,
        errorcode: 'storedfileproblem',
        message: 'Unknown exception related to local files (Invalid file path)',
        when: 'filepath does not start and end with a slash',
      },
      { status: 200, errorcode: 'nofile', message: 'File not specified', when: 'a file part has no name' },
    ],
    example: (baseUrl) =>
      `curl -X POST '${baseUrl}/webservice/upload.php' \\\n  -H 'Authorization: Bearer YOUR_TOKEN' \\\n  -F filearea=draft -F itemid=0 -F filepath=/ \\\n  -F file_1=@notes.pdf`,
  },
  {
    id: 'pluginfile',
    methods: ['GET', 'HEAD', 'POST'],
    path: '/webservice/pluginfile.php/<contextid>/<component>/<filearea>/<itemid>/<path>',
    title: 'Download a file with the token',
    summary:
      "Moodle's webservice/pluginfile.php: every file URL a function returns (fileurl in course contents, a page's index.html, a resource's files, message attachments, core_files_upload, user pictures) downloads here with token= added.",
    details: [
      "The token's service must allow downloads (can download files). The user reads their own private and draft files, the files of the courses they are enrolled in (not those of hidden activities), and user pictures.",
      'The file may also be given as file=/<contextid>/… instead of after the script name. A user picture has no itemid: <contextid>/user/icon/f1 (f2, f3 for the other sizes); a user without a picture gets the default one.',
    ],
    parameters: [
      { name: '<path>', in: 'path', required: true, description: FILE_ARGUMENT },
      ...TOKEN_PARAMS,
      {
        name: 'forcedownload',
        in: 'query',
        required: false,
        description: '1: sent as an attachment (Content-Disposition: attachment) rather than inline.',
      },
    ],
    answers: DOWNLOAD_ANSWERS,
    errors: DOWNLOAD_ERRORS,
    example: (baseUrl) =>
      `curl -OJ '${baseUrl}/webservice/pluginfile.php/70000005/mod_resource/content/0/python-cheat-sheet.txt?forcedownload=1' \\\n  -H 'Authorization: Bearer YOUR_TOKEN'`,
  },
  {
    id: 'tokenpluginfile',
    methods: ['GET', 'HEAD'],
    path: '/tokenpluginfile.php/<userprivateaccesskey>/<contextid>/<component>/<filearea>/<itemid>/<path>',
    title: "Download a file with the user's private access key",
    summary:
      "Moodle's tokenpluginfile.php: the same files as webservice/pluginfile.php, with core_webservice_get_site_info's userprivateaccesskey in the path instead of the token, for URLs that cannot carry a header (an <img src>, a video).",
    details: [
      "The key names its user: files are served as that user may read them. Gatehouse derives the key from the server's secret (Moodle stores a random one): it is the same on every site info call and changes only when the secret is rotated.",
      'Web services must be on; a key whose user is deleted, suspended, unconfirmed or nologin is refused.',
    ],
    parameters: [
      {
        name: '<userprivateaccesskey>',
        in: 'path',
        required: true,
        description: "The key from core_webservice_get_site_info's userprivateaccesskey.",
      },
      { name: '<path>', in: 'path', required: true, description: FILE_ARGUMENT },
      {
        name: 'forcedownload',
        in: 'query',
        required: false,
        description: '1: sent as an attachment rather than inline.',
      },
    ],
    answers: DOWNLOAD_ANSWERS,
    errors: [
      {
        status: 403,
        errorcode: 'invalidkey',
        message: 'Incorrect key',
        when: 'the key is not one this site made, or its user may not sign in',
      },
      {
        status: 200,
        errorcode: 'accessexception',
        message: 'Access control exception',
        when: 'web services are off on the site',
      },
      ...DOWNLOAD_ERRORS.filter((e) => e.errorcode === 'requireloginerror' || e.errorcode === 'filenotfound'),
    ],
    example: (baseUrl) =>
      `curl -O '${baseUrl}/tokenpluginfile.php/USER_PRIVATE_ACCESS_KEY/70000005/mod_resource/content/0/python-cheat-sheet.txt'`,
  },
  {
    id: 'draftfile',
    methods: ['GET', 'HEAD', 'POST'],
    path: '/webservice/draftfile.php/<contextid>/user/draft/<itemid>/<path>',
    title: 'Download a draft file',
    summary:
      "Moodle's webservice/draftfile.php: a file of the user's own draft area (what upload.php stored), with the token, before a function attaches it.",
    details: ['Only draft files of the token\'s user; anything else is "file not found".'],
    parameters: [
      {
        name: '<path>',
        in: 'path',
        required: true,
        description: 'The file: <usercontextid>/user/draft/<itemid>/<filepath><filename>, as upload.php answered it.',
      },
      ...TOKEN_PARAMS,
      { name: 'forcedownload', in: 'query', required: false, description: '1: sent as an attachment.' },
    ],
    answers: DOWNLOAD_ANSWERS,
    errors: DOWNLOAD_ERRORS.filter((e) => e.errorcode !== 'requireloginerror'),
    example: (baseUrl) =>
      `curl -O '${baseUrl}/webservice/draftfile.php/30000005/user/draft/123456789/notes.pdf' \\\n  -H 'Authorization: Bearer YOUR_TOKEN'`,
  },
];

export interface SoapStyleDoc {
  id: 'rpc' | 'document';
  title: string;
  /** The WSDL's address for a site at baseUrl. */
  wsdl(baseUrl: string): string;
  summary: string;
  details: readonly string[];
  example(baseUrl: string): string;
}

/** The two SOAP styles of /webservice/soap/server.php: Moodle's by default, document/literal on request. */
export const SOAP_STYLES: readonly SoapStyleDoc[] = [
  {
    id: 'rpc',
    title: "RPC/encoded (default, Moodle's contract)",
    wsdl: (baseUrl) => `${baseUrl}/webservice/soap/server.php?wsdl=1&wstoken=YOUR_TOKEN`,
    summary:
      "What Moodle's SOAP server speaks, so PHP SoapClient code written for Moodle works unchanged: $client->core_group_create_groups($groups), results read as $info->sitename.",
    details: [
      "The WSDL is written as Moodle's wsdl.php writes it: one message part per parameter, arrays as soap-enc:Array, booleans as xsd:int, the endpoint URL as the namespace.",
      'Requests are read as PHP sends them: SOAP-ENC:Array, associative arrays as Apache maps (ns2:Map), href/id references, and calls from SoapClient without a WSDL (positional param0, param1, …).',
      'Faults as Moodle\'s: faultcode, faultstring ending in " | ERRORCODE: <errorcode>", faultactor, with Moodle\'s HTTP status for each case (a WSDL request with a bad token answers 200).',
    ],
    example: (baseUrl) =>
      `<?php\n$client = new SoapClient('${baseUrl}/webservice/soap/server.php?wsdl=1&wstoken=YOUR_TOKEN');\n$info = $client->core_webservice_get_site_info();\necho $info->sitename;`,
  },
  {
    id: 'document',
    title: 'Document/literal (opt-in)',
    wsdl: (baseUrl) => `${baseUrl}/webservice/soap/server.php?wsdl=1&wstoken=YOUR_TOKEN&style=document`,
    summary:
      "For clients that prefer document/literal WSDLs (.NET's WCF and svcutil, Python's zeep): the same functions, typed with XML Schema.",
    details: [
      "Each function is one operation with one element of its arguments and one of its result; the WSDL's service address keeps style=document, so a generated client stays in this style.",
      'The endpoint takes both styles and answers each in its own; the per-function SOAP examples of this documentation are document/literal envelopes.',
    ],
    example: (baseUrl) =>
      `from zeep import Client\nclient = Client('${baseUrl}/webservice/soap/server.php?wsdl=1&wstoken=YOUR_TOKEN&style=document')\nprint(client.service.core_webservice_get_site_info().sitename)`,
  },
];

export interface DifferenceDoc {
  topic: string;
  moodle: string;
  gatehouse: string;
}

/** Where Gatehouse answers differently from Moodle on purpose (the README says the same). */
export const MOODLE_DIFFERENCES: readonly DifferenceDoc[] = [
  {
    topic: 'login/token.php and existing tokens',
    moodle: 'Hands back the token the user already holds for the service.',
    gatehouse:
      'Stores only a keyed hash of each token, so it cannot hand one back: each login issues a new token, and when the per-user cap is reached the least recently used token ends (not the oldest).',
  },
  {
    topic: 'Tokens in requests',
    moodle: 'The token travels in the URL or the form (wstoken, token).',
    gatehouse:
      'Accepts those too, and also Authorization: Bearer <token>, which is preferred: tokens in URLs end up in logs.',
  },
  {
    topic: 'stacktrace in errors',
    moodle: 'Filled in when debugging is on.',
    gatehouse: 'Always null: the server never sends its internals to a client.',
  },
  {
    topic: 'Range requests',
    moodle: 'Ignores an unsatisfiable range and sends the whole file; answers several ranges as multipart/byteranges.',
    gatehouse: 'An unsatisfiable range is a 416; a request for several ranges gets the whole file.',
  },
  {
    topic: 'Downloaded files',
    moodle: 'Served without a content security policy.',
    gatehouse:
      'Served with Content-Security-Policy: sandbox, so an uploaded HTML or SVG file opened in a browser cannot act as the site. A name outside ASCII is also given as RFC 6266 filename*.',
  },
  {
    topic: 'filearea=private uploads',
    moodle: 'Refused since Moodle 3.1.',
    gatehouse:
      'Still accepted (as Moodle before 3.1) for the old mobile app, from users who may manage their own files.',
  },
  {
    topic: 'userprivateaccesskey',
    moodle: 'A random key stored per user.',
    gatehouse: "Derived from the server's secret: nothing secret is stored; a secret rotation changes every key.",
  },
  {
    topic: 'SOAP WSDL for a service the user may not use',
    moodle: 'An empty WSDL.',
    gatehouse: 'A refusal fault, which says why.',
  },
  {
    topic: 'IP restrictions',
    moodle: 'Silently reads a malformed entry (a range that ends before it starts) as matching nothing.',
    gatehouse: 'Refuses it with a message when it is saved; every form Moodle accepts is accepted and shown as typed.',
  },
  {
    topic: 'Features Gatehouse does not have',
    moodle: 'Custom profile fields, comments, tags, blogs, badges, completion tracking, themes, MNet.',
    gatehouse:
      "Their parameters are accepted and ignored, and their values are those of a Moodle site with the feature off (each function's description says which).",
  },
  {
    topic: 'Upload URLs (core_files_upload)',
    moodle:
      'The browser URL of the file (pluginfile.php, or draftfile.php for a draft), which needs a signed-in session.',
    gatehouse:
      'The web-service URL (webservice/pluginfile.php/…), which downloads with token= or Bearer as every other file URL a function returns.',
  },
  {
    topic: 'Who sees whose profile',
    moodle:
      'core_enrol_get_enrolled_users and core_user_get_course_user_profiles list every course a user is in (enrolledcourses), and answer any participant of a course about another user.',
    gatehouse:
      "enrolledcourses lists only the courses the caller may open too, and a profile of a user who is not in the given course is left out unless the caller holds moodle/user:viewdetails. Capabilities are site-wide, so a per-course check is answered as Moodle's default roles would answer it.",
  },
  {
    topic: 'XML-RPC values PHP cannot write',
    moodle:
      "PHP's xmlrpc extension wraps an integer beyond 32 bits to a wrong value and sends an empty body for a function without a return value.",
    gatehouse:
      'Such an integer is written as <i8>, a function without a return value answers <nil/>, and characters XML cannot carry are dropped.',
  },
  {
    topic: 'Groupings and message files',
    moodle: 'Courses have groupings (defaultgroupingid); messages may carry files.',
    gatehouse:
      'There are no groupings: defaultgroupingid other than 0 is refused with a message. Messages are text only, so no message function returns a file URL.',
  },
  {
    topic: 'The Moodle app',
    moodle: 'Every screen of the app has its functions.',
    gatehouse:
      'tool_mobile_disabledfeatures hides the screens Gatehouse has no functions for (conversations, notifications, calendar, grades, badges, blogs, competencies, private files, course notes, the timeline and starred blocks, the assignment, quiz and forum activities); the rest works unchanged.',
  },
  {
    topic: 'Hub registration',
    moodle: 'local_hub hands a site that registers again, or moves, the token it already had.',
    gatehouse:
      'Stores only a hash of each token, so it issues a new one, and the old one stops working. The site must answer at a public address (unless the hub allows sites on local addresses).',
  },
  {
    topic: 'Hub uploads (upload.php)',
    moodle: 'local_hub takes a file for any course id from any registered site and always answers an empty 200.',
    gatehouse:
      "Takes files only for the token's own site's courses, only images that decode (PNG, JPEG, GIF, WebP) and zip or gzip backups, at most 2 uploads at a time and 120 an hour per address, and answers a refusal with a 4xx and a message (sites ignore the answer either way).",
  },
  {
    topic: 'Hub course ratings and comments',
    moodle: 'local_hub keeps ratings and comments of courses.',
    gatehouse: 'Has neither: hub_get_courses answers no rating and empty comments.',
  },
  {
    topic: 'AMF',
    moodle:
      "Moodle 2.x's AMF server (Zend_Amf) answered Flex RemoteObject and Flash NetConnection calls whose target is classname.function, faults with faultCode = the exception's numeric code and the stack trace as faultDetail.",
    gatehouse:
      "Answers the same calls (the class part of a target is ignored, so the function's name alone works too), also one object of named arguments; faultCode is Moodle's errorcode, faultDetail the debug information (only when debugging shows it), never a stack trace. Logins by CommandMessage are refused: the token is in the URL (wstoken) or an Authorization: Bearer header. Externalizable classes other than Flex's collections cannot be read.",
  },
];
