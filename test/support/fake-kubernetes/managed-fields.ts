import { isDeepStrictEqual } from "node:util";
import type { SchemaNode } from "../kubernetes-spec.js";
import {
  displayPath,
  type FieldSet,
  fieldSet,
  fromFieldsV1,
  isItemPath,
  isObject,
  merge,
  removeAt,
  SEP,
  toFieldsV1,
  valueAt,
} from "./fields.js";
import { type KObject, timestamp } from "./store.js";

/**
 * `metadata.managedFields`: which manager owns which fields, and server-side apply on top
 * of it. A simplified but honest version of the API server's model:
 * - an **apply** (`operation: Apply`) owns exactly the fields of its last applied
 *   configuration; applying a different value to a field another manager owns is a
 *   conflict (409) unless `force=true`, which takes the field over; applying the same
 *   value shares it; a field the manager applied before and leaves out now is removed
 *   from the object, unless another manager still owns it;
 * - any other write (create, update, merge patch; `operation: Update`) takes over every
 *   field it changes, without conflicts.
 * Identity and server-set metadata (`name`, `namespace`, `uid`, `resourceVersion`,
 * `generation`, timestamps, `managedFields`), `apiVersion`, `kind` and, for types with a
 * status subresource, `status` are nobody's. Server-applied defaults are nobody's either.
 */
export interface ManagedFieldsEntry {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  time: string;
  fieldsType: "FieldsV1";
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

interface Owner {
  entry: ManagedFieldsEntry;
  set: FieldSet;
}

const SERVER_FIELDS = [
  "f:apiVersion",
  "f:kind",
  "f:metadata\nf:name",
  "f:metadata\nf:namespace",
  "f:metadata\nf:uid",
  "f:metadata\nf:resourceVersion",
  "f:metadata\nf:generation",
  "f:metadata\nf:creationTimestamp",
  "f:metadata\nf:deletionTimestamp",
  "f:metadata\nf:deletionGracePeriodSeconds",
  "f:metadata\nf:managedFields",
  "f:metadata\nf:selfLink",
];

export interface Conflict {
  manager: string;
  apiVersion: string;
  path: string;
}

export class ApplyConflict extends Error {
  readonly conflicts: Conflict[];
  constructor(conflicts: Conflict[]) {
    const lines = conflicts.map(
      (c) => `conflict with "${c.manager}" using ${c.apiVersion}: ${displayPath(c.path)}`,
    );
    super(
      conflicts.length === 1
        ? `Apply failed with 1 conflict: ${lines[0]}`
        : `Apply failed with ${conflicts.length} conflicts: ${lines.join("\n")}`,
    );
    this.conflicts = conflicts;
  }
}

function owned(set: FieldSet, hasStatus: boolean): FieldSet {
  const out: FieldSet = new Set();
  for (const p of set) {
    if (SERVER_FIELDS.some((s) => p === s || p.startsWith(s + SEP))) continue;
    if (hasStatus && (p === "f:status" || p.startsWith(`f:status${SEP}`))) continue;
    out.add(p);
  }
  return out;
}

function owners(obj: KObject | undefined): Owner[] {
  const entries = (obj?.metadata.managedFields ?? []) as ManagedFieldsEntry[];
  return entries.map((entry) => ({ entry: { ...entry }, set: fromFieldsV1(entry.fieldsV1) }));
}

function write(obj: KObject, list: Owner[]): void {
  const kept = list.filter((o) => o.set.size > 0);
  if (kept.length === 0) delete obj.metadata.managedFields;
  else obj.metadata.managedFields = kept.map((o) => ({ ...o.entry, fieldsV1: toFieldsV1(o.set) }));
}

/** Drops from every manager the fields the object no longer has. */
function prune(list: Owner[], obj: KObject, schema: SchemaNode | undefined): void {
  for (const o of list) {
    for (const p of [...o.set]) if (!valueAt(obj, p, schema).found) o.set.delete(p);
  }
}

export interface ApplyInput {
  live: KObject | undefined;
  /** The applied configuration, already checked against the schema. */
  config: KObject;
  manager: string;
  force: boolean;
  apiVersion: string;
  schema: SchemaNode | undefined;
  hasStatus: boolean;
  now: number;
}

/** Server-side apply: the merged object with its managedFields, or an ApplyConflict. */
export function apply(input: ApplyInput): KObject {
  const { live, config, manager, schema } = input;
  const applied = owned(fieldSet(config, schema), input.hasStatus);
  const list = owners(live);
  let mine = list.find(
    (o) => o.entry.manager === manager && o.entry.operation === "Apply" && !o.entry.subresource,
  );
  const previous = mine ? new Set(mine.set) : new Set<string>();

  if (live) {
    const conflicts: Conflict[] = [];
    for (const p of applied) {
      if (isItemPath(p)) continue;
      const before = valueAt(live, p, schema);
      if (!before.found) continue;
      const after = valueAt(config, p, schema);
      if (isDeepStrictEqual(before.value, after.value)) continue;
      for (const o of list) {
        if (o.entry.manager === manager || !o.set.has(p)) continue;
        if (input.force) o.set.delete(p);
        else conflicts.push({ manager: o.entry.manager, apiVersion: o.entry.apiVersion, path: p });
      }
    }
    if (conflicts.length > 0) throw new ApplyConflict(conflicts);
  }

  const merged = (live ? merge(live, config, schema) : structuredClone(config)) as KObject;
  if (input.hasStatus && live) {
    if (live["status"] === undefined) delete merged["status"];
    else merged["status"] = structuredClone(live["status"]);
  } else if (input.hasStatus) delete merged["status"];
  // Fields this manager applied before and leaves out now go, unless someone else owns them.
  const dropped = [...previous].filter((p) => !applied.has(p));
  dropped.sort((a, b) => b.split(SEP).length - a.split(SEP).length);
  for (const p of dropped) {
    if (list.some((o) => o !== mine && o.set.has(p))) continue;
    removeAt(merged, p, schema);
  }

  if (!mine) {
    mine = {
      entry: {
        manager,
        operation: "Apply",
        apiVersion: input.apiVersion,
        time: "",
        fieldsType: "FieldsV1",
        fieldsV1: {},
      },
      set: new Set(),
    };
    list.push(mine);
  }
  mine.set = applied;
  mine.entry.apiVersion = input.apiVersion;
  mine.entry.time = timestamp(input.now);
  prune(list, merged, schema);
  write(merged, list);
  return merged;
}

export interface UpdateInput {
  old: KObject | undefined;
  updated: KObject;
  manager: string;
  apiVersion: string;
  schema: SchemaNode | undefined;
  hasStatus: boolean;
  now: number;
  subresource?: string;
}

/** Records a non-apply write: the manager takes over every field it changed. */
export function recordUpdate(input: UpdateInput): void {
  const { old, updated, manager, schema } = input;
  const list = owners(old);
  const all = owned(fieldSet(updated, schema), input.hasStatus && input.subresource !== "status");
  const changed = new Set<string>();
  for (const p of all) {
    const before = old ? valueAt(old, p, schema) : { found: false };
    if (
      before.found &&
      (isItemPath(p) || isDeepStrictEqual(before.value, valueAt(updated, p, schema).value))
    ) {
      continue;
    }
    changed.add(p);
  }
  for (const o of list) for (const p of changed) if (o.entry.manager !== manager) o.set.delete(p);
  if (changed.size > 0) {
    let mine = list.find(
      (o) =>
        o.entry.manager === manager &&
        o.entry.operation === "Update" &&
        o.entry.subresource === input.subresource,
    );
    if (!mine) {
      mine = {
        entry: {
          manager,
          operation: "Update",
          apiVersion: input.apiVersion,
          time: "",
          fieldsType: "FieldsV1",
          fieldsV1: {},
          ...(input.subresource && { subresource: input.subresource }),
        },
        set: new Set(),
      };
      list.push(mine);
    }
    for (const p of changed) mine.set.add(p);
    mine.entry.time = timestamp(input.now);
    mine.entry.apiVersion = input.apiVersion;
  }
  prune(list, updated, schema);
  write(updated, list);
}

/** The fields a manager owns, for tests: `.spec.replicas`-style paths. */
export function ownedBy(obj: KObject, manager: string): string[] {
  const out: string[] = [];
  for (const o of owners(obj))
    if (o.entry.manager === manager) for (const p of o.set) out.push(displayPath(p));
  return out.sort();
}

export { isObject };
