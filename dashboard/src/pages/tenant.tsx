import { useEffect, useRef, useState } from "preact/hooks";
import { useLocation, useRoute } from "preact-iso";
import type { Operation, Schemas, Tenant } from "../../../src/client/index.js";
import { isTransitional } from "../../../src/domain/lifecycle.js";
import { api, unwrap } from "../api.js";
import {
  Ago,
  ConfirmButton,
  ErrorNote,
  Labels,
  LiveBadge,
  Loading,
  StatusBadge,
  useTitle,
} from "../components/ui.js";
import { formatDuration, formatTime } from "../format.js";
import { followStream, type LiveEvent, type LiveState, useEvents } from "../live.js";
import { canWrite, useSession } from "../session.js";
import { useLoad, useThrottled } from "../use-load.js";

type Resource = Schemas["Resource"];

/** Everything the tenant page shows, read together after each event. */
interface TenantView {
  tenant: Tenant & { resources?: Resource[] };
  status: Schemas["TenantStatus"];
  operations: Operation[];
  /** Resource kinds whose logs this tenant's target can show. */
  logKinds: Set<string>;
}

async function loadTenant(id: string): Promise<TenantView> {
  const [tenant, status, operations, targets] = await Promise.all([
    unwrap(api().GET("/v1/tenants/{id}", { params: { path: { id } } })),
    unwrap(api().GET("/v1/tenants/{id}/status", { params: { path: { id } } })),
    unwrap(api().GET("/v1/tenants/{id}/operations", { params: { path: { id }, query: { limit: 20 } } })),
    unwrap(api().GET("/v1/targets")),
  ]);
  const target = targets.data.find((t) => t.name === tenant.target);
  return {
    tenant,
    status,
    operations: operations.data,
    logKinds: new Set(target?.kinds.filter((k) => k.logs).map((k) => k.kind) ?? []),
  };
}

/** A page of the tenant's events (the JSON variant of an answer that can also be a stream). */
async function eventPage(id: string, cursor?: string | null): Promise<Schemas["EventPage"]> {
  const page = await unwrap(
    api().GET("/v1/tenants/{id}/events", {
      params: { path: { id }, query: { limit: 200, cursor: cursor ?? undefined } },
    }),
  );
  return page as unknown as Schemas["EventPage"];
}

export function TenantPage() {
  const { params } = useRoute();
  const id = params["id"] ?? "";
  const session = useSession();
  const view = useLoad(() => loadTenant(id), [id]);
  const [events, setEvents] = useState<LiveEvent[] | undefined>(undefined);
  const [after, setAfter] = useState<number | undefined>(undefined);
  const refresh = useThrottled(view.reload, 200);
  useTitle(view.data?.tenant.name ?? "Tenant");

  // The timeline: the latest page first, then the live stream from where it ends.
  useEffect(() => {
    setEvents(undefined);
    setAfter(undefined);
    eventPage(id).then(
      async (page) => {
        let all = page.data as LiveEvent[];
        let cursor = page.next_cursor;
        // Oldest first, by pages: follow to the end so that the stream starts after the last one.
        while (cursor) {
          const next = await eventPage(id, cursor);
          all = [...all, ...(next.data as LiveEvent[])].slice(-500);
          cursor = next.next_cursor;
        }
        setEvents(all);
        setAfter(all.at(-1)?.id ?? 0);
      },
      () => setEvents([]),
    );
  }, [id]);

  const live = useEvents(
    after === undefined ? null : `/v1/tenants/${encodeURIComponent(id)}/events`,
    (e) => {
      setEvents((list) => [...(list ?? []), e].slice(-500));
      refresh();
    },
    after,
  );

  if (view.error && !view.data) return <ErrorNote error={view.error} title="This tenant could not be read" />;
  if (!view.data) return <Loading what="the tenant" />;
  const { tenant, status, operations, logKinds } = view.data;
  const writable = canWrite(session);
  const busy = isTransitional(tenant.status);
  const gone = tenant.status === "destroyed";
  const resources = (tenant.resources ?? []).filter((r) => r.status !== "deleted");

  return (
    <article aria-labelledby="tenant-title">
      <div class="page-head">
        <div>
          <p class="crumbs">
            <a href="/">Tenants</a> /
          </p>
          <h1 id="tenant-title">{tenant.name}</h1>
        </div>
        <StatusBadge status={tenant.status} />
        <LiveBadge state={live} />
        <div class="spacer" />
        {writable && !gone && <TenantActions tenant={tenant} busy={busy} onDone={view.reload} />}
      </div>
      <p class="sr-only" aria-live="polite">
        {tenant.name} is {tenant.status.replaceAll("_", " ")}
        {status.operation ? `, ${status.operation.kind} operation ${status.operation.status}` : ""}
      </p>

      {tenant.status === "failed" && (
        <div class="alert alert-error" role="alert" data-testid="tenant-error">
          <strong>This tenant failed.</strong>
          <pre class="alert-text">{tenant.error_message ?? "No error message was recorded."}</pre>
          {tenant.failed_operation_id && (
            <p>
              See the failed operation below (<code>{tenant.failed_operation_id}</code>); fix the cause, then{" "}
              <strong>Retry</strong>.
            </p>
          )}
        </div>
      )}
      {tenant.status !== "failed" && tenant.error_message && (
        <div class="alert alert-warn" role="status">
          <pre class="alert-text">{tenant.error_message}</pre>
        </div>
      )}
      {status.conditions.length > 0 && (
        <section aria-labelledby="conditions-title" class="card">
          <h2 id="conditions-title">Conditions</h2>
          <ul class="conditions">
            {status.conditions.map((c) => (
              <li key={c.type + c.since}>
                <strong>{c.type.replaceAll("_", " ")}</strong> since <Ago at={c.since} />: {c.message}
              </li>
            ))}
          </ul>
        </section>
      )}

      <dl class="facts">
        <dt>Slug</dt>
        <dd>
          <code>{tenant.slug}</code>
        </dd>
        <dt>Id</dt>
        <dd>
          <code>{tenant.id}</code>
        </dd>
        <dt>Target</dt>
        <dd>{tenant.target}</dd>
        <dt>Blueprint</dt>
        <dd>
          <a href={`/blueprints/${encodeURIComponent(tenant.blueprint.name)}`}>{tenant.blueprint.name}</a> v
          {tenant.blueprint.version}
        </dd>
        <dt>Desired</dt>
        <dd>{tenant.desired_state}</dd>
        <dt>Generation</dt>
        <dd>
          {tenant.observed_generation} of {tenant.generation}
        </dd>
        <dt>Labels</dt>
        <dd>
          <Labels labels={tenant.labels} />
        </dd>
        <dt>Created</dt>
        <dd>
          <Ago at={tenant.created_at} />
        </dd>
        {status.site_url && (
          <>
            <dt>URL</dt>
            <dd>
              <a href={status.site_url} rel="noreferrer" target="_blank">
                {status.site_url}
              </a>
            </dd>
          </>
        )}
      </dl>

      <div class="columns">
        <div>
          <Resources
            resources={resources}
            outputs={status.outputs}
            tenantId={tenant.id}
            logKinds={logKinds}
          />
          <Params params={tenant.params} />
          <Operations operations={operations} />
        </div>
        <Timeline events={events} />
      </div>
    </article>
  );
}

function TenantActions({ tenant, busy, onDone }: { tenant: Tenant; busy: boolean; onDone(): void }) {
  const { route } = useLocation();
  const path = { params: { path: { id: tenant.id } } };
  const inProgress = busy ? `wait until the ${tenant.status.replaceAll("_", " ")} tenant settles` : undefined;
  const act = async (action: "suspend" | "resume" | "retry") => {
    const headers = { "Idempotency-Key": crypto.randomUUID() };
    const init = { params: { path: { id: tenant.id }, header: headers } };
    if (action === "suspend") await unwrap(api().POST("/v1/tenants/{id}/suspend", init));
    if (action === "resume") await unwrap(api().POST("/v1/tenants/{id}/resume", init));
    if (action === "retry") await unwrap(api().POST("/v1/tenants/{id}/retry", init));
    onDone();
  };
  const canSuspend = tenant.status === "active" || tenant.status === "degraded";
  return (
    <div class="actions">
      {tenant.status === "suspended" ? (
        <ConfirmButton label="Resume" title={`Resume ${tenant.name}?`} onConfirm={() => act("resume")}>
          <p>Its services start again; its data is as it was.</p>
        </ConfirmButton>
      ) : (
        <ConfirmButton
          label="Suspend"
          title={`Suspend ${tenant.name}?`}
          disabled={!canSuspend}
          disabledReason={inProgress ?? `a ${tenant.status} tenant cannot be suspended`}
          onConfirm={() => act("suspend")}
        >
          <p>Its services stop; its data and configuration are kept, and Resume brings it back.</p>
        </ConfirmButton>
      )}
      <ConfirmButton
        label="Retry"
        title={`Retry ${tenant.name}'s failed operation?`}
        disabled={tenant.status !== "failed"}
        disabledReason="only a failed tenant can be retried"
        onConfirm={() => act("retry")}
      >
        <p>Runs the failed operation again from the step that failed.</p>
      </ConfirmButton>
      <ConfirmButton
        label="Delete"
        danger
        title={`Delete ${tenant.name}?`}
        confirmLabel="Delete the tenant"
        typeToConfirm={tenant.slug}
        disabled={tenant.status === "destroy_queued" || tenant.status === "destroying"}
        disabledReason="it is being deleted"
        onConfirm={async () => {
          await unwrap(
            api().DELETE("/v1/tenants/{id}", {
              ...path,
              params: { ...path.params, header: { "Idempotency-Key": crypto.randomUUID() } },
            }),
          );
          onDone();
          route(`/tenants/${tenant.id}`, true);
        }}
      >
        <p>
          Every resource Tenantry created for this tenant is deleted, with its data. This cannot be undone.
        </p>
      </ConfirmButton>
    </div>
  );
}

/** A credential inside a URL (`postgres://user:password@host`) is shown masked. */
function display(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.replace(/(\/\/[^/:@\s]+:)[^@/\s]+@/g, "$1••••@");
}

function Resources(props: {
  resources: Resource[];
  outputs: Record<string, Record<string, unknown>>;
  tenantId: string;
  logKinds: Set<string>;
}) {
  const [logsOf, setLogsOf] = useState<string | undefined>(undefined);
  return (
    <section aria-labelledby="resources-title">
      <h2 id="resources-title">Resources</h2>
      {props.resources.length === 0 ? (
        <p class="muted">None yet.</p>
      ) : (
        <table class="table">
          <thead>
            <tr>
              <th scope="col">Resource</th>
              <th scope="col">Status</th>
              <th scope="col">Platform id</th>
              <th scope="col">Outputs</th>
            </tr>
          </thead>
          <tbody>
            {props.resources.map((r) => {
              const outputs = Object.entries(props.outputs[r.key] ?? r.outputs ?? {});
              return (
                <tr key={r.key}>
                  <th scope="row">
                    {r.name}
                    <div class="muted small">
                      {r.kind} · {r.provider}
                    </div>
                    {props.logKinds.has(r.kind) && (
                      <button
                        type="button"
                        class="button button-small"
                        aria-expanded={logsOf === r.key}
                        onClick={() => setLogsOf(logsOf === r.key ? undefined : r.key)}
                      >
                        {logsOf === r.key ? "Hide logs" : "Logs"}
                      </button>
                    )}
                  </th>
                  <td>
                    <StatusBadge status={r.status} />
                  </td>
                  <td>
                    <code class="small">{r.provider_id ?? "–"}</code>
                  </td>
                  <td>
                    {outputs.length === 0 ? (
                      <span class="muted">–</span>
                    ) : (
                      <dl class="outputs">
                        {outputs.map(([k, v]) => (
                          <div key={k}>
                            <dt>{k}</dt>
                            <dd>
                              <code>{display(v)}</code>
                            </dd>
                          </div>
                        ))}
                      </dl>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <p class="muted small">Secret outputs (passwords, keys) are never shown here.</p>
      {logsOf && <Logs tenantId={props.tenantId} resource={logsOf} />}
    </section>
  );
}

/** A resource's logs: the last lines, then new ones as they are written. */
function Logs({ tenantId, resource }: { tenantId: string; resource: string }) {
  const [lines, setLines] = useState<string[]>([]);
  const [state, setState] = useState<LiveState>("connecting");
  const box = useRef<HTMLPreElement>(null);
  useEffect(() => {
    setLines([]);
    const controller = new AbortController();
    void followStream({
      path: `/v1/tenants/${encodeURIComponent(tenantId)}/resources/${encodeURIComponent(resource)}/logs?tail=300`,
      signal: controller.signal,
      onState: (s) => {
        setState(s);
        // A reconnect sends the tail again.
        if (s === "reconnecting") setLines([]);
      },
      onMessage: (m) => {
        if (m.data !== undefined) setLines((l) => [...l, m.data as string].slice(-2000));
      },
    });
    return () => controller.abort();
  }, [tenantId, resource]);
  useEffect(() => {
    const el = box.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [lines]);
  return (
    <section aria-label={`Logs of ${resource}`} class="card">
      <h3>
        Logs of {resource} <LiveBadge state={state} />
      </h3>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard (WCAG 2.1.1) */}
      <pre class="logs" ref={box} tabIndex={0}>
        {lines.length === 0 ? "(no lines yet)" : lines.join("\n")}
      </pre>
    </section>
  );
}

function Params({ params }: { params: Record<string, unknown> }) {
  const entries = Object.entries(params);
  if (entries.length === 0) return null;
  return (
    <section aria-labelledby="params-title">
      <h2 id="params-title">Parameters</h2>
      <dl class="facts">
        {entries.map(([k, v]) => (
          <>
            <dt key={`${k}-k`}>{k}</dt>
            <dd key={`${k}-v`}>
              <code>{JSON.stringify(v)}</code>
            </dd>
          </>
        ))}
      </dl>
    </section>
  );
}

function Operations({ operations }: { operations: Operation[] }) {
  return (
    <section aria-labelledby="operations-title">
      <h2 id="operations-title">Operations</h2>
      {operations.length === 0 && <p class="muted">None.</p>}
      <ol class="operations">
        {operations.map((o, i) => (
          <li key={o.id}>
            <details open={i === 0} data-operation={o.id}>
              <summary>
                <strong>{o.kind === o.effective_kind ? o.kind : `${o.kind} (${o.effective_kind})`}</strong>{" "}
                <StatusBadge status={o.status} /> <Ago at={o.created_at} />
                <span class="muted">
                  {" "}
                  · {formatDuration(o.duration_ms)}
                  {o.attempt > 0
                    ? ` · ${o.attempt} failed attempt${o.attempt === 1 ? "" : "s"} of ${o.max_attempts}`
                    : ""}
                </span>
              </summary>
              {o.error && (
                <p class="error-text">
                  <code>{o.error.code}</code>: {o.error.message}
                </p>
              )}
              <p class="muted small">
                Requested by {o.requested_by.name ?? o.requested_by.type} {formatTime(o.created_at)}
                {o.next_run_at && o.status !== "succeeded"
                  ? ` · next attempt ${formatTime(o.next_run_at)}`
                  : ""}
              </p>
              {o.steps.length > 0 && (
                <table class="table table-compact">
                  <thead>
                    <tr>
                      <th scope="col">#</th>
                      <th scope="col">Step</th>
                      <th scope="col">Status</th>
                      <th scope="col">Attempts</th>
                      <th scope="col">Took</th>
                    </tr>
                  </thead>
                  <tbody>
                    {o.steps.map((s) => (
                      <tr key={s.seq}>
                        <td>{s.seq}</td>
                        <td>
                          {s.name}
                          {s.error_message && <div class="error-text small">{s.error_message}</div>}
                          {!s.error_message && s.detail && <div class="muted small">{s.detail}</div>}
                        </td>
                        <td>
                          <StatusBadge status={s.status} />
                        </td>
                        <td>{s.attempts}</td>
                        <td>{formatDuration(s.duration_ms)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </details>
          </li>
        ))}
      </ol>
    </section>
  );
}

function Timeline({ events }: { events: LiveEvent[] | undefined }) {
  return (
    <section aria-labelledby="timeline-title" class="timeline">
      <h2 id="timeline-title">Timeline</h2>
      {events === undefined ? (
        <Loading what="events" />
      ) : events.length === 0 ? (
        <p class="muted">Nothing happened yet.</p>
      ) : (
        <ol reversed aria-live="polite" aria-relevant="additions">
          {[...events].reverse().map((e) => (
            <li key={e.id} data-event-type={e.type}>
              <span class="event-type">{e.type}</span> <Ago at={e.created_at} />
              <div>{e.message}</div>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
