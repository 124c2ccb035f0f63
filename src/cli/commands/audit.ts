import type { Command } from "commander";
import type { AuditEntryView, AuditQuery } from "../api-client.js";
import { emit, formatMap, formatTime, table } from "../output.js";
import { type OutputOptions, positiveNumber, run, tenantArg, withConnection, withOutput } from "./tenants.js";

/**
 * `tenantry audit`: the organization's audit log (admin role, `GET /v1/audit`), oldest
 * first: who did what, when, with which outcome and request id.
 */
interface AuditOptions extends OutputOptions {
  tenant?: string;
  actor?: string;
  action?: string;
  since?: string;
  until?: string;
  requestId?: string;
  limit: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The API's largest page. */
const PAGE = 500;

function actorOf(e: AuditEntryView): string {
  return e.actor.type === "system" ? "system" : e.actor.name;
}

export function registerAuditCommand(program: Command): void {
  withOutput(
    withConnection(
      program
        .command("audit")
        .description("the organization's audit log, oldest first (admin role)")
        .option("--tenant <id-or-slug>", "only this tenant's entries", tenantArg)
        .option("--actor <key-id>", "only this API key's entries, or `system` for the engine's")
        .option("--action <action>", "exact (tenant.create) or a prefix ending in . or * (tenant.)")
        .option("--since <time>", "from this time (RFC 3339, e.g. 2026-01-31T00:00:00Z)")
        .option("--until <time>", "before this time (RFC 3339)")
        .option("--request-id <id>", "only one request's entries (its X-Request-Id)")
        .option("--limit <n>", "at most this many entries", positiveNumber, 100),
    ),
  ).action(async (options: AuditOptions) =>
    run(options, async ({ client }) => {
      // A slug is the tenant's id to the API.
      const tenant =
        options.tenant && !UUID.test(options.tenant)
          ? (await client.getTenant(options.tenant)).id
          : options.tenant;
      const query: AuditQuery = {
        tenant,
        actor: options.actor,
        action: options.action,
        since: options.since,
        until: options.until,
        request_id: options.requestId,
      };
      const entries: AuditEntryView[] = [];
      let cursor: string | undefined;
      do {
        const limit = Math.max(1, Math.min(PAGE, Math.floor(options.limit) - entries.length));
        const page = await client.auditLog({ ...query, limit, cursor });
        entries.push(...page.data);
        cursor = page.next_cursor ?? undefined;
      } while (cursor && entries.length < options.limit);

      const HEADERS = ["TIME", "ACTOR", "ACTION", "OUTCOME", "TENANT", "OPERATION", "REQUEST ID"];
      const row = (e: AuditEntryView) => [
        formatTime(e.at),
        actorOf(e),
        e.action,
        e.status === null ? e.outcome : `${e.outcome} ${e.status}`,
        e.tenant_id ?? "-",
        e.operation_id ?? "-",
        e.request_id ?? "-",
      ];
      emit(options.output, {
        value: entries,
        table: () => table(HEADERS, entries.map(row)),
        wide: () =>
          table(
            ["ID", ...HEADERS, "SUMMARY"],
            entries.map((e) => [e.id, ...row(e), formatMap(e.summary)]),
          ),
        names: () => entries.map((e) => `auditentry/${e.id}`),
      });
      return true;
    }),
  );
}
