import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { ApiKeyService } from "../../services/api-key-service.js";
import { type OrganizationRow, OrganizationService } from "../../services/organization-service.js";
import { principalOf } from "../auth.js";
import { idempotent } from "../idempotency.js";
import { problems } from "../openapi.js";
import {
  ApiKeyView,
  CreateOrganizationBody,
  IdempotencyHeaders,
  OrganizationCreated,
  OrganizationView,
  Page,
  PageQuery,
  RenameOrganizationBody,
  TenantParams,
} from "../schemas.js";
import type { HttpDeps } from "../server.js";
import { apiKeyView } from "./api-keys.js";
import { decodeCursor, encodeCursor } from "./tenants.js";

export function organizationView(o: OrganizationRow) {
  return {
    id: o.id,
    slug: o.slug,
    name: o.name,
    created_at: o.createdAt.toISOString(),
    updated_at: o.updatedAt.toISOString(),
    live_tenants: o.liveTenants,
    active_keys: o.activeKeys,
  };
}

/**
 * `/v1/organizations`: the installation's organizations (platform_admin role), and
 * `/v1/organization`: the caller's own (any role).
 */
export const organizationRoutes: FastifyPluginAsyncTypebox<HttpDeps> = async (app, deps) => {
  const { db } = deps;
  const orgs = new OrganizationService();
  const keys = new ApiKeyService();

  app.get(
    "/v1/organization",
    {
      config: { role: "viewer" },
      schema: {
        operationId: "getOwnOrganization",
        tags: ["organizations"],
        summary: "The caller's organization and key",
        description: "Which organization the API key belongs to and what it may do: a cheap check of a key.",
        response: {
          200: Type.Object(
            { organization: OrganizationView, api_key: ApiKeyView },
            { title: "CallerIdentity", description: "The calling key and its organization" },
          ),
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      return {
        organization: organizationView(await orgs.get(db, principal.organizationId)),
        api_key: apiKeyView(await keys.get(db, principal, principal.apiKeyId)),
      };
    },
  );

  app.get(
    "/v1/organizations",
    {
      config: { role: "platform_admin" },
      schema: {
        operationId: "listOrganizations",
        tags: ["organizations"],
        summary: "List organizations",
        description: "Oldest first. Platform admin.",
        querystring: PageQuery,
        response: { 200: Page(OrganizationView, "OrganizationPage") },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 100;
      const rows = await orgs.list(db, { limit: limit + 1, after: decodeCursor(request.query.cursor) });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        data: page.map(organizationView),
        next_cursor: rows.length > limit && last ? encodeCursor(last.id) : null,
      };
    },
  );

  app.post(
    "/v1/organizations",
    {
      config: { role: "platform_admin" },
      schema: {
        operationId: "createOrganization",
        tags: ["organizations"],
        summary: "Create an organization",
        description:
          "With its first admin key, returned this once: hand it to the organization's owner. Platform admin.",
        headers: IdempotencyHeaders,
        body: CreateOrganizationBody,
        response: { 201: OrganizationCreated, ...problems(409) },
      },
    },
    async (request, reply) =>
      idempotent(db, request, reply, 201, async (q) => {
        const { organization, adminKey } = await orgs.create(q, principalOf(request), {
          slug: request.body.slug,
          name: request.body.name,
          adminKeyName: request.body.admin_key_name,
        });
        reply.header("location", `/v1/organizations/${organization.id}`);
        return {
          organization: organizationView(organization),
          admin_key: apiKeyView(adminKey.key),
          key: adminKey.secret,
        };
      }),
  );

  app.get(
    "/v1/organizations/:id",
    {
      config: { role: "platform_admin" },
      schema: {
        operationId: "getOrganization",
        tags: ["organizations"],
        summary: "Get an organization",
        description: "By id or slug. Platform admin.",
        params: TenantParams,
        response: { 200: OrganizationView, ...problems(404) },
      },
    },
    async (request) => organizationView(await orgs.get(db, request.params.id)),
  );

  app.patch(
    "/v1/organizations/:id",
    {
      config: { role: "platform_admin" },
      schema: {
        operationId: "renameOrganization",
        tags: ["organizations"],
        summary: "Rename an organization",
        description: "Its display name; the slug is permanent. Platform admin.",
        params: TenantParams,
        body: RenameOrganizationBody,
        response: { 200: OrganizationView, ...problems(404) },
      },
    },
    async (request) =>
      db.tx(async (q) => organizationView(await orgs.rename(q, request.params.id, request.body.name))),
  );

  app.delete(
    "/v1/organizations/:id",
    {
      config: { role: "platform_admin" },
      schema: {
        operationId: "deleteOrganization",
        tags: ["organizations"],
        summary: "Delete an organization",
        description:
          "With its keys, blueprints and the records of its destroyed tenants. Refused (409) while any of its tenants is not destroyed, and for the calling key's own organization. Platform admin.",
        params: TenantParams,
        response: { 200: OrganizationView, ...problems(404, 409) },
      },
    },
    async (request) =>
      db.tx(async (q) => organizationView(await orgs.delete(q, principalOf(request), request.params.id))),
  );
};
