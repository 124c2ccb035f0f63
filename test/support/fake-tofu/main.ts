import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { applyPlan, checkStale, outputsMessage } from "./apply.js";
import { currentWorkspace, PgStore } from "./backends.js";
import { Command, initializedBackend } from "./command.js";
import { loadModule, type ModuleConfig } from "./config.js";
import { readControl, recordExit, recordStart } from "./control.js";
import { rootVariables, validate } from "./evaluate.js";
import { cliVars, type Flags, parseFlags } from "./flags.js";
import { init } from "./init.js";
import { loadTree, type ModuleNode, snapshotOf } from "./modules.js";
import {
  hasChanges,
  makePlan,
  readPlanFile,
  reportPlan,
  reportPlannedChanges,
  writePlanFile,
} from "./plan.js";
import { planJson, stateValues } from "./plan-json.js";
import { instanceAddresses, type StateV4 } from "./state.js";
import { DiagnosticsError, FLAVORS, fail, runningFlavor as flavor, goEscape, Ui } from "./ui.js";

/**
 * The fake `tofu` / `terraform` executable (started by `bin/tofu` or `bin/terraform`):
 * `version`, `init`, `plan`, `apply`, `destroy`, `show -json`, `output`, `state list`
 * and `force-unlock`, with the real CLI's flags, messages and exit codes. See
 * docs/fake-tofu.md.
 */

const F = FLAVORS[flavor];
const controlFile = process.env.FAKE_TOFU_CONTROL;

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

/**
 * `workspace select [-or-create] NAME`, `workspace new NAME`, `workspace delete [-force] NAME`,
 * `workspace list`, `workspace show`: the pg backend's workspaces (a state row each); other
 * backends have `default` only.
 */
async function workspaceCommand(cmd: Command): Promise<number> {
  const [sub, name] = cmd.flags.positional;
  const { root } = cmd.configuration();
  const store = await cmd.open(initializedBackend(root));
  const current = currentWorkspace();
  if (sub === "show") {
    cmd.ui.print(`${current}\n`);
    return 0;
  }
  if (!(store instanceof PgStore)) {
    if (sub === "list") {
      cmd.ui.print("* default\n\n");
      return 0;
    }
    fail(
      "Workspaces not supported",
      "The fake implements workspaces other than default for the pg backend only.",
    );
  }
  const all = await store.workspaces();
  if (sub === "list") {
    cmd.ui.print(`${all.map((w) => `${w === current ? "*" : " "} ${w}`).join("\n")}\n\n`);
    return 0;
  }
  if (!name) fail("Expected a single argument: NAME.", "");
  const select = () => {
    mkdirSync(".terraform", { recursive: true });
    writeFileSync(".terraform/environment", name);
  };
  if (sub === "select" || sub === "new") {
    const exists = all.includes(name);
    if (sub === "new" && exists) fail(`Workspace "${name}" already exists`, "");
    if (!exists && sub === "select" && !cmd.flags.bools.has("or-create")) {
      fail(
        `Workspace "${name}" doesn't exist.`,
        `You can create this workspace with the "new" subcommand or include the "-or-create" flag with the "select" subcommand.`,
      );
    }
    if (!exists) await store.createWorkspace(name);
    select();
    cmd.ui.print(
      exists
        ? `Switched to workspace "${name}".\n`
        : `Created and switched to workspace "${name}"!\n\nYou're now on a new, empty workspace. Workspaces isolate their state,\nso if you run "${F.cli} plan" ${F.product} will not see any existing state\nfor this configuration.\n`,
    );
    return 0;
  }
  if (sub === "delete") {
    if (name === current) {
      fail(
        `Workspace "${name}" is your active workspace.`,
        "You cannot delete the currently active workspace. Please switch\nto another workspace and try again.",
      );
    }
    if (!all.includes(name)) fail(`Workspace "${name}" doesn't exist.`, "");
    const resources = (await store.stateOf(name))?.resources ?? [];
    if (resources.length > 0 && !cmd.flags.bools.has("force")) {
      fail(
        `Workspace is not empty`,
        `Workspace "${name}" is currently tracking the following resource instances; deleting it would leave them unmanaged. Use -force to delete it anyway.`,
      );
    }
    await store.deleteWorkspace(name);
    cmd.ui.print(`Deleted workspace "${name}"!\n`);
    return 0;
  }
  fail(
    `The fake does not implement "workspace ${sub ?? ""}"`,
    "select, new, delete, list and show are implemented.",
  );
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
          values: stateValues(state!),
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
      case "workspace":
        code = await workspaceCommand(cmd);
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
