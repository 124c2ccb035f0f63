import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { type ApiKeyRow, ApiKeyService, keyState } from "../../services/api-key-service.js";
import { principalOf } from "../auth.js";
import { idempotent } from "../idempotency.js";
import { problems } from "../openapi.js";
import {
  ApiKeyCreated,
  ApiKeyView,
  CreateApiKeyBody,
  IdempotencyHeaders,
  List,
  RotateApiKeyBody,
  RotatedApiKey,
  TenantParams,
} from "../schemas.js";
import type { HttpDeps } from "../server.js";

export function apiKeyView(k: ApiKeyRow) {
  return {
    id: k.id,
    name: k.name,
    role: k.role,
    prefix: k.keyPrefix,
    state: keyState(k),
    created_at: k.createdAt.toISOString(),
    last_used_at: k.lastUsedAt?.toISOString() ?? null,
    expires_at: k.expiresAt?.toISOString() ?? null,
    revoked_at: k.revokedAt?.toISOString() ?? null,
    replaced_by: k.replacedBy,
  };
}

/** `/v1/api-keys`: the caller's organization's keys (admin role). */
export const apiKeyRoutes: FastifyPluginAsyncTypebox<HttpDeps> = async (app, deps) => {
  const { db } = deps;
  const keys = new ApiKeyService();

  app.get(
    "/v1/api-keys",
    {
      config: { role: "admin" },
      schema: {
        operationId: "listApiKeys",
        tags: ["api-keys"],
        summary: "List the organization's API keys",
        description: "Oldest first; revoked and expired keys stay listed. Keys themselves are never shown.",
        response: { 200: List(ApiKeyView, "ApiKeyList", "The organization's API keys, oldest first") },
      },
    },
    async (request) => ({ data: (await keys.list(db, principalOf(request))).map(apiKeyView) }),
  );

  app.post(
    "/v1/api-keys",
    {
      config: { role: "admin" },
      schema: {
        operationId: "createApiKey",
        tags: ["api-keys"],
        summary: "Create an API key",
        description:
          "The answer holds the key itself, this once: store it now. Only a platform admin makes `platform_admin` keys.",
        headers: IdempotencyHeaders,
        body: CreateApiKeyBody,
        response: { 201: ApiKeyCreated },
      },
    },
    async (request, reply) =>
      idempotent(db, request, reply, 201, async (q) => {
        const body = request.body;
        const { key, secret } = await keys.create(q, principalOf(request), {
          name: body.name,
          role: body.role,
          expiresAt: body.expires_at ? new Date(body.expires_at) : undefined,
        });
        reply.header("location", `/v1/api-keys/${key.id}`);
        return { api_key: apiKeyView(key), key: secret };
      }),
  );

  app.get(
    "/v1/api-keys/:id",
    {
      config: { role: "admin" },
      schema: {
        operationId: "getApiKey",
        tags: ["api-keys"],
        summary: "Get an API key",
        description: "Its name, role, state and times; never the key itself.",
        params: TenantParams,
        response: { 200: ApiKeyView, ...problems(404) },
      },
    },
    async (request) => apiKeyView(await keys.get(db, principalOf(request), request.params.id)),
  );

  app.delete(
    "/v1/api-keys/:id",
    {
      config: { role: "admin" },
      schema: {
        operationId: "revokeApiKey",
        tags: ["api-keys"],
        summary: "Revoke an API key",
        description: "At once: the next request with it is a 401. A key cannot revoke itself.",
        params: TenantParams,
        response: { 200: ApiKeyView, ...problems(404) },
      },
    },
    async (request) =>
      db.tx(async (q) => apiKeyView(await keys.revoke(q, principalOf(request), request.params.id))),
  );

  app.post(
    "/v1/api-keys/:id/rotate",
    {
      config: { role: "admin", optionalBody: true },
      schema: {
        operationId: "rotateApiKey",
        tags: ["api-keys"],
        summary: "Rotate an API key",
        description:
          "A new key with the same name, role and expiry (shown this once); the old one keeps working for `grace_seconds` (default a day), then is refused.",
        params: TenantParams,
        headers: IdempotencyHeaders,
        body: RotateApiKeyBody,
        response: { 201: RotatedApiKey, ...problems(404, 409) },
      },
    },
    async (request, reply) =>
      idempotent(db, request, reply, 201, async (q) => {
        const grace = request.body?.grace_seconds ?? 86_400;
        const { key, secret, previous } = await keys.rotate(
          q,
          principalOf(request),
          request.params.id,
          grace,
        );
        reply.header("location", `/v1/api-keys/${key.id}`);
        return { api_key: apiKeyView(key), key: secret, previous: apiKeyView(previous) };
      }),
  );
};
