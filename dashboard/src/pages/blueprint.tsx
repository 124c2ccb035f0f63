import { diffLines } from "diff";
import { useEffect, useMemo, useState } from "preact/hooks";
import { useRoute } from "preact-iso";
import type { Blueprint, Schemas } from "../../../src/client/index.js";
import { api, blueprintVersion, unwrap } from "../api.js";
import { CostTable } from "../components/cost.js";
import {
  initialInputs,
  type ParamInputs,
  ParamsFields,
  parametersOf,
  paramValues,
} from "../components/params-form.js";
import { SourceView } from "../components/source-view.js";
import { TargetField } from "../components/target-select.js";
import { ErrorNote, Loading, useTitle } from "../components/ui.js";
import { canWrite, useSession } from "../session.js";
import { useLoad } from "../use-load.js";

export function BlueprintPage() {
  const { params } = useRoute();
  const name = decodeURIComponent(params["name"] ?? "");
  useTitle(name);
  const session = useSession();
  const latest = useLoad(
    () => unwrap(api().GET("/v1/blueprints/{name}", { params: { path: { name } } })),
    [name],
  );
  const [shown, setShown] = useState<number | undefined>(undefined);
  const [tab, setTab] = useState<"source" | "diff" | "cost">("source");
  const current = shown ?? latest.data?.version;
  const selected = useLoad(
    () => (current === undefined ? Promise.resolve(undefined) : blueprintVersion(name, current)),
    [name, current],
  );
  // Warnings (deprecated fields…) with their line and column; a stored version has no errors.
  const diagnostics = useLoad(
    () =>
      selected.data?.source
        ? unwrap(api().POST("/v1/blueprints/validate", { body: { source: selected.data.source } }))
        : Promise.resolve(undefined),
    [selected.data?.digest],
  );

  if (latest.error) return <ErrorNote error={latest.error} title={`Blueprint ${name} could not be read`} />;
  if (!latest.data) return <Loading what="the blueprint" />;
  const versions = Array.from({ length: latest.data.version }, (_, i) => latest.data!.version - i);

  return (
    <article aria-labelledby="blueprint-title">
      <div class="page-head">
        <div>
          <p class="crumbs">
            <a href="/blueprints">Blueprints</a> /
          </p>
          <h1 id="blueprint-title">{name}</h1>
        </div>
        <label class="field field-inline">
          <span>Version</span>
          <select
            value={String(current)}
            onChange={(e) => setShown(Number((e.target as HTMLSelectElement).value))}
          >
            {versions.map((v) => (
              <option key={v} value={String(v)}>
                v{v}
                {v === latest.data?.version ? " (latest)" : ""}
              </option>
            ))}
          </select>
        </label>
        <div class="spacer" />
        {canWrite(session) && (
          <a class="button button-primary" href={`/new?blueprint=${encodeURIComponent(name)}`}>
            New tenant from it
          </a>
        )}
      </div>
      <div class="tabs" role="tablist" aria-label="Blueprint views">
        {(["source", "diff", "cost"] as const).map((t) => (
          <button
            key={t}
            type="button"
            role="tab"
            id={`tab-${t}`}
            aria-selected={tab === t}
            aria-controls={`panel-${t}`}
            tabIndex={tab === t ? 0 : -1}
            onClick={() => setTab(t)}
            onKeyDown={(e) => {
              const order = ["source", "diff", "cost"] as const;
              const i = order.indexOf(tab);
              if (e.key === "ArrowRight") setTab(order[(i + 1) % 3] ?? "source");
              if (e.key === "ArrowLeft") setTab(order[(i + 2) % 3] ?? "source");
            }}
          >
            {t === "source" ? "Source" : t === "diff" ? "Changes" : "Cost"}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`} class="panel">
        {tab === "source" &&
          (selected.data?.source !== undefined ? (
            <>
              <p class="muted small">
                Digest <code>{selected.data.digest}</code>
                {diagnostics.data && diagnostics.data.warnings.length > 0
                  ? ` · ${diagnostics.data.warnings.length} warning(s), shown at their lines`
                  : " · no warnings"}
              </p>
              <SourceView
                source={selected.data.source}
                diagnostics={[...(diagnostics.data?.errors ?? []), ...(diagnostics.data?.warnings ?? [])]}
              />
            </>
          ) : (
            <Loading what="the source" />
          ))}
        {tab === "diff" && current !== undefined && <Diff name={name} versions={versions} to={current} />}
        {tab === "cost" && selected.data && <Cost name={name} blueprint={selected.data} />}
      </div>
    </article>
  );
}

/** The line changes from one version to another. */
function Diff({ name, versions, to }: { name: string; versions: number[]; to: number }) {
  const [from, setFrom] = useState(Math.max(1, to - 1));
  const [target, setTarget] = useState(to);
  useEffect(() => {
    setTarget(to);
    setFrom(Math.max(1, to - 1));
  }, [to]);
  const pair = useLoad(
    () => Promise.all([blueprintVersion(name, from), blueprintVersion(name, target)]),
    [name, from, target],
  );
  const parts = useMemo(
    () => (pair.data ? diffLines(pair.data[0].source ?? "", pair.data[1].source ?? "") : undefined),
    [pair.data],
  );
  const choose = (label: string, value: number, set: (v: number) => void) => (
    <label class="field field-inline">
      <span>{label}</span>
      <select value={String(value)} onChange={(e) => set(Number((e.target as HTMLSelectElement).value))}>
        {versions.map((v) => (
          <option key={v} value={String(v)}>
            v{v}
          </option>
        ))}
      </select>
    </label>
  );
  const added = parts?.filter((p) => p.added).reduce((n, p) => n + (p.count ?? 0), 0) ?? 0;
  const removed = parts?.filter((p) => p.removed).reduce((n, p) => n + (p.count ?? 0), 0) ?? 0;
  return (
    <section aria-label="Changes between versions">
      <div class="filters">
        {choose("From", from, setFrom)}
        {choose("To", target, setTarget)}
        {parts && (
          <p class="muted">
            <span class="diff-add-text">+{added}</span> <span class="diff-del-text">−{removed}</span> lines
          </p>
        )}
      </div>
      <ErrorNote error={pair.error} />
      {!parts ? (
        <Loading what="the versions" />
      ) : from === target ? (
        <p class="muted">Choose two different versions.</p>
      ) : added + removed === 0 ? (
        <p class="muted">
          v{from} and v{target} are the same.
        </p>
      ) : (
        <pre class="diff">
          {parts.map((p, i) => {
            const sign = p.added ? "+" : p.removed ? "-" : " ";
            const cls = p.added ? "diff-add" : p.removed ? "diff-del" : "diff-same";
            const lines = p.value.replace(/\n$/, "").split("\n");
            return (
              <span key={i} class={cls}>
                {lines.map((l) => `${sign} ${l}\n`).join("")}
              </span>
            );
          })}
        </pre>
      )}
    </section>
  );
}

/** The monthly cost of a version for a would-be tenant, with its parameters. */
function Cost({ name, blueprint }: { name: string; blueprint: Blueprint }) {
  const params = useMemo(() => parametersOf(blueprint.parsed), [blueprint]);
  const [inputs, setInputs] = useState<ParamInputs>(() => initialInputs(params));
  const [target, setTarget] = useState("");
  const [result, setResult] = useState<{ cost?: Schemas["Cost"]; error?: unknown }>({});
  const typed = paramValues(params, inputs);
  const key = JSON.stringify([blueprint.version, target, typed.values, Object.keys(typed.errors)]);
  useEffect(() => {
    if (Object.keys(typed.errors).length > 0) return setResult({});
    const timer = setTimeout(() => {
      unwrap(
        api().POST("/v1/blueprints/{name}/render", {
          params: { path: { name } },
          body: {
            tenant: { name: "cost estimate" },
            version: blueprint.version,
            ...(target ? { target } : {}),
            params: typed.values,
            check_target: false,
          },
        }),
      ).then(
        (r) => setResult({ cost: r.cost }),
        (error: unknown) => setResult({ error }),
      );
    }, 250);
    return () => clearTimeout(timer);
  }, [key]);
  return (
    <div class="columns">
      <form class="form" onSubmit={(e) => e.preventDefault()} aria-label="Parameters of the estimate">
        <TargetField id="cost-target" value={target} onChange={setTarget} />
        <ParamsFields
          params={params}
          inputs={inputs}
          errors={typed.errors}
          onChange={(n, v) => setInputs((i) => ({ ...i, [n]: v }))}
        />
      </form>
      <div>
        {result.cost ? (
          <CostTable cost={result.cost} />
        ) : result.error ? (
          <ErrorNote error={result.error} title="No estimate" />
        ) : (
          <p class="muted">Fill in the required parameters to see the cost.</p>
        )}
      </div>
    </div>
  );
}
