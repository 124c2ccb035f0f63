import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { parseBlueprint } from "../../blueprints/parse.js";
import { TenantryError } from "../../domain/errors.js";
import { findBlueprint, listBlueprints, putBlueprintVersion } from "../../store/sql/blueprints.js";
import { principalOf } from "../auth.js";
import { BlueprintBody, BlueprintView } from "../schemas.js";
import type { HttpDeps } from "../server.js";
import { blueprintView } from "../views.js";

const problem = { $ref: "Problem#" };

export const blueprintRoutes: FastifyPluginAsyncTypebox<HttpDeps> = async (app, { db }) => {
  app.post(
    "/v1/blueprints",
    {
      config: { role: "operator" },
      schema: {
        tags: ["blueprints"],
        summary: "Push a blueprint version",
        description:
          "Stores the next immutable version; content identical to the latest version returns it (200).",
        body: BlueprintBody,
        response: {
          200: BlueprintView,
          201: BlueprintView,
          400: problem,
          401: problem,
          403: problem,
          422: problem,
        },
      },
    },
    async (request, reply) => {
      parseBlueprint(request.body.source);
      const { blueprint, created } = await db.tx((q) =>
        putBlueprintVersion(q, principalOf(request).organizationId, request.body.name, request.body.source),
      );
      reply.status(created ? 201 : 200);
      return blueprintView(blueprint);
    },
  );

  app.get(
    "/v1/blueprints",
    {
      config: { role: "viewer" },
      schema: {
        tags: ["blueprints"],
        summary: "List blueprints (latest version of each)",
        response: { 200: Type.Object({ data: Type.Array(BlueprintView) }), 401: problem },
      },
    },
    async (request) => ({
      data: (await listBlueprints(db, principalOf(request).organizationId)).map((b) => blueprintView(b)),
    }),
  );

  app.get(
    "/v1/blueprints/:name",
    {
      config: { role: "viewer" },
      schema: {
        tags: ["blueprints"],
        summary: "The latest version of a blueprint, with its source",
        params: Type.Object({ name: Type.String() }),
        response: { 200: BlueprintView, 401: problem, 404: problem },
      },
    },
    async (request) => {
      const b = await findBlueprint(db, principalOf(request).organizationId, request.params.name);
      if (!b) throw new TenantryError("BLUEPRINT_NOT_FOUND", `no blueprint ${request.params.name}`);
      return blueprintView(b, true);
    },
  );

  app.get(
    "/v1/blueprints/:name/versions/:version",
    {
      config: { role: "viewer" },
      schema: {
        tags: ["blueprints"],
        summary: "One version of a blueprint, with its source",
        params: Type.Object({ name: Type.String(), version: Type.Integer({ minimum: 1 }) }),
        response: { 200: BlueprintView, 401: problem, 404: problem },
      },
    },
    async (request) => {
      const { name, version } = request.params;
      const b = await findBlueprint(db, principalOf(request).organizationId, name, version);
      if (!b) throw new TenantryError("BLUEPRINT_NOT_FOUND", `no blueprint ${name}@${version}`);
      return blueprintView(b, true);
    },
  );
};
