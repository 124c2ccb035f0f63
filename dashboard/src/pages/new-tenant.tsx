import { useEffect, useMemo, useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import type { Schemas } from "../../../src/client/index.js";
import { api, latestBlueprint, TenantryApiError, unwrap } from "../api.js";
import { CostTable } from "../components/cost.js";
import {
  initialInputs,
  type ParamInputs,
  ParamsFields,
  parametersOf,
  paramValues,
  secretsOf,
} from "../components/params-form.js";
import { TargetField } from "../components/target-select.js";
import { ErrorNote, Loading, useTitle } from "../components/ui.js";
import { useLoad } from "../use-load.js";

function parseLabels(text: string): { labels: Record<string, string>; error?: string } {
  const labels: Record<string, string> = {};
  for (const part of text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean)) {
    const eq = part.indexOf("=");
    if (eq <= 0) return { labels, error: `"${part}" is not key=value` };
    labels[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return { labels };
}

/** The create-tenant form: generated from the chosen blueprint's parameters, with its cost. */
export function NewTenantPage() {
  useTitle("New tenant");
  const { query, route } = useLocation();
  const blueprints = useLoad(() => unwrap(api().GET("/v1/blueprints")), []);
  const [name, setName] = useState(query["blueprint"] ?? "");
  const blueprint = useLoad(() => (name ? latestBlueprint(name) : Promise.resolve(undefined)), [name]);
  const params = useMemo(() => parametersOf(blueprint.data?.parsed), [blueprint.data]);
  const secretNames = useMemo(() => secretsOf(blueprint.data?.parsed), [blueprint.data]);
  const [tenantName, setTenantName] = useState("");
  const [slug, setSlug] = useState("");
  const [target, setTarget] = useState("");
  const [labelsText, setLabelsText] = useState("");
  const [inputs, setInputs] = useState<ParamInputs>({});
  const [secrets, setSecrets] = useState<Record<string, string>>({});
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const [estimate, setEstimate] = useState<{ cost?: Schemas["Cost"]; error?: unknown }>({});

  // The first blueprint, when none was asked for.
  useEffect(() => {
    if (!name && blueprints.data?.data[0]) setName(blueprints.data.data[0].name);
  }, [blueprints.data]);
  useEffect(() => {
    setInputs(initialInputs(params));
    setSecrets({});
    setFieldErrors({});
  }, [params]);

  const typed = paramValues(params, inputs);
  // What it would cost, and whether the target can serve it (a 422 now, not after create).
  const estimateKey = JSON.stringify([name, target, typed.values, Object.keys(typed.errors)]);
  useEffect(() => {
    if (!blueprint.data || Object.keys(typed.errors).length > 0) {
      setEstimate({});
      return;
    }
    const timer = setTimeout(() => {
      unwrap(
        api().POST("/v1/blueprints/{name}/render", {
          params: { path: { name } },
          body: {
            tenant: { name: tenantName || "new tenant", ...(slug ? { slug } : {}) },
            ...(target ? { target } : {}),
            params: typed.values,
            secrets: secretNames,
          },
        }),
      ).then(
        (r) => setEstimate({ cost: r.cost }),
        (err: unknown) => setEstimate({ error: err }),
      );
    }, 300);
    return () => clearTimeout(timer);
  }, [estimateKey, blueprint.data]);

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    const errors: Record<string, string> = { ...typed.errors };
    const labels = parseLabels(labelsText);
    if (labels.error) errors["labels"] = labels.error;
    if (!tenantName.trim()) errors["name"] = "required";
    setFieldErrors(errors);
    if (Object.keys(errors).length > 0) return;
    setBusy(true);
    try {
      const filled = Object.fromEntries(Object.entries(secrets).filter(([, v]) => v !== ""));
      const created = await unwrap(
        api().POST("/v1/tenants", {
          params: { header: { "Idempotency-Key": crypto.randomUUID() } },
          body: {
            name: tenantName.trim(),
            ...(slug.trim() ? { slug: slug.trim() } : {}),
            blueprint: name,
            ...(target ? { target } : {}),
            params: typed.values,
            ...(Object.keys(filled).length ? { secrets: filled } : {}),
            labels: labels.labels,
          },
        }),
      );
      route(`/tenants/${created.tenant.id}`);
    } catch (err) {
      // Field errors at their fields (`/params/size`, `/slug`), the rest above the button.
      if (err instanceof TenantryApiError && err.errors.length > 0) {
        const byField: Record<string, string> = {};
        for (const fe of err.errors) {
          const m = /^\/(?:params\/([^/]+)|(name|slug|labels|target))/.exec(fe.pointer);
          const key = m?.[1] ?? m?.[2];
          if (key) byField[key] = fe.message;
        }
        setFieldErrors(byField);
      }
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  if (blueprints.data && blueprints.data.data.length === 0)
    return (
      <section>
        <h1>New tenant</h1>
        <p>
          No blueprint is stored yet. Push one first: <code>tenantry blueprints push NAME FILE</code>.
        </p>
      </section>
    );

  const fieldError = (key: string) =>
    fieldErrors[key] ? (
      <small id={`${key}-error`} class="error-text">
        {fieldErrors[key]}
      </small>
    ) : null;

  return (
    <section aria-labelledby="new-title">
      <p class="crumbs">
        <a href="/">Tenants</a> /
      </p>
      <h1 id="new-title">New tenant</h1>
      <div class="columns">
        <form class="form" onSubmit={submit} noValidate>
          <fieldset>
            <legend>Tenant</legend>
            <div class="field">
              <label for="tenant-name">
                Name<span aria-hidden="true"> *</span>
              </label>
              <input
                id="tenant-name"
                required
                value={tenantName}
                aria-invalid={fieldErrors["name"] ? "true" : undefined}
                aria-describedby={fieldErrors["name"] ? "name-error" : undefined}
                onInput={(e) => {
                  setTenantName((e.target as HTMLInputElement).value);
                  setFieldErrors(({ name: _, ...rest }) => rest);
                }}
              />
              {fieldError("name")}
            </div>
            <div class="field">
              <label for="tenant-slug">Slug</label>
              <input
                id="tenant-slug"
                placeholder="derived from the name"
                value={slug}
                aria-invalid={fieldErrors["slug"] ? "true" : undefined}
                onInput={(e) => {
                  setSlug((e.target as HTMLInputElement).value);
                  setFieldErrors(({ slug: _, ...rest }) => rest);
                }}
              />
              {fieldError("slug")}
            </div>
            <div class="field">
              <label for="tenant-blueprint">Blueprint</label>
              <select
                id="tenant-blueprint"
                value={name}
                onChange={(e) => setName((e.target as HTMLSelectElement).value)}
              >
                {(blueprints.data?.data ?? []).map((b) => (
                  <option key={b.name} value={b.name}>
                    {b.name} (v{b.version})
                  </option>
                ))}
              </select>
            </div>
            <TargetField id="tenant-target" value={target} onChange={setTarget}>
              {fieldError("target")}
            </TargetField>
            <div class="field">
              <label for="tenant-labels">Labels</label>
              <input
                id="tenant-labels"
                placeholder="plan=pro, region=eu"
                value={labelsText}
                aria-invalid={fieldErrors["labels"] ? "true" : undefined}
                onInput={(e) => {
                  setLabelsText((e.target as HTMLInputElement).value);
                  setFieldErrors(({ labels: _, ...rest }) => rest);
                }}
              />
              {fieldError("labels")}
            </div>
          </fieldset>
          <fieldset>
            <legend>Parameters</legend>
            {blueprint.loading && !blueprint.data ? (
              <Loading what="the blueprint" />
            ) : (
              <ParamsFields
                params={params}
                inputs={inputs}
                errors={fieldErrors}
                onChange={(n, v) => {
                  setInputs((i) => ({ ...i, [n]: v }));
                  setFieldErrors(({ [n]: _, ...rest }) => rest);
                }}
              />
            )}
          </fieldset>
          {secretNames.length > 0 && (
            <fieldset>
              <legend>Secrets</legend>
              <p class="muted small">
                Write-only: stored sealed, never shown again. Leave empty to set later.
              </p>
              {secretNames.map((s) => (
                <div class="field" key={s}>
                  <label for={`secret-${s}`}>{s}</label>
                  <input
                    id={`secret-${s}`}
                    type="password"
                    autoComplete="off"
                    value={secrets[s] ?? ""}
                    onInput={(e) => setSecrets((v) => ({ ...v, [s]: (e.target as HTMLInputElement).value }))}
                  />
                </div>
              ))}
            </fieldset>
          )}
          <ErrorNote error={error} title="The tenant was not created" />
          <button type="submit" class="button button-primary" disabled={busy || !blueprint.data}>
            {busy ? "Creating…" : "Create tenant"}
          </button>
        </form>
        <aside aria-label="Estimate" class="card">
          <h2>What it creates</h2>
          {estimate.cost ? (
            <CostTable cost={estimate.cost} />
          ) : estimate.error ? (
            <ErrorNote error={estimate.error} title="This cannot be created as it is" />
          ) : (
            <p class="muted">Fill in the required parameters to see the cost.</p>
          )}
        </aside>
      </div>
    </section>
  );
}
