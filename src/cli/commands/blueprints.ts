import { readFileSync } from "node:fs";
import path from "node:path";
import { type Command, InvalidArgumentError } from "commander";
import type { Diagnostic } from "../../blueprints/model.js";
import { validateBlueprint } from "../../blueprints/validate.js";
import { type ApiClient, ApiError, type CostEstimate, type RenderedBlueprint } from "../api-client.js";
import { emit, formatMap, formatTime, formatValue, isStructured, keyValues, table } from "../output.js";
import {
  CliError,
  collectParams,
  costSummary,
  formatMoney,
  type OutputOptions,
  PARAM_HELP,
  run,
  withConnection,
  withOutput,
} from "./tenants.js";

/** `file:line:col: severity: message [code]`, the form editors and CI annotate from. */
export function formatDiagnostic(file: string, d: Diagnostic): string {
  const where = d.line ? `${file}:${d.line}:${d.column ?? 1}` : file;
  return `${where}: ${d.severity}: ${d.message} [${d.code}] (${d.pointer || "/"})`;
}

/** `NAME` or `NAME@VERSION`. */
export function parseBlueprintRef(raw: string): { name: string; version?: number } {
  const at = raw.lastIndexOf("@");
  if (at < 0) return { name: raw };
  const name = raw.slice(0, at);
  const version = raw.slice(at + 1);
  if (!name || !/^[1-9]\d*$/.test(version)) {
    throw new InvalidArgumentError(`expected NAME or NAME@VERSION (a version from 1), got "${raw}"`);
  }
  return { name, version: Number(version) };
}

/** Cost lines as a table with right-aligned amounts, then the total, price table and warnings. */
function costLines(cost: CostEstimate): string[] {
  const amounts = cost.lines.map((l) => formatMoney(l.monthly));
  const w = Math.max(0, ...amounts.map((a) => a.length));
  const lines =
    cost.lines.length === 0
      ? ["no resources"]
      : table(
          ["RESOURCE", "PLAN", "DETAIL", "MONTHLY"],
          cost.lines.map((l, i) => [l.key, l.plan ?? "-", l.detail || "-", (amounts[i] ?? "").padStart(w)]),
        );
  return [...lines, "", ...costSummary(cost, "Total")];
}

function renderLines(r: RenderedBlueprint): string[] {
  return [
    ...keyValues([
      ["Blueprint", `${r.blueprint.name}@${r.blueprint.version}`],
      ["Target", r.target],
      ["Params", formatMap(r.params)],
    ]),
    "",
    ...table(
      ["KEY", "KIND", "NAME", "DEPENDS_ON"],
      r.resources.map((res) => [
        res.key,
        res.kind,
        res.name,
        res.depends_on.length ? res.depends_on.join(",") : "-",
      ]),
    ),
    "",
    ...costLines(r.cost),
  ];
}

/** A summary of a version's parsed form: parameters, databases, services, groups, hook. */
function parsedLines(parsed: Record<string, unknown> | undefined): string[] {
  if (!parsed) return [];
  const list = (key: string) =>
    Array.isArray(parsed[key]) ? (parsed[key] as Record<string, unknown>[]) : [];
  const lines: string[] = [];
  const params = list("parameters");
  if (params.length > 0) {
    lines.push("Parameters:");
    lines.push(
      ...table(
        ["NAME", "TYPE", "DEFAULT", "REQUIRED"],
        params.flatMap((p) => parameterRows(String(p["name"]), p)),
        "  ",
      ),
    );
  }
  const resources = [
    ...list("databases").map((d) => ["database", String(d["name"]), formatValue(d["plan"])]),
    ...list("services").map((s) => [String(s["type"]), String(s["name"]), formatValue(s["plan"])]),
  ];
  if (resources.length > 0) {
    lines.push("Resources:");
    lines.push(...table(["TYPE", "NAME", "PLAN"], resources, "  "));
  }
  const groups = list("envVarGroups").map((g) => String(g["name"]));
  const hooks = (parsed["hooks"] ?? {}) as { bootstrap?: { command?: string } };
  lines.push(
    ...keyValues([
      ["Env var groups", groups.length ? groups.join(", ") : undefined],
      ["Bootstrap hook", hooks.bootstrap?.command],
    ]),
  );
  return lines;
}

/** A parameter's row, then its fields' (`cloud.region`), an object's fields being declarations too. */
function parameterRows(name: string, p: Record<string, unknown>): string[][] {
  const row = [name, parameterType(p), formatValue(p["default"]), p["required"] ? "yes" : "no"];
  const props = p["properties"];
  if (typeof props !== "object" || props === null) return [row];
  return [
    row,
    ...Object.entries(props as Record<string, Record<string, unknown>>).flatMap(([field, decl]) =>
      parameterRows(`${name}.${field}`, decl),
    ),
  ];
}

/** `string`, `enum(a|b)`, `array(string)`, `object` (open: `object(+any)`). */
function parameterType(p: Record<string, unknown>): string {
  if (p["type"] === "enum" && Array.isArray(p["values"]))
    return `enum(${(p["values"] as unknown[]).join("|")})`;
  if (p["type"] === "array" && typeof p["items"] === "object" && p["items"] !== null)
    return `array(${parameterType(p["items"] as Record<string, unknown>)})`;
  if (p["type"] === "object" && p["additionalProperties"] === true) return "object(+any)";
  return String(p["type"]);
}

function readSource(file: string): string {
  let source: string;
  try {
    source = readFileSync(file, "utf8");
  } catch (err) {
    throw new CliError(
      `cannot read ${path.resolve(file)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  if (!source.trim()) throw new CliError(`blueprint file ${path.resolve(file)} is empty`);
  return source;
}

interface RenderOptions extends OutputOptions {
  tenant: string;
  slug?: string;
  target?: string;
  param?: Record<string, unknown>;
  secretKey?: string[];
}

const collectString = (raw: string, previous: string[] | undefined): string[] => [...(previous ?? []), raw];

function render(
  client: ApiClient,
  ref: string,
  options: RenderOptions,
  checkTarget = true,
): Promise<RenderedBlueprint> {
  const { name, version } = parseBlueprintRef(ref);
  return client.renderBlueprint(name, {
    tenant: { name: options.tenant, slug: options.slug },
    version,
    target: options.target,
    params: options.param,
    secrets: options.secretKey,
    ...(checkTarget ? {} : { check_target: false }),
  });
}

function withRenderOptions(cmd: Command): Command {
  return cmd
    .argument("<blueprint>", "a stored blueprint NAME or NAME@VERSION")
    .requiredOption("--tenant <name>", 'the would-be tenant\'s display name, e.g. "Acme Corp"')
    .option("--slug <slug>", "the tenant's slug (default: derived from --tenant)")
    .option("--target <target>", "provider to price and name the resources for (default: local)")
    .option("--param <key=value>", PARAM_HELP, collectParams)
    .option(
      "--secret-key <key>",
      "name of a secret the tenant would be given (repeatable; no value needed)",
      collectString,
    );
}

export function registerBlueprintCommands(program: Command): void {
  const blueprints = program.command("blueprints").description("validate and manage blueprints");

  blueprints
    .command("validate")
    .description("check blueprint files offline; prints file:line:col: message, exits 1 on any error")
    .argument("<files...>", "render.yaml-format blueprint files")
    .option("-o, --output <format>", "text or json", "text")
    .action((files: string[], options: { output: string }) => {
      let failed = false;
      const results: { file: string; valid: boolean; errors: Diagnostic[]; warnings: Diagnostic[] }[] = [];
      for (const file of files) {
        let source: string;
        try {
          source = readFileSync(file, "utf8");
        } catch (err) {
          console.error(`${file}: error: cannot read: ${(err as Error).message}`);
          failed = true;
          continue;
        }
        let checked: { errors: Diagnostic[]; warnings: Diagnostic[] };
        try {
          checked = validateBlueprint(source);
        } catch (err) {
          // A bug must not hide the other files' results: report it on this file, go on.
          checked = {
            errors: [
              {
                severity: "error",
                code: "internal",
                pointer: "",
                message: `could not check this file: ${(err as Error).message}`,
                line: 1,
                column: 1,
              },
            ],
            warnings: [],
          };
        }
        const { errors, warnings } = checked;
        if (errors.length > 0) failed = true;
        results.push({ file, valid: errors.length === 0, errors, warnings });
        if (options.output !== "json") {
          for (const d of [...errors, ...warnings].sort((a, b) => (a.line ?? 0) - (b.line ?? 0))) {
            console.log(formatDiagnostic(file, d));
          }
        }
      }
      if (options.output === "json") console.log(JSON.stringify(results, null, 2));
      else {
        const errors = results.reduce((n, r) => n + r.errors.length, 0);
        const warnings = results.reduce((n, r) => n + r.warnings.length, 0);
        console.error(`${results.length} file(s) checked: ${errors} error(s), ${warnings} warning(s)`);
      }
      process.exitCode = failed ? 1 : 0;
    });

  withOutput(
    withConnection(
      blueprints
        .command("push")
        .description("store a blueprint file as the next version of NAME (nothing when it is unchanged)")
        .argument("<name>", "blueprint name, e.g. crm")
        .argument("<file>", "render.yaml-format blueprint file"),
    ),
  ).action(async (name: string, file: string, options: OutputOptions) =>
    run(options, async ({ client }) => {
      const source = readSource(file);
      let pushed: Awaited<ReturnType<ApiClient["pushBlueprint"]>>;
      try {
        pushed = await client.pushBlueprint(name, source);
      } catch (err) {
        // Problems in the source: compiler-style, at their place in the file.
        if (err instanceof ApiError && err.errors.some((e) => e.pointer.startsWith("/source"))) {
          const lines = err.errors.map((e) => {
            const pointer = e.pointer.replace(/^\/source/, "") || "/";
            const where = e.line ? `${file}:${e.line}:${e.column ?? 1}` : file;
            return `${where}: error: ${e.message} (${pointer})`;
          });
          process.stderr.write(`${lines.join("\n")}\n`);
          throw new CliError(`${name} was not pushed: ${err.detail} (${err.code})`, [
            `check it offline: tenantry blueprints validate ${file}`,
          ]);
        }
        throw err;
      }
      const { blueprint: b, created } = pushed;
      emit(options.output, {
        value: { ...b, created },
        table: () => [
          created ? `pushed ${b.name}@${b.version}` : `unchanged: ${b.name}@${b.version} is identical`,
        ],
        names: () => [`blueprint/${b.name}`],
      });
      return true;
    }),
  );

  withOutput(
    withConnection(blueprints.command("list").description("stored blueprints (the latest version of each)")),
  ).action(async (options: OutputOptions) =>
    run(options, async ({ client }) => {
      const rows = await client.listBlueprints();
      if (rows.length === 0 && !isStructured(options.output) && options.output !== "name")
        process.stderr.write("no blueprints: push one with tenantry blueprints push\n");
      else {
        emit(options.output, {
          value: rows,
          table: () =>
            table(
              ["NAME", "VERSION", "DIGEST", "CREATED"],
              rows.map((b) => [b.name, String(b.version), b.digest.slice(0, 12), formatTime(b.created_at)]),
            ),
          wide: () =>
            table(
              ["NAME", "VERSION", "DIGEST", "CREATED", "ID"],
              rows.map((b) => [b.name, String(b.version), b.digest, formatTime(b.created_at), b.id]),
            ),
          names: () => rows.map((b) => `blueprint/${b.name}`),
        });
      }
      return true;
    }),
  );

  withOutput(
    withConnection(
      blueprints
        .command("show")
        .description("a blueprint version (default: the latest) with its parsed form")
        .argument("<blueprint>", "NAME or NAME@VERSION")
        .option("--source", "print the YAML source as stored, nothing else (-o json always has it)"),
    ),
  ).action(async (ref: string, options: OutputOptions & { source?: boolean }) =>
    run(options, async ({ client }) => {
      const { name, version } = parseBlueprintRef(ref);
      // The version route also returns the parsed form; resolve "latest" first.
      const b = await client.getBlueprint(name, version ?? (await client.getBlueprint(name)).version);
      if (options.source && !isStructured(options.output) && options.output !== "name") {
        process.stdout.write(b.source?.endsWith("\n") ? b.source : `${b.source ?? ""}\n`);
        return true;
      }
      emit(options.output, {
        value: b,
        table: () => [
          ...keyValues([
            ["Name", b.name],
            ["Version", String(b.version)],
            ["Digest", b.digest],
            ["Created", formatTime(b.created_at)],
          ]),
          ...parsedLines(b.parsed),
        ],
        names: () => [`blueprint/${b.name}`],
      });
      return true;
    }),
  );

  withOutput(
    withConnection(
      withRenderOptions(
        blueprints
          .command("render")
          .description("what a blueprint creates for a would-be tenant, in order, and what it costs"),
      ),
    ),
  ).action(async (ref: string, options: RenderOptions) =>
    run(options, async ({ client }) => {
      const rendered = await render(client, ref, options);
      emit(options.output, { value: rendered, table: () => renderLines(rendered) });
      return true;
    }),
  );

  withOutput(
    withConnection(
      withRenderOptions(
        blueprints.command("cost").description("the monthly cost of a blueprint for a would-be tenant"),
      ),
    ),
  ).action(async (ref: string, options: RenderOptions) =>
    run(options, async ({ client }) => {
      // Prices only: what the target could not serve yet is `render`'s and a create's to refuse.
      const rendered = await render(client, ref, options, false);
      emit(options.output, { value: rendered.cost, table: () => costLines(rendered.cost) });
      return true;
    }),
  );
}
