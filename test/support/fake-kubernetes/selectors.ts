import { badRequest } from "./status.js";
import type { KObject } from "./store.js";

/**
 * Label selectors (`app=web,tier!=db,env in (a,b),!legacy,track`) and field selectors
 * (`metadata.name=x,status.phase!=Running`), parsed as the API server parses them, and
 * the structured `LabelSelector` of workloads (`matchLabels`, `matchExpressions`).
 */
export type Requirement =
  | { key: string; op: "=" | "!="; value: string }
  | { key: string; op: "in" | "notin"; values: string[] }
  | { key: string; op: "exists" | "!" };

export type Labels = Record<string, string>;

const FORMS: { re: RegExp; make: (m: RegExpExecArray) => Requirement }[] = [
  { re: /^!\s*([A-Za-z0-9./_-]+)\s*(,|$)/, make: (m) => ({ key: m[1]!, op: "!" }) },
  {
    re: /^([A-Za-z0-9./_-]+)\s+(in|notin)\s*\(([^)]*)\)\s*(,|$)/,
    make: (m) => ({
      key: m[1]!,
      op: m[2] as "in" | "notin",
      values: m[3]!
        .split(",")
        .map((v) => v.trim())
        .filter((v) => v !== ""),
    }),
  },
  {
    re: /^([A-Za-z0-9./_-]+)\s*(==|=|!=)\s*([A-Za-z0-9._-]*)\s*(,|$)/,
    make: (m) => ({ key: m[1]!, op: m[2] === "!=" ? "!=" : "=", value: m[3]! }),
  },
  { re: /^([A-Za-z0-9./_-]+)\s*(,|$)/, make: (m) => ({ key: m[1]!, op: "exists" }) },
];

export function parseLabelSelector(text: string): Requirement[] {
  const out: Requirement[] = [];
  let rest = text.trim();
  while (rest !== "") {
    let matched: RegExpExecArray | undefined;
    for (const form of FORMS) {
      const m = form.re.exec(rest);
      if (m) {
        out.push(form.make(m));
        matched = m;
        break;
      }
    }
    if (!matched) throw badRequest(`unable to parse requirement: found '${rest}', expected a label selector`);
    rest = rest.slice(matched[0].length).trim();
  }
  return out;
}

export function matchesRequirements(labels: Labels | undefined, reqs: Requirement[]): boolean {
  const l = labels ?? {};
  return reqs.every((r) => {
    const has = Object.hasOwn(l, r.key);
    switch (r.op) {
      case "=":
        return has && l[r.key] === r.value;
      case "!=":
        return !has || l[r.key] !== r.value;
      case "in":
        return has && r.values.includes(l[r.key]!);
      case "notin":
        return !has || !r.values.includes(l[r.key]!);
      case "exists":
        return has;
      case "!":
        return !has;
    }
    return false;
  });
}

export interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** A workload's `spec.selector` as requirements (empty selects everything). */
export function selectorRequirements(sel: LabelSelector | undefined): Requirement[] {
  const reqs: Requirement[] = [];
  for (const [key, value] of Object.entries(sel?.matchLabels ?? {})) reqs.push({ key, op: "=", value });
  for (const e of sel?.matchExpressions ?? []) {
    if (e.operator === "In") reqs.push({ key: e.key, op: "in", values: e.values ?? [] });
    else if (e.operator === "NotIn") reqs.push({ key: e.key, op: "notin", values: e.values ?? [] });
    else if (e.operator === "Exists") reqs.push({ key: e.key, op: "exists" });
    else if (e.operator === "DoesNotExist") reqs.push({ key: e.key, op: "!" });
  }
  return reqs;
}

export function selectorString(sel: LabelSelector | undefined): string {
  return selectorRequirements(sel)
    .map((r) => {
      switch (r.op) {
        case "=":
        case "!=":
          return `${r.key}${r.op}${r.value}`;
        case "in":
        case "notin":
          return `${r.key} ${r.op} (${r.values.join(",")})`;
        case "exists":
          return r.key;
        case "!":
          return `!${r.key}`;
      }
      return "";
    })
    .join(",");
}

export interface FieldRequirement {
  field: string;
  op: "=" | "!=";
  value: string;
}

/** Fields each kind can be selected by, beyond `metadata.name` and `metadata.namespace`. */
const FIELDS: Record<string, string[]> = {
  Pod: [
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.schedulerName",
    "spec.serviceAccountName",
    "status.phase",
    "status.podIP",
    "status.nominatedNodeName",
  ],
  Event: [
    "involvedObject.kind",
    "involvedObject.namespace",
    "involvedObject.name",
    "involvedObject.uid",
    "involvedObject.apiVersion",
    "involvedObject.resourceVersion",
    "involvedObject.fieldPath",
    "reason",
    "reportingComponent",
    "source",
    "type",
  ],
  Secret: ["type"],
  Namespace: ["status.phase"],
  Job: ["status.successful"],
  ReplicaSet: ["status.replicas"],
  StatefulSet: [],
};

export function parseFieldSelector(kind: string, text: string): FieldRequirement[] {
  const out: FieldRequirement[] = [];
  for (const part of text.split(",").map((p) => p.trim())) {
    if (part === "") continue;
    const m = /^([A-Za-z0-9.]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (!m) throw badRequest(`invalid selector: '${text}'; can't understand '${part}'`);
    const field = m[1]!;
    const allowed = ["metadata.name", "metadata.namespace", ...(FIELDS[kind] ?? [])];
    if (!allowed.includes(field)) {
      throw badRequest(`"${field}" is not a known field selector: only "${allowed.join('", "')}"`);
    }
    out.push({ field, op: m[2] === "!=" ? "!=" : "=", value: m[3]! });
  }
  return out;
}

export function matchesFields(obj: KObject, reqs: FieldRequirement[]): boolean {
  return reqs.every((r) => {
    const actual = fieldValue(obj, r.field);
    return r.op === "=" ? actual === r.value : actual !== r.value;
  });
}

function fieldValue(obj: KObject, field: string): string {
  if (field === "source") {
    const s = (obj as { source?: { component?: string } }).source;
    return s?.component ?? "";
  }
  if (field === "status.successful") {
    return String((obj as { status?: { succeeded?: number } }).status?.succeeded ?? 0);
  }
  let v: unknown = obj;
  for (const part of field.split(".")) v = (v as Record<string, unknown> | undefined)?.[part];
  return v === undefined || v === null ? "" : String(v);
}
