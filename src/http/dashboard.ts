import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply } from "fastify";
import { TENANTRY_ICON_SVG } from "./docs-pages.js";

/**
 * The web dashboard (dashboard/, Vite + Preact), served by the API's own process at `/`.
 *
 * Its build (`npm run build` → dist/dashboard) is static: index.html for each of the
 * dashboard's paths (so that a reload or a shared link of `/tenants/…` works), and the
 * assets under `/assets/`, whose names carry their content hash (cached for a year). It
 * talks to the same API as everyone else, with the API key the user signs in with (kept in
 * the tab's sessionStorage). Its CSP allows this origin only: nothing from a CDN, so it
 * works offline.
 */

/** src/http/ and dist/http/ are both two levels under the package: the build is in dist/dashboard. */
export const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL("../../dist/dashboard/", import.meta.url));

/** The dashboard's client-side routes (dashboard/src/main.tsx). */
const PAGES = ["/", "/tenants", "/tenants/*", "/new", "/blueprints", "/blueprints/*", "/validate", "/audit"];

const DASHBOARD_CSP = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", "data:"],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  manifestSrc: ["'self'"],
  baseUri: ["'none'"],
  formAction: ["'none'"],
  frameAncestors: ["'none'"],
};

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Tenantry</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>The dashboard is not built</h1>
<p>This Tenantry runs from its sources without the dashboard's build. Run <code>npm run build</code>
(or <code>npm start</code>, which builds first) and reload. The API works meanwhile: <a href="/docs">/docs</a>.</p>
</body></html>
`;

export interface DashboardOptions {
  /** The dashboard's build. @default dist/dashboard in the package */
  dir?: string;
}

export async function registerDashboard(app: FastifyInstance, options: DashboardOptions = {}): Promise<void> {
  const dir = options.dir ?? DEFAULT_DASHBOARD_DIR;
  let index: Promise<Buffer> | undefined;
  const indexHtml = () => {
    if (!index) {
      index = readFile(`${dir}/index.html`);
      // Built later (npm run build while the server runs): looked for again next time.
      index.catch(() => {
        index = undefined;
      });
    }
    return index;
  };
  const helmet = { contentSecurityPolicy: { useDefaults: false, directives: DASHBOARD_CSP } };

  const page = async (_request: unknown, reply: FastifyReply) => {
    const html = await indexHtml().catch(() => undefined);
    reply.type("text/html; charset=utf-8").header("cache-control", "no-cache");
    if (!html) return reply.code(503).send(NOT_BUILT);
    return reply.send(html);
  };
  for (const url of PAGES) app.get(url, { schema: { hide: true }, helmet }, page);

  app.get("/favicon.svg", { schema: { hide: true } }, async (_request, reply) =>
    reply.type("image/svg+xml").header("cache-control", "public, max-age=86400").send(TENANTRY_ICON_SVG),
  );

  // Hashed names: a year's cache is safe. A missing build serves no assets (the pages say
  // why), and one made while the server runs is served from then on.
  await app.register(fastifyStatic, {
    root: `${dir}/assets`,
    prefix: "/assets/",
    decorateReply: false,
    index: false,
    wildcard: true,
    cacheControl: true,
    immutable: true,
    maxAge: "365d",
    schemaHide: true,
  });
}
