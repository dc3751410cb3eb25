/** The console's client routes (src/console/app.tsx): each answers the same page, which routes itself. */
export const consolePaths = ['/', '/sign-in', '/films', '/films/:id', '/webhooks', '/webhooks/:id', '/errors', '/clients'] as const;

/**
 * Only this origin's scripts and styles; pictures and films may come from the services' media hosts
 * (their URLs are in the callbacks), never frames or plugins.
 */
export const securityHeaders = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: http: https:; media-src 'self' http: https:; " +
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
};

export const consolePage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Reelay console</title>
<link rel="stylesheet" href="/console/assets/app.css">
<script type="module" src="/console/assets/app.js"></script>
</head>
<body>
<div id="app"><p class="loading">Loading the console…</p></div>
<noscript><p>The Reelay console needs JavaScript. The same data is in the admin API: see /openapi.json.</p></noscript>
</body>
</html>
`;
