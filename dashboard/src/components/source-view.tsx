import type { Schemas } from "../../../src/client/index.js";

type Diagnostic = Schemas["Diagnostic"];

/**
 * YAML source with line numbers, and each diagnostic under the line it is about (with
 * its column); the diagnostics without a position are listed first.
 */
export function SourceView({ source, diagnostics = [] }: { source: string; diagnostics?: Diagnostic[] }) {
  const lines = source.split("\n");
  const byLine = new Map<number, Diagnostic[]>();
  const unplaced: Diagnostic[] = [];
  for (const d of diagnostics) {
    if (d.line === undefined) unplaced.push(d);
    else byLine.set(d.line, [...(byLine.get(d.line) ?? []), d]);
  }
  return (
    <div class="source">
      {unplaced.length > 0 && (
        <ul class="diagnostics">
          {unplaced.map((d) => (
            <li key={d.pointer + d.code} class={`diagnostic diagnostic-${d.severity}`}>
              {d.severity}: {d.message} <code>{d.pointer}</code>
            </li>
          ))}
        </ul>
      )}
      <ol class="code" aria-label="Source">
        {lines.map((text, i) => {
          const n = i + 1;
          const here = byLine.get(n) ?? [];
          return (
            <li key={n} id={`L${n}`} class={here.length ? `line line-${here[0]?.severity}` : "line"}>
              <span class="line-no" aria-hidden="true">
                {n}
              </span>
              <code>{text || " "}</code>
              {here.map((d) => (
                <div key={d.code + d.pointer} class={`diagnostic diagnostic-${d.severity}`} role="note">
                  <span class="caret" aria-hidden="true">
                    {" ".repeat(Math.max(0, (d.column ?? 1) - 1))}^
                  </span>{" "}
                  line {n}
                  {d.column ? `, column ${d.column}` : ""}: {d.severity} {d.message} <code>({d.code})</code>
                </div>
              ))}
            </li>
          );
        })}
      </ol>
    </div>
  );
}
