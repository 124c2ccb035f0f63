import type { EnvBinding } from "../../blueprints/render.js";
import type { ActionResult, RecordedResource, ResourceDriver } from "../provider.js";

/**
 * Env var groups on the local target: nothing to create. The services that use a group
 * carry its variables inlined (see `renderBlueprint`), so the group is only recorded,
 * with the names of its variables (never their values) as outputs.
 */
function done(r: RecordedResource): ActionResult {
  const keys = ((r.spec["envVars"] as EnvBinding[] | undefined) ?? []).map((b) => b.key);
  return { state: "done", providerId: `group/${r.externalName}`, outputs: { keys } };
}

export const localEnvGroupDriver: ResourceDriver = {
  // Nothing exists outside Tenantry's records: a group recorded as `creating` is simply created.
  observe: async () => null,
  create: async (_ctx, r) => done(r),
  adopt: async (_ctx, r) => done(r),
  update: async (_ctx, r) => done(r),
  delete: async () => ({ state: "done" }),
};
