import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { EnvironmentService, environmentStatus } from "../../services/environment-service.js";
import { principalOf } from "../auth.js";
import { idempotent } from "../idempotency.js";
import { problems } from "../openapi.js";
import {
  CreateEnvironmentBody,
  EnvironmentCreated,
  EnvironmentDestroying,
  EnvironmentView,
  IdempotencyHeaders,
  TenantParams,
} from "../schemas.js";
import type { HttpDeps } from "../server.js";

/**
 * `/v1/environments`: the BYOC provisioning API as a team wrote it before Tenantry (request
 * and answer shapes kept), a view over tenants of the environment blueprint. See
 * docs/environments.md.
 */
export const environmentRoutes: FastifyPluginAsyncTypebox<HttpDeps> = async (app, deps) => {
  const { db } = deps;
  const environments = new EnvironmentService(deps.tenants, deps.config);

  app.post(
    "/v1/environments",
    {
      config: { role: "operator" },
      schema: {
        operationId: "createEnvironment",
        tags: ["environments"],
        summary: "Create an environment",
        description:
          "Creates a tenant of the environment blueprint (`TENANTRY_ENVIRONMENT_BLUEPRINT`, chosen by `cloud.provider`) on the terraform target; the answer comes at once (`status: queued`). Poll `GET /v1/environments/{id}`.",
        headers: IdempotencyHeaders,
        body: CreateEnvironmentBody,
        response: { 202: EnvironmentCreated, ...problems(403, 404, 409, 422, 501) },
      },
    },
    async (request, reply) =>
      idempotent(db, request, reply, 202, async (q) => {
        const { tenant, operation } = await environments.create(
          q,
          principalOf(request),
          request.body as Record<string, unknown>,
        );
        reply.header("location", `/v1/environments/${tenant.id}`);
        return {
          environment_id: tenant.id,
          status: environmentStatus(tenant, operation),
          created_at: tenant.createdAt.toISOString(),
        };
      }),
  );

  app.get(
    "/v1/environments/:id",
    {
      config: { role: "viewer" },
      schema: {
        operationId: "getEnvironment",
        tags: ["environments"],
        summary: "Get an environment",
        description: "Its status (`ready` once provisioned and bootstrapped) and non-secret outputs.",
        params: TenantParams,
        response: { 200: EnvironmentView, ...problems(404) },
      },
    },
    async (request) => environments.get(db, principalOf(request), request.params.id),
  );

  app.delete(
    "/v1/environments/:id",
    {
      config: { role: "operator" },
      schema: {
        operationId: "deleteEnvironment",
        tags: ["environments"],
        summary: "Destroy an environment",
        description: "Starts the destroy of every resource of its stacks; the state ends empty.",
        params: TenantParams,
        headers: IdempotencyHeaders,
        response: { 202: EnvironmentDestroying, ...problems(404, 409) },
      },
    },
    async (request, reply) =>
      idempotent(db, request, reply, 202, async (q) => {
        const { tenant } = await environments.destroy(q, principalOf(request), request.params.id);
        return { environment_id: tenant.id, status: "destroying" };
      }),
  );
};
