import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { estimateCost } from "../../blueprints/cost.js";
import { redactSpec } from "../../blueprints/plan.js";
import { loadPriceTable, pricedProviders } from "../../blueprints/prices.js";
import { validateBlueprint } from "../../blueprints/validate.js";
import { TenantryError } from "../../domain/errors.js";
import { isValidSlug, slugify } from "../../domain/slug.js";
import { newId } from "../../lib/ids.js";
import {
  compileBlueprint,
  compileStored,
  refuseUndeclaredSecrets,
  renderOrThrow,
} from "../../services/blueprint-compiler.js";
import { getBlueprint, latestBlueprints, pushBlueprintVersion } from "../../services/blueprint-service.js";
import { renderContextFor } from "../../services/render-context.js";
import { principalOf } from "../auth.js";
import { problems } from "../openapi.js";
import {
  BlueprintBody,
  BlueprintView,
  List,
  RenderBody,
  RenderView,
  ValidateBody,
  ValidationView,
} from "../schemas.js";
import type { HttpDeps } from "../server.js";
import { blueprintView } from "../views.js";

export const blueprintRoutes: FastifyPluginAsyncTypebox<HttpDeps> = async (
  app,
  { db, providers, tenants },
) => {
  app.post(
    "/v1/blueprints/validate",
    {
      config: { role: "viewer" },
      schema: {
        operationId: "validateBlueprint",
        tags: ["blueprints"],
        summary: "Validate blueprint YAML without storing it",
        description:
          "Every error and warning at once, each with a JSON pointer into the blueprint and its line and column.",
        body: ValidateBody,
        response: { 200: ValidationView },
      },
    },
    async (request) => {
      const { errors, warnings } = validateBlueprint(request.body.source);
      return { valid: errors.length === 0, errors, warnings };
    },
  );

  app.post(
    "/v1/blueprints/:name/render",
    {
      config: { role: "viewer" },
      schema: {
        operationId: "renderBlueprint",
        tags: ["blueprints"],
        summary: "What a blueprint creates for a tenant, and what it costs",
        description:
          "Resolves the blueprint (latest version, or `version`) for a would-be tenant: the ordered resource set with secrets redacted, and the monthly cost on the target.",
        params: Type.Object({ name: Type.String() }),
        body: RenderBody,
        response: { 200: RenderView, ...problems(404, 422) },
      },
    },
    async (request) => {
      const orgId = principalOf(request).organizationId;
      const body = request.body;
      const version = await getBlueprint(db, orgId, request.params.name, body.version);
      const target = body.target ?? tenants.defaultTarget;
      // A target with a price table can be costed before its provider is configured.
      if (!providers.get(target) && !loadPriceTable(target)) {
        const known = [...new Set([...providers.names(), ...pricedProviders()])].sort();
        throw new TenantryError("UNKNOWN_TARGET", `no provider or price table for target "${target}"`, {
          errors: [{ pointer: "/target", message: `expected one of: ${known.join(", ")}` }],
        });
      }
      const slug = body.tenant.slug ?? slugify(body.tenant.name);
      if (!isValidSlug(slug)) {
        throw new TenantryError("VALIDATION_FAILED", "invalid field: /tenant/slug", {
          errors: [{ pointer: "/tenant/slug", message: "must be a DNS label" }],
        });
      }
      // Secret names a create would refuse are refused here too.
      refuseUndeclaredSecrets(compileStored(version), body.secrets ?? [], (_key, i) => `/secrets/${i}`);
      const rendered = renderOrThrow(
        compileStored(version),
        await renderContextFor(
          db,
          tenants.renderSettings,
          { id: body.tenant.id ?? newId(), slug, name: body.tenant.name, organizationId: orgId },
          { params: body.params ?? {}, secretKeys: new Set(body.secrets ?? []) },
        ),
      );
      // What the target cannot serve is refused as a create would refuse it (a target known
      // only by its price table has no capabilities to check).
      if (providers.get(target) && body.check_target !== false)
        await tenants.checkSupported(target, rendered);
      return {
        blueprint: { name: version.name, version: version.version },
        target,
        params: rendered.params,
        resources: rendered.resources.map((r) => ({
          key: r.key,
          kind: r.kind,
          name: r.externalName,
          depends_on: r.dependsOn,
          spec: redactSpec(r.spec),
        })),
        cost: estimateCost(rendered.resources, target),
      };
    },
  );

  app.post(
    "/v1/blueprints",
    {
      config: { role: "operator" },
      schema: {
        operationId: "pushBlueprint",
        tags: ["blueprints"],
        summary: "Push a blueprint version",
        description:
          "Stores the next immutable version (201); content identical to the latest version returns it (200). A new name over the organization's `max_blueprints` quota: 403 `QUOTA_EXCEEDED`.",
        body: BlueprintBody,
        response: { 200: BlueprintView, 201: BlueprintView, ...problems(422) },
      },
    },
    async (request, reply) => {
      compileBlueprint(request.body.source, "/source");
      const { blueprint, created } = await pushBlueprintVersion(
        db,
        principalOf(request).organizationId,
        request.body.name,
        request.body.source,
        tenants.quotas,
      );
      reply.status(created ? 201 : 200);
      request.auditNote = {
        summary: { blueprint: blueprint.name, version: blueprint.version, digest: blueprint.digest, created },
      };
      return blueprintView(blueprint);
    },
  );

  app.get(
    "/v1/blueprints",
    {
      config: { role: "viewer" },
      schema: {
        operationId: "listBlueprints",
        tags: ["blueprints"],
        summary: "List blueprints (latest version of each)",
        description: "The latest version of each of the organization's blueprints, by name, without sources.",
        response: {
          200: List(BlueprintView, "BlueprintList", "The latest version of each blueprint"),
        },
      },
    },
    async (request) => ({
      data: (await latestBlueprints(db, principalOf(request).organizationId)).map((b) => blueprintView(b)),
    }),
  );

  app.get(
    "/v1/blueprints/:name",
    {
      config: { role: "viewer" },
      schema: {
        operationId: "getBlueprint",
        tags: ["blueprints"],
        summary: "The latest version of a blueprint, with its source",
        description: "Its latest version, with the YAML source.",
        params: Type.Object({ name: Type.String() }),
        response: { 200: BlueprintView, ...problems(404) },
      },
    },
    async (request) => {
      const b = await getBlueprint(db, principalOf(request).organizationId, request.params.name);
      return blueprintView(b, true);
    },
  );

  app.get(
    "/v1/blueprints/:name/versions/:version",
    {
      config: { role: "viewer" },
      schema: {
        operationId: "getBlueprintVersion",
        tags: ["blueprints"],
        summary: "One version of a blueprint, with its source",
        description: "One immutable version, with its YAML source and its validated form (`parsed`).",
        params: Type.Object({
          name: Type.String({ maxLength: 100 }),
          version: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
        }),
        response: { 200: BlueprintView, ...problems(404) },
      },
    },
    async (request) => {
      const { name, version } = request.params;
      const b = await getBlueprint(db, principalOf(request).organizationId, name, version);
      return { ...blueprintView(b, true), parsed: compileStored(b) };
    },
  );
};
