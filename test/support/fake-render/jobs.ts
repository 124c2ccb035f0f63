import { iso, type JobRecord, type ServiceRecord, type Store } from "./store.js";
import type { Job, JobStatus } from "./types.js";

/**
 * A one-off job's life: `pending` (at creation) → `running` (after `jobStartMs`) →
 * `succeeded` or `failed` (after its run time), unless canceled first. Nothing runs: the
 * command decides the outcome, deterministically:
 *
 * - it **fails** when it contains `exit N` with N ≠ 0 (the first `exit` in it), else it succeeds;
 * - it **runs** `N` seconds when it contains `sleep N` (the first `sleep`; fractions allowed),
 *   else `jobRunMs`.
 *
 * So `node seed.js || exit 1` fails and `sleep 30` runs half a minute (long enough to be
 * canceled by a timeout).
 */
export function startJob(
  store: Store,
  rec: ServiceRecord,
  now: number,
  input: { startCommand: string; planId?: string },
): Job {
  const { id, seq } = store.issue("job");
  const job: Job = {
    id,
    serviceId: rec.service.id,
    startCommand: input.startCommand,
    planId: input.planId ?? planIdOf(rec),
    status: "pending",
    createdAt: iso(now),
  };
  const record: JobRecord = { seq, job };
  rec.jobs.push(record);
  const { jobStartMs, jobRunMs } = store.timings;
  const exit = /\bexit\s+(\d+)/.exec(input.startCommand)?.[1];
  const sleep = /\bsleep\s+(\d+(?:\.\d+)?)/.exec(input.startCommand)?.[1];
  const runMs = sleep !== undefined ? Number(sleep) * 1000 : jobRunMs;
  const outcome: JobStatus = exit !== undefined && Number(exit) !== 0 ? "failed" : "succeeded";
  store.timeline.schedule(now + jobStartMs, (at) => transition(store, rec, record, "running", at));
  store.timeline.schedule(now + jobStartMs + runMs, (at) => transition(store, rec, record, outcome, at));
  return structuredClone(job);
}

/** Whether the job has ended (`succeeded`, `failed`, `canceled`). */
export function jobFinished(job: Job): boolean {
  return job.status === "succeeded" || job.status === "failed" || job.status === "canceled";
}

/** Cancels a pending or running job at `now`. */
export function cancelJob(record: JobRecord, now: number): void {
  record.job.status = "canceled";
  record.job.finishedAt = iso(now);
}

function transition(store: Store, rec: ServiceRecord, record: JobRecord, status: JobStatus, at: number) {
  // The service may have been deleted since, or the job canceled.
  if (store.services.get(rec.service.id) !== rec || jobFinished(record.job)) return;
  record.job.status = status;
  if (status === "running") record.job.startedAt = iso(at);
  else record.job.finishedAt = iso(at);
}

/** Render's plan ids are `plan-<srv|crn>-<NNN>`; the fake numbers the service's plan. */
const PLANS = ["free", "starter", "standard", "pro", "pro_plus", "pro_max", "pro_ultra"];
function planIdOf(rec: ServiceRecord): string {
  const plan = rec.service.serviceDetails.plan ?? "starter";
  const n = Math.max(0, PLANS.indexOf(plan)) + 1;
  return `plan-${rec.service.type === "cron_job" ? "crn" : "srv"}-${String(n).padStart(3, "0")}`;
}
