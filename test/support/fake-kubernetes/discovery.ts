import { createHash } from "node:crypto";
import type { KubernetesSpecs } from "../kubernetes-spec.js";
import { apiVersionOf, groupVersions, RESOURCE_TYPES } from "./resources.js";

/**
 * Discovery as `kubectl` reads it: `/version`, `/api` (APIVersions), `/apis`
 * (APIGroupList), `/apis/<group>` (APIGroup), `/api/v1` and `/apis/<group>/<version>`
 * (APIResourceList with subresources), and `/openapi/v3` (the index) with each
 * group-version's published document served as it is. Aggregated discovery (v2) is not
 * offered: clients that ask for it get the legacy documents and fall back, as they do
 * with older servers. `/openapi/v2` answers 404, as on a server that has turned it off.
 */
type Json = Record<string, unknown>;

export function versionInfo(gitVersion: string): Json {
  const m = /^v(\d+)\.(\d+)/.exec(gitVersion);
  return {
    major: m?.[1] ?? "1",
    minor: m?.[2] ?? "35",
    emulationMajor: m?.[1] ?? "1",
    emulationMinor: m?.[2] ?? "35",
    minCompatibilityMajor: m?.[1] ?? "1",
    minCompatibilityMinor: String(Math.max(0, Number(m?.[2] ?? 35) - 1)),
    gitVersion,
    gitCommit: "0000000000000000000000000000000000000000",
    gitTreeState: "clean",
    buildDate: "2025-12-17T00:00:00Z",
    goVersion: "go1.25.5",
    compiler: "gc",
    platform: "linux/amd64",
  };
}

export function apiVersions(hostPort: string): Json {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: hostPort }],
  };
}

function group(name: string): Json {
  const versions = groupVersions()
    .filter((gv) => gv.group === name)
    .map((gv) => ({ groupVersion: apiVersionOf(gv), version: gv.version }));
  return { name, versions, preferredVersion: versions[0] };
}

export function apiGroupList(): Json {
  const names = [...new Set(groupVersions().map((gv) => gv.group))].filter((g) => g !== "");
  return { kind: "APIGroupList", apiVersion: "v1", groups: names.map(group) };
}

export function apiGroup(name: string): Json | undefined {
  if (!groupVersions().some((gv) => gv.group === name)) return undefined;
  return { kind: "APIGroup", apiVersion: "v1", ...group(name) };
}

export function apiResourceList(groupName: string, version: string): Json | undefined {
  const types = RESOURCE_TYPES.filter((t) => t.group === groupName && t.version === version);
  if (types.length === 0) return undefined;
  const resources: Json[] = [];
  for (const t of types) {
    resources.push({
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: t.verbs,
      ...(t.shortNames.length > 0 && { shortNames: t.shortNames }),
      ...(t.categories.length > 0 && { categories: t.categories }),
      storageVersionHash: createHash("sha256")
        .update(`${apiVersionOf(t)}/${t.kind}`)
        .digest("base64")
        .slice(0, 11),
    });
    for (const sub of t.subresources) {
      if (sub === "scale") {
        resources.push({
          name: `${t.plural}/scale`,
          singularName: "",
          namespaced: t.namespaced,
          group: "autoscaling",
          version: "v1",
          kind: "Scale",
          verbs: ["get", "patch", "update"],
        });
      } else if (sub === "log") {
        resources.push({
          name: `${t.plural}/log`,
          singularName: "",
          namespaced: t.namespaced,
          kind: "Pod",
          verbs: ["get"],
        });
      } else {
        resources.push({
          name: `${t.plural}/${sub}`,
          singularName: "",
          namespaced: t.namespaced,
          kind: t.kind,
          verbs: ["get"],
        });
      }
    }
  }
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: groupName === "" ? version : `${groupName}/${version}`,
    resources,
  };
}

export function openApiIndex(specs: KubernetesSpecs | undefined): Json {
  const paths: Record<string, Json> = {};
  for (const gv of specs?.groupVersions() ?? []) {
    const hash = createHash("sha512")
      .update(specs!.documentText(gv)!)
      .digest("hex")
      .slice(0, 128)
      .toUpperCase();
    paths[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=${hash}` };
  }
  return { paths };
}
