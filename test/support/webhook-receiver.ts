import { createHmac, timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

/** A request the receiver got. */
export interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  json: any;
  at: number;
}

/** What a path answers to its n-th request (from 0): a status (0: never answers), and headers. */
export type Behaviour = (n: number) => { status: number; headers?: Record<string, string>; delayMs?: number };

/**
 * A real local HTTP server that records every webhook delivery it gets, answering each
 * path as told (`on(path, behaviour)`; 200 by default).
 */
export interface WebhookReceiver {
  url: string;
  port: number;
  received: Received[];
  on(path: string, behaviour: Behaviour): void;
  at(path: string): Received[];
  /** The most requests to `path` that were waiting for their answer at once. */
  maxInFlight(path: string): number;
  close(): Promise<void>;
}

export async function startWebhookReceiver(port = 0): Promise<WebhookReceiver> {
  const received: Received[] = [];
  const behaviours = new Map<string, Behaviour>();
  const counts = new Map<string, number>();
  const inFlight = new Map<string, number>();
  const maxInFlight = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = (req.url ?? "/").split("?")[0] ?? "/";
      const body = Buffer.concat(chunks).toString("utf8");
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const concurrent = (inFlight.get(path) ?? 0) + 1;
      inFlight.set(path, concurrent);
      maxInFlight.set(path, Math.max(maxInFlight.get(path) ?? 0, concurrent));
      received.push({ path, headers: req.headers, body, json, at: Date.now() });
      const n = counts.get(path) ?? 0;
      counts.set(path, n + 1);
      const answer = behaviours.get(path)?.(n) ?? { status: 200 };
      // Status 0: no answer at all (the connection stays open until the receiver closes).
      if (answer.status === 0) return;
      const respond = () => {
        inFlight.set(path, (inFlight.get(path) ?? 1) - 1);
        res.writeHead(answer.status, answer.headers ?? {});
        res.end(answer.status >= 400 ? `status ${answer.status}` : "ok");
      };
      if (answer.delayMs) setTimeout(respond, answer.delayMs);
      else respond();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    received,
    on: (path, behaviour) => behaviours.set(path, behaviour),
    at: (path) => received.filter((r) => r.path === path),
    maxInFlight: (path) => maxInFlight.get(path) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Verifies `Tenantry-Signature` as docs/webhooks.md tells receivers to: the HMAC-SHA256 of
 * `<t>.<body>` with the secret, compared in constant time, and `t` within `toleranceS`.
 */
export function verifySignature(
  header: string | undefined,
  body: string,
  secret: string,
  toleranceS = 300,
  now = Date.now(),
): boolean {
  const parts = Object.fromEntries((header ?? "").split(",").map((p) => p.split("=", 2) as [string, string]));
  const t = Number(parts["t"]);
  const v1 = parts["v1"];
  if (!Number.isInteger(t) || !v1 || Math.abs(now / 1000 - t) > toleranceS) return false;
  const expected = createHmac("sha256", secret).update(`${t}.${body}`).digest();
  const given = Buffer.from(v1, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}
