import { execFile, execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { colorEnabled } from "../src/cli/color.js";
import { completionScript } from "../src/cli/completion.js";
import { buildProgram } from "../src/cli/program.js";
import { runCli } from "./support/cli-in-process.js";

/**
 * `tenantry completion bash|zsh|fish`: scripts generated from the program. bash is run for
 * real (COMP_WORDS/COMP_CWORD set, the completion function called, COMPREPLY read); zsh
 * and fish are checked with `-n` where they are installed, else for their structure.
 */

const run = promisify(execFile);
let dir: string;
let bashFile: string;

const has = (shell: string) => {
  try {
    execFileSync("sh", ["-c", `command -v ${shell}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
};

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "tenantry-completion-"));
  const { code, stdout } = await runCli(["completion", "bash"]);
  expect(code).toBe(0);
  bashFile = path.join(dir, "tenantry.bash");
  await writeFile(bashFile, stdout);
  await writeFile(path.join(dir, "blueprint.yaml"), "databases: []\n");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** What bash's completion offers for the words typed (the last one being completed). */
async function complete(...words: string[]): Promise<string[]> {
  const script = `source ${JSON.stringify(bashFile)}
COMP_WORDS=(${words.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(" ")})
COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 ))
_tenantry
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const { stdout } = await run("bash", ["--norc", "--noprofile", "-c", script], { cwd: dir });
  return stdout.split("\n").filter(Boolean);
}

describe("bash completion", () => {
  it("completes commands, subcommands, options and their choices", async () => {
    expect(await complete("tenantry", "ten")).toEqual(["tenants"]);
    const subs = await complete("tenantry", "tenants", "");
    expect(subs).toEqual(
      buildProgram()
        .commands.find((c) => c.name() === "tenants")!
        .commands.map((c) => c.name()),
    );
    expect(subs).toEqual(expect.arrayContaining(["create", "list", "get", "events"]));
    expect(await complete("tenantry", "tenants", "list", "--wa")).toEqual(["--watch"]);
    expect(await complete("tenantry", "tenants", "list", "-o", "")).toEqual([
      "table",
      "wide",
      "json",
      "yaml",
      "name",
    ]);
    expect(await complete("tenantry", "tenants", "list", "--output", "y")).toEqual(["yaml"]);
    // An option's value is skipped when finding the command path; global options anywhere.
    expect(await complete("tenantry", "--context", "prod", "tenants", "li")).toEqual(["list"]);
    expect(await complete("tenantry", "tenants", "list", "-o", "json", "--st")).toEqual(["--status"]);
    expect(await complete("tenantry", "config", "")).toEqual([
      "get-contexts",
      "current-context",
      "use-context",
      "delete-context",
    ]);
    expect(await complete("tenantry", "completion", "")).toEqual(["bash", "zsh", "fish"]);
    // File arguments and file options.
    expect(await complete("tenantry", "blueprints", "validate", "blue")).toEqual(["blueprint.yaml"]);
    expect(await complete("tenantry", "tenants", "create", "Acme", "--blueprint", "bl")).toEqual([
      "blueprint.yaml",
    ]);
    expect(await complete("tenantry", "nothing-like-this", "")).toEqual([]);
  });

  it("follows the program: a new command shows up without editing the script", async () => {
    const program = buildProgram();
    program.command("frobnicate").description("a command added later").option("--hard", "very");
    const script = completionScript("bash", program);
    const file = path.join(dir, "extended.bash");
    await writeFile(file, script);
    const { stdout } = await run("bash", [
      "--norc",
      "-c",
      `source ${file}; COMP_WORDS=(tenantry frob); COMP_CWORD=1; _tenantry; echo "\${COMPREPLY[@]}"; COMP_WORDS=(tenantry frobnicate --h); COMP_CWORD=2; _tenantry; echo "\${COMPREPLY[@]}"`,
    ]);
    expect(stdout.trim().split("\n")).toEqual(["frobnicate", "--hard --help"]);
  });
});

describe("zsh and fish completion", () => {
  it("are valid scripts for the same commands", async () => {
    const zsh = (await runCli(["completion", "zsh"])).stdout;
    const fish = (await runCli(["completion", "fish"])).stdout;
    if (has("zsh")) await run("zsh", ["-n", "-c", zsh]);
    if (has("fish")) await run("fish", ["-n", "-c", fish]);
    // Structure: the header and registration, and every command path with its words.
    expect(zsh.startsWith("#compdef tenantry\n")).toBe(true);
    expect(zsh).toContain("compdef _tenantry tenantry");
    expect(zsh).toMatch(/'tenants'\) _tenantry_described=\('create:create a tenant from a blueprint' 'list:/);
    expect(zsh).toContain("'tenants list|-o'|'tenants list|--output') echo 'table wide json yaml name' ;;");
    expect(fish).toContain("complete -c tenantry -f");
    expect(fish).toContain(
      "complete -c tenantry -n '__tenantry_at \\'tenants\\'' -a 'list' -d 'list tenants, oldest first (--watch: then a line per change, until Ctrl-C)'",
    );
    expect(fish).toMatch(
      /complete -c tenantry -n '__tenantry_at \\'tenants list\\'' -s o -l output -x -a 'table wide json yaml name'/,
    );
    for (const c of buildProgram().commands) {
      expect(zsh, c.name()).toContain(`'${c.name()}:`);
      expect(fish, c.name()).toContain(`-a '${c.name()}'`);
    }
    // Balanced blocks (what a syntax check would catch first when no shell is installed).
    const count = (s: string, re: RegExp) => (s.match(re) ?? []).length;
    expect(count(zsh, /^\s*case\b/gm)).toBe(count(zsh, /^\s*esac\b/gm));
    expect(count(fish, /^\s*(function|switch|for|if|while|begin)\b/gm)).toBe(count(fish, /^\s*end\b/gm));
    const bad = await runCli(["completion", "powershell"]);
    expect(bad.code).toBe(2);
  });
});

describe("colour rules", () => {
  it("is on for a terminal, off for NO_COLOR (any value), a pipe or TERM=dumb; FORCE_COLOR forces it", () => {
    const tty = { isTTY: true };
    const pipe = { isTTY: false };
    expect(colorEnabled(tty, {})).toBe(true);
    expect(colorEnabled(pipe, {})).toBe(false);
    expect(colorEnabled(tty, { NO_COLOR: "" })).toBe(false);
    expect(colorEnabled(tty, { NO_COLOR: "1" })).toBe(false);
    expect(colorEnabled(tty, { TERM: "dumb" })).toBe(false);
    expect(colorEnabled(pipe, { FORCE_COLOR: "1" })).toBe(true);
    expect(colorEnabled(tty, { FORCE_COLOR: "1", NO_COLOR: "1" })).toBe(true);
    expect(colorEnabled(tty, { FORCE_COLOR: "0" })).toBe(false);
  });
});
