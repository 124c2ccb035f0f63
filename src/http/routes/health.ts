import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { readiness } from "../../services/readiness.js";
import type { HttpDeps } from "../server.js";

export const healthRoutes: FastifyPluginAsyncTypebox<HttpDeps> = async (app, deps) => {
  app.get(
    "/health",
    {
      schema: {
        operationId: "getHealth",
        tags: ["system"],
        summary: "Liveness: the process is up; which installation and version it is",
        description:
          "`installation_id` is generated once, at the first start on an empty database, and ends up in every platform name this installation makes (see docs/operations.md).",
        security: [],
        response: {
          200: Type.Object(
            {
              status: Type.Literal("ok"),
              version: Type.String(),
              installation_id: Type.String(),
              node_id: Type.String({ description: "The node this process runs on (TENANTRY_NODE_ID)" }),
            },
            { title: "Health", description: "The process is up" },
          ),
        },
      },
      logLevel: "warn",
    },
    async () => ({
      status: "ok" as const,
      version: deps.version,
      installation_id: deps.installationId,
      node_id: deps.nodeId,
    }),
  );

  app.get(
    "/ready",
    {
      schema: {
        operationId: "getReadiness",
        tags: ["system"],
        summary: "Readiness: the database answers and migrations are current",
        description:
          "For a load balancer: 200 once this process can serve, 503 (with the reason) while its database is unreachable or its migrations are behind.",
        security: [],
        response: {
          200: Type.Object(
            { status: Type.Literal("ready") },
            { title: "Ready", description: "Ready to serve" },
          ),
          503: Type.Object(
            { status: Type.Literal("not_ready"), reason: Type.String() },
            { title: "NotReady", description: "Not ready, and why" },
          ),
        },
      },
      logLevel: "warn",
    },
    async (_request, reply) => {
      const state = await readiness(deps.db);
      if (state.ready) return { status: "ready" as const };
      return reply.status(503).send({ status: "not_ready" as const, reason: state.reason });
    },
  );

  app.get("/metrics", { schema: { hide: true }, logLevel: "warn" }, async (_request, reply) => {
    reply.type(deps.metrics.contentType);
    return deps.metrics.metrics();
  });
};
