/**
 * The resource types the fake serves, as the API server's discovery documents describe
 * them: group, version, kind, plural and singular names, scope, verbs and short names.
 */
export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  /** Subresources served (`status`, `scale`, `log`). */
  subresources: string[];
  /** Objects of this type are made by the fake's controllers; clients may not create them. */
  readOnly?: boolean;
  /** The main resource ignores `status` sent by clients (it has a `/status` subresource). */
  hasStatus: boolean;
}

const ALL_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
const READ_VERBS = ["delete", "deletecollection", "get", "list", "watch"];

function type(
  t: Omit<ResourceType, "verbs" | "categories" | "shortNames"> & Partial<ResourceType>,
): ResourceType {
  return {
    verbs: t.readOnly ? READ_VERBS : ALL_VERBS,
    categories: [],
    shortNames: [],
    ...t,
  };
}

export const RESOURCE_TYPES: ResourceType[] = [
  type({
    group: "",
    version: "v1",
    kind: "Namespace",
    plural: "namespaces",
    singular: "namespace",
    namespaced: false,
    shortNames: ["ns"],
    verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
    subresources: ["status"],
    hasStatus: true,
  }),
  type({
    group: "",
    version: "v1",
    kind: "ConfigMap",
    plural: "configmaps",
    singular: "configmap",
    namespaced: true,
    shortNames: ["cm"],
    subresources: [],
    hasStatus: false,
  }),
  type({
    group: "",
    version: "v1",
    kind: "Secret",
    plural: "secrets",
    singular: "secret",
    namespaced: true,
    subresources: [],
    hasStatus: false,
  }),
  type({
    group: "",
    version: "v1",
    kind: "Service",
    plural: "services",
    singular: "service",
    namespaced: true,
    shortNames: ["svc"],
    categories: ["all"],
    subresources: ["status"],
    hasStatus: true,
  }),
  type({
    group: "",
    version: "v1",
    kind: "PersistentVolumeClaim",
    plural: "persistentvolumeclaims",
    singular: "persistentvolumeclaim",
    namespaced: true,
    shortNames: ["pvc"],
    subresources: ["status"],
    hasStatus: true,
  }),
  type({
    group: "",
    version: "v1",
    kind: "Pod",
    plural: "pods",
    singular: "pod",
    namespaced: true,
    shortNames: ["po"],
    categories: ["all"],
    subresources: ["status", "log"],
    readOnly: true,
    hasStatus: true,
  }),
  type({
    group: "",
    version: "v1",
    kind: "Event",
    plural: "events",
    singular: "event",
    namespaced: true,
    shortNames: ["ev"],
    subresources: [],
    hasStatus: false,
  }),
  type({
    group: "apps",
    version: "v1",
    kind: "Deployment",
    plural: "deployments",
    singular: "deployment",
    namespaced: true,
    shortNames: ["deploy"],
    categories: ["all"],
    subresources: ["status", "scale"],
    hasStatus: true,
  }),
  type({
    group: "apps",
    version: "v1",
    kind: "ReplicaSet",
    plural: "replicasets",
    singular: "replicaset",
    namespaced: true,
    shortNames: ["rs"],
    categories: ["all"],
    subresources: ["status"],
    readOnly: true,
    hasStatus: true,
  }),
  type({
    group: "apps",
    version: "v1",
    kind: "StatefulSet",
    plural: "statefulsets",
    singular: "statefulset",
    namespaced: true,
    shortNames: ["sts"],
    categories: ["all"],
    subresources: ["status", "scale"],
    hasStatus: true,
  }),
  type({
    group: "batch",
    version: "v1",
    kind: "Job",
    plural: "jobs",
    singular: "job",
    namespaced: true,
    categories: ["all"],
    subresources: ["status"],
    hasStatus: true,
  }),
  type({
    group: "batch",
    version: "v1",
    kind: "CronJob",
    plural: "cronjobs",
    singular: "cronjob",
    namespaced: true,
    shortNames: ["cj"],
    categories: ["all"],
    subresources: ["status"],
    hasStatus: true,
  }),
  type({
    group: "networking.k8s.io",
    version: "v1",
    kind: "Ingress",
    plural: "ingresses",
    singular: "ingress",
    namespaced: true,
    shortNames: ["ing"],
    subresources: ["status"],
    hasStatus: true,
  }),
];

export function apiVersionOf(t: { group: string; version: string }): string {
  return t.group === "" ? t.version : `${t.group}/${t.version}`;
}

/** `deployments.apps`, `pods`: how the server names a resource in its messages. */
export function qualifiedName(t: ResourceType): string {
  return t.group === "" ? t.plural : `${t.plural}.${t.group}`;
}

export function findType(group: string, version: string, plural: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((t) => t.group === group && t.version === version && t.plural === plural);
}

/** By kind (`Deployment`), plural (`deployments`), singular or short name (`deploy`). */
export function typeByName(name: string): ResourceType | undefined {
  const n = name.toLowerCase();
  return RESOURCE_TYPES.find(
    (t) => t.kind.toLowerCase() === n || t.plural === n || t.singular === n || t.shortNames.includes(n),
  );
}

export function typeByKind(apiVersion: string, kind: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((t) => apiVersionOf(t) === apiVersion && t.kind === kind);
}

export function groupVersions(): { group: string; version: string }[] {
  const seen = new Map<string, { group: string; version: string }>();
  for (const t of RESOURCE_TYPES) seen.set(apiVersionOf(t), { group: t.group, version: t.version });
  return [...seen.values()];
}
