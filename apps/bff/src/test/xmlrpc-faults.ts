// Reading Moodle's XML-RPC faults in tests. Moodle's fault is a struct of faultCode and
// faultString only (webservice/xmlrpc/locallib.php, generate_error); the error code and the
// debug information travel at the end of faultString:
// "<message> | DEBUG INFO: <debuginfo> | ERRORCODE: <errorcode>" (DEBUG INFO only when debugging).

export interface MoodleFault {
  faultCode: number;
  faultString: string;
  message: string;
  /** '' when the fault carries none. */
  debuginfo: string;
  errorcode: string;
}

/** faultString's parts, as a client reads them: the error code after the last " | ERRORCODE: ". */
export function splitFaultString(faultString: string): Pick<MoodleFault, 'message' | 'debuginfo' | 'errorcode'> {
  const at = faultString.lastIndexOf(' | ERRORCODE: ');
  if (at < 0) return { message: faultString, debuginfo: '', errorcode: '' };
  const errorcode = faultString.slice(at + ' | ERRORCODE: '.length);
  const head = faultString.slice(0, at);
  const debugAt = head.indexOf(' | DEBUG INFO: ');
  return debugAt < 0
    ? { message: head, debuginfo: '', errorcode }
    : { message: head.slice(0, debugAt), debuginfo: head.slice(debugAt + ' | DEBUG INFO: '.length), errorcode };
}

const decodeReferences = (s: string) =>
  s
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');

const FAULT =
  /^<\?xml version="1\.0" encoding="UTF-8"\?><methodResponse><fault><value><struct><member><name>faultCode<\/name><value><int>(\d+)<\/int><\/value><\/member><member><name>faultString<\/name><value><string>([^<]*)<\/string><\/value><\/member><\/struct><\/value><\/fault><\/methodResponse>$/;

/** The fault of an XML-RPC answer in Moodle's exact shape (and nothing else), or undefined. */
export function moodleFaultOf(text: string): MoodleFault | undefined {
  const m = FAULT.exec(text);
  if (!m) return undefined;
  const faultString = decodeReferences(m[2] ?? '');
  return { faultCode: Number(m[1]), faultString, ...splitFaultString(faultString) };
}
