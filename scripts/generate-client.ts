/**
 * `npm run generate:client`: the SDK's types (`src/client/schema.ts`) from the OpenAPI
 * document the API serves, through openapi-typescript; and the SDK's version
 * (`src/client/version.ts`, its User-Agent) from package.json. Both files are checked in;
 * test/client.generated.test.ts fails when either is stale.
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import openapiTS, { astToString, type OpenAPI3 } from "openapi-typescript";
import { buildOpenApiDocument } from "./openapi-document.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const SCHEMA_FILE = path.join(root, "src/client/schema.ts");
export const VERSION_FILE = path.join(root, "src/client/version.ts");

const HEADER = `/**
 * Generated from Tenantry's OpenAPI document (GET /openapi.json) by openapi-typescript.
 * Do not edit: regenerate with \`npm run generate:client\` (scripts/generate-client.ts).
 */

`;

/** `src/client/schema.ts` for `document`: the same text for the same document, on any machine. */
export async function generateClientSchema(document: unknown): Promise<string> {
  // openapi-typescript bundles the document in place: give it a copy.
  const copy = structuredClone(document) as OpenAPI3;
  // A field with a default is optional to send (`defaultNonNullable: false`); answers list
  // every field they always carry as `required`, so their types stay exact.
  const ast = await openapiTS(copy, { silent: true, defaultNonNullable: false });
  return `${HEADER}${astToString(ast).replaceAll("\r\n", "\n").trimEnd()}\n`;
}

/** `src/client/version.ts` for the package's `version`. */
export function generateClientVersion(version: string): string {
  return `// Generated from package.json by \`npm run generate:client\`; do not edit.

/** The version of the package this SDK ships in (its User-Agent: \`tenantry-client/<version>\`). */
export const CLIENT_VERSION = ${JSON.stringify(version)};
`;
}

export async function packageVersion(): Promise<string> {
  return (JSON.parse(await readFile(path.join(root, "package.json"), "utf8")) as { version: string }).version;
}

async function main(): Promise<void> {
  const schema = await generateClientSchema(await buildOpenApiDocument());
  await writeFile(SCHEMA_FILE, schema);
  await writeFile(VERSION_FILE, generateClientVersion(await packageVersion()));
  console.log(`wrote ${path.relative(root, SCHEMA_FILE)} and ${path.relative(root, VERSION_FILE)}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
