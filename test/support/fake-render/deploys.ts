import { hex } from "./ids.js";
import { type DeployRecord, iso, type ServiceRecord, type Store } from "./store.js";
import type { Deploy, DeployStatus } from "./types.js";

/**
 * A deploy's life: `created` → `build_in_progress` (at once) → `update_in_progress` (after
 * `buildMs`) → `live` (after `deployMs` more), or the terminal failure `failDeploys`
 * configured for the service's name:
 *
 * - `build_failed` when the build ends;
 * - `pre_deploy_failed`: the build ends in `pre_deploy_in_progress`, which fails after `deployMs`;
 * - `update_failed` when the update would have gone live;
 * - `canceled` when the build would have ended.
 *
 * When a deploy goes live, the service's previous live deploy becomes `deactivated`.
 */
export function startDeploy(
  store: Store,
  rec: ServiceRecord,
  now: number,
  trigger: Deploy["trigger"],
  input: { commitId?: string; imageUrl?: string } = {},
): Deploy {
  const { id, seq } = store.issue("dep");
  const service = rec.service;
  const deploy: Deploy = {
    id,
    status: "created",
    trigger,
    createdAt: iso(now),
    updatedAt: iso(now),
  };
  if (service.imagePath !== undefined) {
    deploy.image = { ref: input.imageUrl ?? service.imagePath, sha: `sha256:${hex(`image:${id}`, 64)}` };
  } else {
    deploy.commit = {
      id: input.commitId ?? hex(`commit:${id}`, 40),
      message: "Commit deployed by the fake Render API",
      createdAt: iso(now),
    };
  }
  const record: DeployRecord = { seq, deploy };
  rec.deploys.push(record);

  const failure = store.deployFailures.find((f) => f.match(service.name))?.status;
  const { buildMs, deployMs } = store.timings;
  const at = (ms: number, status: DeployStatus) =>
    store.timeline.schedule(now + ms, (when) => transition(store, rec, record, status, when));

  at(0, "build_in_progress");
  switch (failure) {
    case "build_failed":
    case "canceled":
      at(buildMs, failure);
      break;
    case "pre_deploy_failed":
      at(buildMs, "pre_deploy_in_progress");
      at(buildMs + deployMs, "pre_deploy_failed");
      break;
    case "update_failed":
      at(buildMs, "update_in_progress");
      at(buildMs + deployMs, "update_failed");
      break;
    default:
      at(buildMs, "update_in_progress");
      at(buildMs + deployMs, "live");
  }
  return structuredClone(deploy);
}

const TERMINAL = new Set<DeployStatus>([
  "live",
  "deactivated",
  "build_failed",
  "update_failed",
  "canceled",
  "pre_deploy_failed",
]);

function transition(
  store: Store,
  rec: ServiceRecord,
  record: DeployRecord,
  status: DeployStatus,
  at: number,
) {
  // The service may have been deleted since.
  if (store.services.get(rec.service.id) !== rec || TERMINAL.has(record.deploy.status)) return;
  const deploy = record.deploy;
  deploy.status = status;
  deploy.updatedAt = iso(at);
  if (status === "build_in_progress") deploy.startedAt = iso(at);
  if (TERMINAL.has(status)) deploy.finishedAt = iso(at);
  if (status !== "live") return;
  for (const other of rec.deploys) {
    if (other !== record && other.deploy.status === "live") {
      other.deploy.status = "deactivated";
      other.deploy.updatedAt = iso(at);
    }
  }
  // Render reports the port it detected once the service runs.
  const details = rec.service.serviceDetails;
  if (details.openPorts && details.openPorts.length === 0)
    details.openPorts = [{ port: 10000, protocol: "TCP" }];
}
