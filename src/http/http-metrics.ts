import type { FastifyInstance } from "fastify";
import { Counter, Histogram, type Registry } from "prom-client";

/** Seconds: most answers take milliseconds; a slow database or a large list, seconds. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * `tenantry_http_requests_total{route,method,status_class}` and
 * `tenantry_http_request_duration_seconds{route,method}` for every answer of the API.
 * `route` is the route's pattern (`/v1/tenants/:id`), never the URL (one series per
 * route, whatever ids are asked for); a request no route matched (404, 405, an OPTIONS
 * of a path) is `unmatched`. Tenant-host traffic never reaches Fastify (the host proxy
 * answers it first), so it is not counted here.
 */
export function registerHttpMetrics(app: FastifyInstance, registry: Registry): void {
  const requests = new Counter({
    name: "tenantry_http_requests_total",
    help: "Answers of the API, by route pattern (unmatched: no route), method and status class",
    labelNames: ["route", "method", "status_class"],
    registers: [registry],
  });
  const duration = new Histogram({
    name: "tenantry_http_request_duration_seconds",
    help: "Time from a request's arrival to its answer being sent, by route pattern and method",
    labelNames: ["route", "method"],
    buckets: BUCKETS,
    registers: [registry],
  });
  app.addHook("onResponse", async (request, reply) => {
    const route = request.is404 ? "unmatched" : (request.routeOptions.url ?? "unmatched");
    const method = request.method;
    requests.inc({ route, method, status_class: `${Math.floor(reply.statusCode / 100)}xx` });
    duration.observe({ route, method }, reply.elapsedTime / 1000);
  });
}
