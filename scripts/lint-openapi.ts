/**
 * Lints Tenantry's OpenAPI document with Spectral (`.spectral.yaml`: `spectral:oas`) and
 * Redocly (`redocly.yaml`: `recommended`); any error or warning fails.
 *
 *   npm run lint:openapi                                          # the document this checkout serves
 *   npm run lint:openapi -- http://localhost:8080/openapi.json    # a running server's
 *   npm run lint:openapi -- openapi.json                          # a file
 *
 * Without an argument the API is built in-process, as `tenantry serve` builds it but with no
 * database (nothing but `/openapi.json` is asked of it). test/openapi.lint.test.ts lints the
 * document a test app serves.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { pino } from "pino";
import { Registry } from "prom-client";
import { VERSION } from "../src/app.js";
import { buildServer } from "../src/http/server.js";
import { SecretBox } from "../src/lib/crypto.js";
import { ProviderRegistry } from "../src/providers/provider.js";
import type { Db } from "../src/services/database.js";
import { TenantService } from "../src/services/tenant-service.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const bin = (name: string) => path.join(ROOT, "node_modules", ".bin", name);

export interface Finding {
  linter: "spectral" | "redocly";
  severity: "error" | "warning" | "info" | "hint";
  rule: string;
  /** Where in the document: a JSON pointer. */
  where: string;
  message: string;
}

function run(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      {
        cwd: ROOT,
        maxBuffer: 64 * 1024 * 1024,
        // Redocly's CLI asks npm for updates and reports usage unless told not to.
        env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const pointer = (segments: (string | number)[]) =>
  `#/${segments.map((s) => String(s).replaceAll("~", "~0").replaceAll("/", "~1")).join("/")}`;

async function spectral(file: string, dir: string): Promise<Finding[]> {
  const out = path.join(dir, "spectral.json");
  const result = await run(bin("spectral"), [
    "lint",
    file,
    "--ruleset",
    path.join(ROOT, ".spectral.yaml"),
    "--format",
    "json",
    "--output",
    out,
    "--quiet",
  ]);
  const text = await readFile(out, "utf8").catch(() => undefined);
  if (text === undefined) throw new Error(`spectral did not run (exit ${result.code}): ${result.stderr}`);
  const severities = ["error", "warning", "info", "hint"] as const;
  return (
    JSON.parse(text) as { code: string; message: string; path: (string | number)[]; severity: number }[]
  ).map((r) => ({
    linter: "spectral",
    severity: severities[r.severity] ?? "error",
    rule: r.code,
    where: pointer(r.path),
    message: r.message,
  }));
}

async function redocly(file: string): Promise<Finding[]> {
  const result = await run(bin("redocly"), [
    "lint",
    file,
    "--config",
    path.join(ROOT, "redocly.yaml"),
    "--format",
    "json",
  ]);
  let report: {
    problems: { ruleId: string; severity: string; message: string; location: { pointer?: string }[] }[];
  };
  try {
    report = JSON.parse(result.stdout);
  } catch {
    throw new Error(`redocly did not run (exit ${result.code}): ${result.stderr}`);
  }
  return report.problems.map((p) => ({
    linter: "redocly",
    severity: p.severity === "error" ? "error" : p.severity === "warn" ? "warning" : "info",
    rule: p.ruleId,
    where: p.location[0]?.pointer ?? "#",
    message: p.message,
  }));
}

/** Every finding of both linters on `document` (written to a temporary file). */
export async function lintOpenApi(document: unknown): Promise<Finding[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "tenantry-openapi-"));
  try {
    const file = path.join(dir, "openapi.json");
    await writeFile(file, JSON.stringify(document, null, 2));
    const [a, b] = await Promise.all([spectral(file, dir), redocly(file)]);
    return [...a, ...b];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** One line per finding, for a person. */
export function formatFindings(findings: Finding[]): string {
  if (findings.length === 0) return "no findings";
  return findings.map((f) => `${f.linter} ${f.severity} ${f.rule} at ${f.where}: ${f.message}`).join("\n");
}

/** The document the API serves at `/openapi.json`, built in-process without a database. */
export async function buildOpenApiDocument(): Promise<unknown> {
  const fail = () => Promise.reject(new Error("no database: only the OpenAPI document is served"));
  const db = { query: fail, tx: fail, close: async () => {} } as unknown as Db;
  const providers = new ProviderRegistry();
  const app = await buildServer({
    db,
    tenants: new TenantService({ providers, secrets: new SecretBox(Buffer.alloc(32)), maxAttempts: 1 }),
    providers,
    logger: pino({ level: "silent" }),
    metrics: new Registry(),
    config: {
      allowedOrigins: [],
      baseDomain: "localhost",
      environmentBlueprints: {},
      environmentTarget: "terraform",
      rateLimitPerMinute: 0,
    },
    version: VERSION,
    installationId: "openapi",
    nodeId: "openapi",
  });
  try {
    const res = await app.inject({ method: "GET", url: "/openapi.json" });
    if (res.statusCode !== 200) throw new Error(`/openapi.json answered ${res.statusCode}: ${res.body}`);
    return res.json();
  } finally {
    await app.close();
  }
}

async function load(source: string | undefined): Promise<unknown> {
  if (source === undefined) return buildOpenApiDocument();
  if (/^https?:\/\//.test(source)) {
    const res = await fetch(source);
    if (!res.ok) throw new Error(`${source} answered ${res.status}`);
    return res.json();
  }
  return JSON.parse(await readFile(source, "utf8"));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const source = process.argv[2];
  const findings = await lintOpenApi(await load(source));
  console.log(`${source ?? "/openapi.json (built in-process)"}: ${formatFindings(findings)}`);
  process.exit(findings.length === 0 ? 0 : 1);
}
