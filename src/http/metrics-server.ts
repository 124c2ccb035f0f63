import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { Db } from "../services/database.js";
import { readiness } from "../services/readiness.js";

/**
 * What a process without the API (`tenantry worker`) serves for Prometheus and for its
 * orchestrator: `GET /metrics` (its registry: its own counters, such as lease takeovers and
 * provider calls, and the gauges read from the database), `GET /health` and `GET /ready`,
 * as the API process answers them. Nothing else: 404. Plain `node:http`, so a worker loads
 * no web framework for three read-only routes.
 */
export interface MetricsServer {
  /** e.g. `http://127.0.0.1:9464` */
  url: string;
  close(): Promise<void>;
}

export interface MetricsServerOptions {
  registry: Registry;
  db: Db;
  host: string;
  port: number;
  version: string;
  installationId: string;
  nodeId: string;
  logger: Logger;
}

const json = (res: http.ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
};

export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    if (path === "/metrics") {
      options.registry.metrics().then(
        (text) => {
          res.writeHead(200, { "content-type": options.registry.contentType, "cache-control": "no-store" });
          res.end(req.method === "HEAD" ? undefined : text);
        },
        (err: unknown) => {
          options.logger.error({ err: (err as Error).message }, "could not collect the metrics");
          json(res, 500, { status: "error", reason: "could not collect the metrics" });
        },
      );
      return;
    }
    if (path === "/health") {
      json(res, 200, {
        status: "ok",
        version: options.version,
        installation_id: options.installationId,
        node_id: options.nodeId,
      });
      return;
    }
    if (path === "/ready") {
      void readiness(options.db).then((state) =>
        state.ready
          ? json(res, 200, { status: "ready" })
          : json(res, 503, { status: "not_ready", reason: state.reason }),
      );
      return;
    }
    json(res, 404, { status: "not_found", reason: "this process serves /metrics, /health and /ready only" });
  });
  // A scrape is small and quick: slow or idle connections are not kept.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${host === "0.0.0.0" || host === "[::]" ? "127.0.0.1" : host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
