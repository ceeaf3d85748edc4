/**
 * Text for a CommonMark field of an OpenAPI document (`description`): a tool that renders
 * Markdown shows it as typed and makes no element of it. Every character that could open raw
 * HTML, an autolink, a link, an image, code or emphasis is backslash-escaped (CommonMark 2.4),
 * and line breaks become spaces, so nothing can start a heading, a list or a table either.
 * Plain-text fields (`info.title`, `summary`) take the text as it is.
 */
export function markdownText(s: string): string {
  return s.replace(/\s+/g, ' ').replace(/[\\`*_[\]<>!&~]/g, (c) => `\\${c}`);
}
