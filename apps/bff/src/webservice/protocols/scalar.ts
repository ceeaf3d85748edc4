/** A scalar as text for XML encodings: booleans as 1/0, as Moodle's REST XML writes them. */
export function scalarText(v: unknown): string {
  if (typeof v === 'boolean') return v ? '1' : '0';
  return String(v);
}
