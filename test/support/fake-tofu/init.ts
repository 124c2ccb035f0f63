import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { backendAttributes, resolveBackend } from "./backends.js";
import { BACKEND_STATE, type Command, hashOf } from "./command.js";
import { loadModule, type ModuleConfig } from "./config.js";
import { backendOverrides } from "./flags.js";
import { checkCoreVersion, installModules, loadTree, type ModuleNode, walk } from "./modules.js";
import { providerFor } from "./providers.js";
import { type Diagnostic, DiagnosticsError, FLAVORS, runningFlavor as flavor, type Ui } from "./ui.js";

/**
 * `init`: the backend (checked, connected, its tables made, recorded in
 * `.terraform/terraform.tfstate`), the modules (`modules.ts`), the providers (pretended:
 * nothing is downloaded, `.terraform.lock.hcl` is written), with the real CLI's steps.
 */

const F = FLAVORS[flavor];

export async function init(cmd: Command): Promise<number> {
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
