import { readFileSync } from "node:fs";
import type { Command } from "commander";
import type { Diagnostic } from "../../blueprints/model.js";
import { validateBlueprint } from "../../blueprints/validate.js";

/** `file:line:col: severity: message [code]`, the form editors and CI annotate from. */
export function formatDiagnostic(file: string, d: Diagnostic): string {
  const where = d.line ? `${file}:${d.line}:${d.column ?? 1}` : file;
  return `${where}: ${d.severity}: ${d.message} [${d.code}] (${d.pointer || "/"})`;
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
        const { errors, warnings } = validateBlueprint(source);
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
}
