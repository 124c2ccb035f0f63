import { existsSync, readFileSync } from "node:fs";
import { type BackendConfig, openStore, resolveBackend, type StateStore } from "./backends.js";
import { loadModule, type ModuleConfig } from "./config.js";
import type { ControlFile } from "./control.js";
import { type Flags, lockTimeoutMs } from "./flags.js";
import { checkCoreVersion, loadTree, type ModuleNode } from "./modules.js";
import { FLAVORS, fail, runningFlavor as flavor, type Ui } from "./ui.js";

/** What every command shares: its output, flags, the test's control file, the state store and its lock. */

const F = FLAVORS[flavor];
export const BACKEND_STATE = ".terraform/terraform.tfstate";

/** The backend to use after `init`: the configuration's, which must match what init recorded. */
export function initializedBackend(root: ModuleConfig): BackendConfig {
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

export function hashOf(block: Record<string, unknown>): number {
  let h = 0;
  for (const c of JSON.stringify(block)) h = (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0;
  return h;
}

export class Command {
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
