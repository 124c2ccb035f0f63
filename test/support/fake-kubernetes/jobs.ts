import type { Cluster } from "./cluster.js";
import { randomSuffix } from "./cluster.js";
import { recordEvent } from "./events.js";
import { newPod, podPhase, podReady } from "./pods.js";
import type { KObject } from "./store.js";
import { timestamp } from "./store.js";

/**
 * The Job controller (and CronJob status). A Job runs pods from its template until
 * `completions` succeeded (`SuccessCriteriaMet`, then `Complete`, `completionTime`) or
 * more than `backoffLimit` failed (`FailureTarget`, then `Failed`, reason
 * `BackoffLimitExceeded`), at most `parallelism` at a time; a failed pod is replaced after
 * `jobBackoffMs`, doubling. `activeDeadlineSeconds` fails it with `DeadlineExceeded`;
 * `suspend: true` runs nothing (`Suspended`). A finished Job with
 * `ttlSecondsAfterFinished` is deleted that long after it finished (its pods with it).
 * `restartPolicy: OnFailure` is treated as `Never` (a new pod per retry).
 * CronJobs are validated and stored; the fake never starts their runs, `spec.suspend`
 * included (their `status` stays empty).
 */
type Json = Record<string, any>;

const finishedJobs = new WeakMap<Cluster, Set<string>>();

function cond(type: string, reason: string, message: string, at: number): Json {
  const ts = timestamp(at);
  return { type, status: "True", lastProbeTime: ts, lastTransitionTime: ts, reason, message };
}

export function reconcileJob(
  cluster: Cluster,
  job: KObject,
  start: (pod: KObject, forJob: boolean) => void,
): void {
  if (job.metadata.deletionTimestamp) return;
  const spec = job["spec"] as Json;
  const status = structuredClone((job["status"] ?? {}) as Json);
  const conditions = (status["conditions"] ?? []) as Json[];
  if (conditions.some((c) => (c["type"] === "Complete" || c["type"] === "Failed") && c["status"] === "True"))
    return;
  const ns = job.metadata.namespace!;
  const podType = cluster.type("pods");
  const now = cluster.now();
  const pods = cluster.store
    .list(podType, ns)
    .filter((p) => (p.metadata.ownerReferences ?? []).some((r) => r.uid === job.metadata.uid));
  const active = pods.filter(
    (p) => !p.metadata.deletionTimestamp && ["Pending", "Running"].includes(podPhase(p)),
  );
  const succeeded = pods.filter((p) => podPhase(p) === "Succeeded").length;
  const failed = pods.filter((p) => podPhase(p) === "Failed").length;
  const completions = Number(spec["completions"] ?? 1);
  const parallelism = Number(spec["parallelism"] ?? 1);
  const backoffLimit = Number(spec["backoffLimit"] ?? 6);
  const next: Json = {};
  const suspended = spec["suspend"] === true;
  if (suspended) {
    for (const p of active) cluster.delete(podType, ns, p.metadata.name, { propagationPolicy: "Background" });
    next["conditions"] = [
      conditions.find((c) => c["type"] === "Suspended") ??
        cond("Suspended", "JobSuspended", "Job suspended", now),
    ];
    if (status["startTime"]) next["startTime"] = status["startTime"];
  } else {
    next["startTime"] = status["startTime"] ?? timestamp(now);
    const startedAt = Date.parse(String(next["startTime"]));
    const deadline = spec["activeDeadlineSeconds"];
    let finished: "Complete" | "Failed" | undefined;
    let reason = "";
    let message = "";
    if (succeeded >= completions) {
      finished = "Complete";
      reason = "CompletionsReached";
      message = "Reached expected number of succeeded pods";
    } else if (failed > backoffLimit) {
      finished = "Failed";
      reason = "BackoffLimitExceeded";
      message = "Job has reached the specified backoff limit";
    } else if (typeof deadline === "number" && now - startedAt >= deadline * cluster.timings.secondMs) {
      finished = "Failed";
      reason = "DeadlineExceeded";
      message = "Job was active longer than specified deadline";
    }
    if (finished) {
      for (const p of active)
        cluster.delete(podType, ns, p.metadata.name, { propagationPolicy: "Background" });
      next["conditions"] =
        finished === "Complete"
          ? [cond("SuccessCriteriaMet", reason, message, now), cond("Complete", reason, message, now)]
          : [cond("FailureTarget", reason, message, now), cond("Failed", reason, message, now)];
      if (finished === "Complete") next["completionTime"] = timestamp(now);
      recordEvent(
        cluster,
        job,
        finished === "Complete" ? "Normal" : "Warning",
        finished === "Complete" ? "Completed" : reason,
        finished === "Complete" ? "Job completed" : message,
        "job-controller",
      );
      scheduleTtl(cluster, job, now);
    } else {
      const want = Math.min(parallelism, completions - succeeded);
      const missing = want - active.length;
      if (missing > 0) {
        const delay = failed === 0 ? 0 : cluster.timings.jobBackoffMs * 2 ** (failed - 1);
        const lastFailure = Math.max(
          0,
          ...pods
            .filter((p) => podPhase(p) === "Failed")
            .map((p) =>
              Date.parse(
                String(
                  (p["status"] as Json)?.["containerStatuses"]?.[0]?.["state"]?.["terminated"]?.[
                    "finishedAt"
                  ] ?? 0,
                ),
              ),
            ),
        );
        const due = lastFailure + delay;
        if (failed === 0 || now >= due) {
          for (let i = 0; i < missing; i++) {
            const pod = cluster.system(
              podType,
              newPod(spec["template"], `${job.metadata.name}-${randomSuffix(5)}`, ns, job, {}),
            );
            recordEvent(
              cluster,
              job,
              "Normal",
              "SuccessfulCreate",
              `Created pod: ${pod.metadata.name}`,
              "job-controller",
            );
            start(pod, true);
          }
        } else {
          cluster.timeline.schedule(due, () => {
            const cur = cluster.store.get(cluster.type("jobs"), ns, job.metadata.name);
            if (cur) reconcileJob(cluster, cur, start);
          });
        }
      }
      if (typeof deadline === "number") {
        cluster.timeline.schedule(startedAt + deadline * cluster.timings.secondMs, () => {
          const cur = cluster.store.get(cluster.type("jobs"), ns, job.metadata.name);
          if (cur) reconcileJob(cluster, cur, start);
        });
      }
    }
  }
  const live = cluster.store
    .list(podType, ns)
    .filter((p) => (p.metadata.ownerReferences ?? []).some((r) => r.uid === job.metadata.uid));
  const stillActive = live.filter(
    (p) => !p.metadata.deletionTimestamp && ["Pending", "Running"].includes(podPhase(p)),
  );
  if (stillActive.length > 0) next["active"] = stillActive.length;
  if (succeeded > 0) next["succeeded"] = succeeded;
  if (failed > 0) next["failed"] = failed;
  next["ready"] = stillActive.filter(podReady).length;
  next["terminating"] = live.filter((p) => p.metadata.deletionTimestamp).length;
  next["uncountedTerminatedPods"] = {};
  cluster.writeStatus(cluster.type("jobs"), job, next);
}

function scheduleTtl(cluster: Cluster, job: KObject, finishedAt: number): void {
  const ttl = (job["spec"] as Json)["ttlSecondsAfterFinished"];
  if (typeof ttl !== "number") return;
  let seen = finishedJobs.get(cluster);
  if (!seen) {
    seen = new Set();
    finishedJobs.set(cluster, seen);
  }
  if (seen.has(job.metadata.uid!)) return;
  seen.add(job.metadata.uid!);
  cluster.timeline.schedule(finishedAt + ttl * cluster.timings.secondMs, () => {
    const cur = cluster.store.get(cluster.type("jobs"), job.metadata.namespace, job.metadata.name);
    if (cur && cur.metadata.uid === job.metadata.uid) {
      cluster.delete(cluster.type("jobs"), cur.metadata.namespace, cur.metadata.name, {
        propagationPolicy: "Background",
      });
    }
  });
}
