// A page's index.html as Moodle's page_pluginfile makes it (mod/page/lib.php): the page's content
// through format_text with noclean and overflowdiv (no filters: Gatehouse has none), and every
// `@@PLUGINFILE@@/` removed, so that the page's own files are named relative to index.html (the
// app downloads them beside it). FORMAT_MARKDOWN is shown as plain text: Gatehouse has no
// Markdown renderer.

const FORMAT_MOODLE = 0;
const FORMAT_HTML = 1;

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#039;' };

/** Moodle's s(): htmlspecialchars with ENT_QUOTES, numeric entities kept. */
function s(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c).replace(/&amp;#(\d+|x[0-9a-f]+);/gi, '&#$1;');
}

/** PHP's nl2br: `<br />` before every line break. */
const nl2br = (text: string) => text.replace(/(\r\n|\n\r|\n|\r)/g, '<br />$1');

/** Moodle's text_to_html with new lines, in a paragraph div when `para` (FORMAT_MOODLE). */
function textToHtml(text: string, para: boolean): string {
  const t = nl2br(
    text
      .replace(/>([\s]+)</g, '><')
      .replace(/([\n\r])</g, ' <')
      .replace(/>([\n\r])/g, '> '),
  );
  return para ? `<div class="text_to_html">${t}</div>` : t;
}

/** format_text($text, $format, noclean) as HTML; web services format without paragraphs (para false). */
function formatText(text: string, format: number, para: boolean): string {
  if (format === FORMAT_HTML) return text;
  if (format === FORMAT_MOODLE) return textToHtml(text, para);
  return nl2br(s(text).replace(/ {2}/g, '&nbsp; '));
}

/** format_text($content, $format, noclean + overflowdiv). */
function formatPageText(text: string, format: number): string {
  return `<div class="no-overflow">${formatText(text, format, true)}</div>`;
}

/**
 * A text as core_external\util::format_text returns it (noclean, file URLs on): its
 * `@@PLUGINFILE@@` links pointing at `pluginfileBase` (the area's webservice/pluginfile.php URL),
 * then formatted as HTML; the format is then FORMAT_HTML.
 */
export function externalFormatText(text: string, format: number, pluginfileBase: string): string {
  return formatText(text.replaceAll('@@PLUGINFILE@@', pluginfileBase), format, false);
}

/** The bytes of a page's index.html. */
export function pageIndexHtml(content: string, contentformat: number): string {
  return formatPageText(content, contentformat).replaceAll('@@PLUGINFILE@@/', '');
}
