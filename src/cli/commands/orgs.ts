import type { Command } from "commander";
import type { OrganizationView } from "../api-client.js";
import { emit, formatTime, keyValues, table } from "../output.js";
import { type OutputOptions, run, withConnection, withOutput } from "./tenants.js";

/**
 * `tenantry orgs list|get|create|rename|delete` (platform admin, `/v1/organizations`) and
 * `tenantry whoami` (any key: its organization and role).
 */
function orgLines(o: OrganizationView): string[] {
  return keyValues([
    ["ID", o.id],
    ["Slug", o.slug],
    ["Name", o.name],
    ["Tenants", `${o.live_tenants} not destroyed`],
    ["Active keys", String(o.active_keys)],
    ["Created", formatTime(o.created_at)],
  ]);
}

export function registerOrgCommands(program: Command): void {
  withOutput(
    withConnection(program.command("whoami").description("the API key's organization and role")),
  ).action(async (options: OutputOptions) =>
    run(options, async ({ client }) => {
      const me = await client.whoami();
      emit(options.output, {
        value: me,
        table: () =>
          keyValues([
            ["Organization", `${me.organization.name} (${me.organization.slug})`],
            ["Key", `${me.api_key.name} (${me.api_key.prefix}…)`],
            ["Role", me.api_key.role],
          ]),
        names: () => [`organization/${me.organization.slug}`],
      });
      return true;
    }),
  );

  const orgs = program.command("orgs").description("the installation's organizations (platform admin)");

  withOutput(withConnection(orgs.command("list").description("list the organizations"))).action(
    async (options: OutputOptions) =>
      run(options, async ({ client }) => {
        const list = await client.listOrganizations();
        const HEADERS = ["SLUG", "NAME", "TENANTS", "KEYS", "CREATED", "ID"];
        const row = (o: OrganizationView) => [
          o.slug,
          o.name,
          String(o.live_tenants),
          String(o.active_keys),
          formatTime(o.created_at),
          o.id,
        ];
        emit(options.output, {
          value: list,
          table: () => table(HEADERS, list.map(row)),
          wide: () =>
            table(
              [...HEADERS, "UPDATED"],
              list.map((o) => [...row(o), formatTime(o.updated_at)]),
            ),
          names: () => list.map((o) => `organization/${o.slug}`),
        });
        return true;
      }),
  );

  withOutput(
    withConnection(
      orgs.command("get").description("show an organization").argument("<org>", "its slug or id"),
    ),
  ).action(async (org: string, options: OutputOptions) =>
    run(options, async ({ client }) => {
      const o = await client.getOrganization(org);
      emit(options.output, { value: o, table: () => orgLines(o), names: () => [`organization/${o.slug}`] });
      return true;
    }),
  );

  withOutput(
    withConnection(
      orgs
        .command("create")
        .description("create an organization and its first admin key (printed once)")
        .argument("<slug>", "a DNS label, permanent (e.g. acme)")
        .option("--name <name>", "its display name (default: the slug)")
        .option("--admin-key-name <name>", "the first admin key's name", "admin"),
    ),
  ).action(async (slug: string, options: OutputOptions & { name?: string; adminKeyName: string }) =>
    run(options, async ({ client }) => {
      const created = await client.createOrganization({
        slug,
        ...(options.name ? { name: options.name } : {}),
        admin_key_name: options.adminKeyName,
      });
      emit(options.output, {
        value: created,
        table: () => [
          ...orgLines(created.organization),
          "",
          `Admin key "${created.admin_key.name}":`,
          created.key,
          "",
          "The key is shown this once: hand it to the organization's owner now.",
        ],
        names: () => [`organization/${created.organization.slug}`],
      });
      return true;
    }),
  );

  const QUOTA_OPTIONS = [
    ["--max-tenants <n>", "max_tenants"],
    ["--max-concurrent-operations <n>", "max_concurrent_operations"],
    ["--max-blueprints <n>", "max_blueprints"],
    ["--creates-per-minute <n>", "creates_per_minute"],
  ] as const;
  let quotas = orgs
    .command("quotas")
    .description(
      "show an organization's quotas and use (your own without <org>); platform admin: change them with the options",
    )
    .argument("[org]", "its slug or id (platform admin)");
  for (const [flag, name] of QUOTA_OPTIONS)
    quotas = quotas.option(flag, `${name}: a number (0 = unlimited) or "default"`);
  withOutput(withConnection(quotas)).action(
    async (org: string | undefined, options: OutputOptions & Record<string, string | undefined>) =>
      run(options, async ({ client }) => {
        const changes: Record<string, number | null> = {};
        for (const [flag, name] of QUOTA_OPTIONS) {
          const key = flag
            .slice(2, flag.indexOf(" "))
            .replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
          const raw = options[key];
          if (raw === undefined) continue;
          if (raw !== "default" && !/^\d+$/.test(raw))
            throw new Error(`${flag.split(" ")[0]}: expected a whole number or "default", got "${raw}"`);
          changes[name] = raw === "default" ? null : Number(raw);
        }
        if (Object.keys(changes).length > 0 && !org)
          throw new Error("name the organization whose quotas to change (platform admin)");
        const view =
          Object.keys(changes).length > 0 && org
            ? await client.setQuotas(org, changes)
            : await client.getQuotas(org);
        emit(options.output, {
          value: view,
          table: () => [
            `Organization: ${view.organization}`,
            ...table(
              ["QUOTA", "LIMIT", "CURRENT", "SET"],
              Object.entries(view.quotas).map(([name, q]) => [
                name,
                q.limit === 0 ? "unlimited" : String(q.limit),
                String(q.current),
                q.overridden ? "override" : "default",
              ]),
            ),
          ],
        });
        return true;
      }),
  );

  withOutput(
    withConnection(
      orgs
        .command("rename")
        .description("change an organization's display name (the slug is permanent)")
        .argument("<org>", "its slug or id")
        .argument("<name>", "the new name"),
    ),
  ).action(async (org: string, name: string, options: OutputOptions) =>
    run(options, async ({ client }) => {
      const o = await client.renameOrganization(org, name);
      emit(options.output, {
        value: o,
        table: () => [`renamed ${o.slug} to "${o.name}"`],
        names: () => [`organization/${o.slug}`],
      });
      return true;
    }),
  );

  withOutput(
    withConnection(
      orgs
        .command("delete")
        .description("delete an organization with its keys and blueprints (refused while it has tenants)")
        .argument("<org>", "its slug or id"),
    ),
  ).action(async (org: string, options: OutputOptions) =>
    run(options, async ({ client }) => {
      const o = await client.deleteOrganization(org);
      emit(options.output, {
        value: o,
        table: () => [`deleted ${o.slug}`],
        names: () => [`organization/${o.slug}`],
      });
      return true;
    }),
  );
}
