import { randomUUID } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import type { KubernetesSpecs, SchemaError, SchemaNode } from "../kubernetes-spec.js";
import { stripNulls } from "../kubernetes-spec.js";
import { applyDefaults, GENERATION_KINDS } from "./defaults.js";
import { isObject, mergePatch } from "./fields.js";
import { ApplyConflict, apply, recordUpdate } from "./managed-fields.js";
import { jsonPatch, strategicMerge } from "./patches.js";
import { apiVersionOf, type ResourceType, typeByName } from "./resources.js";
import {
  alreadyExists,
  badRequest,
  conflict,
  invalid,
  namespaceNotFound,
  notFound,
  StatusError,
  successStatus,
} from "./status.js";
import { type KObject, Store, timestamp } from "./store.js";
import { Timeline } from "./timeline.js";
import type { FakeKubernetesTimings, Violation } from "./types.js";
import { semanticErrors } from "./validation.js";

/**
 * The cluster's API machinery without HTTP: decoding and validating what clients send,
 * defaulting, create / apply / update / patch / delete with their metadata rules
 * (`uid`, `resourceVersion`, `generation`, `managedFields`, `deletionTimestamp`), garbage
 * collection by owner references, and namespace termination. Controllers hook in through
 * `onChange`.
 */
export type FieldValidation = "Strict" | "Warn" | "Ignore";

export interface WriteOptions {
  manager: string;
  dryRun: boolean;
  fieldValidation: FieldValidation;
  /** Warnings for the `Warning` header (unknown fields with `Warn`). */
  warnings: string[];
}

export interface DeleteOptions {
  propagationPolicy?: "Background" | "Foreground" | "Orphan";
  dryRun?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
  gracePeriodSeconds?: number;
  warnings?: string[];
}

type Json = Record<string, unknown>;

export class Cluster {
  readonly store = new Store();
  readonly timeline = new Timeline();
  readonly violations: Violation[] = [];
  readonly specs: KubernetesSpecs | undefined;
  readonly timings: Required<FakeKubernetesTimings>;
  /** Called after every stored change (controllers subscribe). */
  onChange: (t: ResourceType, obj: KObject) => void = () => {};
  #gcScheduled = false;

  constructor(specs: KubernetesSpecs | undefined, timings: Required<FakeKubernetesTimings>) {
    this.specs = specs;
    this.timings = timings;
    const ns = this.type("namespaces");
    for (const name of ["default", "kube-system", "kube-public", "kube-node-lease"]) {
      const obj: KObject = { metadata: { name } };
      applyDefaults("Namespace", obj);
      this.store.put(ns, obj);
    }
  }

  type(name: string): ResourceType {
    const t = typeByName(name);
    if (!t) throw new Error(`fake-kubernetes: no resource type ${name}`);
    return t;
  }

  schema(t: ResourceType): SchemaNode | undefined {
    return this.specs?.schema(t.group, t.version, t.kind);
  }

  now(): number {
    return Date.now();
  }

  // ---- decoding and validation -------------------------------------------------------

  /**
   * Checks what a client sent against the kind's schema. Wrong types answer 400 (the
   * server cannot decode them); unknown fields answer 400 with `Strict`, become warnings
   * with `Warn`, and are dropped (also with `Ignore`). `partial` (an apply configuration,
   * a patch) skips required fields: the merged object is checked in full later.
   */
  decode(
    t: ResourceType,
    body: unknown,
    opts: WriteOptions,
    how: "create" | "apply",
    partial: boolean,
  ): KObject {
    if (!isObject(body)) throw badRequest(`the body of the request was in an unknown format`);
    const obj = stripNulls(body) as KObject;
    if (!isObject(obj["metadata"])) obj.metadata = { name: "" } as KObject["metadata"];
    const apiVersion = apiVersionOf(t);
    if (how === "apply") {
      if (!obj["apiVersion"]) throw badRequest("apiVersion must be set");
      if (!obj["kind"]) throw badRequest("kind must be set");
    }
    if (obj["apiVersion"] !== undefined && obj["apiVersion"] !== apiVersion) {
      throw badRequest(
        `the API version in the data (${String(obj["apiVersion"])}) does not match the expected API version (${apiVersion})`,
      );
    }
    if (obj["kind"] !== undefined && obj["kind"] !== t.kind) {
      throw badRequest(
        `the kind in the data (${String(obj["kind"])}) does not match the expected kind (${t.kind})`,
      );
    }
    if (!this.specs) return obj;
    const errors = this.specs.validate(t.group, t.version, t.kind, obj);
    const name = obj.metadata.name ?? "";
    const typed = errors.filter((e) => e.kind === "type");
    const unknown = errors.filter((e) => e.kind === "unknown");
    const reportable = errors.filter((e) => !partial || (e.kind !== "required" && e.kind !== "invalid"));
    if (reportable.length > 0) {
      this.violations.push({ kind: t.kind, name, errors: reportable.map((e) => `${e.field}: ${e.message}`) });
    }
    if (typed.length > 0) {
      const first = typed[0]!;
      throw badRequest(
        how === "apply"
          ? `failed to create typed patch object (${apiVersionOf(t)}, Kind=${t.kind}): .${first.field}: expected ${first.goType}, got ${first.sent}`
          : `${t.kind} in version "${t.version}" cannot be handled as a ${t.kind}: json: cannot unmarshal ${first.sent} into Go struct field ${first.struct ?? t.kind}.${first.field} of type ${first.goType}`,
      );
    }
    if (unknown.length > 0) {
      if (opts.fieldValidation === "Strict") {
        throw badRequest(
          how === "apply"
            ? `failed to create typed patch object (${apiVersionOf(t)}, Kind=${t.kind}): ${unknown.map((u) => `.${u.field}: field not declared in schema`).join(", ")}`
            : `${t.kind} in version "${t.version}" cannot be handled as a ${t.kind}: strict decoding error: ${unknown.map((u) => u.message).join(", ")}`,
        );
      }
      if (opts.fieldValidation === "Warn") opts.warnings.push(...unknown.map((u) => u.message));
      for (const u of unknown) dropAt(obj, u.pointer);
    }
    if (!partial) this.#requireValid(t, name, errors);
    return obj;
  }

  #requireValid(t: ResourceType, name: string, errors: SchemaError[]): void {
    const causes = errors
      .filter((e) => e.kind === "required" || e.kind === "invalid")
      .map((e) => ({
        reason: e.kind === "required" ? "FieldValueRequired" : "FieldValueInvalid",
        message: e.kind === "required" ? "Required value" : `Invalid value: ${e.message}`,
        field: e.field,
      }));
    if (causes.length > 0) throw invalid(t, name, causes);
  }

  /** Defaults, then the schema's required fields and the server's own rules: 422 with every cause. */
  admit(t: ResourceType, obj: KObject, old: KObject | undefined): void {
    applyDefaults(t.kind, obj, old);
    const causes = [];
    if (this.specs) {
      const errors = this.specs
        .validate(t.group, t.version, t.kind, obj)
        .filter((e) => e.kind === "required" || e.kind === "invalid");
      for (const e of errors) {
        causes.push({
          reason: e.kind === "required" ? "FieldValueRequired" : "FieldValueInvalid",
          message: e.kind === "required" ? "Required value" : `Invalid value: ${e.message}`,
          field: e.field,
        });
      }
    }
    causes.push(...semanticErrors(t.kind, obj, old));
    if (causes.length > 0) {
      this.violations.push({
        kind: t.kind,
        name: obj.metadata.name,
        errors: causes.map((c) => `${c.field}: ${c.message}`),
      });
      throw invalid(t, obj.metadata.name, causes);
    }
  }

  // ---- namespaces --------------------------------------------------------------------

  #checkNamespace(t: ResourceType, namespace: string | undefined, creating: boolean): void {
    if (!t.namespaced) return;
    const ns = this.store.get(this.type("namespaces"), undefined, namespace ?? "");
    if (!ns) throw namespaceNotFound(namespace ?? "");
    if (creating && ns.metadata.deletionTimestamp) {
      throw new StatusError(
        403,
        "Forbidden",
        `${t.plural}${t.group ? `.${t.group}` : ""} "" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
        {
          kind: t.plural,
          ...(t.group && { group: t.group }),
          causes: [
            {
              reason: "NamespaceTerminating",
              message: `namespace ${namespace} is being terminated`,
              field: "metadata.namespace",
            },
          ],
        },
      );
    }
  }

  #placeIn(t: ResourceType, obj: KObject, namespace: string | undefined, urlName?: string): void {
    if (t.namespaced) {
      if (obj.metadata.namespace !== undefined && obj.metadata.namespace !== namespace) {
        throw badRequest(
          "the namespace of the provided object does not match the namespace sent on the request",
        );
      }
      obj.metadata.namespace = namespace!;
    } else if (obj.metadata.namespace) {
      delete obj.metadata.namespace;
    }
    if (urlName !== undefined && obj.metadata.name !== urlName) {
      if (!obj.metadata.name) obj.metadata.name = urlName;
      else {
        throw badRequest(
          `the name of the object (${obj.metadata.name}) does not match the name on the URL (${urlName})`,
        );
      }
    }
  }

  // ---- writes ------------------------------------------------------------------------

  create(t: ResourceType, namespace: string | undefined, body: unknown, opts: WriteOptions): KObject {
    const obj = this.decode(t, body, opts, "create", true);
    this.#placeIn(t, obj, namespace);
    if (!obj.metadata.name && obj.metadata.generateName) {
      obj.metadata.name = `${obj.metadata.generateName}${randomSuffix(5)}`;
    }
    this.#checkNamespace(t, namespace, true);
    if (obj.metadata.name && this.store.get(t, namespace, obj.metadata.name))
      throw alreadyExists(t, obj.metadata.name);
    if (obj.metadata.resourceVersion) {
      throw badRequest("resourceVersion should not be set on objects to be created");
    }
    return this.#insert(t, obj, opts, (o) =>
      recordUpdate({
        old: undefined,
        updated: o,
        manager: opts.manager,
        apiVersion: apiVersionOf(t),
        schema: this.schema(t),
        hasStatus: t.hasStatus,
        now: this.now(),
      }),
    );
  }

  /** Stores a new object: server metadata, defaults, validation, ownership. */
  #insert(t: ResourceType, obj: KObject, opts: WriteOptions, own: (o: KObject) => void): KObject {
    const meta = obj.metadata;
    for (const k of [
      "uid",
      "creationTimestamp",
      "deletionTimestamp",
      "deletionGracePeriodSeconds",
      "generation",
      "managedFields",
      "selfLink",
    ]) {
      delete meta[k];
    }
    if (t.hasStatus && t.kind !== "Namespace") delete obj["status"];
    if (t.kind === "Namespace") delete obj["status"];
    meta.uid = randomUUID();
    own(obj);
    this.admit(t, obj, undefined);
    meta.creationTimestamp = timestamp(this.now());
    if (GENERATION_KINDS.has(t.kind)) meta.generation = 1;
    obj.apiVersion = apiVersionOf(t);
    obj.kind = t.kind;
    if (opts.dryRun) return obj;
    const stored = this.store.put(t, obj, this.now());
    this.onChange(t, stored);
    return structuredClone(stored);
  }

  /** Server-side apply: create the object, or merge the configuration into it. */
  apply(
    t: ResourceType,
    namespace: string | undefined,
    name: string,
    body: unknown,
    opts: WriteOptions & { force: boolean },
  ): { object: KObject; created: boolean } {
    const config = this.decode(t, body, opts, "apply", true);
    this.#placeIn(t, config, namespace, name);
    this.#checkNamespace(t, namespace, false);
    const live = this.store.get(t, namespace, name);
    const applyArgs = {
      config,
      manager: opts.manager,
      force: opts.force,
      apiVersion: apiVersionOf(t),
      schema: this.schema(t),
      hasStatus: t.hasStatus,
      now: this.now(),
    };
    if (!live) {
      this.#checkNamespace(t, namespace, true);
      if (config.metadata.resourceVersion) throw notFound(t, name);
      const object = this.#insert(t, config, opts, (o) => {
        const merged = apply({ ...applyArgs, live: undefined, config: structuredClone(o) });
        o.metadata.managedFields = merged.metadata.managedFields;
      });
      return { object, created: true };
    }
    const rv = config.metadata.resourceVersion;
    if (rv !== undefined && rv !== live.metadata.resourceVersion) {
      throw conflict(
        t,
        name,
        "the object has been modified; please apply your changes to the latest version and try again",
      );
    }
    let merged: KObject;
    try {
      merged = apply({ ...applyArgs, live: structuredClone(live) });
    } catch (err) {
      if (err instanceof ApplyConflict) {
        throw new StatusError(409, "Conflict", err.message, {
          name,
          ...(t.group && { group: t.group }),
          kind: t.plural,
          causes: err.conflicts.map((c) => ({
            reason: "FieldManagerConflict",
            message: `conflict with "${c.manager}" using ${c.apiVersion}`,
            field: displayField(c.path),
          })),
        });
      }
      throw err;
    }
    return { object: this.#replace(t, live, merged, opts, undefined), created: false };
  }

  /** PUT: the whole object, optionally guarded by its resourceVersion. */
  update(
    t: ResourceType,
    namespace: string | undefined,
    name: string,
    body: unknown,
    opts: WriteOptions,
  ): KObject {
    const obj = this.decode(t, body, opts, "create", true);
    this.#placeIn(t, obj, namespace, name);
    const live = this.store.get(t, namespace, name);
    if (!live) throw notFound(t, name);
    const rv = obj.metadata.resourceVersion;
    if (rv !== undefined && rv !== live.metadata.resourceVersion) {
      throw conflict(
        t,
        name,
        "the object has been modified; please apply your changes to the latest version and try again",
      );
    }
    return this.#replace(t, live, obj, opts, opts.manager);
  }

  /** PATCH with a merge patch, strategic merge patch or JSON patch. */
  patch(
    t: ResourceType,
    namespace: string | undefined,
    name: string,
    type: "merge" | "strategic" | "json",
    patch: unknown,
    opts: WriteOptions,
  ): KObject {
    const live = this.store.get(t, namespace, name);
    if (!live) throw notFound(t, name);
    const base = structuredClone(live) as Json;
    delete (base["metadata"] as Json)["managedFields"];
    let patched: unknown;
    if (type === "json") patched = jsonPatch(base, patch);
    else if (type === "strategic") patched = strategicMerge(base, patch, this.schema(t));
    else patched = mergePatch(base, patch);
    const obj = this.decode(t, patched, opts, "create", true);
    this.#placeIn(t, obj, namespace, name);
    const rv = obj.metadata.resourceVersion;
    if (rv !== undefined && rv !== live.metadata.resourceVersion) {
      throw conflict(
        t,
        name,
        "the object has been modified; please apply your changes to the latest version and try again",
      );
    }
    return this.#replace(t, live, obj, opts, opts.manager);
  }

  /** Writes a new version over `live`, keeping what clients cannot change. */
  #replace(
    t: ResourceType,
    live: KObject,
    next: KObject,
    opts: WriteOptions,
    updateManager: string | undefined,
  ): KObject {
    const meta = next.metadata;
    for (const k of [
      "uid",
      "creationTimestamp",
      "deletionTimestamp",
      "deletionGracePeriodSeconds",
      "generation",
    ]) {
      if (live.metadata[k] === undefined) delete meta[k];
      else meta[k] = live.metadata[k];
    }
    meta.resourceVersion = live.metadata.resourceVersion!;
    if (t.hasStatus) {
      if (live["status"] === undefined) delete next["status"];
      else next["status"] = structuredClone(live["status"]);
    }
    if (updateManager !== undefined) {
      next.metadata.managedFields = live.metadata.managedFields;
      recordUpdate({
        old: live,
        updated: next,
        manager: updateManager,
        apiVersion: apiVersionOf(t),
        schema: this.schema(t),
        hasStatus: t.hasStatus,
        now: this.now(),
      });
    }
    this.admit(t, next, live);
    if (GENERATION_KINDS.has(t.kind) && !isDeepStrictEqual(specPart(next), specPart(live))) {
      meta.generation = (live.metadata.generation ?? 0) + 1;
    }
    if (unchanged(live, next)) return structuredClone(live);
    if (opts.dryRun) return next;
    // Finalizers removed from an object being deleted: it may go now.
    if (live.metadata.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0) {
      if (t.kind !== "Namespace") {
        this.store.remove(t, live);
        this.#scheduleGc();
        return next;
      }
    }
    const stored = this.store.put(t, next, this.now());
    this.onChange(t, stored);
    return structuredClone(stored);
  }

  /** A controller's write of an object's status (or of objects it owns): no ownership, no validation. */
  writeStatus(t: ResourceType, obj: KObject, status: unknown): void {
    const live = this.store.get(t, obj.metadata.namespace, obj.metadata.name);
    if (!live || live.metadata.uid !== obj.metadata.uid) return;
    if (isDeepStrictEqual(live["status"], status)) return;
    const next = structuredClone(live);
    next["status"] = status;
    this.onChange(t, this.store.put(t, next, this.now()));
  }

  /** A controller creates an object (pods, replica sets, PVCs, events). */
  system(t: ResourceType, obj: KObject): KObject {
    applyDefaults(t.kind, obj);
    if (GENERATION_KINDS.has(t.kind)) obj.metadata.generation ??= 1;
    const stored = this.store.put(t, obj, this.now());
    this.onChange(t, stored);
    return stored;
  }

  /** A controller's change to an object other than its status (replicas of a replica set, owner refs). */
  systemUpdate(t: ResourceType, obj: KObject, change: (o: KObject) => void): void {
    const live = this.store.get(t, obj.metadata.namespace, obj.metadata.name);
    if (!live || live.metadata.uid !== obj.metadata.uid) return;
    const next = structuredClone(live);
    change(next);
    if (isDeepStrictEqual(next, live)) return;
    if (GENERATION_KINDS.has(t.kind) && !isDeepStrictEqual(specPart(next), specPart(live))) {
      next.metadata.generation = (live.metadata.generation ?? 0) + 1;
    }
    this.onChange(t, this.store.put(t, next, this.now()));
  }

  // ---- deletion ----------------------------------------------------------------------

  delete(
    t: ResourceType,
    namespace: string | undefined,
    name: string,
    opts: DeleteOptions = {},
  ): { status: number; body: Json } {
    const live = this.store.get(t, namespace, name);
    if (!live) throw notFound(t, name);
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== live.metadata.uid) {
      throw conflict(
        t,
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${live.metadata.uid}`,
      );
    }
    if (pre?.resourceVersion && pre.resourceVersion !== live.metadata.resourceVersion) {
      throw conflict(
        t,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${live.metadata.resourceVersion}`,
      );
    }
    const policy = opts.propagationPolicy ?? defaultPropagation(t);
    if (t.kind === "Job" && opts.propagationPolicy === undefined) {
      opts.warnings?.push(
        "child pods are preserved by default when jobs are deleted; set propagationPolicy=Background to remove them or set propagationPolicy=Orphan to suppress this warning",
      );
    }
    if (opts.dryRun) return { status: 200, body: structuredClone(live) };
    const now = this.now();

    if (t.kind === "Namespace") {
      if (!live.metadata.deletionTimestamp) {
        const next = structuredClone(live);
        next.metadata.deletionTimestamp = timestamp(now);
        next.metadata.deletionGracePeriodSeconds = 0;
        next["status"] = { phase: "Terminating" };
        this.store.put(t, next, now);
        this.timeline.schedule(now + this.timings.namespaceTerminationMs, () =>
          this.#terminateNamespace(name),
        );
      }
      return { status: 200, body: structuredClone(this.store.get(t, undefined, name)!) };
    }

    if (policy === "Orphan") this.#orphanDependents(live);
    const finalizers = [...(live.metadata.finalizers ?? [])];
    if (
      policy === "Foreground" &&
      this.#dependents(live).length > 0 &&
      !finalizers.includes("foregroundDeletion")
    ) {
      finalizers.push("foregroundDeletion");
    }
    const graceful = t.kind === "Pod" && this.timings.podTerminationMs > 0;
    if (finalizers.length > 0 || graceful) {
      if (!live.metadata.deletionTimestamp) {
        const next = structuredClone(live);
        next.metadata.deletionTimestamp = timestamp(now + (graceful ? this.timings.podTerminationMs : 0));
        next.metadata.deletionGracePeriodSeconds = graceful
          ? Math.ceil(this.timings.podTerminationMs / 1000)
          : 0;
        if (finalizers.length > 0) next.metadata.finalizers = finalizers;
        const stored = this.store.put(t, next, now);
        this.onChange(t, stored);
        if (policy === "Foreground")
          for (const d of this.#dependents(live)) this.#deleteQuietly(d.resource, d.object, "Background");
        if (graceful) {
          this.timeline.schedule(now + this.timings.podTerminationMs, () => {
            const cur = this.store.get(t, namespace, name);
            if (
              cur &&
              cur.metadata.uid === live.metadata.uid &&
              (cur.metadata.finalizers ?? []).length === 0
            ) {
              this.store.remove(t, cur);
              this.onChange(t, cur);
              this.#scheduleGc();
            }
          });
        }
      }
      const body = structuredClone(this.store.get(t, namespace, name)!);
      return { status: policy === "Foreground" ? 202 : 200, body };
    }
    this.store.remove(t, live);
    this.onChange(t, live);
    this.#scheduleGc();
    return { status: 200, body: successStatus(t, name, live.metadata.uid!) };
  }

  #deleteQuietly(t: ResourceType, obj: KObject, policy: "Background" | "Foreground" | "Orphan"): void {
    try {
      this.delete(t, obj.metadata.namespace, obj.metadata.name, { propagationPolicy: policy });
    } catch (err) {
      if (!(err instanceof StatusError && err.code === 404)) throw err;
    }
  }

  #dependents(owner: KObject): { resource: ResourceType; object: KObject }[] {
    const uid = owner.metadata.uid;
    return this.store
      .all()
      .filter((e) => (e.object.metadata.ownerReferences ?? []).some((r) => r.uid === uid));
  }

  #orphanDependents(owner: KObject): void {
    for (const d of this.#dependents(owner)) {
      this.systemUpdate(d.resource, d.object, (o) => {
        const refs = (o.metadata.ownerReferences ?? []).filter((r) => r.uid !== owner.metadata.uid);
        if (refs.length === 0) delete o.metadata.ownerReferences;
        else o.metadata.ownerReferences = refs;
      });
    }
  }

  #scheduleGc(): void {
    if (this.#gcScheduled) return;
    this.#gcScheduled = true;
    this.timeline.schedule(this.now() + this.timings.gcMs, () => {
      this.#gcScheduled = false;
      this.collectGarbage();
    });
  }

  /** One pass of the garbage collector: dependents of deleted owners, finished foreground deletions. */
  collectGarbage(): void {
    let again = false;
    for (const { resource, object } of this.store.all()) {
      const refs = object.metadata.ownerReferences ?? [];
      if (refs.length > 0) {
        const alive = refs.filter((r) => {
          const owner = this.store.byUid(r.uid);
          return owner !== undefined;
        });
        if (alive.length === 0) {
          if (!object.metadata.deletionTimestamp) {
            this.#deleteQuietly(resource, object, "Background");
            again = true;
          }
          continue;
        }
        if (alive.length < refs.length) {
          this.systemUpdate(resource, object, (o) => {
            o.metadata.ownerReferences = alive;
          });
        }
      }
      const fin = object.metadata.finalizers ?? [];
      if (object.metadata.deletionTimestamp && fin.includes("foregroundDeletion")) {
        const blocking = this.#dependents(object).filter((d) =>
          (d.object.metadata.ownerReferences ?? []).some(
            (r) => r.uid === object.metadata.uid && r.blockOwnerDeletion,
          ),
        );
        if (blocking.length === 0) {
          const rest = fin.filter((f) => f !== "foregroundDeletion");
          if (rest.length === 0) {
            this.store.remove(resource, object);
            this.onChange(resource, object);
            again = true;
          } else {
            this.systemUpdate(resource, object, (o) => {
              o.metadata.finalizers = rest;
            });
          }
        }
      }
    }
    if (again) this.#scheduleGc();
  }

  #terminateNamespace(name: string): void {
    const nsType = this.type("namespaces");
    const ns = this.store.get(nsType, undefined, name);
    if (!ns?.metadata.deletionTimestamp) return;
    const contents = this.store
      .all()
      .filter((e) => e.resource.namespaced && e.object.metadata.namespace === name);
    for (const { resource, object } of contents) {
      if (!object.metadata.deletionTimestamp) this.#deleteQuietly(resource, object, "Background");
    }
    const left = this.store
      .all()
      .filter((e) => e.resource.namespaced && e.object.metadata.namespace === name);
    if (left.length > 0) {
      const next = structuredClone(ns);
      next["status"] = {
        phase: "Terminating",
        conditions: [
          {
            type: "NamespaceContentRemaining",
            status: "True",
            reason: "SomeResourcesRemain",
            message: `Some resources are remaining: ${[...new Set(left.map((l) => l.resource.plural))].join(", ")}`,
            lastTransitionTime: timestamp(this.now()),
          },
        ],
      };
      if (!isDeepStrictEqual(next["status"], ns["status"])) this.store.put(nsType, next, this.now());
      this.timeline.schedule(this.now() + 50, () => this.#terminateNamespace(name));
      return;
    }
    this.store.remove(nsType, ns);
  }

  // ---- reads -------------------------------------------------------------------------

  get(t: ResourceType, namespace: string | undefined, name: string): KObject {
    if (
      t.namespaced &&
      namespace !== undefined &&
      !this.store.get(this.type("namespaces"), undefined, namespace)
    ) {
      // The real server answers NotFound for the object, not the namespace.
    }
    const obj = this.store.get(t, namespace, name);
    if (!obj) throw notFound(t, name);
    return structuredClone(obj);
  }

  close(): void {
    this.timeline.close();
  }
}

function defaultPropagation(t: ResourceType): "Background" | "Foreground" | "Orphan" {
  // batch/v1 Jobs keep their pods unless told otherwise, for compatibility.
  return t.kind === "Job" ? "Orphan" : "Background";
}

function specPart(o: KObject): unknown {
  const { metadata: _m, status: _s, ...rest } = o;
  return rest;
}

function unchanged(a: KObject, b: KObject): boolean {
  const strip = (o: KObject) => {
    const c = structuredClone(o);
    for (const e of (c.metadata.managedFields ?? []) as Json[]) delete e["time"];
    return c;
  };
  return isDeepStrictEqual(strip(a), strip(b));
}

function displayField(path: string): string {
  return path
    .split("\n")
    .map((el) => (el.startsWith("f:") ? `.${el.slice(2)}` : `[${el.slice(2)}]`))
    .join("");
}

const SUFFIX = "bcdfghjklmnpqrstvwxz2456789";

export function randomSuffix(n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += SUFFIX[Math.floor(Math.random() * SUFFIX.length)];
  return s;
}

function dropAt(obj: unknown, pointer: string[]): void {
  let cur: unknown = obj;
  for (const p of pointer.slice(0, -1)) cur = (cur as Json | undefined)?.[p];
  const last = pointer[pointer.length - 1];
  if (last !== undefined && cur && typeof cur === "object") delete (cur as Json)[last];
}
