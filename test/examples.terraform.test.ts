import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

/**
 * The Beta9 example blueprints and the Terraform modules they use must agree: every stack
 * input is a variable of the module, every required variable is given, every output named
 * is one of the module's, and the bootstrap hook reads only variables it gets. Read as
 * text (a `variable "x" {` block, an `output "x" {` block): no Terraform here.
 */

const root = new URL("../", import.meta.url);

interface Stack {
  source: string;
  inputs: Record<string, unknown>;
  outputs: { name: string; secret?: boolean }[];
}

interface Declaration {
  properties?: Record<string, Declaration>;
}

function moduleText(dir: string): string {
  const url = new URL(`${dir.replace(/^\.\//, "")}/`, root);
  return readdirSync(url)
    .filter((f) => f.endsWith(".tf"))
    .map((f) => readFileSync(new URL(f, url), "utf8"))
    .join("\n");
}

describe.each(["aws", "gcp"])("examples: beta9-environment-%s", (cloud) => {
  const blueprint = parse(
    readFileSync(new URL(`examples/blueprints/beta9-environment-${cloud}.render.yaml`, root), "utf8"),
  ) as {
    parameters: Record<string, Declaration>;
    stacks: Stack[];
    hooks: { bootstrap: { command: string } };
  };
  const stack = blueprint.stacks[0] as Stack;
  const tf = moduleText(stack.source);
  const variables = [...tf.matchAll(/^variable "([a-z0-9_]+)" \{\n([\s\S]*?)^\}/gm)].map((m) => ({
    name: m[1] ?? "",
    required: !/^ {2}default\s*=/m.test(m[2] ?? ""),
  }));
  const outputs = [...tf.matchAll(/^output "([a-z0-9_]+)" \{/gm)].map((m) => m[1]);

  it("uses the module of its cloud", () => {
    expect(stack.source).toBe(`./examples/terraform/${cloud}`);
    expect(variables.length).toBeGreaterThan(10);
  });

  it("gives the module only its variables, and every required one", () => {
    const inputs = Object.keys(stack.inputs);
    expect(inputs.filter((i) => !variables.some((v) => v.name === i))).toEqual([]);
    expect(variables.filter((v) => v.required && !inputs.includes(v.name)).map((v) => v.name)).toEqual([]);
  });

  it("reads only parameters it declares", () => {
    const used = [...JSON.stringify(stack).matchAll(/\$\{\{ params\.([a-z0-9_.]+) \}\}/g)].map(
      (m) => m[1] ?? "",
    );
    expect(used.length).toBeGreaterThan(5);
    const undeclared = used.filter((path) => {
      let at: Declaration | undefined = { properties: blueprint.parameters };
      for (const key of path.split(".")) at = at?.properties?.[key];
      return at === undefined;
    });
    expect(undeclared).toEqual([]);
  });

  it("names outputs the module has, the kubeconfig and passwords secret", () => {
    expect(stack.outputs.map((o) => o.name).filter((n) => !outputs.includes(n))).toEqual([]);
    const secret = stack.outputs.filter((o) => o.secret).map((o) => o.name);
    expect(secret.sort()).toEqual(["database_password", "kubeconfig", "redis_auth_token"]);
    for (const name of secret) {
      expect(tf, `${name} is sensitive in the module`).toMatch(
        new RegExp(`output "${name}" \\{[^}]*sensitive\\s*=\\s*true`),
      );
    }
  });

  it("runs a bootstrap that reads only its outputs' variables, $KUBECONFIG and $TENANTRY_HELM_BIN", () => {
    const given = new Set([
      ...stack.outputs.map((o) => o.name.toUpperCase()),
      "KUBECONFIG",
      "TENANTRY_HELM_BIN",
    ]);
    const read = [...blueprint.hooks.bootstrap.command.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].map(
      (m) => m[1] ?? "",
    );
    // `secrets` is the hook's own temporary directory.
    expect(read.filter((v) => v !== "secrets" && !given.has(v))).toEqual([]);
    expect(blueprint.hooks.bootstrap.command).toContain('--kubeconfig "$KUBECONFIG"');
  });
});
