import { isDeepStrictEqual } from "node:util";
import { type LabelSelector, matchesRequirements, selectorRequirements } from "./selectors.js";
import type { StatusCause } from "./status.js";
import type { KObject } from "./store.js";

/**
 * The API server's own validation of decoded objects (what its OpenAPI schemas cannot
 * say): names, labels, pod templates, workload selectors, immutable fields. Each problem
 * is a cause of a 422 Invalid answer, worded as the server words it.
 */
type Json = Record<string, any>;

const DNS1123_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_SUBDOMAIN = `${DNS1123_LABEL}(\\.${DNS1123_LABEL})*`;
const DNS1035_LABEL = "[a-z]([-a-z0-9]*[a-z0-9])?";
const LABEL_VALUE = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
const QUALIFIED_NAME = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";

function full(re: string): RegExp {
  return new RegExp(`^${re}$`);
}

export function subdomainError(value: string): string | undefined {
  if (value.length > 253) return "must be no more than 253 characters";
  if (!full(DNS1123_SUBDOMAIN).test(value)) {
    return `a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '${DNS1123_SUBDOMAIN}')`;
  }
  return undefined;
}

export function labelError(value: string): string | undefined {
  if (value.length > 63) return "must be no more than 63 characters";
  if (!full(DNS1123_LABEL).test(value)) {
    return `a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '${DNS1123_LABEL}')`;
  }
  return undefined;
}

function dns1035Error(value: string): string | undefined {
  if (value.length > 63) return "must be no more than 63 characters";
  if (!full(DNS1035_LABEL).test(value)) {
    return `a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '${DNS1035_LABEL}')`;
  }
  return undefined;
}

function qualifiedKeyError(key: string): string | undefined {
  const parts = key.split("/");
  if (parts.length > 2)
    return "a qualified name must consist of alphanumeric characters, '-', '_' or '.', with an optional DNS subdomain prefix and '/'";
  const name = parts.pop()!;
  const prefix = parts[0];
  if (prefix !== undefined && subdomainError(prefix)) return `prefix part ${subdomainError(prefix)}`;
  if (name.length === 0 || name.length > 63 || !full(QUALIFIED_NAME).test(name)) {
    return `name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '${QUALIFIED_NAME}')`;
  }
  return undefined;
}

const invalid = (field: string, value: unknown, detail: string): StatusCause => ({
  reason: "FieldValueInvalid",
  message: `Invalid value: ${JSON.stringify(value)}: ${detail}`,
  field,
});
const required = (field: string, detail?: string): StatusCause => ({
  reason: "FieldValueRequired",
  message: detail ? `Required value: ${detail}` : "Required value",
  field,
});
const unsupported = (field: string, value: unknown, allowed: string[]): StatusCause => ({
  reason: "FieldValueNotSupported",
  message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${allowed.map((a) => `"${a}"`).join(", ")}`,
  field,
});
const forbidden = (field: string, detail: string): StatusCause => ({
  reason: "FieldValueForbidden",
  message: `Forbidden: ${detail}`,
  field,
});
const duplicate = (field: string, value: unknown): StatusCause => ({
  reason: "FieldValueDuplicate",
  message: `Duplicate value: ${JSON.stringify(value)}`,
  field,
});
const immutable = (field: string, value: unknown): StatusCause => ({
  reason: "FieldValueInvalid",
  message: `Invalid value: ${JSON.stringify(value)}: field is immutable`,
  field,
});

function checkMeta(kind: string, meta: Json, out: StatusCause[], prefix = "metadata"): void {
  const name = meta["name"];
  if (prefix === "metadata") {
    if (typeof name !== "string" || name === "") {
      out.push(required(`${prefix}.name`, "name or generateName is required"));
    } else {
      const err =
        kind === "Namespace"
          ? labelError(name)
          : kind === "Service"
            ? dns1035Error(name)
            : subdomainError(name);
      if (err) out.push(invalid(`${prefix}.name`, name, err));
    }
  }
  for (const [k, v] of Object.entries((meta["labels"] ?? {}) as Record<string, string>)) {
    const ke = qualifiedKeyError(k);
    if (ke) out.push(invalid(`${prefix}.labels`, k, ke));
    if (typeof v === "string" && (v.length > 63 || !full(LABEL_VALUE).test(v))) {
      out.push(
        invalid(
          `${prefix}.labels`,
          v,
          `a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '${LABEL_VALUE}')`,
        ),
      );
    }
  }
  for (const k of Object.keys((meta["annotations"] ?? {}) as Record<string, string>)) {
    const ke = qualifiedKeyError(k.toLowerCase());
    if (ke) out.push(invalid(`${prefix}.annotations`, k, ke));
  }
}

function checkPodSpec(
  spec: Json | undefined,
  at: string,
  out: StatusCause[],
  restartPolicies?: string[],
): void {
  const containers = (spec?.["containers"] ?? []) as Json[];
  if (containers.length === 0) out.push(required(`${at}.containers`));
  const names = new Set<string>();
  const all = [
    ...containers.map((c, i) => ({ c, field: `${at}.containers[${i}]` })),
    ...((spec?.["initContainers"] ?? []) as Json[]).map((c, i) => ({
      c,
      field: `${at}.initContainers[${i}]`,
    })),
  ];
  for (const { c, field } of all) {
    const name = c["name"];
    if (typeof name === "string") {
      const err = labelError(name);
      if (err) out.push(invalid(`${field}.name`, name, err));
      if (names.has(name)) out.push(duplicate(`${field}.name`, name));
      names.add(name);
    }
    if (typeof c["image"] !== "string" || c["image"].trim() === "") out.push(required(`${field}.image`));
    for (const [j, e] of ((c["env"] ?? []) as Json[]).entries()) {
      const n = e["name"];
      if (typeof n === "string" && !/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(n)) {
        out.push(
          invalid(
            `${field}.env[${j}].name`,
            n,
            "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit",
          ),
        );
      }
    }
    for (const [j, p] of ((c["ports"] ?? []) as Json[]).entries()) {
      const port = p["containerPort"];
      if (typeof port === "number" && (port < 1 || port > 65535)) {
        out.push(
          invalid(`${field}.ports[${j}].containerPort`, port, "must be between 1 and 65535, inclusive"),
        );
      }
    }
  }
  if (restartPolicies) {
    const rp = spec?.["restartPolicy"];
    if (rp === undefined)
      out.push(
        required(`${at}.restartPolicy`, `valid values: ${restartPolicies.map((r) => `"${r}"`).join(", ")}`),
      );
    else if (!restartPolicies.includes(rp)) out.push(unsupported(`${at}.restartPolicy`, rp, restartPolicies));
  }
}

function checkTemplate(
  template: Json | undefined,
  at: string,
  out: StatusCause[],
  restartPolicies?: string[],
): void {
  if (template?.["metadata"]) checkMeta("", template["metadata"], out, `${at}.metadata`);
  checkPodSpec(template?.["spec"], `${at}.spec`, out, restartPolicies);
}

function checkSelector(spec: Json, out: StatusCause[]): void {
  const selector = spec["selector"] as LabelSelector | undefined;
  if (!selector) {
    out.push(required("spec.selector"));
    return;
  }
  const reqs = selectorRequirements(selector);
  if (reqs.length === 0)
    out.push(invalid("spec.selector", selector, "empty selector is invalid for deployment"));
  const labels = spec["template"]?.["metadata"]?.["labels"] as Record<string, string> | undefined;
  if (!matchesRequirements(labels, reqs)) {
    out.push(
      invalid("spec.template.metadata.labels", labels ?? {}, "`selector` does not match template `labels`"),
    );
  }
}

const CRON_FIELD =
  /^(\*|\?|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(\/\d+)?(,(\*|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(\/\d+)?)*$/;

export function validSchedule(schedule: string): boolean {
  const s = schedule.replace(/^(CRON_)?TZ=\S+\s+/, "").trim();
  if (/^@(yearly|annually|monthly|weekly|daily|midnight|hourly|every \S+)$/.test(s)) return true;
  const fields = s.split(/\s+/);
  return fields.length === 5 && fields.every((f) => CRON_FIELD.test(f));
}

/** Causes of a 422 for an object (and, on update, against the object it replaces). */
export function semanticErrors(kind: string, obj: KObject, old?: KObject): StatusCause[] {
  const out: StatusCause[] = [];
  checkMeta(kind, obj.metadata as Json, out);
  const spec = (obj["spec"] ?? {}) as Json;
  const oldSpec = (old?.["spec"] ?? {}) as Json;
  switch (kind) {
    case "Deployment":
    case "StatefulSet":
    case "ReplicaSet": {
      checkSelector(spec, out);
      checkTemplate(spec["template"], "spec.template", out, ["Always"]);
      if (typeof spec["replicas"] === "number" && spec["replicas"] < 0) {
        out.push(invalid("spec.replicas", spec["replicas"], "must be greater than or equal to 0"));
      }
      if (old && !isDeepStrictEqual(spec["selector"], oldSpec["selector"])) {
        out.push(immutable("spec.selector", spec["selector"]));
      }
      if (kind === "StatefulSet" && old) {
        const mutable = [
          "replicas",
          "ordinals",
          "template",
          "updateStrategy",
          "persistentVolumeClaimRetentionPolicy",
          "minReadySeconds",
        ];
        const strip = (s: Json) =>
          Object.fromEntries(Object.entries(s).filter(([k]) => !mutable.includes(k)));
        if (!isDeepStrictEqual(strip(spec), strip(oldSpec))) {
          out.push(
            forbidden(
              "spec",
              "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
            ),
          );
        }
      }
      break;
    }
    case "Job": {
      checkTemplate(spec["template"], "spec.template", out, ["OnFailure", "Never"]);
      if (old && !isDeepStrictEqual(spec["template"], oldSpec["template"])) {
        out.push(immutable("spec.template", "core.PodTemplateSpec{...}"));
      }
      if (old && !isDeepStrictEqual(spec["selector"], oldSpec["selector"])) {
        out.push(immutable("spec.selector", spec["selector"]));
      }
      break;
    }
    case "CronJob": {
      const schedule = spec["schedule"];
      if (typeof schedule === "string" && !validSchedule(schedule)) {
        out.push(invalid("spec.schedule", schedule, "unparseable cron expression"));
      }
      const tpl = spec["jobTemplate"]?.["spec"]?.["template"];
      checkTemplate(tpl, "spec.jobTemplate.spec.template", out, ["OnFailure", "Never"]);
      break;
    }
    case "Pod":
      checkPodSpec(spec, "spec", out);
      break;
    case "Service": {
      const ports = (spec["ports"] ?? []) as Json[];
      if (spec["type"] !== "ExternalName" && ports.length === 0 && spec["clusterIP"] !== "None") {
        out.push(required("spec.ports"));
      }
      const names = new Set<string>();
      for (const [i, p] of ports.entries()) {
        if (ports.length > 1 && !p["name"]) out.push(required(`spec.ports[${i}].name`));
        if (typeof p["name"] === "string") {
          if (names.has(p["name"])) out.push(duplicate(`spec.ports[${i}].name`, p["name"]));
          names.add(p["name"]);
        }
        if (typeof p["port"] === "number" && (p["port"] < 1 || p["port"] > 65535)) {
          out.push(invalid(`spec.ports[${i}].port`, p["port"], "must be between 1 and 65535, inclusive"));
        }
      }
      if (old && oldSpec["clusterIP"] && spec["clusterIP"] !== oldSpec["clusterIP"]) {
        out.push(immutable("spec.clusterIPs[0]", spec["clusterIP"]));
      }
      break;
    }
    case "ConfigMap":
    case "Secret": {
      for (const field of ["data", "stringData", "binaryData"]) {
        for (const k of Object.keys((obj[field] ?? {}) as Json)) {
          if (!/^[-._a-zA-Z0-9]+$/.test(k) || k.length > 253) {
            out.push(
              invalid(
                `${field}[${k}]`,
                k,
                "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
              ),
            );
          }
        }
      }
      if (old?.["immutable"] === true) {
        for (const field of ["data", "binaryData"]) {
          if (!isDeepStrictEqual(obj[field], old[field]))
            out.push(forbidden(field, "field is immutable when `immutable` is set"));
        }
        if (obj["immutable"] !== true)
          out.push(forbidden("immutable", "field is immutable when `immutable` is set"));
      }
      if (kind === "Secret" && old && obj["type"] !== old["type"]) out.push(immutable("type", obj["type"]));
      break;
    }
    case "PersistentVolumeClaim": {
      if (!Array.isArray(spec["accessModes"]) || spec["accessModes"].length === 0) {
        out.push(required("spec.accessModes", "at least 1 access mode is required"));
      }
      if (spec["resources"]?.["requests"]?.["storage"] === undefined)
        out.push(required("spec.resources[storage]"));
      if (old) {
        const strip = (s: Json) => {
          const { resources: _r, volumeAttributesClassName: _v, volumeName: _n, ...rest } = s;
          return rest;
        };
        if (!isDeepStrictEqual(strip(spec), strip(oldSpec))) {
          out.push(
            forbidden(
              "spec",
              "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims",
            ),
          );
        }
      }
      break;
    }
    case "Ingress": {
      for (const [i, rule] of ((spec["rules"] ?? []) as Json[]).entries()) {
        const host = rule["host"];
        if (typeof host === "string") {
          const err = subdomainError(host.replace(/^\*\./, ""));
          if (err) out.push(invalid(`spec.rules[${i}].host`, host, err));
        }
        for (const [j, p] of ((rule["http"]?.["paths"] ?? []) as Json[]).entries()) {
          const at = `spec.rules[${i}].http.paths[${j}]`;
          if (p["pathType"] === undefined) out.push(required(`${at}.pathType`, "pathType must be specified"));
          else if (!["Exact", "Prefix", "ImplementationSpecific"].includes(p["pathType"])) {
            out.push(
              unsupported(`${at}.pathType`, p["pathType"], ["Exact", "ImplementationSpecific", "Prefix"]),
            );
          }
        }
      }
      break;
    }
  }
  return out;
}
