import { randomInt } from "node:crypto";
import type { KObject } from "./store.js";

/**
 * The defaults the API server fills in when an object is stored, for the fields
 * Tenantry's provider and kubectl read back. Defaulted fields belong to no manager.
 */
type Json = Record<string, any>;

function podSpec(spec: Json | undefined, restartPolicy: string | undefined): void {
  if (!spec) return;
  if (restartPolicy) spec["restartPolicy"] ??= restartPolicy;
  spec["dnsPolicy"] ??= "ClusterFirst";
  spec["schedulerName"] ??= "default-scheduler";
  spec["securityContext"] ??= {};
  spec["terminationGracePeriodSeconds"] ??= 30;
  for (const c of [
    ...((spec["containers"] ?? []) as Json[]),
    ...((spec["initContainers"] ?? []) as Json[]),
  ]) {
    c["terminationMessagePath"] ??= "/dev/termination-log";
    c["terminationMessagePolicy"] ??= "File";
    const image = String(c["image"] ?? "");
    const tagged = /:[^/]+$/.test(image.replace(/@.*$/, "")) && !image.endsWith(":latest");
    c["imagePullPolicy"] ??= tagged || image.includes("@") ? "IfNotPresent" : "Always";
    c["resources"] ??= {};
    for (const p of (c["ports"] ?? []) as Json[]) p["protocol"] ??= "TCP";
  }
}

function template(t: Json | undefined, restartPolicy: string | undefined): void {
  if (!t) return;
  t["metadata"] ??= {};
  podSpec(t["spec"], restartPolicy);
}

let nextIp = 1;

/** Fills in defaults; `old` is the stored object on update (kept values, e.g. a Service's clusterIP). */
export function applyDefaults(kind: string, obj: KObject, old?: KObject): void {
  const spec = obj["spec"] as Json | undefined;
  switch (kind) {
    case "Namespace": {
      obj["spec"] ??= {};
      (obj["spec"] as Json)["finalizers"] ??= ["kubernetes"];
      obj.metadata.labels = { ...obj.metadata.labels, "kubernetes.io/metadata.name": obj.metadata.name };
      obj["status"] ??= { phase: "Active" };
      break;
    }
    case "Secret": {
      obj["type"] ??= "Opaque";
      const stringData = obj["stringData"] as Record<string, string> | undefined;
      if (stringData) {
        const data = { ...((obj["data"] ?? {}) as Record<string, string>) };
        for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(v, "utf8").toString("base64");
        obj["data"] = data;
        delete obj["stringData"];
      }
      break;
    }
    case "Service": {
      if (!spec) break;
      spec["type"] ??= "ClusterIP";
      spec["sessionAffinity"] ??= "None";
      if (spec["type"] !== "ExternalName") {
        const oldIp = (old?.["spec"] as Json | undefined)?.["clusterIP"];
        spec["clusterIP"] ??= oldIp ?? `10.96.${Math.floor(nextIp / 250)}.${(nextIp++ % 250) + 1}`;
        spec["clusterIPs"] ??= [spec["clusterIP"]];
        spec["ipFamilies"] ??= ["IPv4"];
        spec["ipFamilyPolicy"] ??= "SingleStack";
        spec["internalTrafficPolicy"] ??= "Cluster";
      }
      for (const p of (spec["ports"] ?? []) as Json[]) {
        p["protocol"] ??= "TCP";
        p["targetPort"] ??= p["port"];
        if (spec["type"] === "NodePort" || spec["type"] === "LoadBalancer")
          p["nodePort"] ??= randomInt(30000, 32768);
      }
      obj["status"] ??= { loadBalancer: {} };
      break;
    }
    case "PersistentVolumeClaim": {
      if (spec) {
        spec["volumeMode"] ??= "Filesystem";
        spec["storageClassName"] ??= "standard";
      }
      obj["status"] ??= { phase: "Pending" };
      break;
    }
    case "Deployment": {
      if (!spec) break;
      spec["replicas"] ??= 1;
      spec["revisionHistoryLimit"] ??= 10;
      spec["progressDeadlineSeconds"] ??= 600;
      spec["strategy"] ??= { type: "RollingUpdate" };
      if (spec["strategy"]["type"] === "RollingUpdate") {
        spec["strategy"]["rollingUpdate"] ??= {};
        spec["strategy"]["rollingUpdate"]["maxSurge"] ??= "25%";
        spec["strategy"]["rollingUpdate"]["maxUnavailable"] ??= "25%";
      }
      template(spec["template"], "Always");
      break;
    }
    case "ReplicaSet": {
      if (spec) template(spec["template"], "Always");
      break;
    }
    case "StatefulSet": {
      if (!spec) break;
      spec["replicas"] ??= 1;
      spec["podManagementPolicy"] ??= "OrderedReady";
      spec["revisionHistoryLimit"] ??= 10;
      spec["updateStrategy"] ??= { type: "RollingUpdate" };
      if (spec["updateStrategy"]["type"] === "RollingUpdate") {
        spec["updateStrategy"]["rollingUpdate"] ??= { partition: 0 };
      }
      spec["persistentVolumeClaimRetentionPolicy"] ??= { whenDeleted: "Retain", whenScaled: "Retain" };
      for (const t of (spec["volumeClaimTemplates"] ?? []) as Json[]) {
        t["apiVersion"] ??= "v1";
        t["kind"] ??= "PersistentVolumeClaim";
        t["spec"] ??= {};
        t["spec"]["volumeMode"] ??= "Filesystem";
        t["status"] ??= { phase: "Pending" };
      }
      template(spec["template"], "Always");
      break;
    }
    case "Job": {
      if (!spec) break;
      jobSpec(spec, obj, old);
      break;
    }
    case "CronJob": {
      if (!spec) break;
      spec["concurrencyPolicy"] ??= "Allow";
      spec["suspend"] ??= false;
      spec["successfulJobsHistoryLimit"] ??= 3;
      spec["failedJobsHistoryLimit"] ??= 1;
      const jt = spec["jobTemplate"]?.["spec"] as Json | undefined;
      if (jt) {
        jt["backoffLimit"] ??= 6;
        jt["completionMode"] ??= "NonIndexed";
        jt["suspend"] ??= false;
        jt["podReplacementPolicy"] ??= "TerminatingOrFailed";
        template(jt["template"], "Always");
      }
      break;
    }
  }
}

function jobSpec(spec: Json, obj: KObject, old: KObject | undefined): void {
  spec["completions"] ??= 1;
  spec["parallelism"] ??= 1;
  spec["backoffLimit"] ??= 6;
  spec["completionMode"] ??= "NonIndexed";
  spec["suspend"] ??= false;
  spec["podReplacementPolicy"] ??= "TerminatingOrFailed";
  // Pod templates default to Always here too, which Job validation then refuses.
  template(spec["template"], "Always");
  if (spec["manualSelector"] === true) return;
  // The uid is known once stored: the handler passes a preassigned one.
  const uid = obj.metadata.uid ?? old?.metadata.uid;
  if (!uid) return;
  const tplMeta = (spec["template"]?.["metadata"] ?? {}) as Json;
  spec["selector"] ??= { matchLabels: { "batch.kubernetes.io/controller-uid": uid } };
  tplMeta["labels"] = {
    ...(tplMeta["labels"] ?? {}),
    "batch.kubernetes.io/controller-uid": uid,
    "batch.kubernetes.io/job-name": obj.metadata.name,
    "controller-uid": uid,
    "job-name": obj.metadata.name,
  };
  if (spec["template"]) spec["template"]["metadata"] = tplMeta;
  // A Job without labels of its own gets its template's.
  if (!obj.metadata.labels || Object.keys(obj.metadata.labels).length === 0)
    obj.metadata.labels = { ...tplMeta["labels"] };
}

/** Kinds whose `metadata.generation` counts changes to their spec. */
export const GENERATION_KINDS = new Set([
  "Deployment",
  "StatefulSet",
  "ReplicaSet",
  "Job",
  "CronJob",
  "Ingress",
  "Pod",
]);
