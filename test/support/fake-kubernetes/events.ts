import { randomUUID } from "node:crypto";
import type { Cluster } from "./cluster.js";
import { type KObject, timestamp } from "./store.js";

/** Core v1 Events the fake's controllers record, as `kubectl describe` lists them. */
export function recordEvent(
  cluster: Cluster,
  involved: KObject,
  type: "Normal" | "Warning",
  reason: string,
  message: string,
  component: string,
): void {
  const t = cluster.type("events");
  const now = cluster.now();
  const namespace = involved.metadata.namespace ?? "default";
  const name = `${involved.metadata.name}.${randomUUID().replace(/-/g, "").slice(0, 16)}`;
  cluster.system(t, {
    metadata: { name, namespace },
    involvedObject: {
      kind: involved["kind"],
      namespace: involved.metadata.namespace,
      name: involved.metadata.name,
      uid: involved.metadata.uid,
      apiVersion: involved["apiVersion"],
      resourceVersion: involved.metadata.resourceVersion,
    },
    reason,
    message,
    source: { component },
    firstTimestamp: timestamp(now),
    lastTimestamp: timestamp(now),
    eventTime: null,
    count: 1,
    type,
    reportingComponent: component,
    reportingInstance: "",
  } as KObject);
}
