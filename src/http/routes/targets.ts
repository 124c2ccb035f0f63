import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { describeTarget } from "../../providers/capabilities.js";
import { List } from "../schemas.js";
import type { HttpDeps } from "../server.js";

const TargetView = Type.Object(
  {
    name: Type.String({ description: "What tenants say as `target`" }),
    bootstrap: Type.Boolean({ description: "It runs `hooks.bootstrap`" }),
    placement: Type.Union([Type.Literal("node"), Type.Literal("anywhere")], {
      description:
        "`node`: a tenant's objects live on the machine that made them, and only its workers work on it",
    }),
    kinds: Type.Array(
      Type.Object({
        kind: Type.String(),
        suspend: Type.Boolean(),
        logs: Type.Boolean(),
        jobs: Type.Boolean({ description: "Runs on demand (cron jobs)" }),
        action_timeout_ms: Type.Integer({ description: "Longest single provider call for this kind" }),
        max_wait_ms: Type.Integer({
          description: "Longest a resource of this kind may wait for its platform",
        }),
      }),
    ),
    missing: Type.Array(
      Type.Object({
        kind: Type.String(),
        why: Type.Union([Type.String(), Type.Null()], { description: "What to configure to get it" }),
      }),
      { description: "Kinds this target does not serve here" },
    ),
  },
  { title: "Target", description: "A target tenants can run on, and what it can do" },
);

export const targetRoutes: FastifyPluginAsyncTypebox<HttpDeps> = async (app, { providers }) => {
  app.get(
    "/v1/targets",
    {
      config: { role: "viewer" },
      schema: {
        operationId: "listTargets",
        tags: ["targets"],
        summary: "The targets this installation serves, and what each can do",
        description:
          "Per target: the resource kinds it serves (with suspend, logs, on-demand runs and the engine's time limits for each), whether it runs bootstrap hooks, and the kinds it lacks with what to configure. A blueprint a target cannot fully serve is refused at create with `UNSUPPORTED_RESOURCE`, naming each thing.",
        response: { 200: List(TargetView, "TargetList", "The targets, by name") },
      },
    },
    async () => ({
      data: providers
        .names()
        .sort()
        .map((name) => describeTarget(providers.get(name)!)),
    }),
  );
};
