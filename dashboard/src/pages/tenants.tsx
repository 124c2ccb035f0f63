import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import type { Tenant } from "../../../src/client/index.js";
import { isTransitional, TENANT_STATUSES } from "../../../src/domain/lifecycle.js";
import { api, unwrap } from "../api.js";
import { Ago, ErrorNote, Labels, LiveBadge, Loading, StatusBadge, useTitle } from "../components/ui.js";
import { type LiveEvent, useEvents } from "../live.js";
import { canWrite, useSession } from "../session.js";
import { useLoad } from "../use-load.js";

/** Status filters: one status, or a group. */
const STATUS_FILTERS: { value: string; label: string; statuses?: string[] }[] = [
  { value: "", label: "Any status except destroyed" },
  {
    value: "in-progress",
    label: "In progress",
    statuses: TENANT_STATUSES.filter(isTransitional),
  },
  { value: "active", label: "Active", statuses: ["active"] },
  { value: "attention", label: "Needs attention (failed, degraded)", statuses: ["failed", "degraded"] },
  { value: "suspended", label: "Suspended", statuses: ["suspended"] },
  { value: "destroyed", label: "Destroyed", statuses: ["destroyed"] },
  { value: "all", label: "All, destroyed too" },
];

const MAX_TENANTS = 2000;

/** Every tenant matching `q` (following the cursor, up to MAX_TENANTS). */
async function loadTenants(q: string): Promise<Tenant[]> {
  const out: Tenant[] = [];
  let cursor: string | undefined;
  do {
    const page = await unwrap(
      api().GET("/v1/tenants", { params: { query: { q: q || undefined, limit: 200, cursor } } }),
    );
    out.push(...page.data);
    cursor = page.next_cursor ?? undefined;
  } while (cursor && out.length < MAX_TENANTS);
  return out;
}

function matchesLabel(t: Tenant, selector: string): boolean {
  return selector
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .every((term) => {
      const eq = term.indexOf("=");
      if (eq < 0) return term in t.labels;
      return t.labels[term.slice(0, eq).trim()] === term.slice(eq + 1).trim();
    });
}

export function TenantsPage() {
  useTitle("Tenants");
  const session = useSession();
  const { query, route } = useLocation();
  const [search, setSearch] = useState(query["q"] ?? "");
  const status = query["status"] ?? "";
  const target = query["target"] ?? "";
  const label = query["label"] ?? "";
  const tenants = useLoad(() => loadTenants(query["q"] ?? ""), [query["q"]]);
  const targets = useLoad(() => unwrap(api().GET("/v1/targets")), []);
  const [announcement, setAnnouncement] = useState("");
  const pending = useRef(new Set<string>());
  const searchTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  /** The filters live in the URL: a filtered view can be bookmarked and shared. */
  const setFilter = (name: string, value: string) => {
    const next = new URLSearchParams(query as Record<string, string>);
    if (value) next.set(name, value);
    else next.delete(name);
    const qs = next.toString();
    route(qs ? `/?${qs}` : "/", true);
  };

  // A change to any tenant: read that tenant again and put it in its row.
  const live = useEvents("/v1/events", (e: LiveEvent) => {
    const id = e.tenant_id;
    if (!id || pending.current.has(id)) return;
    pending.current.add(id);
    setTimeout(() => {
      pending.current.delete(id);
      unwrap(api().GET("/v1/tenants/{id}", { params: { path: { id } } })).then(
        (fresh) => {
          const q = (query["q"] ?? "").toLowerCase();
          const visible = !q || fresh.name.toLowerCase().includes(q) || fresh.slug.includes(q);
          tenants.set((list) => {
            if (list === undefined) return list;
            const before = list.find((t) => t.id === id);
            if (before && before.status !== fresh.status)
              setAnnouncement(`${fresh.name} is now ${fresh.status.replaceAll("_", " ")}`);
            if (before) return list.map((t) => (t.id === id ? fresh : t));
            return visible ? [...list, fresh] : list;
          });
        },
        () => {},
      );
    }, 150);
  });

  // What changed between the first read and the stream's start: read once more when it is open.
  const wasLive = useRef(false);
  useEffect(() => {
    if (live === "live" && !wasLive.current) {
      wasLive.current = true;
      tenants.reload();
    }
  }, [live]);

  const filter = STATUS_FILTERS.find((f) => f.value === status) ?? STATUS_FILTERS[0];
  const rows = useMemo(
    () =>
      (tenants.data ?? []).filter(
        (t) =>
          (filter?.statuses
            ? filter.statuses.includes(t.status)
            : status === "all" || t.status !== "destroyed") &&
          (!target || t.target === target) &&
          (!label || matchesLabel(t, label)),
      ),
    [tenants.data, status, target, label, filter],
  );

  return (
    <section aria-labelledby="tenants-title">
      <div class="page-head">
        <h1 id="tenants-title">Tenants</h1>
        <LiveBadge state={live} />
        <div class="spacer" />
        {canWrite(session) && (
          <a class="button button-primary" href="/new">
            New tenant
          </a>
        )}
      </div>
      <search>
        <form class="filters" aria-label="Filter the tenants" onSubmit={(e) => e.preventDefault()}>
          <label class="field">
            <span>Search</span>
            <input
              type="search"
              placeholder="name or slug"
              value={search}
              onInput={(e) => {
                const value = (e.target as HTMLInputElement).value;
                setSearch(value);
                clearTimeout(searchTimer.current);
                searchTimer.current = setTimeout(() => setFilter("q", value.trim()), 250);
              }}
            />
          </label>
          <label class="field">
            <span>Status</span>
            <select
              value={status}
              onChange={(e) => setFilter("status", (e.target as HTMLSelectElement).value)}
            >
              {STATUS_FILTERS.map((f) => (
                <option key={f.value} value={f.value}>
                  {f.label}
                </option>
              ))}
            </select>
          </label>
          <label class="field">
            <span>Target</span>
            <select
              value={target}
              onChange={(e) => setFilter("target", (e.target as HTMLSelectElement).value)}
            >
              <option value="">Any target</option>
              {(targets.data?.data ?? []).map((t) => (
                <option key={t.name} value={t.name}>
                  {t.name}
                </option>
              ))}
            </select>
          </label>
          <label class="field">
            <span>Labels</span>
            <input
              placeholder="plan=pro,region=eu"
              defaultValue={label}
              onChange={(e) => setFilter("label", (e.target as HTMLInputElement).value.trim())}
            />
          </label>
        </form>
      </search>
      <p class="sr-only" aria-live="polite">
        {announcement}
      </p>
      <ErrorNote error={tenants.error} title="The tenants could not be read" />
      {tenants.data === undefined && !tenants.error ? (
        <Loading what="tenants" />
      ) : (
        <table class="table">
          <caption class="sr-only">Tenants</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Target</th>
              <th scope="col">Blueprint</th>
              <th scope="col">Labels</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((t) => (
              <tr key={t.id} data-tenant={t.slug}>
                <th scope="row">
                  <a href={`/tenants/${t.id}`}>{t.name}</a>
                  <div class="muted small">{t.slug}</div>
                </th>
                <td>
                  <StatusBadge status={t.status} />
                  {t.conditions.length > 0 && (
                    <span class="condition-dot" title={t.conditions.map((c) => c.message).join("\n")}>
                      {" "}
                      ⚠ {t.conditions.length}
                    </span>
                  )}
                </td>
                <td>{t.target}</td>
                <td>
                  <a href={`/blueprints/${encodeURIComponent(t.blueprint.name)}`}>{t.blueprint.name}</a>
                  <span class="muted"> v{t.blueprint.version}</span>
                </td>
                <td>
                  <Labels labels={t.labels} />
                </td>
                <td>
                  <Ago at={t.updated_at} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {tenants.data !== undefined && rows.length === 0 && (
        <p class="empty">
          No tenants{tenants.data.length > 0 ? " match these filters" : " yet"}.{" "}
          {canWrite(session) && <a href="/new">Create one</a>}
        </p>
      )}
      {(tenants.data?.length ?? 0) >= MAX_TENANTS && (
        <p class="muted">Showing the first {MAX_TENANTS} tenants: search to narrow them down.</p>
      )}
    </section>
  );
}
