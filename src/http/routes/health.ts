import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { migrationsCurrent } from "../../store/migrations.js";
import type { HttpDeps } from "../server.js";

export const healthRoutes: FastifyPluginAsyncTypebox<HttpDeps> = async (app, deps) => {
  app.get(
    "/health",
    {
      schema: {
        tags: ["system"],
        summary: "Liveness: the process is up",
        security: [],
        response: { 200: Type.Object({ status: Type.Literal("ok") }) },
      },
      logLevel: "warn",
    },
    async () => ({ status: "ok" as const }),
  );

  app.get(
    "/ready",
    {
      schema: {
        tags: ["system"],
        summary: "Readiness: the database answers and migrations are current",
        security: [],
        response: {
          200: Type.Object({ status: Type.Literal("ready") }),
          503: Type.Object({ status: Type.Literal("not_ready"), reason: Type.String() }),
        },
      },
      logLevel: "warn",
    },
    async (_request, reply) => {
      try {
        if (!(await migrationsCurrent(deps.db))) {
          return reply
            .status(503)
            .send({ status: "not_ready" as const, reason: "migrations are not current" });
        }
        return { status: "ready" as const };
      } catch (err) {
        return reply
          .status(503)
          .send({ status: "not_ready" as const, reason: `database unreachable: ${(err as Error).message}` });
      }
    },
  );

  app.get("/metrics", { schema: { hide: true }, logLevel: "warn" }, async (_request, reply) => {
    reply.type(deps.metrics.contentType);
    return deps.metrics.metrics();
  });
};
