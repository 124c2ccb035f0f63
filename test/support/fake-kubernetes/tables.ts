import { selectorString } from "./selectors.js";
import type { KObject } from "./store.js";

/**
 * Server-side printing: `kubectl get` asks for `meta.k8s.io/v1` Tables, and the server
 * answers the columns it prints for each kind (the fake's are the real ones, cells
 * computed the same way, `wide` columns at priority 1).
 */
type Json = Record<string, any>;

interface Column {
  name: string;
  type: string;
  format?: string;
  description: string;
  priority?: number;
  cell: (o: KObject, now: number) => unknown;
}

/** `translateTimestampSince`: 42s, 5m12s, 7m, 3h4m, 5h, 3d4h, 12d, 1y… */
export function age(ts: string | undefined, now: number): string {
  if (!ts) return "<unknown>";
  const s = Math.max(0, Math.floor((now - Date.parse(ts)) / 1000));
  const m = Math.floor(s / 60);
  const h = Math.floor(m / 60);
  const d = Math.floor(h / 24);
  if (s < 120) return `${s}s`;
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  if (h < 24 * 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 365 * 2) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}

const name: Column = {
  name: "Name",
  type: "string",
  format: "name",
  description: "Name must be unique within a namespace.",
  cell: (o) => o.metadata.name,
};
const ageColumn: Column = {
  name: "Age",
  type: "string",
  description: "CreationTimestamp is a timestamp representing the server time when this object was created.",
  cell: (o, now) => age(o.metadata.creationTimestamp, now),
};

const s = (o: KObject) => (o["status"] ?? {}) as Json;
const sp = (o: KObject) => (o["spec"] ?? {}) as Json;
const containersOf = (tpl: Json | undefined) => (tpl?.["spec"]?.["containers"] ?? []) as Json[];

function podStatusText(o: KObject): string {
  if (o.metadata.deletionTimestamp) return "Terminating";
  const st = s(o);
  for (const c of (st["containerStatuses"] ?? []) as Json[]) {
    const w = c["state"]?.["waiting"]?.["reason"];
    if (w) return w;
    const t = c["state"]?.["terminated"]?.["reason"];
    if (t && st["phase"] !== "Succeeded" && st["phase"] !== "Failed") return t;
  }
  if (st["phase"] === "Succeeded") return "Completed";
  if (st["phase"] === "Failed") return "Error";
  return String(st["phase"] ?? "Pending");
}

function servicePorts(o: KObject): string {
  const ports = (sp(o)["ports"] ?? []) as Json[];
  if (ports.length === 0) return "<none>";
  return ports
    .map((p) => `${p["port"]}${p["nodePort"] ? `:${p["nodePort"]}` : ""}/${p["protocol"] ?? "TCP"}`)
    .join(",");
}

function jobStatusText(o: KObject): string {
  const conds = (s(o)["conditions"] ?? []) as Json[];
  const has = (t: string) => conds.some((c) => c["type"] === t && c["status"] === "True");
  if (has("Complete")) return "Complete";
  if (has("Failed")) return "Failed";
  if (has("Suspended")) return "Suspended";
  if (o.metadata.deletionTimestamp) return "Terminating";
  return "Running";
}

function duration(start: string | undefined, end: string | undefined, now: number): string {
  if (!start) return "";
  const to = end ? Date.parse(end) : now;
  return age(new Date(Date.parse(start)).toISOString(), to);
}

const COLUMNS: Record<string, Column[]> = {
  Namespace: [
    name,
    {
      name: "Status",
      type: "string",
      description: "The status of the namespace",
      cell: (o) => s(o)["phase"] ?? "",
    },
    ageColumn,
  ],
  ConfigMap: [
    name,
    {
      name: "Data",
      type: "integer",
      description: "Number of data in configmap",
      cell: (o) =>
        Object.keys((o["data"] ?? {}) as Json).length + Object.keys((o["binaryData"] ?? {}) as Json).length,
    },
    ageColumn,
  ],
  Secret: [
    name,
    {
      name: "Type",
      type: "string",
      description: "The type of the secret",
      cell: (o) => o["type"] ?? "Opaque",
    },
    {
      name: "Data",
      type: "integer",
      description: "Number of data in secret",
      cell: (o) => Object.keys((o["data"] ?? {}) as Json).length,
    },
    ageColumn,
  ],
  Service: [
    name,
    {
      name: "Type",
      type: "string",
      description: "The type of the service",
      cell: (o) => sp(o)["type"] ?? "ClusterIP",
    },
    {
      name: "Cluster-IP",
      type: "string",
      description: "The cluster IP of the service",
      cell: (o) => sp(o)["clusterIP"] ?? "<none>",
    },
    {
      name: "External-IP",
      type: "string",
      description: "The external IP of the service",
      cell: (o) =>
        (s(o)["loadBalancer"]?.["ingress"] ?? []).map((i: Json) => i["ip"] ?? i["hostname"]).join(",") ||
        (sp(o)["type"] === "LoadBalancer" ? "<pending>" : "<none>"),
    },
    { name: "Port(s)", type: "string", description: "The ports of the service", cell: servicePorts },
    ageColumn,
    {
      name: "Selector",
      type: "string",
      priority: 1,
      description: "The selector of the service",
      cell: (o) =>
        Object.entries((sp(o)["selector"] ?? {}) as Json)
          .map(([k, v]) => `${k}=${v}`)
          .join(",") || "<none>",
    },
  ],
  PersistentVolumeClaim: [
    name,
    {
      name: "Status",
      type: "string",
      description: "The status of the claim",
      cell: (o) => s(o)["phase"] ?? "Pending",
    },
    {
      name: "Volume",
      type: "string",
      description: "The volume bound",
      cell: (o) => sp(o)["volumeName"] ?? "",
    },
    {
      name: "Capacity",
      type: "string",
      description: "The capacity",
      cell: (o) => s(o)["capacity"]?.["storage"] ?? "",
    },
    {
      name: "Access Modes",
      type: "string",
      description: "The access modes",
      cell: (o) =>
        ((s(o)["accessModes"] ?? []) as string[])
          .map(
            (m) =>
              ({ ReadWriteOnce: "RWO", ReadOnlyMany: "ROX", ReadWriteMany: "RWX", ReadWriteOncePod: "RWOP" })[
                m
              ] ?? m,
          )
          .join(","),
    },
    {
      name: "StorageClass",
      type: "string",
      description: "The storage class",
      cell: (o) => sp(o)["storageClassName"] ?? "",
    },
    {
      name: "VolumeAttributesClass",
      type: "string",
      description: "The volume attributes class",
      cell: (o) => sp(o)["volumeAttributesClassName"] ?? "<unset>",
    },
    ageColumn,
    {
      name: "VolumeMode",
      type: "string",
      priority: 1,
      description: "The volume mode",
      cell: (o) => sp(o)["volumeMode"] ?? "Filesystem",
    },
  ],
  Pod: [
    name,
    {
      name: "Ready",
      type: "string",
      description: "The aggregate readiness state of this pod for accepting traffic.",
      cell: (o) =>
        `${((s(o)["containerStatuses"] ?? []) as Json[]).filter((c) => c["ready"]).length}/${((sp(o)["containers"] ?? []) as Json[]).length}`,
    },
    {
      name: "Status",
      type: "string",
      description: "The aggregate status of the containers in this pod.",
      cell: podStatusText,
    },
    {
      name: "Restarts",
      type: "string",
      description: "The number of times the containers in this pod have been restarted.",
      cell: (o) =>
        String(
          ((s(o)["containerStatuses"] ?? []) as Json[]).reduce(
            (n, c) => n + Number(c["restartCount"] ?? 0),
            0,
          ),
        ),
    },
    ageColumn,
    {
      name: "IP",
      type: "string",
      priority: 1,
      description: "The IP address assigned to the pod",
      cell: (o) => s(o)["podIP"] ?? "<none>",
    },
    {
      name: "Node",
      type: "string",
      priority: 1,
      description: "The node the pod is assigned to",
      cell: (o) => sp(o)["nodeName"] ?? "<none>",
    },
    {
      name: "Nominated Node",
      type: "string",
      priority: 1,
      description: "The nominated node",
      cell: () => "<none>",
    },
    {
      name: "Readiness Gates",
      type: "string",
      priority: 1,
      description: "The readiness gates",
      cell: () => "<none>",
    },
  ],
  Event: [
    {
      name: "Last Seen",
      type: "string",
      description: "Time of the last occurrence",
      cell: (o, now) => age(String(o["lastTimestamp"] ?? o.metadata.creationTimestamp), now),
    },
    { name: "Type", type: "string", description: "Normal or Warning", cell: (o) => o["type"] ?? "" },
    { name: "Reason", type: "string", description: "The reason", cell: (o) => o["reason"] ?? "" },
    {
      name: "Object",
      type: "string",
      description: "The object this event is about",
      cell: (o) =>
        `${String((o["involvedObject"] as Json)?.["kind"] ?? "").toLowerCase()}/${(o["involvedObject"] as Json)?.["name"] ?? ""}`,
    },
    { name: "Message", type: "string", description: "The message", cell: (o) => o["message"] ?? "" },
  ],
  Deployment: [
    name,
    {
      name: "Ready",
      type: "string",
      description: "Number of the pod with ready state",
      cell: (o) => `${s(o)["readyReplicas"] ?? 0}/${sp(o)["replicas"] ?? 1}`,
    },
    {
      name: "Up-to-date",
      type: "integer",
      description:
        "Total number of non-terminated pods targeted by this deployment that have the desired template spec.",
      cell: (o) => s(o)["updatedReplicas"] ?? 0,
    },
    {
      name: "Available",
      type: "integer",
      description:
        "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.",
      cell: (o) => s(o)["availableReplicas"] ?? 0,
    },
    ageColumn,
    {
      name: "Containers",
      type: "string",
      priority: 1,
      description: "Names of each container in the template.",
      cell: (o) =>
        containersOf(sp(o)["template"])
          .map((c) => c["name"])
          .join(","),
    },
    {
      name: "Images",
      type: "string",
      priority: 1,
      description: "Images referenced by each container in the template.",
      cell: (o) =>
        containersOf(sp(o)["template"])
          .map((c) => c["image"])
          .join(","),
    },
    {
      name: "Selector",
      type: "string",
      priority: 1,
      description: "Label selector for pods.",
      cell: (o) => selectorString(sp(o)["selector"]),
    },
  ],
  ReplicaSet: [
    name,
    {
      name: "Desired",
      type: "integer",
      description: "Number of desired pods.",
      cell: (o) => sp(o)["replicas"] ?? 1,
    },
    {
      name: "Current",
      type: "integer",
      description: "Number of actual replicas.",
      cell: (o) => s(o)["replicas"] ?? 0,
    },
    {
      name: "Ready",
      type: "integer",
      description: "The number of ready replicas for this replica set.",
      cell: (o) => s(o)["readyReplicas"] ?? 0,
    },
    ageColumn,
    {
      name: "Containers",
      type: "string",
      priority: 1,
      description: "Names of each container in the template.",
      cell: (o) =>
        containersOf(sp(o)["template"])
          .map((c) => c["name"])
          .join(","),
    },
    {
      name: "Images",
      type: "string",
      priority: 1,
      description: "Images referenced by each container in the template.",
      cell: (o) =>
        containersOf(sp(o)["template"])
          .map((c) => c["image"])
          .join(","),
    },
    {
      name: "Selector",
      type: "string",
      priority: 1,
      description: "Label selector for pods.",
      cell: (o) => selectorString(sp(o)["selector"]),
    },
  ],
  StatefulSet: [
    name,
    {
      name: "Ready",
      type: "string",
      description: "Number of the pod with ready state",
      cell: (o) => `${s(o)["readyReplicas"] ?? 0}/${sp(o)["replicas"] ?? 1}`,
    },
    ageColumn,
    {
      name: "Containers",
      type: "string",
      priority: 1,
      description: "Names of each container in the template.",
      cell: (o) =>
        containersOf(sp(o)["template"])
          .map((c) => c["name"])
          .join(","),
    },
    {
      name: "Images",
      type: "string",
      priority: 1,
      description: "Images referenced by each container in the template.",
      cell: (o) =>
        containersOf(sp(o)["template"])
          .map((c) => c["image"])
          .join(","),
    },
  ],
  Job: [
    name,
    { name: "Status", type: "string", description: "Status of the job.", cell: jobStatusText },
    {
      name: "Completions",
      type: "string",
      description: "The completion status of the job.",
      cell: (o) => `${s(o)["succeeded"] ?? 0}/${sp(o)["completions"] ?? 1}`,
    },
    {
      name: "Duration",
      type: "string",
      description: "Time required to complete the job.",
      cell: (o, now) => duration(s(o)["startTime"], s(o)["completionTime"], now),
    },
    ageColumn,
    {
      name: "Containers",
      type: "string",
      priority: 1,
      description: "Names of each container in the template.",
      cell: (o) =>
        containersOf(sp(o)["template"])
          .map((c) => c["name"])
          .join(","),
    },
    {
      name: "Images",
      type: "string",
      priority: 1,
      description: "Images referenced by each container in the template.",
      cell: (o) =>
        containersOf(sp(o)["template"])
          .map((c) => c["image"])
          .join(","),
    },
    {
      name: "Selector",
      type: "string",
      priority: 1,
      description: "Label selector for pods.",
      cell: (o) => selectorString(sp(o)["selector"]),
    },
  ],
  CronJob: [
    name,
    { name: "Schedule", type: "string", description: "The schedule.", cell: (o) => sp(o)["schedule"] ?? "" },
    {
      name: "Timezone",
      type: "string",
      description: "The time zone.",
      cell: (o) => sp(o)["timeZone"] ?? "<none>",
    },
    {
      name: "Suspend",
      type: "boolean",
      description: "Whether the cron job is suspended.",
      cell: (o) => sp(o)["suspend"] === true,
    },
    {
      name: "Active",
      type: "integer",
      description: "Number of running jobs.",
      cell: (o) => ((s(o)["active"] ?? []) as unknown[]).length,
    },
    {
      name: "Last Schedule",
      type: "string",
      description: "When it last ran.",
      cell: (o, now) => (s(o)["lastScheduleTime"] ? age(s(o)["lastScheduleTime"], now) : "<none>"),
    },
    ageColumn,
  ],
  Ingress: [
    name,
    {
      name: "Class",
      type: "string",
      description: "The name of the IngressClass resource.",
      cell: (o) => sp(o)["ingressClassName"] ?? "<none>",
    },
    {
      name: "Hosts",
      type: "string",
      description: "Hosts that incoming requests are matched against.",
      cell: (o) => ((sp(o)["rules"] ?? []) as Json[]).map((r) => r["host"] ?? "*").join(",") || "*",
    },
    {
      name: "Address",
      type: "string",
      description: "Address is a list containing ingress points for the load-balancer.",
      cell: (o) =>
        (s(o)["loadBalancer"]?.["ingress"] ?? []).map((i: Json) => i["ip"] ?? i["hostname"]).join(","),
    },
    {
      name: "Ports",
      type: "string",
      description: "Ports of TLS configurations that open.",
      cell: (o) => (((sp(o)["tls"] ?? []) as unknown[]).length > 0 ? "80, 443" : "80"),
    },
    ageColumn,
  ],
};

export function wantsTable(accept: string | undefined): boolean {
  return /as=Table/.test(accept ?? "");
}

export function toTable(
  kind: string,
  objects: KObject[],
  listMeta: Json,
  includeObject: string,
  now: number,
): Json {
  const columns = COLUMNS[kind] ?? [name, ageColumn];
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: listMeta,
    columnDefinitions: columns.map((c) => ({
      name: c.name,
      type: c.type,
      format: c.format ?? "",
      description: c.description,
      priority: c.priority ?? 0,
    })),
    rows: objects.map((o) => ({
      cells: columns.map((c) => c.cell(o, now)),
      ...(includeObject !== "None" && {
        object:
          includeObject === "Object"
            ? o
            : { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: o.metadata },
      }),
    })),
  };
}
