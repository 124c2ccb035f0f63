import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { MAX_QUOTA_VALUE, QUOTA_DEFAULTS, QUOTA_NAMES, type QuotaName } from "../../domain/quotas.js";
import { OrganizationService } from "../../services/organization-service.js";
import { type QuotaReport, QuotaService } from "../../services/quota-service.js";
import { principalOf } from "../auth.js";
import { problems } from "../openapi.js";
import { TenantParams } from "../schemas.js";
import type { HttpDeps } from "../server.js";

const QuotaStateView = Type.Object(
  {
    limit: Type.Integer({ description: "The limit in force; 0 = unlimited" }),
    current: Type.Integer({ description: "The organization's use now" }),
    overridden: Type.Boolean({
      description: "Set for this organization by a platform admin (else the default)",
    }),
  },
  { title: "QuotaState", description: "One quota: its limit and the use counted against it" },
);

const QuotasView = Type.Object(
  {
    organization: Type.String({ description: "The organization's slug" }),
    quotas: Type.Object({
      max_tenants: QuotaStateView,
      max_concurrent_operations: QuotaStateView,
      max_blueprints: QuotaStateView,
      creates_per_minute: QuotaStateView,
    }),
  },
  { title: "Quotas", description: "An organization's quotas and its use of each (docs/quotas.md)" },
);

const Override = Type.Union([Type.Integer({ minimum: 0, maximum: MAX_QUOTA_VALUE }), Type.Null()], {
  description: "A limit (0 = unlimited), or null for the installation's default",
});

const QuotasBody = Type.Object(
  {
    max_tenants: Type.Optional(Override),
    max_concurrent_operations: Type.Optional(Override),
    max_blueprints: Type.Optional(Override),
    creates_per_minute: Type.Optional(Override),
  },
  {
    additionalProperties: false,
    title: "QuotaOverrides",
    description: "Quota overrides for one organization: a limit each, or null for the default",
  },
);

function quotasView(slug: string, report: QuotaReport) {
  return { organization: slug, quotas: report };
}

function changesOf(
  body: Partial<Record<QuotaName, number | null>>,
): Partial<Record<QuotaName, number | null>> {
  const out: Partial<Record<QuotaName, number | null>> = {};
  for (const name of QUOTA_NAMES) if (name in body) out[name] = body[name] ?? null;
  return out;
}

/**
 * Quotas: `/v1/organizations/{id}/quotas` (platform admin: read and override), and
 * `/v1/organization/quotas` (the caller's own, read only).
 */
export const quotaRoutes: FastifyPluginAsyncTypebox<HttpDeps> = async (app, deps) => {
  const { db } = deps;
  const orgs = new OrganizationService();
  const quotas = deps.tenants.quotas ?? new QuotaService(QUOTA_DEFAULTS);

  app.get(
    "/v1/organization/quotas",
    {
      config: { role: "viewer" },
      schema: {
        operationId: "getOwnQuotas",
        tags: ["organizations"],
        summary: "The caller's organization's quotas",
        description: "Each quota's limit and current use. Changed only by a platform admin.",
        response: { 200: QuotasView },
      },
    },
    async (request) => {
      const org = await orgs.get(db, principalOf(request).organizationId);
      return quotasView(org.slug, await quotas.report(db, org.id));
    },
  );

  app.get(
    "/v1/organizations/:id/quotas",
    {
      config: { role: "platform_admin" },
      schema: {
        operationId: "getOrganizationQuotas",
        tags: ["organizations"],
        summary: "An organization's quotas",
        description: "By organization id or slug. Platform admin.",
        params: TenantParams,
        response: { 200: QuotasView, ...problems(404) },
      },
    },
    async (request) => {
      const org = await orgs.get(db, request.params.id);
      return quotasView(org.slug, await quotas.report(db, org.id));
    },
  );

  const change = (replace: boolean) =>
    ({
      config: { role: "platform_admin" as const },
      schema: {
        operationId: replace ? "setOrganizationQuotas" : "updateOrganizationQuotas",
        tags: ["organizations"],
        summary: replace ? "Set an organization's quotas" : "Change some of an organization's quotas",
        description: replace
          ? "Replaces every override: a quota not given (or null) goes back to the default. Platform admin."
          : "Changes only the quotas given; null resets one to the default. Platform admin.",
        params: TenantParams,
        body: QuotasBody,
        response: { 200: QuotasView, ...problems(404) },
      },
    }) as const;

  for (const replace of [true, false]) {
    app.route({
      method: replace ? "PUT" : "PATCH",
      url: "/v1/organizations/:id/quotas",
      ...change(replace),
      handler: async (request) =>
        db.tx(async (q) => {
          const org = await orgs.get(q, request.params.id, true);
          return quotasView(org.slug, await quotas.setOverrides(q, org.id, changesOf(request.body), replace));
        }),
    });
  }
};
