// What siteregistration.php sends a browser that it does not redirect: Moodle's error page
// (core_renderer::fatal_error(): HTTP 404, the message in <p class="errormessage">, a continue
// link) and local_hub's two question pages. Plain HTML, no script, no stack.

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ESC[c] as string);

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${esc(title)}</title>
</head>
<body>
<div id="page">
${body}
</div>
</body>
</html>
`;
}

/** Moodle's moodle_exception page: the message, the error code, the continue link. */
export function errorPage(errorcode: string, message: string, link?: string): string {
  return page(
    'Error',
    `<div class="box errorbox alert alert-danger">
<p class="errormessage">${esc(message)}</p>
<p class="errorcode">Error code: ${esc(errorcode)}</p>
</div>${link ? `\n<div class="continuebutton"><a href="${esc(link)}">Continue</a></div>` : ''}`,
  );
}

/** local_hub's secretisstolen page (HTTP 200): the site's secret was marked stolen by the hub's administrator. */
export function secretStolenPage(siteName: string, hubName: string): string {
  return page(
    'Site secret stolen',
    `<div class="box generalbox">
<h2>Site secret stolen</h2>
<p>The secret ${siteName ? `of ${esc(siteName)} ` : ''}has been marked as stolen by the administrator of ${esc(hubName)}: the hub refuses registrations that use it.</p>
<p>Your site needs a new secret: reset its registration with this hub (Site administration &gt; Server &gt; Hubs), then register again. If you did not expect this, contact the hub administrator.</p>
</div>`,
  );
}

/**
 * local_hub's movedorcopiedsiteform: the hub knows this secret under another URL, so the site
 * either moved there (the registration follows it) or is a copy of the registered site (it must
 * make a secret of its own: renewregistration.php).
 */
export function movedOrCopiedPage(a: {
  siteName: string;
  oldUrl: string;
  newUrl: string;
  moved: string;
  copied: string;
}) {
  return page(
    'Site moved or copied?',
    `<div class="box generalbox">
<h2>Site moved or copied?</h2>
<p>This hub already knows your site's secret, registered for ${esc(a.oldUrl)}. Your site now registers from ${esc(a.newUrl)}.</p>
<ul>
<li><a href="${esc(a.moved)}">The site moved</a>: ${esc(a.siteName || 'the site')} is now at ${esc(a.newUrl)}; the registration (and the courses it published) follows it.</li>
<li><a href="${esc(a.copied)}">The site was copied</a>: ${esc(a.newUrl)} is a copy of ${esc(a.oldUrl)}; it makes a new secret of its own and registers as a new site.</li>
</ul>
</div>`,
  );
}

/**
 * local_hub's confirmfreshmoodlereg: the registered site's contact followed the link; confirming
 * (a POST with freshmoodletokenconf=1) gives the registration to the new site.
 */
export function confirmFreshPage(a: {
  action: string;
  token: string;
  id: number;
  oldName: string;
  oldUrl: string;
  newName: string;
  newUrl: string;
}) {
  return page(
    'Replace the registration?',
    `<div class="box generalbox">
<h2>Replace the registration?</h2>
<p>A new Moodle site, ${esc(a.newName)} (${esc(a.newUrl)}), asks to take over the registration of ${esc(a.oldName)} (${esc(a.oldUrl)}) on this hub. Its courses on the hub stay; the old installation's access to the hub ends.</p>
<form method="post" action="${esc(a.action)}">
<input type="hidden" name="freshmoodletoken" value="${esc(a.token)}">
<input type="hidden" name="id" value="${a.id}">
<input type="hidden" name="freshmoodletokenconf" value="1">
<button type="submit">Replace the registration</button>
</form>
</div>`,
  );
}
