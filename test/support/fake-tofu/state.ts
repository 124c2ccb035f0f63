import { randomBytes } from "node:crypto";
import type { CtyType } from "./expressions.js";

/** Terraform's state file format, version 4, as the real CLIs write it. */

export interface StateV4 {
  version: 4;
  terraform_version: string;
  serial: number;
  lineage: string;
  outputs: Record<string, { value: unknown; type: CtyType; sensitive?: true }>;
  resources: StateResource[];
  check_results: null;
}

export interface StateResource {
  module?: string;
  mode: "managed";
  type: string;
  name: string;
  provider: string;
  instances: StateInstance[];
}

export interface StateInstance {
  index_key?: number | string;
  status?: "tainted";
  schema_version: number;
  attributes: Record<string, unknown>;
  sensitive_attributes: unknown[];
  dependencies?: string[];
}

/** hashicorp/go-uuid's format: 16 random bytes as 8-4-4-4-12 hex (not an RFC 4122 v4 UUID). */
export function goUuid(): string {
  const h = randomBytes(16).toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function emptyState(version: string): StateV4 {
  return {
    version: 4,
    terraform_version: version,
    serial: 0,
    lineage: goUuid(),
    outputs: {},
    resources: [],
    check_results: null,
  };
}

export function parseState(text: string): StateV4 {
  const s = JSON.parse(text) as StateV4;
  if (s.version !== 4)
    throw new Error(`state version ${String(s.version)} is not supported by the fake (only 4)`);
  return s;
}

export function formatState(s: StateV4): string {
  return `${JSON.stringify(s, null, 2)}\n`;
}

/** Resources in Terraform's order: the root module first, then modules by address; then type and name. */
export function sortResources(rs: StateResource[]): StateResource[] {
  return [...rs].sort((a, b) => {
    const ma = a.module ?? "";
    const mb = b.module ?? "";
    if (ma !== mb) return ma < mb ? -1 : 1;
    if (a.type !== b.type) return a.type < b.type ? -1 : 1;
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
}

/** Instance addresses, as `state list` prints them. */
export function instanceAddresses(s: StateV4): string[] {
  const out: string[] = [];
  for (const r of sortResources(s.resources)) {
    for (const i of r.instances) {
      const key =
        i.index_key === undefined
          ? ""
          : typeof i.index_key === "number"
            ? `[${i.index_key}]`
            : `[${JSON.stringify(i.index_key)}]`;
      out.push(`${r.module ? `${r.module}.` : ""}${r.type}.${r.name}${key}`);
    }
  }
  return out;
}
