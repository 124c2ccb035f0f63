import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { loadModule, type ModuleCall, type ModuleConfig, openBrace } from "./config.js";
import { currentFlavor, type Diagnostic, DiagnosticsError, FLAVORS, type Flavor, type Ui } from "./ui.js";

/**
 * The module tree. `init` installs module calls: local sources (`./…`) are read in place;
 * registry (`ns/name/provider`) and other remote sources (`git::…`) come from the test's
 * catalogue (`FAKE_TOFU_MODULES`) and are written to `.terraform/modules/<key>/`, with
 * `.terraform/modules/modules.json` as the real CLI keeps it. Later commands read that
 * manifest, as the real ones do.
 */

export interface ModuleNode {
  /** `""` for the root, `infra`, `infra.network`: the manifest's key. */
  key: string;
  /** `""` for the root, `module.infra`, `module.infra.module.network`. */
  addr: string;
  config: ModuleConfig;
  call: ModuleCall | undefined;
  parent: ModuleNode | undefined;
  children: Map<string, ModuleNode>;
}

export interface ManifestEntry {
  Key: string;
  Source: string;
  Version?: string;
  Dir: string;
}

/** A saved configuration: the manifest and every module file's text (what a plan file keeps). */
export interface ConfigSnapshot {
  manifest: ManifestEntry[];
  files: Record<string, string>;
}

const MANIFEST = ".terraform/modules/modules.json";
const REGISTRY =
  /^(?:([a-z0-9.-]+\.[a-z]{2,})\/)?([A-Za-z0-9][A-Za-z0-9_-]*)\/([A-Za-z0-9][A-Za-z0-9_-]*)\/([a-z0-9]+)(?:\/\/(.*))?$/;

type Catalogue = Record<string, unknown>;

function readCatalogue(file: string | undefined): Catalogue {
  if (!file) return {};
  return JSON.parse(readFileSync(file, "utf8")) as Catalogue;
}

function isLocal(source: string): boolean {
  return source.startsWith("./") || source.startsWith("../");
}

/** Installs every module call, recursively; returns the tree. */
export function installModules(
  root: ModuleConfig,
  ui: Ui,
  flavor: Flavor,
  catalogueFile: string | undefined,
): ModuleNode {
  const catalogue = readCatalogue(catalogueFile);
  const manifest: ManifestEntry[] = [{ Key: "", Source: "", Dir: "." }];
  const tree = node("", "", root, undefined, undefined);
  if (root.calls.size) ui.initStep("initializing_modules_message", "Initializing modules...");
  const diags: Diagnostic[] = [];
  const visit = (parent: ModuleNode) => {
    for (const call of parent.config.calls.values()) {
      const key = parent.key ? `${parent.key}.${call.name}` : call.name;
      const context = `module.${call.name}`;
      let entry: ManifestEntry | undefined;
      if (isLocal(call.source)) {
        if (call.version !== undefined) {
          diags.push({
            severity: "error",
            summary: "Invalid registry module source address",
            detail: `Failed to parse module registry address: can't use local directory "${call.source}" as a module registry address.\n\n${FLAVORS[flavor].product} assumed that you intended a module registry source address because you also set the argument "version", which applies only to registry modules.`,
            range: call.sourceNode.range,
            context,
          });
          continue;
        }
        const dir = path.normalize(path.join(parent.config.dir, call.source));
        if (!existsSync(dir)) {
          diags.push({
            severity: "error",
            summary: "Unreadable module directory",
            detail: `The directory ${dir} does not exist or cannot be read.`,
            range: call.sourceNode.range,
            context,
          });
          continue;
        }
        entry = { Key: key, Source: call.source, Dir: dir };
        ui.log(`- ${key} in ${dir}`);
      } else {
        const found = fromCatalogue(catalogue, call);
        const registry = REGISTRY.exec(call.source);
        const display = registry
          ? `${registry[1] ?? FLAVORS[flavor].registry}/${registry[2]}/${registry[3]}/${registry[4]}`
          : splitSubdir(call.source).base;
        const where = `${call.name} (${call.range.filename}:${call.range.start.line})`;
        if (!found) {
          const why = `the fake ${FLAVORS[flavor].cli} has no network, and FAKE_TOFU_MODULES has no entry for "${call.source}"${call.version ? ` version "${call.version}"` : ""}`;
          diags.push(
            registry
              ? {
                  severity: "error",
                  summary: "Error accessing remote module registry",
                  detail: `Failed to retrieve available versions for module "${where.replace(/ \(/, '" (')} from ${registry[1] ?? FLAVORS[flavor].registry}: ${why}.`,
                  range: openBrace(call.range),
                  context: "module",
                }
              : {
                  severity: "error",
                  summary: "Failed to download module",
                  detail: `Could not download module "${where.replace(/ \(/, '" (')} source code from "${display}": ${why}.`,
                  range: openBrace(call.range),
                  context: "module",
                },
          );
          continue;
        }
        ui.log(`Downloading ${display}${found.version ? ` ${found.version}` : ""} for ${key}...`);
        const sub = registry ? registry[5] : splitSubdir(call.source).sub;
        const base = path.join(".terraform/modules", key);
        const dir = sub ? path.join(base, sub) : base;
        rmSync(base, { recursive: true, force: true });
        mkdirSync(dir, { recursive: true });
        writeFileSync(path.join(dir, "main.tf.json"), `${JSON.stringify(found.module, null, 2)}\n`);
        entry = { Key: key, Source: registry ? display : call.source, Dir: dir };
        if (found.version) entry.Version = found.version;
        ui.log(`- ${key} in ${dir}`);
      }
      manifest.push(entry);
      let child: ModuleConfig;
      try {
        child = loadModule(entry.Dir);
      } catch (err) {
        if (err instanceof DiagnosticsError) {
          diags.push(...err.diagnostics);
          continue;
        }
        throw err;
      }
      const c = node(
        key,
        parent.addr ? `${parent.addr}.module.${call.name}` : `module.${call.name}`,
        child,
        call,
        parent,
      );
      parent.children.set(call.name, c);
      visit(c);
    }
  };
  visit(tree);
  if (diags.length) throw new DiagnosticsError(diags);
  mkdirSync(path.dirname(MANIFEST), { recursive: true });
  writeFileSync(MANIFEST, JSON.stringify({ Modules: manifest }));
  return tree;
}

/** `git::https://host/repo.git//sub?ref=v1` → base `git::https://host/repo.git?ref=v1`, sub `sub`. */
function splitSubdir(src: string): { base: string; sub: string | undefined } {
  const scheme = src.indexOf("://");
  const q = src.indexOf("?");
  const pathPart = q >= 0 ? src.slice(0, q) : src;
  const query = q >= 0 ? src.slice(q) : "";
  const i = pathPart.indexOf("//", scheme >= 0 ? scheme + 3 : 0);
  if (i < 0) return { base: src, sub: undefined };
  return { base: pathPart.slice(0, i) + query, sub: pathPart.slice(i + 2) };
}

function node(
  key: string,
  addr: string,
  config: ModuleConfig,
  call: ModuleCall | undefined,
  parent: ModuleNode | undefined,
): ModuleNode {
  return { key, addr, config, call, parent, children: new Map() };
}

/** `source@version` (the highest version meeting the call's constraint), else `source`. */
function fromCatalogue(c: Catalogue, call: ModuleCall): { module: unknown; version?: string } | undefined {
  const registry = REGISTRY.test(call.source);
  const candidates = Object.keys(c)
    .filter((k) => k.startsWith(`${call.source}@`))
    .map((k) => k.slice(call.source.length + 1))
    .filter((v) => !call.version || meets(v, call.version))
    .sort(compareVersions);
  const best = candidates.at(-1);
  if (best) return { module: c[`${call.source}@${best}`], version: best };
  if (call.source in c) {
    const version = registry ? (call.version?.replace(/^[=v ]+/, "") ?? "0.0.0") : undefined;
    return { module: c[call.source], ...(version && /^[0-9.]+$/.test(version) && { version }) };
  }
  return undefined;
}

function parseVersion(v: string): number[] {
  return v
    .replace(/^v/, "")
    .split(/[.-]/)
    .map((x) => Number.parseInt(x, 10) || 0);
}

function compareVersions(a: string, b: string): number {
  const pa = parseVersion(a);
  const pb = parseVersion(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

/** Version constraints: `=`, `!=`, `>`, `>=`, `<`, `<=`, `~>`, comma-separated. */
export function meets(version: string, constraint: string): boolean {
  return constraint.split(",").every((part) => {
    const m = /^\s*(=|!=|>=|<=|>|<|~>)?\s*v?([0-9][0-9A-Za-z.-]*)\s*$/.exec(part);
    if (!m) return false;
    const op = m[1] ?? "=";
    const c = compareVersions(version, m[2]!);
    switch (op) {
      case "=":
        return c === 0;
      case "!=":
        return c !== 0;
      case ">":
        return c > 0;
      case ">=":
        return c >= 0;
      case "<":
        return c < 0;
      case "<=":
        return c <= 0;
      default: {
        const parts = parseVersion(m[2]!);
        const upper =
          parts.length > 1 ? [...parts.slice(0, -2), (parts.at(-2) ?? 0) + 1] : [(parts[0] ?? 0) + 1];
        return c >= 0 && compareVersions(version, upper.join(".")) < 0;
      }
    }
  });
}

/** The installed tree (from the working directory's manifest, or a saved plan's snapshot). */
export function loadTree(root: ModuleConfig, snapshot?: ConfigSnapshot): ModuleNode {
  const manifest =
    snapshot?.manifest ??
    (existsSync(MANIFEST)
      ? (JSON.parse(readFileSync(MANIFEST, "utf8")) as { Modules: ManifestEntry[] }).Modules
      : []);
  const byKey = new Map(manifest.map((m) => [m.Key, m]));
  const tree = node("", "", root, undefined, undefined);
  const diags: Diagnostic[] = [];
  const visit = (parent: ModuleNode) => {
    for (const call of parent.config.calls.values()) {
      const key = parent.key ? `${parent.key}.${call.name}` : call.name;
      const entry = byKey.get(key);
      const changed = entry && isLocal(call.source) ? entry.Source !== call.source : false;
      if (!entry || changed || (!snapshot && !existsSync(entry.Dir))) {
        diags.push({
          severity: "error",
          summary: changed ? "Module source has changed" : "Module not installed",
          detail: changed
            ? `The source address was changed since this module was installed. Run "${cliName()} init" to install all modules required by this configuration.`
            : `This module is not yet installed. Run "${cliName()} init" to install all modules required by this configuration.`,
          range: call.sourceNode.range,
          context: `module.${call.name}`,
        });
        continue;
      }
      const files = snapshot
        ? Object.fromEntries(
            Object.entries(snapshot.files).filter(([f]) => path.dirname(f) === path.normalize(entry.Dir)),
          )
        : undefined;
      const child = loadModule(entry.Dir, files);
      const c = node(
        key,
        parent.addr ? `${parent.addr}.module.${call.name}` : `module.${call.name}`,
        child,
        call,
        parent,
      );
      parent.children.set(call.name, c);
      visit(c);
    }
  };
  visit(tree);
  if (diags.length) throw new DiagnosticsError(diags);
  return tree;
}

function cliName(): string {
  return currentFlavor().cli;
}

export function snapshotOf(tree: ModuleNode): ConfigSnapshot {
  const manifest: ManifestEntry[] = [];
  const files: Record<string, string> = {};
  const visit = (n: ModuleNode) => {
    manifest.push({ Key: n.key, Source: n.call?.source ?? "", Dir: n.config.dir });
    Object.assign(files, n.config.files);
    for (const c of n.children.values()) visit(c);
  };
  visit(tree);
  return { manifest, files };
}

/** Terraform's CheckCoreVersionRequirements: every module's `required_version` must admit this version. */
export function checkCoreVersion(tree: ModuleNode): void {
  const f = currentFlavor();
  const diags: Diagnostic[] = [];
  for (const m of walk(tree)) {
    for (const rv of m.config.requiredVersions) {
      if (meets(f.version, rv.constraint)) continue;
      diags.push({
        severity: "error",
        summary: `Unsupported ${f.product} Core version`,
        detail: `This configuration does not support ${f.product} version ${f.version}. To proceed, either choose another supported ${f.product} version or update this version constraint. Version constraints are normally set for good reason, so updating the constraint may lead to other errors or unexpected behavior.`,
        range: rv.range,
        context: "terraform",
      });
    }
  }
  if (diags.length) throw new DiagnosticsError(diags);
}

export function* walk(tree: ModuleNode): Generator<ModuleNode> {
  yield tree;
  for (const c of tree.children.values()) yield* walk(c);
}
