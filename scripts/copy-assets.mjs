// `npm run build`, after tsc: copies into dist/ what the built server serves but tsc does not
// emit. ReDoc's standalone bundle (and its license) go to dist/http/assets/, where
// src/http/docs-pages.ts looks first: ReDoc is a dev dependency, absent where Tenantry is
// installed from its package. Under tsx (dev, tests) the server reads it from node_modules.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const require = createRequire(import.meta.url);
const target = path.join(root, "dist", "http", "assets");

await mkdir(target, { recursive: true });
for (const name of ["redoc.standalone.js", "redoc.standalone.js.LICENSE.txt"]) {
  const from = require.resolve(`redoc/bundles/${name}`);
  // Without its source-map comment: the map is not shipped, and a browser's devtools
  // would ask the server for it.
  const text = (await readFile(from, "utf8")).replace(/\n\/\/# sourceMappingURL=\S+\s*$/, "\n");
  await writeFile(path.join(target, name), text);
  console.log(`copied ${path.relative(root, from)} -> ${path.relative(root, path.join(target, name))}`);
}
