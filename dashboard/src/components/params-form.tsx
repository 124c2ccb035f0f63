/**
 * Form fields generated from a blueprint's `parameters`: a select for an enum, a checkbox
 * for a boolean, a number input (with its bounds) for an integer or number, a text input
 * (with its pattern) for a string, and JSON for an object or array. Each field has its
 * label, description, default and required mark; `errors` (by parameter name) are shown
 * at their field, as the API reports them (`/params/<name>`).
 */
export interface ParameterDeclaration {
  name: string;
  type: "string" | "integer" | "number" | "boolean" | "enum" | "object" | "array";
  description?: string;
  default?: unknown;
  required: boolean;
  pattern?: string;
  values?: (string | number)[];
  minimum?: number;
  maximum?: number;
}

/** What the user typed, by parameter name (text as typed; booleans as "true"/"false"). */
export type ParamInputs = Record<string, string>;

export function initialInputs(params: ParameterDeclaration[]): ParamInputs {
  const out: ParamInputs = {};
  for (const p of params) {
    if (p.default === undefined) out[p.name] = p.type === "boolean" ? "false" : "";
    else if (p.type === "object" || p.type === "array") out[p.name] = JSON.stringify(p.default, null, 2);
    else out[p.name] = String(p.default);
  }
  return out;
}

/**
 * The params to send: typed values of the fields filled in (an empty field is left out, so
 * the blueprint's default applies), or the fields that cannot be read.
 */
export function paramValues(
  params: ParameterDeclaration[],
  inputs: ParamInputs,
): { values: Record<string, unknown>; errors: Record<string, string> } {
  const values: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const p of params) {
    const raw = (inputs[p.name] ?? "").trim();
    if (p.type === "boolean") {
      values[p.name] = raw === "true";
      continue;
    }
    if (raw === "") {
      if (p.required && p.default === undefined) errors[p.name] = "required";
      continue;
    }
    if (p.type === "integer" || p.type === "number") {
      const n = Number(raw);
      if (!Number.isFinite(n) || (p.type === "integer" && !Number.isInteger(n)))
        errors[p.name] = `expected ${p.type === "integer" ? "a whole number" : "a number"}`;
      else values[p.name] = n;
    } else if (p.type === "enum") {
      const match = p.values?.find((v) => String(v) === raw);
      values[p.name] = match ?? raw;
    } else if (p.type === "object" || p.type === "array") {
      try {
        values[p.name] = JSON.parse(raw);
      } catch {
        errors[p.name] = "expected JSON";
      }
    } else values[p.name] = raw;
  }
  return { values, errors };
}

export function ParamsFields(props: {
  params: ParameterDeclaration[];
  inputs: ParamInputs;
  errors: Record<string, string>;
  onChange(name: string, value: string): void;
}) {
  if (props.params.length === 0) return <p class="muted">This blueprint takes no parameters.</p>;
  return (
    <>
      {props.params.map((p) => {
        const id = `param-${p.name}`;
        const error = props.errors[p.name];
        const describedBy = [p.description ? `${id}-help` : "", error ? `${id}-error` : ""]
          .filter(Boolean)
          .join(" ");
        const common = {
          id,
          name: p.name,
          "aria-invalid": error ? ("true" as const) : undefined,
          "aria-describedby": describedBy || undefined,
          required: p.required && p.default === undefined,
        };
        const value = props.inputs[p.name] ?? "";
        const set = (v: string) => props.onChange(p.name, v);
        let input: preact.JSX.Element;
        if (p.type === "boolean") {
          input = (
            <input
              {...common}
              required={false}
              type="checkbox"
              checked={value === "true"}
              onChange={(e) => set((e.target as HTMLInputElement).checked ? "true" : "false")}
            />
          );
        } else if (p.type === "enum") {
          input = (
            <select {...common} value={value} onChange={(e) => set((e.target as HTMLSelectElement).value)}>
              {p.default === undefined && <option value="">Choose…</option>}
              {(p.values ?? []).map((v) => (
                <option key={String(v)} value={String(v)}>
                  {String(v)}
                </option>
              ))}
            </select>
          );
        } else if (p.type === "integer" || p.type === "number") {
          input = (
            <input
              {...common}
              type="number"
              inputMode={p.type === "integer" ? "numeric" : "decimal"}
              step={p.type === "integer" ? 1 : "any"}
              min={p.minimum}
              max={p.maximum}
              value={value}
              onInput={(e) => set((e.target as HTMLInputElement).value)}
            />
          );
        } else if (p.type === "object" || p.type === "array") {
          input = (
            <textarea
              {...common}
              rows={4}
              spellcheck={false}
              value={value}
              onInput={(e) => set((e.target as HTMLTextAreaElement).value)}
            />
          );
        } else {
          input = (
            <input
              {...common}
              type="text"
              pattern={p.pattern}
              value={value}
              onInput={(e) => set((e.target as HTMLInputElement).value)}
            />
          );
        }
        return (
          <div class={p.type === "boolean" ? "field field-check" : "field"} key={p.name}>
            <label for={id}>
              {p.name}
              {common.required && (
                <span class="required" aria-hidden="true">
                  {" "}
                  *
                </span>
              )}
              <span class="muted small"> {p.type === "enum" ? "one of" : p.type}</span>
            </label>
            {input}
            {p.description && (
              <small id={`${id}-help`} class="muted">
                {p.description}
                {p.minimum !== undefined || p.maximum !== undefined
                  ? ` (${p.minimum ?? "…"} to ${p.maximum ?? "…"})`
                  : ""}
              </small>
            )}
            {error && (
              <small id={`${id}-error`} class="error-text">
                {error}
              </small>
            )}
          </div>
        );
      })}
    </>
  );
}

/** The declarations of a stored blueprint's `parsed` form. */
export function parametersOf(parsed: unknown): ParameterDeclaration[] {
  const list = (parsed as { parameters?: unknown } | undefined)?.parameters;
  return Array.isArray(list) ? (list as ParameterDeclaration[]) : [];
}

/** The secrets a blueprint declares: its `sync: false` variables (as the API checks them). */
export function secretsOf(parsed: unknown): string[] {
  const keys = new Set<string>();
  const p = parsed as {
    services?: { envVars?: { key: string; sync?: boolean }[] }[];
    envVarGroups?: { envVars?: { key: string; sync?: boolean }[] }[];
  };
  for (const holder of [...(p?.services ?? []), ...(p?.envVarGroups ?? [])])
    for (const v of holder.envVars ?? []) if ("sync" in v) keys.add(v.key);
  return [...keys];
}
