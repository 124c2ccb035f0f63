import type { Cluster } from "./cluster.js";
import { reconcileJob } from "./jobs.js";
import { behaviourOf, type LogRule, startPod } from "./pods.js";
import type { ResourceType } from "./resources.js";
import type { KObject } from "./store.js";
import type { Failures } from "./types.js";
import { reconcileDeployment, reconcileReplicaSet, reconcileStatefulSet } from "./workloads.js";

/**
 * Runs the controllers after every change: each changed object (and the owner of a
 * changed pod or replica set) is reconciled once, shortly after, on the timeline. PVCs
 * become `Bound` and Ingresses get a load-balancer address after `bindMs`.
 */
type Json = Record<string, any>;

export class Controllers {
  readonly failures: Failures;
  readonly logRules: LogRule[] = [];
  readonly #logs = new Map<string, string>();
  readonly #queued = new Set<string>();
  readonly #bound = new Set<string>();
  readonly #cluster: Cluster;

  constructor(cluster: Cluster, failures: Failures) {
    this.#cluster = cluster;
    this.failures = failures;
    cluster.onChange = (t, obj) => this.#changed(t, obj);
  }

  logsOf(pod: KObject): string | undefined {
    return this.#logs.get(pod.metadata.uid!);
  }

  #start = (pod: KObject, forJob = false) => {
    const b = behaviourOf(pod, this.failures, forJob, this.#cluster.timings, this.logRules);
    this.#logs.set(pod.metadata.uid!, b.log);
    startPod(this.#cluster, pod, b);
  };

  #changed(t: ResourceType, obj: KObject): void {
    switch (t.kind) {
      case "Deployment":
      case "ReplicaSet":
      case "StatefulSet":
      case "Job":
        this.#queue(t, obj);
        if (t.kind === "ReplicaSet") this.#queueOwner(obj);
        break;
      case "Pod":
        this.#queueOwner(obj);
        break;
      case "PersistentVolumeClaim":
        this.#bindLater(t, obj, (o) => {
          const s = (o["spec"] ?? {}) as Json;
          return {
            phase: "Bound",
            accessModes: s["accessModes"],
            capacity: { storage: s["resources"]?.["requests"]?.["storage"] },
          };
        });
        break;
      case "Ingress":
        this.#bindLater(t, obj, () => ({ loadBalancer: { ingress: [{ ip: "127.0.0.1" }] } }));
        break;
    }
  }

  #bindLater(t: ResourceType, obj: KObject, status: (o: KObject) => Json): void {
    if (obj.metadata.deletionTimestamp || this.#bound.has(obj.metadata.uid!)) return;
    this.#bound.add(obj.metadata.uid!);
    const c = this.#cluster;
    c.timeline.schedule(c.now() + c.timings.bindMs, () => {
      const cur = c.store.get(t, obj.metadata.namespace, obj.metadata.name);
      if (cur && cur.metadata.uid === obj.metadata.uid && t.kind === "PersistentVolumeClaim") {
        c.systemUpdate(t, cur, (o) => {
          (o["spec"] as Json)["volumeName"] ??= `pvc-${o.metadata.uid}`;
        });
      }
      const again = c.store.get(t, obj.metadata.namespace, obj.metadata.name);
      if (again && again.metadata.uid === obj.metadata.uid) c.writeStatus(t, again, status(again));
    });
  }

  #queueOwner(obj: KObject): void {
    for (const ref of obj.metadata.ownerReferences ?? []) {
      if (!ref.controller) continue;
      const owner = this.#cluster.store.byUid(ref.uid);
      if (owner) this.#queue(owner.resource, owner.object);
    }
  }

  #queue(t: ResourceType, obj: KObject): void {
    const key = `${t.kind}/${obj.metadata.namespace}/${obj.metadata.name}`;
    if (this.#queued.has(key)) return;
    this.#queued.add(key);
    const c = this.#cluster;
    c.timeline.schedule(c.now(), () => {
      this.#queued.delete(key);
      const cur = c.store.get(t, obj.metadata.namespace, obj.metadata.name);
      if (!cur) return;
      switch (t.kind) {
        case "Deployment":
          reconcileDeployment(c, cur);
          break;
        case "ReplicaSet":
          reconcileReplicaSet(c, cur, (p) => this.#start(p));
          break;
        case "StatefulSet":
          reconcileStatefulSet(c, cur, (p) => this.#start(p));
          break;
        case "Job":
          reconcileJob(c, cur, (p, forJob) => this.#start(p, forJob));
          break;
      }
    });
  }
}
