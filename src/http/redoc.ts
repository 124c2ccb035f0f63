/**
 * ReDoc page for `/redoc`. The ReDoc bundle comes from its CDN in the reader's browser
 * (ReDoc's npm package pulls React and friends as peers, too heavy to ship for one page);
 * Swagger UI at `/docs` is served by Tenantry itself and works offline.
 */
export function redocPage(specUrl = "/openapi.json"): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Tenantry API — ReDoc</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <style>body { margin: 0; padding: 0; }</style>
</head>
<body>
  <redoc spec-url="${specUrl}"></redoc>
  <noscript>ReDoc needs JavaScript. The OpenAPI document is at <a href="${specUrl}">${specUrl}</a>.</noscript>
  <script src="https://cdn.redoc.ly/redoc/v2.5.0/bundles/redoc.standalone.js"></script>
</body>
</html>
`;
}
