/**
 * ReDoc's page for `/redoc`. ReDoc's script is served by Tenantry itself (docs-pages.ts), so
 * the page works offline and loads nothing from elsewhere.
 */
export function redocPage(options: { scriptUrl: string; iconUrl: string; specUrl?: string }): string {
  const specUrl = options.specUrl ?? "/openapi.json";
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Tenantry API — ReDoc</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="icon" type="image/svg+xml" href="${options.iconUrl}">
  <style>body { margin: 0; padding: 0; }</style>
</head>
<body>
  <redoc spec-url="${specUrl}" required-props-first="true" sort-required-props-first="true"></redoc>
  <noscript>ReDoc needs JavaScript. The OpenAPI document is at <a href="${specUrl}">${specUrl}</a>.</noscript>
  <script src="${options.scriptUrl}"></script>
</body>
</html>
`;
}
