// CSV as RFC 4180 says it (fields separated by commas, records by CRLF, a field quoted when it
// holds a comma, a quote or a line break, its quotes doubled), safe to open in a spreadsheet: a
// cell that begins with = + - @ (or a tab / carriage return, which some spreadsheets skip before
// reading a formula) is prefixed with ' so it is never run as a formula (OWASP's CSV injection).

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

function csvCell(value: string | number | null | undefined): string {
  let v = value === null || value === undefined ? '' : String(value);
  if (FORMULA_START.test(v)) v = `'${v}`;
  return NEEDS_QUOTES.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** One record, with its CRLF. */
export function csvRow(cells: readonly (string | number | null | undefined)[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}
