import { isUtf8 } from "node:buffer";
import http from "node:http";
import type net from "node:net";
import compress from "@fastify/compress";
import cors from "@fastify/cors";
import helmet from "@fastify/helmet";
import swagger from "@fastify/swagger";
import {
  registerAjvFormats,
  type TypeBoxTypeProvider,
  TypeBoxValidatorCompiler,
} from "@fastify/type-provider-typebox";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { Config } from "../config/config.js";
import { TenantryError } from "../domain/errors.js";
import type { ProviderRegistry } from "../providers/provider.js";
import { createHostProxy, type RouteTable } from "../proxy/host-proxy.js";
import { providerRouteTable } from "../proxy/route-table.js";
import type { CredentialService } from "../services/credential-service.js";
import type { Db } from "../services/database.js";
import type { TenantService } from "../services/tenant-service.js";
import type { WebhookService } from "../services/webhook-service.js";
import { trackAllowedMethods } from "./allowed-methods.js";
import { registerAuditHook } from "./audit.js";
import { authenticate } from "./auth.js";
import { registerDashboard } from "./dashboard.js";
import { registerDocsPages } from "./docs-pages.js";
import { registerEtags } from "./etag.js";
import { EventStreams } from "./event-stream.js";
import { registerHttpMetrics } from "./http-metrics.js";
import { declareImpliedProblems, swaggerOptions } from "./openapi.js";
import { MAX_BODY_BYTES, sendProblem, toTenantryError } from "./problem.js";
import { createRateLimiter } from "./rate-limit.js";
import { REQUEST_ID_HEADER, requestIdOf } from "./request-id.js";
import { apiKeyRoutes } from "./routes/api-keys.js";
import { auditRoutes } from "./routes/audit.js";
import { blueprintRoutes } from "./routes/blueprints.js";
import { credentialRoutes } from "./routes/credentials.js";
import { environmentRoutes } from "./routes/environments.js";
import { eventRoutes } from "./routes/events.js";
import { healthRoutes } from "./routes/health.js";
import { operationRoutes } from "./routes/operations.js";
import { organizationRoutes } from "./routes/organizations.js";
import { quotaRoutes } from "./routes/quotas.js";
import { targetRoutes } from "./routes/targets.js";
import { tenantRoutes } from "./routes/tenants.js";
import { webhookRoutes } from "./routes/webhooks.js";
import { Problem } from "./schemas.js";

export interface HttpDeps {
  db: Db;
  tenants: TenantService;
  /** Organizations' target credentials (`/v1/credentials`). */
  credentials?: CredentialService;
  /** Organizations' webhook endpoints (`/v1/webhooks`). */
  webhooks?: WebhookService;
  providers: ProviderRegistry;
  logger: Logger;
  metrics: Registry;
  config: Pick<
    Config,
    "allowedOrigins" | "baseDomain" | "environmentBlueprints" | "environmentTarget" | "rateLimitPerMinute"
  >;
  /** Routes tenant hosts (`<service>-<slug>-<discriminator>.<BASE_DOMAIN>`) to local services; default: the providers' `hostRoute`. */
  routes?: RouteTable;
  version: string;
  /** This installation's id (`settings.installation_id`), shown by `GET /health`. */
  installationId: string;
  /** This process's node id (`TENANTRY_NODE_ID`), shown by `GET /health`. */
  nodeId: string;
  /** The web dashboard's build (dist/dashboard); default: the package's. */
  dashboardDir?: string;
  /** The event streams (server-sent events of timelines); default: made by buildServer. */
  eventStreams?: EventStreams;
}

registerAjvFormats();

/** Builds the HTTP API (not yet listening). */
/** The JSON pointer of the first key or string under `value` that holds a NUL character. */
function nulPointer(value: unknown, pointer: string, depth = 0): string | undefined {
  if (typeof value === "string") return value.includes("\0") ? pointer : undefined;
  if (typeof value !== "object" || value === null || depth > 64) return undefined;
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  for (const [k, v] of entries) {
    const here = `${pointer}/${k.replaceAll("~", "~0").replaceAll("/", "~1")}`;
    if (k.includes("\0")) return here;
    const found = nulPointer(v, here, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

export async function buildServer(deps: HttpDeps): Promise<FastifyInstance> {
  const proxy = createHostProxy({
    baseDomain: deps.config.baseDomain,
    routes: deps.routes ?? providerRouteTable(deps.providers, deps.db),
    logger: deps.logger,
  });
  const app = Fastify({
    // Requests for a tenant host go to the tenant's service; the rest is the API.
    serverFactory: (handler) => {
      const server = http.createServer((req, res) => {
        const label = proxy.labelOf(req.headers.host);
        if (label) proxy.handleRequest(req, res, label);
        else handler(req, res);
      });
      server.on("upgrade", (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
        const label = proxy.labelOf(req.headers.host);
        if (label) proxy.handleUpgrade(req, socket, head, label);
        else socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      });
      return server;
    },
    loggerInstance: deps.logger.child({ component: "http" }) as FastifyBaseLogger,
    // Secrets can be in bodies; never log them.
    bodyLimit: MAX_BODY_BYTES,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // Every request's id: the caller's X-Request-Id when usable, else a new UUID; on every
    // HTTP log line as `requestId`, as the engine's lines of the operations it starts.
    genReqId: requestIdOf,
    logController: new LogController({ requestIdLogLabel: "requestId" }),
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  const routeMethods = trackAllowedMethods(app);
  declareImpliedProblems(app);
  app.addSchema(Problem);
  registerHttpMetrics(app, deps.metrics);

  // Security headers on every answer of the API (tenant hosts are the tenants' own). The
  // API serves JSON: its CSP allows nothing; the documentation pages relax it for themselves.
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'none'"],
      },
    },
  });

  // ETag on JSON reads (If-None-Match → 304), computed on the uncompressed body: before
  // compression, whose onSend hook must run after this one.
  registerEtags(app);
  // gzip/br/deflate by Accept-Encoding for bodies over 1 KiB (brotli at quality 4). Event
  // streams are never compressed (they would be buffered); tenant hosts are not the API's.
  await app.register(compress, { global: true, threshold: 1024, encodings: ["br", "gzip", "deflate"] });

  if (deps.config.allowedOrigins.length > 0) {
    await app.register(cors, {
      origin: deps.config.allowedOrigins.includes("*") ? true : deps.config.allowedOrigins,
      // Every method the API has (the default leaves out PATCH and DELETE in preflights).
      methods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
      allowedHeaders: [
        "authorization",
        "content-type",
        "idempotency-key",
        "if-match",
        "if-none-match",
        "x-request-id",
        "last-event-id",
      ],
      exposedHeaders: [
        "etag",
        "location",
        "retry-after",
        "idempotent-replayed",
        "x-request-id",
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
      ],
      maxAge: 600,
    });
  }

  await app.register(swagger, swaggerOptions(deps.version));
  await registerDocsPages(app, deps.version);
  await registerDashboard(app, { dir: deps.dashboardDir });

  // Bodies must be UTF-8: invalid bytes are refused, not silently replaced.
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  // The API reads JSON only: any other body is a 415 (Fastify would parse text/plain).
  app.removeContentTypeParser("text/plain");
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (request, body, done) => {
    const bytes = body as Buffer;
    // No body at all (a bodyless action sent by a client that always sets the JSON
    // content type): no body, as without the header; routes that need one say so.
    if (bytes.length === 0) {
      done(null, undefined);
      return;
    }
    if (!isUtf8(bytes)) {
      done(
        new TenantryError("VALIDATION_FAILED", "the body is not valid UTF-8", {
          errors: [{ pointer: "", message: "is not valid UTF-8" }],
        }),
        undefined,
      );
      return;
    }
    void parseJson(request, bytes.toString("utf8"), done);
  });
  // A route whose body may be left out validates none as `{}`.
  app.addHook("preValidation", async (request) => {
    if (request.body === undefined && request.routeOptions.config.optionalBody) request.body = {};
  });
  // NUL characters are refused at the edge, with the field's path: PostgreSQL cannot
  // store them, and nothing legitimate contains one.
  app.addHook("preValidation", async (request) => {
    const found =
      nulPointer(request.params, "/path") ??
      nulPointer(request.query, "/query") ??
      nulPointer(request.body, "");
    if (found !== undefined) {
      throw new TenantryError(
        "VALIDATION_FAILED",
        `invalid field: ${found || "/"}: contains a NUL character`,
        {
          errors: [{ pointer: found, message: "contains a NUL character" }],
        },
      );
    }
  });

  // First, so that every answer carries the request id, refusals and 404s too.
  app.addHook("onRequest", async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
  });
  const limiter = createRateLimiter(deps.db, deps.config.rateLimitPerMinute, deps.logger);
  app.addHook("onRequest", async (request, reply) => {
    const role = request.routeOptions.config.role;
    try {
      if (role) request.principal = await authenticate(deps.db, request, role);
    } finally {
      // By key once authenticated; failed authentications count by address too.
      await limiter.count(request, reply);
    }
  });
  // What the principal starts (operations, events) records the request it came with.
  app.addHook("onRequest", async (request) => {
    if (request.principal) request.principal.requestId = request.id;
  });
  registerAuditHook(app, deps.db);

  app.setErrorHandler((err, request, reply) => {
    const problem = toTenantryError(err as Parameters<typeof toTenantryError>[0]);
    if (problem.code === "INTERNAL") request.log.error({ err }, "unhandled error");
    else if (problem.code === "DATABASE_UNAVAILABLE")
      request.log.warn({ err: (err as Error).message }, "database unavailable");
    return sendProblem(reply, request, problem);
  });
  app.setNotFoundHandler((request, reply) => {
    // A path the API has, with another method: 405 and what it allows.
    const allowed = routeMethods.of(request.url.split("?")[0] ?? "");
    if (allowed.length > 0 && request.method === "OPTIONS") {
      return reply.header("allow", allowed.join(", ")).code(204).send();
    }
    if (allowed.length > 0 && !allowed.includes(request.method)) {
      reply.header("allow", allowed.join(", "));
      return sendProblem(
        reply,
        request,
        new TenantryError(
          "METHOD_NOT_ALLOWED",
          `${request.url.split("?")[0]} answers ${allowed.join(", ")}`,
          {
            extra: { allow: allowed },
          },
        ),
      );
    }
    return sendProblem(
      reply,
      request,
      new TenantryError("NOT_FOUND", `no route ${request.method} ${request.url}`),
    );
  });

  // Open event streams end first when the server closes, so they do not hold it up.
  const eventStreams = deps.eventStreams ?? new EventStreams(deps.db, { logger: deps.logger });
  app.addHook("preClose", async () => eventStreams.close());
  deps = { ...deps, eventStreams };
  await app.register(healthRoutes, deps);
  await app.register(tenantRoutes, deps);
  await app.register(operationRoutes, deps);
  await app.register(blueprintRoutes, deps);
  await app.register(targetRoutes, deps);
  await app.register(environmentRoutes, deps);
  await app.register(apiKeyRoutes, deps);
  await app.register(organizationRoutes, deps);
  await app.register(credentialRoutes, deps);
  await app.register(auditRoutes, deps);
  await app.register(quotaRoutes, deps);
  await app.register(eventRoutes, deps);
  await app.register(webhookRoutes, deps);
  return app;
}
