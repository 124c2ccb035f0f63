import { useState } from "preact/hooks";
import type { Schemas } from "../../../src/client/index.js";
import { api, unwrap } from "../api.js";
import { Ago, ErrorNote, Loading, useTitle } from "../components/ui.js";
import { useLoad } from "../use-load.js";

type Entry = Schemas["AuditEntry"];

/** Who did what: the organization's audit log (`GET /v1/audit`), newest first, with filters. */
export function AuditPage() {
  useTitle("Audit log");
  const [action, setAction] = useState("");
  const [tenant, setTenant] = useState("");
  const [filters, setFilters] = useState({ action: "", tenant: "" });
  const [more, setMore] = useState<{ entries: Entry[]; cursor: string | null } | undefined>(undefined);
  const first = useLoad(async () => {
    setMore(undefined);
    return unwrap(
      api().GET("/v1/audit", {
        params: {
          query: { action: filters.action || undefined, tenant: filters.tenant || undefined, limit: 50 },
        },
      }),
    );
  }, [filters.action, filters.tenant]);
  const entries = [...(first.data?.data ?? []), ...(more?.entries ?? [])];
  const cursor = more ? more.cursor : (first.data?.next_cursor ?? null);
  const loadMore = async () => {
    if (!cursor) return;
    const page = await unwrap(
      api().GET("/v1/audit", {
        params: {
          query: {
            action: filters.action || undefined,
            tenant: filters.tenant || undefined,
            limit: 50,
            cursor,
          },
        },
      }),
    );
    setMore((m) => ({ entries: [...(m?.entries ?? []), ...page.data], cursor: page.next_cursor }));
  };
  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit log</h1>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setFilters({ action: action.trim(), tenant: tenant.trim() });
        }}
      >
        <label class="field">
          <span>Action</span>
          <input
            placeholder="tenant. or tenant.create"
            value={action}
            onInput={(e) => setAction((e.target as HTMLInputElement).value)}
          />
        </label>
        <label class="field">
          <span>Tenant id</span>
          <input value={tenant} onInput={(e) => setTenant((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit" class="button">
          Filter
        </button>
      </form>
      <ErrorNote error={first.error} title="The audit log could not be read" />
      {!first.data && !first.error && <Loading what="the audit log" />}
      {first.data && (
        <table class="table">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">Action</th>
              <th scope="col">Outcome</th>
              <th scope="col">Tenant</th>
              <th scope="col">Request</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.id}>
                <td>
                  <Ago at={e.at} />
                </td>
                <td>{e.actor.name ?? e.actor.type}</td>
                <td>
                  <code>{e.action}</code>
                </td>
                <td>
                  <span
                    class={`badge badge-${e.outcome === "succeeded" ? "ok" : e.outcome === "refused" ? "warn" : "bad"}`}
                  >
                    {e.outcome}
                  </span>
                  {e.status !== null && <span class="muted small"> {e.status}</span>}
                </td>
                <td>
                  {e.tenant_id ? <a href={`/tenants/${e.tenant_id}`}>{e.tenant_id.slice(0, 8)}…</a> : "–"}
                </td>
                <td>
                  <code class="small">{e.request_id ?? "–"}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {first.data && entries.length === 0 && <p class="empty">Nothing recorded matches.</p>}
      {cursor && (
        <button type="button" class="button" onClick={loadMore}>
          Load more
        </button>
      )}
    </section>
  );
}
