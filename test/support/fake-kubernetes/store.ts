import { randomUUID } from "node:crypto";
import { apiVersionOf, type ResourceType } from "./resources.js";

/**
 * The objects, by type and `namespace/name`, with the cluster-wide `resourceVersion`
 * counter and a log of changes for watches. Every write goes through `put` or `remove`,
 * which bump the object's `resourceVersion` and tell the watchers.
 */
export type KObject = Record<string, unknown> & { metadata: ObjectMeta };

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
  managedFields?: unknown[];
  generateName?: string;
  [key: string]: unknown;
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

export interface Change {
  rv: number;
  type: WatchEventType;
  resource: ResourceType;
  object: KObject;
}

export type Listener = (change: Change) => void;

const LOG_SIZE = 5000;

export class Store {
  #rv = 1000;
  readonly #objects = new Map<ResourceType, Map<string, KObject>>();
  readonly #listeners = new Set<Listener>();
  /** Recent changes, oldest first, for watches that resume from a resourceVersion. */
  readonly log: Change[] = [];

  get resourceVersion(): number {
    return this.#rv;
  }

  /** The oldest resourceVersion a watch can still resume from. */
  get oldestResumable(): number {
    return this.log[0] ? this.log[0].rv - 1 : this.#rv;
  }

  #bucket(t: ResourceType): Map<string, KObject> {
    let b = this.#objects.get(t);
    if (!b) {
      b = new Map();
      this.#objects.set(t, b);
    }
    return b;
  }

  get(t: ResourceType, namespace: string | undefined, name: string): KObject | undefined {
    return this.#bucket(t).get(key(t, namespace, name));
  }

  list(t: ResourceType, namespace?: string): KObject[] {
    const all = [...this.#bucket(t).values()];
    const inNs = namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace);
    return inNs.sort(
      (a, b) =>
        (a.metadata.namespace ?? "").localeCompare(b.metadata.namespace ?? "") ||
        a.metadata.name.localeCompare(b.metadata.name),
    );
  }

  /** Every object of every type, for garbage collection and namespace cleanup. */
  all(): { resource: ResourceType; object: KObject }[] {
    const out: { resource: ResourceType; object: KObject }[] = [];
    for (const [resource, bucket] of this.#objects) {
      for (const object of bucket.values()) out.push({ resource, object });
    }
    return out;
  }

  byUid(uid: string): { resource: ResourceType; object: KObject } | undefined {
    return this.all().find((e) => e.object.metadata.uid === uid);
  }

  /** Stores an object: a new one gets its uid and creation time here. */
  put(t: ResourceType, object: KObject, now = Date.now()): KObject {
    const b = this.#bucket(t);
    const k = key(t, object.metadata.namespace, object.metadata.name);
    const existed = b.has(k);
    const rv = ++this.#rv;
    object.apiVersion = apiVersionOf(t);
    object.kind = t.kind;
    if (!existed) {
      object.metadata.uid ??= randomUUID();
      object.metadata.creationTimestamp ??= timestamp(now);
    }
    object.metadata.resourceVersion = String(rv);
    b.set(k, object);
    this.#emit({ rv, type: existed ? "MODIFIED" : "ADDED", resource: t, object });
    return object;
  }

  remove(t: ResourceType, object: KObject): void {
    const b = this.#bucket(t);
    const k = key(t, object.metadata.namespace, object.metadata.name);
    if (!b.delete(k)) return;
    const rv = ++this.#rv;
    object.metadata.resourceVersion = String(rv);
    this.#emit({ rv, type: "DELETED", resource: t, object });
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(change: Change): void {
    const frozen = { ...change, object: structuredClone(change.object) };
    this.log.push(frozen);
    if (this.log.length > LOG_SIZE) this.log.splice(0, this.log.length - LOG_SIZE);
    for (const l of [...this.#listeners]) l(frozen);
  }
}

function key(t: ResourceType, namespace: string | undefined, name: string): string {
  return t.namespaced ? `${namespace ?? ""}/${name}` : name;
}

/** RFC 3339 at second precision, as `metav1.Time` is serialized. */
export function timestamp(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** `metav1.MicroTime`, for events and leases. */
export function microTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, "000Z");
}
