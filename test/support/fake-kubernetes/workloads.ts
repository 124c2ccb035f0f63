import { createHash } from "node:crypto";
import type { Cluster } from "./cluster.js";
import { randomSuffix } from "./cluster.js";
import { recordEvent } from "./events.js";
import { newPod, podReady } from "./pods.js";
import { matchesRequirements, selectorRequirements } from "./selectors.js";
import type { KObject } from "./store.js";
import { timestamp } from "./store.js";

/**
 * The Deployment, ReplicaSet and StatefulSet controllers.
 * - A Deployment owns a ReplicaSet per pod template (`<name>-<hash>`, label
 *   `pod-template-hash`); the newest gets `spec.replicas`; older ones are scaled to 0
 *   once the new one is fully ready (at once with `strategy: Recreate`). Its status
 *   counts the pods: `replicas`, `updatedReplicas`, `readyReplicas`, `availableReplicas`,
 *   `unavailableReplicas` (zeros omitted, as the server does), `observedGeneration`, and
 *   the conditions `Available` and `Progressing` (`NewReplicaSetCreated`,
 *   `ReplicaSetUpdated`, `NewReplicaSetAvailable`, or `ProgressDeadlineExceeded` when
 *   the rollout is not done `progressDeadlineSeconds` after it started).
 * - A ReplicaSet keeps `spec.replicas` pods (`<rs>-<5 chars>`).
 * - A StatefulSet keeps pods `<name>-0…N-1` (one at a time, each once the previous is
 *   ready, with `OrderedReady`), creates the PVCs of its `volumeClaimTemplates`
 *   (`<template>-<name>-<i>`, kept when it is deleted or scaled down, as `Retain` says),
 *   and replaces pods of an older revision, highest ordinal first.
 */
type Json = Record<string, any>;

export function templateHash(template: unknown): string {
  const digest = createHash("sha256").update(JSON.stringify(template)).digest();
  const alphabet = "bcdfghjklmnpqrstvwxz2456789";
  let out = "";
  for (let i = 0; i < 10; i++) out += alphabet[digest[i]! % alphabet.length];
  return out;
}

function owned(cluster: Cluster, plural: string, owner: KObject): KObject[] {
  return cluster.store
    .list(cluster.type(plural), owner.metadata.namespace)
    .filter((o) =>
      (o.metadata.ownerReferences ?? []).some((r) => r.uid === owner.metadata.uid && r.controller),
    );
}

function ownerRef(owner: KObject) {
  return {
    apiVersion: String(owner["apiVersion"]),
    kind: String(owner["kind"]),
    name: owner.metadata.name,
    uid: owner.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

function compact(status: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(status)) if (v !== 0 && v !== undefined) out[k] = v;
  return out;
}

function condition(
  prev: Json[] | undefined,
  type: string,
  status: string,
  reason: string,
  message: string,
  at: number,
): Json {
  const old = (prev ?? []).find((c) => c["type"] === type);
  const ts = timestamp(at);
  const same = old && old["status"] === status;
  return {
    type,
    status,
    lastUpdateTime:
      old && same && old["reason"] === reason && old["message"] === message ? old["lastUpdateTime"] : ts,
    lastTransitionTime: same ? old["lastTransitionTime"] : ts,
    reason,
    message,
  };
}

function percent(value: unknown, total: number, roundUp: boolean): number {
  if (typeof value === "number") return value;
  const m = /^(\d+)%$/.exec(String(value ?? "25%"));
  const pct = m ? Number(m[1]) : 25;
  return roundUp ? Math.ceil((total * pct) / 100) : Math.floor((total * pct) / 100);
}

/** When each Deployment's current rollout started, by uid and generation. */
const rolloutStarts = new WeakMap<Cluster, Map<string, { generation: number; at: number }>>();

export function reconcileDeployment(cluster: Cluster, d: KObject): void {
  if (d.metadata.deletionTimestamp) return;
  const spec = d["spec"] as Json;
  const ns = d.metadata.namespace!;
  const rsType = cluster.type("replicasets");
  const desired = Number(spec["replicas"] ?? 1);
  const template = spec["template"] as Json;
  const hash = templateHash(template);
  const sets = owned(cluster, "replicasets", d);
  let current = sets.find((rs) => rs.metadata.labels?.["pod-template-hash"] === hash);
  const revision = Math.max(
    0,
    ...sets.map((rs) => Number(rs.metadata.annotations?.["deployment.kubernetes.io/revision"] ?? 0)),
  );
  const now = cluster.now();
  let starts = rolloutStarts.get(cluster);
  if (!starts) {
    starts = new Map();
    rolloutStarts.set(cluster, starts);
  }
  const generation = d.metadata.generation ?? 1;
  let start = starts.get(d.metadata.uid!);
  if (!start || start.generation !== generation) {
    start = { generation, at: now };
    starts.set(d.metadata.uid!, start);
    const deadline = Number(spec["progressDeadlineSeconds"] ?? 600) * cluster.timings.secondMs;
    cluster.timeline.schedule(now + deadline, () => {
      const cur = cluster.store.get(cluster.type("deployments"), ns, d.metadata.name);
      if (cur) reconcileDeployment(cluster, cur);
    });
  }
  let created = false;
  if (!current) {
    const labels = { ...(template["metadata"]?.["labels"] ?? {}), "pod-template-hash": hash };
    const rsTemplate = structuredClone(template);
    rsTemplate["metadata"] = { ...(rsTemplate["metadata"] ?? {}), labels };
    const selector = structuredClone(spec["selector"] ?? {});
    selector["matchLabels"] = { ...(selector["matchLabels"] ?? {}), "pod-template-hash": hash };
    current = cluster.system(rsType, {
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: ns,
        labels,
        annotations: {
          "deployment.kubernetes.io/desired-replicas": String(desired),
          "deployment.kubernetes.io/max-replicas": String(
            desired + percent(spec["strategy"]?.["rollingUpdate"]?.["maxSurge"], desired, true),
          ),
          "deployment.kubernetes.io/revision": String(revision + 1),
        },
        ownerReferences: [ownerRef(d)],
      },
      spec: {
        replicas: desired,
        selector,
        template: rsTemplate,
        minReadySeconds: spec["minReadySeconds"] ?? 0,
      },
    });
    created = true;
    recordEvent(
      cluster,
      d,
      "Normal",
      "ScalingReplicaSet",
      `Scaled up replica set ${current.metadata.name} from 0 to ${desired}`,
      "deployment-controller",
    );
  } else if ((current["spec"] as Json)["replicas"] !== desired) {
    const from = (current["spec"] as Json)["replicas"];
    cluster.systemUpdate(rsType, current, (o) => {
      (o["spec"] as Json)["replicas"] = desired;
      o.metadata.annotations = {
        ...o.metadata.annotations,
        "deployment.kubernetes.io/desired-replicas": String(desired),
      };
    });
    recordEvent(
      cluster,
      d,
      "Normal",
      "ScalingReplicaSet",
      `Scaled ${desired > from ? "up" : "down"} replica set ${current.metadata.name} from ${from} to ${desired}`,
      "deployment-controller",
    );
    current = cluster.store.get(rsType, ns, current.metadata.name)!;
  }
  const pods = cluster.store.list(cluster.type("pods"), ns).filter((p) => !p.metadata.deletionTimestamp);
  const podsOf = (rs: KObject) =>
    pods.filter((p) => (p.metadata.ownerReferences ?? []).some((r) => r.uid === rs.metadata.uid));
  const newPods = podsOf(current);
  const newReady = newPods.filter(podReady).length;
  const recreate = spec["strategy"]?.["type"] === "Recreate";
  for (const old of sets) {
    if (old.metadata.uid === current.metadata.uid) continue;
    const oldReplicas = (old["spec"] as Json)["replicas"];
    if (oldReplicas !== 0 && (recreate || newReady >= desired)) {
      cluster.systemUpdate(rsType, old, (o) => {
        (o["spec"] as Json)["replicas"] = 0;
      });
      recordEvent(
        cluster,
        d,
        "Normal",
        "ScalingReplicaSet",
        `Scaled down replica set ${old.metadata.name} from ${oldReplicas} to 0`,
        "deployment-controller",
      );
    }
  }
  const allPods = cluster.store
    .list(rsType, ns)
    .filter((rs) => (rs.metadata.ownerReferences ?? []).some((r) => r.uid === d.metadata.uid))
    .flatMap(podsOf);
  const ready = allPods.filter(podReady).length;
  const maxUnavailable = recreate
    ? 0
    : percent(spec["strategy"]?.["rollingUpdate"]?.["maxUnavailable"], desired, false);
  const available = ready;
  const status = (d["status"] ?? {}) as Json;
  const prev = status["conditions"] as Json[] | undefined;
  const complete = newPods.length === desired && newReady === desired && allPods.length === desired;
  const rsName = current.metadata.name;
  let progressing: Json;
  const deadlineMs = Number(spec["progressDeadlineSeconds"] ?? 600) * cluster.timings.secondMs;
  const prevProgress = (prev ?? []).find((c) => c["type"] === "Progressing");
  if (complete) {
    progressing = condition(
      prev,
      "Progressing",
      "True",
      "NewReplicaSetAvailable",
      `ReplicaSet "${rsName}" has successfully progressed.`,
      now,
    );
  } else if (
    now - start.at >= deadlineMs ||
    (prevProgress?.["reason"] === "ProgressDeadlineExceeded" && status["observedGeneration"] === generation)
  ) {
    progressing = condition(
      prev,
      "Progressing",
      "False",
      "ProgressDeadlineExceeded",
      `ReplicaSet "${rsName}" has timed out progressing.`,
      now,
    );
  } else if (created) {
    progressing = condition(
      prev,
      "Progressing",
      "True",
      "NewReplicaSetCreated",
      `Created new replica set "${rsName}"`,
      now,
    );
  } else {
    progressing = condition(
      prev,
      "Progressing",
      "True",
      "ReplicaSetUpdated",
      `ReplicaSet "${rsName}" is progressing.`,
      now,
    );
  }
  const availableCond =
    available >= desired - maxUnavailable
      ? condition(
          prev,
          "Available",
          "True",
          "MinimumReplicasAvailable",
          "Deployment has minimum availability.",
          now,
        )
      : condition(
          prev,
          "Available",
          "False",
          "MinimumReplicasUnavailable",
          "Deployment does not have minimum availability.",
          now,
        );
  const next = {
    ...compact({
      observedGeneration: generation,
      replicas: allPods.length,
      updatedReplicas: newPods.length,
      readyReplicas: ready,
      availableReplicas: available,
      unavailableReplicas: Math.max(0, desired - available),
      terminatingReplicas: undefined,
    }),
    conditions: [availableCond, progressing],
  };
  cluster.writeStatus(cluster.type("deployments"), d, next);
}

export function reconcileReplicaSet(cluster: Cluster, rs: KObject, start: (pod: KObject) => void): void {
  if (rs.metadata.deletionTimestamp) return;
  const spec = rs["spec"] as Json;
  const ns = rs.metadata.namespace!;
  const podType = cluster.type("pods");
  const desired = Number(spec["replicas"] ?? 1);
  const pods = owned(cluster, "pods", rs).filter((p) => !p.metadata.deletionTimestamp);
  if (pods.length < desired) {
    for (let i = pods.length; i < desired; i++) {
      const pod = cluster.system(
        podType,
        newPod(spec["template"], `${rs.metadata.name}-${randomSuffix(5)}`, ns, rs, {}),
      );
      recordEvent(
        cluster,
        rs,
        "Normal",
        "SuccessfulCreate",
        `Created pod: ${pod.metadata.name}`,
        "replicaset-controller",
      );
      start(pod);
    }
  } else if (pods.length > desired) {
    const extra = [...pods]
      .sort((a, b) => Number(podReady(a)) - Number(podReady(b)))
      .slice(0, pods.length - desired);
    for (const p of extra) {
      cluster.delete(podType, ns, p.metadata.name, { propagationPolicy: "Background" });
      recordEvent(
        cluster,
        rs,
        "Normal",
        "SuccessfulDelete",
        `Deleted pod: ${p.metadata.name}`,
        "replicaset-controller",
      );
    }
  }
  const live = owned(cluster, "pods", rs).filter((p) => !p.metadata.deletionTimestamp);
  const reqs = selectorRequirements(spec["selector"]);
  const ready = live.filter(podReady).length;
  cluster.writeStatus(cluster.type("replicasets"), rs, {
    replicas: live.length,
    ...compact({
      fullyLabeledReplicas: live.filter((p) => matchesRequirements(p.metadata.labels, reqs)).length,
      readyReplicas: ready,
      availableReplicas: ready,
    }),
    observedGeneration: rs.metadata.generation ?? 1,
  });
}

export function reconcileStatefulSet(cluster: Cluster, sts: KObject, start: (pod: KObject) => void): void {
  if (sts.metadata.deletionTimestamp) return;
  const spec = sts["spec"] as Json;
  const ns = sts.metadata.namespace!;
  const name = sts.metadata.name;
  const podType = cluster.type("pods");
  const pvcType = cluster.type("persistentvolumeclaims");
  const desired = Number(spec["replicas"] ?? 1);
  const revision = `${name}-${templateHash(spec["template"])}`;
  const parallel = spec["podManagementPolicy"] === "Parallel";
  const pods = owned(cluster, "pods", sts);
  const byOrdinal = new Map<number, KObject>();
  for (const p of pods) {
    const m = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-(\\d+)$`).exec(p.metadata.name);
    if (m) byOrdinal.set(Number(m[1]), p);
  }
  // Scale down and outdated revisions: highest ordinal first, one at a time.
  const stale = [...byOrdinal.entries()]
    .filter(
      ([i, p]) =>
        !p.metadata.deletionTimestamp &&
        (i >= desired || p.metadata.labels?.["controller-revision-hash"] !== revision),
    )
    .sort((a, b) => b[0] - a[0]);
  const terminating = [...byOrdinal.values()].some((p) => p.metadata.deletionTimestamp);
  if (stale.length > 0 && !terminating) {
    const [, p] = stale[0]!;
    cluster.delete(podType, ns, p.metadata.name, { propagationPolicy: "Background" });
    recordEvent(
      cluster,
      sts,
      "Normal",
      "SuccessfulDelete",
      `delete Pod ${p.metadata.name} in StatefulSet ${name} successful`,
      "statefulset-controller",
    );
  }
  for (let i = 0; i < desired; i++) {
    const existing = byOrdinal.get(i);
    if (existing) {
      if (!parallel && !podReady(existing)) break;
      continue;
    }
    if (terminating && !parallel) break;
    for (const tpl of (spec["volumeClaimTemplates"] ?? []) as Json[]) {
      const claim = `${tpl["metadata"]?.["name"]}-${name}-${i}`;
      if (!cluster.store.get(pvcType, ns, claim)) {
        cluster.system(pvcType, {
          // As the StatefulSet controller does: the template's labels and annotations, and the selector's labels.
          metadata: {
            name: claim,
            namespace: ns,
            labels: { ...(tpl["metadata"]?.["labels"] ?? {}), ...(spec["selector"]?.["matchLabels"] ?? {}) },
            ...(tpl["metadata"]?.["annotations"]
              ? { annotations: { ...tpl["metadata"]["annotations"] } }
              : {}),
          },
          spec: structuredClone(tpl["spec"] ?? {}),
        });
        recordEvent(
          cluster,
          sts,
          "Normal",
          "SuccessfulCreate",
          `create Claim ${claim} Pod ${name}-${i} in StatefulSet ${name} success`,
          "statefulset-controller",
        );
      }
    }
    const template = structuredClone(spec["template"]) as Json;
    const volumes = (template["spec"]["volumes"] ?? []) as Json[];
    for (const tpl of (spec["volumeClaimTemplates"] ?? []) as Json[]) {
      volumes.push({
        name: tpl["metadata"]?.["name"],
        persistentVolumeClaim: { claimName: `${tpl["metadata"]?.["name"]}-${name}-${i}` },
      });
    }
    if (volumes.length > 0) template["spec"]["volumes"] = volumes;
    const pod = newPod(template, `${name}-${i}`, ns, sts, {
      "controller-revision-hash": revision,
      "statefulset.kubernetes.io/pod-name": `${name}-${i}`,
      "apps.kubernetes.io/pod-index": String(i),
    });
    (pod["spec"] as Json)["hostname"] = `${name}-${i}`;
    if (spec["serviceName"]) (pod["spec"] as Json)["subdomain"] = spec["serviceName"];
    const stored = cluster.system(podType, pod);
    recordEvent(
      cluster,
      sts,
      "Normal",
      "SuccessfulCreate",
      `create Pod ${name}-${i} in StatefulSet ${name} successful`,
      "statefulset-controller",
    );
    start(stored);
    if (!parallel) break;
  }
  const live = owned(cluster, "pods", sts).filter((p) => !p.metadata.deletionTimestamp);
  const updated = live.filter((p) => p.metadata.labels?.["controller-revision-hash"] === revision);
  const ready = live.filter(podReady).length;
  const prevStatus = (sts["status"] ?? {}) as Json;
  const done = updated.length === desired && live.length === desired;
  cluster.writeStatus(cluster.type("statefulsets"), sts, {
    observedGeneration: sts.metadata.generation ?? 1,
    replicas: live.length,
    ...compact({
      readyReplicas: ready,
      currentReplicas: done ? updated.length : live.length - updated.length,
      updatedReplicas: updated.length,
      availableReplicas: ready,
    }),
    currentRevision: done ? revision : (prevStatus["currentRevision"] ?? revision),
    updateRevision: revision,
    collisionCount: 0,
  });
}
