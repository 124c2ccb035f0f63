import { ABSENT, type ActionResult, type RecordedResource, type ResourceDriver } from "../provider.js";

/**
 * Env var groups on the local target: nothing to create. The services that use a group
 * carry its variables inlined (see `renderBlueprint`), so the group is only recorded,
 * with the names of its variables (never their values) as outputs.
 */
function done(r: RecordedResource<"envgroup">): ActionResult {
  const keys = r.spec.envVars.map((b) => b.key);
  return { state: "done", providerId: `group/${r.externalName}`, outputs: { keys } };
}

export const localEnvGroupDriver: ResourceDriver<"envgroup"> = {
  // Nothing exists outside Tenantry's records: a group recorded as `creating` is simply created.
  observe: async () => ABSENT,
  // Create, adopt and update are the same: record the group's keys.
  apply: async (_ctx, r) => done(r),
  delete: async () => ({ state: "done" }),
};
