// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${{ … }}` is the blueprint template syntax under test, not a JS placeholder.
import { describe, expect, it } from "vitest";
import { estimateCost } from "../src/blueprints/cost.js";
import { renderBlueprint } from "../src/blueprints/render.js";
import { validateBlueprint } from "../src/blueprints/validate.js";

/**
 * `databases[].engine` (Tenantry's extension): `postgres` (default), `mysql`, `mariadb`.
 * Validation refuses PostgreSQL's keys on a MySQL/MariaDB database at their line and
 * column and says which targets serve it; rendering gives kind `mysql`, keyed like a
 * PostgreSQL database so `fromDatabase` reads it alike.
 */

const y = (lines: string[]) => `${lines.join("\n")}\n`;
const ctx = {
  tenant: { id: "01a2b3c4-0000-7000-8000-000000000001", slug: "acme", name: "Acme" },
  org: { slug: "default" },
  installationId: "test-installation",
  params: {},
};

const frappe = y([
  "databases:",
  "  - name: site-db",
  "    engine: mariadb",
  "    databaseName: frappe",
  "    user: frappe",
  "    plan: starter",
  "services:",
  "  - type: web",
  "    name: web",
  "    runtime: python",
  "    startCommand: bench serve",
  "    envVars:",
  "      - key: DB_URL",
  "        fromDatabase:",
  "          name: site-db",
  "          property: connectionString",
  "      - key: DB_HOST",
  "        fromDatabase:",
  "          name: site-db",
  "          property: host",
]);

describe("databases[].engine", () => {
  it("accepts mysql and mariadb with a warning naming the targets that serve them", () => {
    for (const engine of ["mysql", "mariadb"]) {
      const r = validateBlueprint(frappe.replace("engine: mariadb", `engine: ${engine}`));
      expect(r.errors).toEqual([]);
      expect(r.warnings.map((w) => [w.code, w.pointer, w.line, w.column])).toEqual([
        ["engine-targets", "/databases/0/engine", 3, 13],
      ]);
      expect(r.warnings[0]?.message).toMatch(
        /local target.*TENANTRY_LOCAL_MYSQL_URL.*render target.*no MySQL/,
      );
      expect(r.blueprint?.databases[0]).toMatchObject({ name: "site-db", engine });
    }
  });

  it("takes postgres (the default) without a warning", () => {
    const r = validateBlueprint(
      y(["databases:", "  - name: db", "    engine: postgres", "    postgresMajorVersion: '17'"]),
    );
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
  });

  it("refuses an unknown engine with a suggestion, and a templated one", () => {
    const bad = validateBlueprint(y(["databases:", "  - name: db", "    engine: mariadbb"]));
    expect(bad.errors.map((e) => [e.code, e.pointer, e.line, e.column])).toEqual([
      ["bad-value", "/databases/0/engine", 3, 13],
    ]);
    expect(bad.errors[0]?.message).toMatch(/`postgres`, `mysql`, `mariadb`.*did you mean `mariadb`/);
    const templated = validateBlueprint(
      y([
        "parameters:",
        "  engine:",
        "    type: string",
        "    default: mysql",
        "databases:",
        "  - name: db",
        "    engine: ${{ params.engine }}",
      ]),
    );
    expect(templated.errors.map((e) => [e.code, e.pointer, e.line])).toEqual([
      ["templated-engine", "/databases/0/engine", 7],
    ]);
  });

  it("refuses PostgreSQL's keys on a MySQL/MariaDB database, each at its line and column", () => {
    const r = validateBlueprint(
      y([
        "databases:",
        "  - name: site-db",
        "    engine: mariadb",
        "    postgresMajorVersion: '16'",
        "    highAvailability:",
        "      enabled: true",
        "    readReplicas:",
        "      - name: replica",
        "    diskSizeGB: 10",
        "    ipAllowList: []",
      ]),
    );
    expect(r.blueprint).toBeNull();
    expect(r.errors.map((e) => [e.code, e.pointer, e.line, e.column])).toEqual([
      ["not-for-engine", "/databases/0/postgresMajorVersion", 4, 5],
      ["not-for-engine", "/databases/0/highAvailability", 5, 5],
      ["not-for-engine", "/databases/0/readReplicas", 7, 5],
      ["not-for-engine", "/databases/0/diskSizeGB", 9, 5],
      ["not-for-engine", "/databases/0/ipAllowList", 10, 5],
    ]);
    expect(r.errors[0]?.message).toMatch(
      /a PostgreSQL setting: a database with `engine: mariadb` takes only `name`/,
    );
  });

  it("renders kind mysql under database:<name>, with only its own keys, which fromDatabase reads", () => {
    const { blueprint } = validateBlueprint(frappe);
    if (!blueprint) throw new Error("expected a valid blueprint");
    const { resources, errors } = renderBlueprint(blueprint, ctx);
    expect(errors).toEqual([]);
    const db = resources.find((r) => r.key === "database:site-db");
    expect(db).toMatchObject({
      kind: "mysql",
      externalName: expect.stringMatching(/^site-db-acme-[a-z0-9]+$/),
      dependsOn: [],
      spec: { name: "site-db", engine: "mariadb", databaseName: "frappe", user: "frappe", plan: "starter" },
    });
    const web = resources.find((r) => r.key === "service:web");
    expect(web?.dependsOn).toEqual(["database:site-db"]);
    expect(resources.map((r) => r.key)).toEqual(["database:site-db", "service:web"]);
    // Without an engine, and with `engine: postgres`: kind postgres, the same spec.
    const pg = validateBlueprint(y(["databases:", "  - name: db", "    engine: postgres"])).blueprint;
    const plain = validateBlueprint(y(["databases:", "  - name: db"])).blueprint;
    if (!pg || !plain) throw new Error("expected valid blueprints");
    expect(renderBlueprint(pg, ctx).resources).toEqual(renderBlueprint(plain, ctx).resources);
    expect(renderBlueprint(plain, ctx).resources[0]?.kind).toBe("postgres");
  });

  it("costs nothing on local and is not priced on render", () => {
    const { blueprint } = validateBlueprint(frappe);
    if (!blueprint) throw new Error("expected a valid blueprint");
    const { resources } = renderBlueprint(blueprint, ctx);
    const local = estimateCost(resources, "local");
    expect(local.lines.find((l) => l.key === "database:site-db")).toMatchObject({
      monthly: 0,
      detail: "mariadb database (no charge)",
    });
    const render = estimateCost(resources, "render");
    expect(render.lines.find((l) => l.key === "database:site-db")).toMatchObject({ monthly: 0 });
    expect(render.warnings.join("\n")).toMatch(/no render price for a MySQL\/MariaDB database/);
  });
});
