import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import type { TestApp } from "./app.js";

/** One sample of the Prometheus text format: `name{labels} value`. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a `/metrics` answer (comments skipped; label values unescaped). */
export function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[l[1] as string] = (l[2] as string).replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    }
    out.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return out;
}

/** The samples named `name` whose labels include `labels`. */
export function samples(all: Sample[], name: string, labels: Record<string, string> = {}): Sample[] {
  return all.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** The sum of those samples' values; `undefined` when there is none. */
export function value(all: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples(all, name, labels);
  return found.length === 0 ? undefined : found.reduce((sum, s) => sum + s.value, 0);
}

/** `GET /metrics` of a test app (no key needed): the raw text and its samples. */
export async function scrape(t: Pick<TestApp, "app">): Promise<{ text: string; samples: Sample[] }> {
  const server = t.app.http;
  if (!server) throw new Error("scrape: this app runs without its HTTP API");
  const res = await server.inject({ method: "GET", url: "/metrics" });
  if (res.statusCode !== 200) throw new Error(`/metrics answered ${res.statusCode}: ${res.body}`);
  return { text: res.body, samples: parseMetrics(res.body) };
}

/** Where `promtool` is (the Debian `prometheus` package), or undefined. */
export const PROMTOOL = ["/usr/bin/promtool", "/usr/local/bin/promtool"].find((p) => existsSync(p));

/** Runs `promtool` with `args` (and `stdin`): its exit code and what it printed. */
export function promtool(args: string[], stdin = ""): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    if (!PROMTOOL) return reject(new Error("promtool is not installed"));
    const child = execFile(PROMTOOL, args, (err, stdout, stderr) => {
      const code = err ? (err as { code?: unknown }).code : 0;
      resolve({ code: typeof code === "number" ? code : 1, output: `${stdout}${stderr}` });
    });
    child.stdin?.end(stdin);
  });
}

/** `promtool check metrics` on `text`. */
export const promtoolCheck = (text: string) => promtool(["check", "metrics"], text);
