import { useState } from "preact/hooks";
import type { Schemas } from "../../../src/client/index.js";
import { api, unwrap } from "../api.js";
import { SourceView } from "../components/source-view.js";
import { ErrorNote, useTitle } from "../components/ui.js";

const EXAMPLE = `services:
  - type: web
    name: web
    runtime: node
    buildCommand: npm ci
    startCommand: npm start
databases:
  - name: main
`;

/** Checks a blueprint as `POST /v1/blueprints/validate` does, showing each problem at its line and column. */
export function ValidatePage() {
  useTitle("Validate a blueprint");
  const [source, setSource] = useState(EXAMPLE);
  const [result, setResult] = useState<
    { source: string; validation: Schemas["BlueprintValidation"] } | undefined
  >();
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const check = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const validation = await unwrap(api().POST("/v1/blueprints/validate", { body: { source } }));
      setResult({ source, validation });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const v = result?.validation;
  return (
    <section aria-labelledby="validate-title">
      <h1 id="validate-title">Validate a blueprint</h1>
      <form class="form form-wide" onSubmit={check}>
        <div class="field">
          <label for="blueprint-source">Blueprint (render.yaml)</label>
          <textarea
            id="blueprint-source"
            class="code-input"
            rows={14}
            spellcheck={false}
            value={source}
            onInput={(e) => setSource((e.target as HTMLTextAreaElement).value)}
          />
        </div>
        <button type="submit" class="button button-primary" disabled={busy}>
          {busy ? "Checking…" : "Validate"}
        </button>
      </form>
      <ErrorNote error={error} />
      {v && result && (
        <section aria-labelledby="result-title" aria-live="polite">
          <h2 id="result-title">
            {v.valid ? "Valid" : `${v.errors.length} error${v.errors.length === 1 ? "" : "s"}`}
            {v.warnings.length > 0
              ? `, ${v.warnings.length} warning${v.warnings.length === 1 ? "" : "s"}`
              : ""}
          </h2>
          {(v.errors.length > 0 || v.warnings.length > 0) && (
            <ul class="diagnostics">
              {[...v.errors, ...v.warnings].map((d) => (
                <li key={d.pointer + d.code + d.message} class={`diagnostic diagnostic-${d.severity}`}>
                  {d.line !== undefined ? (
                    <a href={`#L${d.line}`}>
                      {d.line}:{d.column ?? 1}
                    </a>
                  ) : (
                    <code>{d.pointer}</code>
                  )}{" "}
                  {d.severity}: {d.message} <code>({d.code})</code>
                </li>
              ))}
            </ul>
          )}
          <SourceView source={result.source} diagnostics={[...v.errors, ...v.warnings]} />
        </section>
      )}
    </section>
  );
}
