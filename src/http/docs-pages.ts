import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";
import { TenantryError } from "../domain/errors.js";
import { redocPage } from "./redoc.js";

/**
 * The documentation pages, served by Tenantry itself so that they work offline: Swagger UI
 * at `/docs`, ReDoc at `/redoc` (its script from `/redoc/redoc.standalone.js`), and the
 * OpenAPI document at `/openapi.json`. None of them is in the document.
 */

/** Tenantry's mark: four tenants' blocks on a slate square. */
export const TENANTRY_ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64"><rect width="64" height="64" rx="14" fill="#1f2a44"/><g fill="#5eead4"><rect x="13" y="13" width="17" height="17" rx="4"/><rect x="34" y="13" width="17" height="17" rx="4" fill-opacity=".75"/><rect x="13" y="34" width="17" height="17" rx="4" fill-opacity=".75"/><rect x="34" y="34" width="17" height="17" rx="4" fill-opacity=".45"/></g></svg>`;

/** The mark and the name, for Swagger UI's top bar (on its dark background). */
const TENANTRY_LOGO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 236 64" width="177" height="48"><rect width="64" height="64" rx="14" fill="#1f2a44"/><g fill="#5eead4"><rect x="13" y="13" width="17" height="17" rx="4"/><rect x="34" y="13" width="17" height="17" rx="4" fill-opacity=".75"/><rect x="13" y="34" width="17" height="17" rx="4" fill-opacity=".75"/><rect x="34" y="34" width="17" height="17" rx="4" fill-opacity=".45"/></g><text x="78" y="44" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif" font-size="34" font-weight="600" fill="#ffffff">Tenantry</text></svg>`;

const SWAGGER_CSS = `.swagger-ui .topbar { background-color: #1f2a44; }
.swagger-ui .topbar .download-url-wrapper .select-label { color: #ffffff; }
.swagger-ui .info .title small.version-stamp { background-color: #0f766e; }`;

export const REDOC_SCRIPT_PATH = "/redoc/redoc.standalone.js";
const REDOC_LICENSE_PATH = "/redoc/redoc.standalone.js.LICENSE.txt";
const ICON_PATH = "/redoc/tenantry.svg";

/** ReDoc's page: its script from here, its web worker, its inline styles (styled-components). */
const REDOC_CSP = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  workerSrc: ["'self'", "blob:"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  fontSrc: ["'self'", "data:"],
  imgSrc: ["'self'", "data:"],
  connectSrc: ["'self'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'none'"],
};

/**
 * A file of ReDoc's bundle: the copy `npm run build` puts next to the built server
 * (scripts/copy-assets.mjs: ReDoc is a dev dependency, not installed with Tenantry), else
 * the package's own (`tsx`, tests). Undefined when neither is there.
 */
export function redocFile(name: string): string | undefined {
  const copied = fileURLToPath(new URL(`./assets/${name}`, import.meta.url));
  if (existsSync(copied)) return copied;
  try {
    return createRequire(import.meta.url).resolve(`redoc/bundles/${name}`);
  } catch {
    return undefined;
  }
}

/** The files, read once. */
const cache = new Map<string, Promise<Buffer>>();
function asset(name: string): Promise<Buffer> {
  let file = cache.get(name);
  if (!file) {
    const path = redocFile(name);
    file = path
      ? readFile(path)
      : Promise.reject(
          new TenantryError(
            "NOT_FOUND",
            `ReDoc's ${name} is not installed: run npm run build, or npm install`,
          ),
        );
    // A missing file is looked for again next time.
    file.catch(() => cache.delete(name));
    cache.set(name, file);
  }
  return file;
}

/** Registers the documentation pages. `version` busts browsers' caches of the assets on upgrades. */
export async function registerDocsPages(app: FastifyInstance, version: string): Promise<void> {
  // Swagger UI sets a CSP fit for its own pages (its scripts and styles, from here).
  await app.register(swaggerUi, {
    routePrefix: "/docs",
    staticCSP: true,
    theme: {
      title: "Tenantry API",
      favicon: [
        {
          filename: "tenantry.svg",
          rel: "icon",
          type: "image/svg+xml",
          sizes: "any",
          content: TENANTRY_ICON_SVG,
        },
      ],
      css: [{ filename: "tenantry.css", content: SWAGGER_CSS }],
    },
    logo: { type: "image/svg+xml", content: Buffer.from(TENANTRY_LOGO_SVG), href: "/docs", target: "_self" },
    uiConfig: { deepLinking: true, displayRequestDuration: true },
  });
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());

  const v = encodeURIComponent(version);
  app.get(
    "/redoc",
    {
      schema: { hide: true },
      helmet: { contentSecurityPolicy: { useDefaults: false, directives: REDOC_CSP } },
    },
    async (_request, reply) =>
      reply
        .type("text/html; charset=utf-8")
        .send(redocPage({ scriptUrl: `${REDOC_SCRIPT_PATH}?v=${v}`, iconUrl: `${ICON_PATH}?v=${v}` })),
  );
  // The URLs carry the version: a year's cache is safe.
  const longCache = "public, max-age=31536000, immutable";
  app.get(REDOC_SCRIPT_PATH, { schema: { hide: true } }, async (_request, reply) =>
    reply
      .type("text/javascript; charset=utf-8")
      .header("cache-control", longCache)
      .send(await asset("redoc.standalone.js")),
  );
  app.get(REDOC_LICENSE_PATH, { schema: { hide: true } }, async (_request, reply) =>
    reply
      .type("text/plain; charset=utf-8")
      .header("cache-control", longCache)
      .send(await asset("redoc.standalone.js.LICENSE.txt")),
  );
  app.get(ICON_PATH, { schema: { hide: true } }, async (_request, reply) =>
    reply.type("image/svg+xml").header("cache-control", longCache).send(TENANTRY_ICON_SVG),
  );
}
