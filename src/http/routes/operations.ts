import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { getOperationWithSteps } from "../../services/operation-service.js";
import { principalOf } from "../auth.js";
import { problems } from "../openapi.js";
import { OperationView } from "../schemas.js";
import type { HttpDeps } from "../server.js";
import { operationView } from "../views.js";

export const operationRoutes: FastifyPluginAsyncTypebox<HttpDeps> = async (app, { db }) => {
  app.get(
    "/v1/operations/:id",
    {
      config: { role: "viewer" },
      schema: {
        operationId: "getOperation",
        tags: ["operations"],
        summary: "An operation with its steps, attempts, timings and error",
        description:
          "What a 202 answer's `Location` points at: poll it until `status` is `succeeded`, `failed` or `canceled`.",
        params: Type.Object({ id: Type.String() }),
        response: { 200: OperationView, ...problems(404) },
      },
    },
    async (request) => {
      const { operation, steps } = await getOperationWithSteps(db, principalOf(request), request.params.id);
      return operationView(operation, steps);
    },
  );
};
