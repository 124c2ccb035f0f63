import { execFile } from "node:child_process";
import { readFileSync, realpathSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { projectRoot } from "./support/cli-harness.js";

/**
 * Every Node version the package's `engines.node` admits is admitted by every runtime
 * dependency (`npm ls --omit=dev --all`, each package's own `engines.node`): a user on a
 * version we claim to support gets no EBADENGINE and no dependency that refuses to run.
 */

const execFileP = promisify(execFile);

/** The few functions of `semver` used here (it is in node_modules, without its types). */
interface Semver {
  validRange(range: string): string | null;
  satisfies(version: string, range: string): boolean;
  subset(sub: string, dom: string): boolean;
}
const semver = createRequire(import.meta.url)("semver") as Semver;

interface LsNode {
  version?: string;
  path?: string;
  engines?: unknown;
  dependencies?: Record<string, LsNode>;
}

const pkg = JSON.parse(readFileSync(path.join(projectRoot, "package.json"), "utf8")) as {
  engines: { node: string };
  dependencies: Record<string, string>;
};

/**
 * Where the installed tree really is: a git worktree's `node_modules` is a link to the main
 * checkout's, and `npm ls` run in the worktree sees only links there.
 */
const installRoot = path.dirname(realpathSync(path.join(projectRoot, "node_modules")));

describe("engines", () => {
  it("every runtime dependency supports every Node version in our engines.node", async () => {
    const ours = pkg.engines.node;
    expect(semver.validRange(ours), `engines.node ${ours}`).not.toBeNull();
    expect(semver.satisfies(process.version, ours), `this Node (${process.version}) is in ${ours}`).toBe(
      true,
    );

    const { stdout } = await execFileP("npm", ["ls", "--omit=dev", "--all", "--json", "--long"], {
      cwd: installRoot,
      maxBuffer: 256 * 1024 * 1024,
      timeout: 120_000,
    }).catch((err: { stdout?: string; stderr?: string }) => {
      // npm ls exits 1 on problems; they are checked below.
      if (!err.stdout) throw err;
      return { stdout: err.stdout };
    });
    const tree = JSON.parse(stdout) as LsNode & { problems?: string[] };
    expect(tree.problems ?? [], "npm ls reports problems with the installed tree").toEqual([]);
    // The tree is this package's: the same runtime dependencies.
    expect(Object.keys(tree.dependencies ?? {}).sort()).toEqual(Object.keys(pkg.dependencies).sort());

    const seen = new Map<string, { chain: string; engines: unknown }>();
    const walk = (node: LsNode, chain: string[]) => {
      for (const [name, dep] of Object.entries(node.dependencies ?? {})) {
        if (!dep.path || seen.has(dep.path)) continue;
        const here = [...chain, `${name}@${dep.version}`];
        seen.set(dep.path, { chain: here.join(" > "), engines: dep.engines });
        walk(dep, here);
      }
    };
    walk(tree, []);
    // The whole tree, not only the top level (fastify alone brings dozens).
    expect(seen.size).toBeGreaterThan(Object.keys(pkg.dependencies).length * 2);

    const refusing: string[] = [];
    for (const { chain, engines } of seen.values()) {
      const node = (engines as { node?: unknown } | undefined)?.node;
      if (typeof node !== "string") continue;
      if (semver.validRange(node) === null) refusing.push(`${chain}: engines.node "${node}" is not a range`);
      else if (!semver.subset(ours, node)) refusing.push(`${chain}: engines.node "${node}"`);
    }
    expect(refusing, `runtime dependencies that exclude part of our engines.node (${ours})`).toEqual([]);
  }, 180_000);
});
