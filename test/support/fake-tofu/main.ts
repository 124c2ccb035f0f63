import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { applyPlan, checkStale, outputsMessage } from "./apply.js";
import {
  type BackendConfig,
  backendAttributes,
  openStore,
  resolveBackend,
  type StateStore,
} from "./backends.js";
import { loadModule, type ModuleConfig } from "./config.js";
import { type ControlFile, readControl, recordExit, recordStart } from "./control.js";
import { rootVariables, validate } from "./evaluate.js";
import { checkCoreVersion, installModules, loadTree, type ModuleNode, snapshotOf, walk } from "./modules.js";
import {
  hasChanges,
  makePlan,
  readPlanFile,
  reportPlan,
  reportPlannedChanges,
  writePlanFile,
} from "./plan.js";
import { planJson, stateValues } from "./plan-json.js";
import { providerFor } from "./providers.js";
import { instanceAddresses, type StateV4 } from "./state.js";
import { type Diagnostic, DiagnosticsError, FLAVORS, type Flavor, fail, goEscape, Ui } from "./ui.js";

/**
 * The fake `tofu` / `terraform` executable (started by `bin/tofu` or `bin/terraform`):
 * `version`, `init`, `plan`, `apply`, `destroy`, `show -json`, `output`, `state list`
 * and `force-unlock`, with the real CLI's flags, messages and exit codes. See
 * docs/fake-tofu.md.
 */

const flavor: Flavor = process.env.FAKE_TOFU_FLAVOR === "terraform" ? "terraform" : "tofu";
const F = FLAVORS[flavor];
const controlFile = process.env.FAKE_TOFU_CONTROL;

interface Flags {
  bools: Set<string>;
  values: Map<string, string[]>;
  positional: string[];
}

const BOOL_FLAGS = new Set([
  "json",
  "auto-approve",
  "destroy",
  "detailed-exitcode",
  "no-color",
  "upgrade",
  "reconfigure",
  "migrate-state",
  "force-copy",
  "input",
  "refresh",
  "lock",
  "force",
  "raw",
  "backend",
  "get",
  "compact-warnings",
]);
const VALUE_FLAGS = new Set([
  "out",
  "lock-timeout",
  "var",
  "backend-config",
  "parallelism",
  "state",
  "plugin-dir",
  "lockfile",
]);

function parseFlags(args: string[]): Flags {
  const flags: Flags = { bools: new Set(), values: new Map(), positional: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith("-") || a === "-") {
      flags.positional.push(a);
      continue;
    }
    const [rawName, inline] = a.replace(/^--?/, "").split(/=(.*)/s, 2) as [string, string | undefined];
    if (BOOL_FLAGS.has(rawName)) {
      if (inline === undefined || inline === "true" || inline === "1") flags.bools.add(rawName);
      else if (inline === "false" || inline === "0") flags.bools.add(`no-${rawName}`);
      continue;
    }
    if (VALUE_FLAGS.has(rawName)) {
      const v = inline ?? args[++i];
      if (v === undefined) usage(`flag needs an argument: -${rawName}`);
      flags.values.set(rawName, [...(flags.values.get(rawName) ?? []), v]);
      continue;
    }
    if (rawName === "target" || rawName === "replace" || rawName === "var-file") {
      fail(
        `The fake does not implement -${rawName}`,
        "See docs/fake-tofu.md for what test/support/fake-tofu implements.",
      );
    }
    usage(`flag provided but not defined: -${rawName}`);
  }
  return flags;
}

function usage(message: string): never {
  fail("Failed to parse command-line flags", message);
}

/** `-lock-timeout=30s` (Go durations: ms, s, m, h). */
function lockTimeoutMs(flags: Flags): number {
  const v = flags.values.get("lock-timeout")?.at(-1);
  if (!v) return 0;
  let total = 0;
  const re = /([0-9.]+)(ms|s|m|h)/g;
  let matched = "";
  for (let m = re.exec(v); m; m = re.exec(v)) {
    matched += m[0];
    total += Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as "ms" | "s" | "m" | "h"];
  }
  if (matched !== v && v !== "0") usage(`invalid value "${v}" for flag -lock-timeout: parse error`);
  return total;
}

function cliVars(flags: Flags): Map<string, string> {
  const out = new Map<string, string>();
  for (const kv of flags.values.get("var") ?? []) {
    const i = kv.indexOf("=");
    if (i < 0)
      fail(
        "Invalid -var option",
        `The given -var option "${kv}" is not correctly specified. It must be a variable name and value separated an equals sign, like -var="key=value".`,
      );
    out.set(kv.slice(0, i), kv.slice(i + 1));
  }
  return out;
}

const BACKEND_STATE = ".terraform/terraform.tfstate";

function backendOverrides(flags: Flags): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of flags.values.get("backend-config") ?? []) {
    const i = kv.indexOf("=");
    if (i < 0)
      fail(
        "Invalid backend configuration argument",
        `The -backend-config=... argument "${kv}" is not a key=value pair (backend configuration files are not implemented by the fake).`,
      );
    out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

/** The backend to use after `init`: the configuration's, which must match what init recorded. */
function initializedBackend(root: ModuleConfig): BackendConfig {
  const cfg = resolveBackend(root.backend, flavor, process.env);
  if (!root.backend) return cfg;
  type Recorded = { backend?: { type: string; config: Record<string, unknown>; hash: number } };
  const recorded = existsSync(BACKEND_STATE)
    ? (JSON.parse(readFileSync(BACKEND_STATE, "utf8")) as Recorded).backend
    : undefined;
  const reason = !recorded
    ? `Initial configuration of the requested backend "${cfg.type}"`
    : recorded.type !== cfg.type ||
        Object.entries(cfg.block).some(
          ([k, v]) => JSON.stringify(recorded.config[k] ?? null) !== JSON.stringify(v),
        )
      ? "Backend configuration block has changed"
      : undefined;
  if (reason || !recorded) {
    fail(
      `Backend initialization required, please run "${F.cli} init"`,
      `Reason: ${reason}\n\nThe "backend" is the interface that ${F.product} uses to store state,\nperform operations, etc. If this message is showing up, it means that the\n${F.product} configuration you're using is using a custom configuration for\nthe ${F.product} backend.\n\nChanges to backend configurations require reinitialization. This allows\n${F.product} to set up the new configuration, copy existing state, etc. Please run\n"${F.cli} init" with either the "-reconfigure" or "-migrate-state" flags to\nuse the current configuration.\n\nIf the change reason above is incorrect, please verify your configuration\nhasn't changed and try again. At this point, no changes to your existing\nconfiguration or state have been made.`,
    );
  }
  // -backend-config values given to init are kept in the record (in clear, as the real CLI keeps them).
  for (const [k, v] of Object.entries(recorded.config))
    if (v !== null && !(k in cfg.block)) cfg.settings[k] = v;
  return cfg;
}

function hashOf(block: Record<string, unknown>): number {
  let h = 0;
  for (const c of JSON.stringify(block)) h = (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0;
  return h;
}

class Command {
  store: StateStore | undefined;
  locked = false;

  constructor(
    readonly ui: Ui,
    readonly flags: Flags,
    readonly control: ControlFile,
  ) {}

  async open(cfg: BackendConfig): Promise<StateStore> {
    this.store = await openStore(cfg, flavor, this.control.cloudStateDir);
    return this.store;
  }

  async lock(operation: string): Promise<void> {
    if (this.flags.bools.has("no-lock")) return;
    await this.store!.lock(operation, lockTimeoutMs(this.flags), this.ui);
    this.locked = true;
  }

  async close(): Promise<void> {
    if (this.locked) await this.store?.unlock().catch(() => {});
    await this.store?.close();
  }

  /** The configuration in the working directory, installed by `init`. */
  configuration(): { root: ModuleConfig; tree: ModuleNode } {
    const root = loadModule(".");
    if (!Object.keys(root.files).length) {
      fail(
        "No configuration files",
        `Plan requires configuration to be present. Planning without a configuration would mark everything for destruction, which is normally not what is desired. If you would like to destroy everything, run plan with the -destroy option. Otherwise, create a ${F.product} configuration file (.tf.json file) and try again.`,
      );
    }
    const tree = loadTree(root);
    checkCoreVersion(tree);
    return { root, tree };
  }
}

async function init(cmd: Command): Promise<number> {
  const { ui, flags } = cmd;
  let root: ModuleConfig;
  try {
    root = loadModule(".");
  } catch (err) {
    if (!(err instanceof DiagnosticsError)) throw err;
    if (err.diagnostics.every((d) => d.moduleCall)) {
      ui.initStep("initializing_modules_message", "Initializing modules...");
      throw err;
    }
    throw new DiagnosticsError([...err.diagnostics, initConfigError()]);
  }
  if (!Object.keys(root.files).length) {
    ui.initStep("output_init_empty_message", `${F.product} initialized in an empty directory!`);
    return 0;
  }
  if (!flags.bools.has("no-backend")) {
    ui.initStep("initializing_backend_message", "Initializing the backend...");
    const cfg = resolveBackend(root.backend, flavor, process.env);
    const overrides = backendOverrides(flags);
    Object.assign(cfg.settings, overrides);
    const store = await cmd.open(cfg);
    await store.read();
    if (root.backend) {
      const config: Record<string, unknown> = {};
      for (const k of backendAttributes(cfg.type, flavor)) config[k] = cfg.block[k] ?? overrides[k] ?? null;
      const previous = existsSync(BACKEND_STATE) ? readFileSync(BACKEND_STATE, "utf8") : "";
      const record = {
        version: 3,
        terraform_version: F.version,
        backend: { type: cfg.type, config, hash: hashOf(cfg.block) },
      };
      const text = JSON.stringify(record, null, 2);
      if (previous !== text) {
        mkdirSync(".terraform", { recursive: true });
        writeFileSync(BACKEND_STATE, text);
        const said = `Successfully configured the backend "${cfg.type}"! ${F.product} will automatically\nuse this backend unless the backend configuration changes.`;
        if (ui.json && flavor === "tofu") ui.log(said.replace("\n", " "));
        else ui.raw(ui.color ? `\x1b[0m\x1b[32m\n${said}\x1b[0m\n` : `\n${said}\n`);
      }
    }
  }
  const tree = flags.bools.has("no-get")
    ? loadTree(root)
    : installModules(root, ui, flavor, process.env.FAKE_TOFU_MODULES);
  checkCoreVersion(tree);
  ui.initStep("initializing_provider_plugin_message", "Initializing provider plugins...");
  installProviders(tree, ui);
  ui.initStep("output_init_success_message", `${F.product} has been successfully initialized!`);
  return 0;
}

function initConfigError(): Diagnostic {
  const text = `${F.product} encountered problems during initialisation, including problems\nwith the configuration, described below.\n\nThe ${F.product} configuration must be valid before initialization so that\n${F.product} can determine which modules and providers need to be installed.`;
  return { severity: "error", summary: text, detail: "" };
}

/** Pretends to install providers: version from the constraint; `.terraform.lock.hcl` as the real one lists them. */
function installProviders(tree: ModuleNode, ui: Ui): void {
  const wanted = new Map<string, string | undefined>();
  for (const m of walk(tree)) {
    for (const [local, rp] of m.config.requiredProviders) {
      const p = providerFor(`${local}_x`, m.config.requiredProviders, flavor);
      if (!wanted.has(p.fqn) || rp.version) wanted.set(p.fqn, rp.version);
    }
    for (const r of m.config.resources.values()) {
      const p = providerFor(
        r.type,
        m.config.requiredProviders.size ? m.config.requiredProviders : tree.config.requiredProviders,
        flavor,
      );
      if (!wanted.has(p.fqn)) wanted.set(p.fqn, undefined);
    }
  }
  const lock: string[] = [];
  for (const [fqn, constraint] of [...wanted].sort()) {
    if (fqn === "terraform.io/builtin/terraform") {
      ui.log(`${fqn} is built in to ${F.product}`);
      continue;
    }
    const short = fqn.split("/").slice(1).join("/");
    const version =
      /([0-9]+(\.[0-9]+)*)/
        .exec(constraint ?? "")?.[1]
        ?.split(".")
        .concat(["0", "0"])
        .slice(0, 3)
        .join(".") ?? "1.0.0";
    ui.log(
      constraint
        ? `Finding matching versions for provider: ${short}, version_constraint: ${JSON.stringify(constraint)}`
        : `${short}: Finding latest version...`,
    );
    const cache = process.env.TF_PLUGIN_CACHE_DIR;
    const cached = cache ? path.join(cache, fqn, version, "linux_amd64") : undefined;
    if (cached && existsSync(cached)) ui.log(`${short} v${version}: Using from the shared cache directory`);
    else {
      ui.log(`Installing provider version: ${short} v${version}...`);
      ui.log(`Installed provider version: ${short} v${version} (signed by a fake, test/support/fake-tofu)`);
      if (cached) {
        mkdirSync(cached, { recursive: true });
        writeFileSync(
          path.join(cached, "FAKE-TOFU-PROVIDER"),
          "installed by test/support/fake-tofu; nothing runs\n",
        );
      }
    }
    lock.push(
      `provider "${fqn}" {\n  version     = "${version}"\n${constraint ? `  constraints = ${JSON.stringify(constraint)}\n` : ""}  hashes = [\n    "h1:fake-tofu-${short.replace("/", "-")}-${version}=",\n  ]\n}\n`,
    );
  }
  if (lock.length) {
    const text = `# This file is maintained automatically by "${F.cli} init".\n# Manual edits may be lost in future updates.\n\n${lock.join("\n")}`;
    const had = existsSync(".terraform.lock.hcl");
    writeFileSync(".terraform.lock.hcl", text);
    if (!had && ui.json && flavor === "terraform") {
      ui.initStep(
        "lock_info",
        `${F.product} has created a lock file .terraform.lock.hcl to record the provider\nselections it made above. Include this file in your version control repository\nso that ${F.product} can guarantee to make the same selections by default when\nyou run "${F.cli} init" in the future.`,
      );
    }
  }
}

async function plan(cmd: Command): Promise<number> {
  const { ui, flags } = cmd;
  const { root, tree } = cmd.configuration();
  const graph = validate(tree);
  const vars = rootVariables(tree, cliVars(flags), process.env);
  const store = await cmd.open(initializedBackend(root));
  await cmd.lock("OperationTypePlan");
  const state = await store.read();
  const p = makePlan(tree, graph, state, vars, ui, flavor, snapshotOf(tree), {
    destroy: flags.bools.has("destroy"),
    refresh: !flags.bools.has("no-refresh"),
  });
  reportPlan(p, ui);
  const out = flags.values.get("out")?.at(-1);
  if (out) writePlanFile(out, p);
  return flags.bools.has("detailed-exitcode") && hasChanges(p) ? 2 : 0;
}

async function apply(cmd: Command, destroy: boolean): Promise<number> {
  const { ui, flags } = cmd;
  const planFile = destroy ? undefined : cmd.flags.positional[0];
  let tree: ModuleNode;
  let root: ModuleConfig;
  let saved = planFile ? readPlanFile(planFile) : undefined;
  if (saved) {
    const rootFiles = Object.fromEntries(
      Object.entries(saved.config.files).filter(([f]) => path.dirname(f) === "."),
    );
    root = loadModule(".", rootFiles);
    tree = loadTree(root, saved.config);
  } else {
    ({ root, tree } = cmd.configuration());
    if (!flags.bools.has("auto-approve")) {
      fail(
        "No approval",
        `The fake ${F.cli} cannot ask for approval: pass -auto-approve, or apply a saved plan.`,
      );
    }
  }
  const graph = validate(tree);
  const store = await cmd.open(initializedBackend(root));
  await cmd.lock("OperationTypeApply");
  const state = await store.read();
  if (saved) {
    checkStale(saved, state);
    reportPlannedChanges(saved, ui);
  } else {
    const vars = rootVariables(tree, cliVars(flags), process.env);
    saved = makePlan(tree, graph, state, vars, ui, flavor, snapshotOf(tree), {
      destroy: destroy || flags.bools.has("destroy"),
      refresh: !flags.bools.has("no-refresh"),
    });
    reportPlan(saved, ui);
  }
  const parallelism = Number(flags.values.get("parallelism")?.at(-1) ?? 10);
  const result = await applyPlan(saved, tree, graph, store, state, ui, cmd.control, controlFile, parallelism);
  if (result.diagnostics.length) throw new DiagnosticsError(result.diagnostics);
  const c = result.counts;
  // `destroy` says "Destroy complete!"; applying a saved -destroy plan says "Apply complete!".
  const isDestroy = destroy;
  const text = isDestroy
    ? `Destroy complete! Resources: ${c.remove} destroyed.`
    : `Apply complete! Resources: ${c.add} added, ${c.change} changed, ${c.remove} destroyed.`;
  if (ui.json) {
    ui.message("info", text, {
      type: "change_summary",
      changes: {
        add: c.add,
        change: c.change,
        import: 0,
        remove: c.remove,
        operation: isDestroy ? "destroy" : "apply",
      },
    });
  } else ui.print(`\n${text}\n`);
  if (!isDestroy) outputsMessage((await store.read())?.outputs ?? {}, ui);
  return 0;
}

async function readState(cmd: Command): Promise<StateV4 | null> {
  const root = loadModule(".");
  const store = await cmd.open(initializedBackend(root));
  return store.read();
}

async function output(cmd: Command): Promise<number> {
  const { ui, flags } = cmd;
  const state = await readState(cmd);
  const outputs = state?.outputs ?? {};
  const name = flags.positional[0];
  if (name) {
    const o = outputs[name];
    if (!o) {
      fail(
        `Output "${name}" not found`,
        `The output variable requested could not be found in the state file. If you recently added this to your configuration, be sure to run \`${F.cli} apply\`, since the state won't be updated with new output variables until that command is run.`,
      );
    }
    if (flags.bools.has("raw")) ui.print(String(o.value));
    else ui.print(`${goEscape(JSON.stringify(o.value, null, flags.bools.has("json") ? 0 : 2))}\n`);
    return 0;
  }
  if (flags.bools.has("json")) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(outputs).sort()) {
      const o = outputs[k]!;
      out[k] = { sensitive: !!o.sensitive, type: o.type, value: o.value };
    }
    ui.print(`${goEscape(JSON.stringify(out, null, 2))}\n`);
    return 0;
  }
  if (!Object.keys(outputs).length) {
    ui.diagnostics([
      {
        severity: "warning",
        summary: "No outputs found",
        detail: `The state file either has no outputs defined, or all the defined outputs are empty. Please define an output in your configuration with the \`output\` keyword and run \`${F.cli} refresh\` for it to become available. If you are using interpolation, please verify the interpolated value is not empty. You can use the \`${F.cli} console\` command to assist.`,
      },
    ]);
    return 0;
  }
  for (const k of Object.keys(outputs).sort()) {
    const o = outputs[k]!;
    ui.print(`${k} = ${o.sensitive ? "<sensitive>" : JSON.stringify(o.value, null, 2)}\n`);
  }
  return 0;
}

async function stateCommand(cmd: Command): Promise<number> {
  const sub = cmd.flags.positional[0];
  if (sub !== "list")
    fail(`The fake does not implement "state ${sub ?? ""}"`, 'Only "state list" is implemented.');
  const state = await readState(cmd);
  const filters = cmd.flags.positional.slice(1);
  for (const a of state ? instanceAddresses(state) : []) {
    if (!filters.length || filters.some((f) => a === f || a.startsWith(`${f}.`) || a.startsWith(`${f}[`)))
      cmd.ui.print(`${a}\n`);
  }
  return 0;
}

async function forceUnlock(cmd: Command): Promise<number> {
  const { ui, flags } = cmd;
  const id = flags.positional[0];
  if (!id)
    fail(
      "Missing lock ID",
      `Expected a single argument: LOCK_ID\n\nUsage: ${F.cli} [global options] force-unlock LOCK_ID`,
    );
  if (!flags.bools.has("force")) fail("Confirmation required", `The fake ${F.cli} cannot ask: pass -force.`);
  const root = loadModule(".");
  const store = await cmd.open(initializedBackend(root));
  try {
    await store.forceUnlock(id);
  } catch (err) {
    if (err instanceof DiagnosticsError) {
      const d = err.diagnostics[0]!;
      ui.print("");
      process.stderr.write(
        ui.colored(`${d.summary}: ${d.detail}`, "\x1b[31m") + (ui.color ? "\x1b[0m" : "") + "\n",
      );
      return 1;
    }
    throw err;
  }
  const head = `${F.product} state has been successfully unlocked!`;
  const body = `\n\nThe state has been unlocked, and ${F.product} commands should now be able to\nobtain a new lock on the remote state.`;
  ui.print(ui.color ? `\x1b[0m\x1b[1m\x1b[32m${head}\x1b[0m\x1b[32m${body}\x1b[0m\n` : `${head}${body}\n`);
  return 0;
}

async function show(cmd: Command): Promise<number> {
  const { ui, flags } = cmd;
  if (!flags.bools.has("json")) fail("The fake implements show -json only", "Pass -json.");
  const file = flags.positional[0];
  if (file) {
    const p = readPlanFile(file);
    const rootFiles = Object.fromEntries(
      Object.entries(p.config.files).filter(([f]) => path.dirname(f) === "."),
    );
    const tree = loadTree(loadModule(".", rootFiles), p.config);
    ui.print(`${goEscape(JSON.stringify(planJson(p, tree)))}\n`);
    return 0;
  }
  const state = await readState(cmd);
  const out =
    state?.resources.length || Object.keys(state?.outputs ?? {}).length
      ? {
          format_version: "1.0",
          terraform_version: state!.terraform_version,
          values: stateValues(state!, flavor),
        }
      : { format_version: "1.0" };
  ui.print(`${goEscape(JSON.stringify(out))}\n`);
  return 0;
}

function version(ui: Ui, flags: Flags): number {
  if (flags.bools.has("json")) {
    const out =
      flavor === "terraform"
        ? {
            terraform_version: F.version,
            platform: "linux_amd64",
            provider_selections: {},
            terraform_outdated: false,
          }
        : { terraform_version: F.version, platform: "linux_amd64", provider_selections: {} };
    ui.print(`${JSON.stringify(out, null, 2)}\n`);
  } else ui.print(`${F.product} v${F.version}\non linux_amd64\n`);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  let args = [...argv];
  while (args[0]?.startsWith("-chdir=")) {
    process.chdir(args[0].slice("-chdir=".length));
    args = args.slice(1);
  }
  const [command = "", ...rest] = args;
  const wantsJson = rest.includes("-json") || rest.includes("--json");
  const ui = new Ui(
    flavor,
    wantsJson && ["init", "plan", "apply", "destroy"].includes(command),
    !rest.includes("-no-color"),
  );
  const control = readControl(controlFile);
  const inv = recordStart(control, argv);
  let cmd: Command | undefined;
  let code = 1;
  try {
    if (["init", "plan", "apply", "destroy"].includes(command)) ui.version();
    cmd = new Command(ui, parseFlags(rest), control);
    switch (command) {
      case "version":
      case "-version":
      case "--version":
      case "-v":
        code = version(ui, cmd.flags);
        break;
      case "init":
        code = await init(cmd);
        break;
      case "plan":
        code = await plan(cmd);
        break;
      case "apply":
      case "destroy":
        code = await apply(cmd, command === "destroy");
        break;
      case "output":
        code = await output(cmd);
        break;
      case "state":
        code = await stateCommand(cmd);
        break;
      case "force-unlock":
        code = await forceUnlock(cmd);
        break;
      case "show":
        code = await show(cmd);
        break;
      default:
        process.stderr.write(
          `${F.product} has no command named "${command}".\n\nTo see all of ${F.product}'s top-level commands, run:\n  ${F.cli} -help\n\n`,
        );
        code = 1;
    }
  } catch (err) {
    ui.diagnostics(
      err instanceof DiagnosticsError
        ? err.diagnostics
        : [
            {
              severity: "error",
              summary: "Internal error in the fake",
              detail: `test/support/fake-tofu failed: ${(err as Error).stack ?? String(err)}`,
            },
          ],
    );
    code = 1;
  } finally {
    await cmd?.close().catch(() => {});
    recordExit(control, inv, code);
  }
  return code;
}

process.exitCode = await main(process.argv.slice(2));
