import type { Command } from "commander";
import type { ApiKeyView } from "../api-client.js";
import { paintStatus } from "../color.js";
import { emit, formatTime, keyValues, table } from "../output.js";
import { type OutputOptions, positiveNumber, run, withConnection, withOutput } from "./tenants.js";

/**
 * `tenantry keys list|create|revoke|rotate`: the organization's API keys (admin role,
 * `/v1/api-keys`). A new key is printed once; store it then.
 */
const ROLES = ["platform_admin", "admin", "operator", "viewer"];

function keyLines(k: ApiKeyView): string[] {
  return keyValues([
    ["ID", k.id],
    ["Name", k.name],
    ["Role", k.role],
    ["Prefix", `${k.prefix}…`],
    ["State", paintStatus(k.state)],
    ["Expires", formatTime(k.expires_at)],
  ]);
}

export function registerKeyCommands(program: Command): void {
  const keys = program.command("keys").description("the organization's API keys (admin role)");

  withOutput(
    withConnection(keys.command("list").description("list the API keys (never the keys themselves)")),
  ).action(async (options: OutputOptions) =>
    run(options, async ({ client }) => {
      const list = await client.listApiKeys();
      const row = (k: ApiKeyView) => [
        k.id,
        k.name,
        k.role,
        `${k.prefix}…`,
        paintStatus(k.state),
        formatTime(k.last_used_at),
        formatTime(k.expires_at),
      ];
      const HEADERS = ["ID", "NAME", "ROLE", "PREFIX", "STATE", "LAST USED", "EXPIRES"];
      emit(options.output, {
        value: list,
        table: () => table(HEADERS, list.map(row)),
        wide: () =>
          table(
            [...HEADERS, "CREATED", "REVOKED", "REPLACED BY"],
            list.map((k) => [
              ...row(k),
              formatTime(k.created_at),
              formatTime(k.revoked_at),
              k.replaced_by ?? "-",
            ]),
          ),
        names: () => list.map((k) => `apikey/${k.id}`),
      });
      return true;
    }),
  );

  withOutput(
    withConnection(
      keys
        .command("create")
        .description("create an API key; it is printed once")
        .argument("<name>", "what the key is for, e.g. ci")
        .requiredOption("--role <role>", `one of ${ROLES.join(", ")}`)
        .option("--expires <time>", "when it stops working (ISO 8601, e.g. 2027-06-30T00:00:00Z)"),
    ),
  ).action(async (name: string, options: OutputOptions & { role: string; expires?: string }) =>
    run(options, async ({ client }) => {
      const created = await client.createApiKey({
        name,
        // The server checks it (a 400 naming the roles), as for every other field.
        role: options.role as ApiKeyView["role"],
        ...(options.expires ? { expires_at: new Date(options.expires).toISOString() } : {}),
      });
      emit(options.output, {
        value: created,
        table: () => [
          ...keyLines(created.api_key),
          "",
          created.key,
          "",
          "The key is shown this once: store it now.",
        ],
        names: () => [`apikey/${created.api_key.id}`],
      });
      return true;
    }),
  );

  withOutput(
    withConnection(
      keys
        .command("revoke")
        .description("revoke an API key at once")
        .argument("<id>", "the key's id (tenantry keys list)"),
    ),
  ).action(async (id: string, options: OutputOptions) =>
    run(options, async ({ client }) => {
      const revoked = await client.revokeApiKey(id);
      emit(options.output, {
        value: revoked,
        table: () => [`revoked ${revoked.name} (${revoked.prefix}…)`],
        names: () => [`apikey/${revoked.id}`],
      });
      return true;
    }),
  );

  withOutput(
    withConnection(
      keys
        .command("rotate")
        .description("replace an API key; the old one keeps working for the grace period")
        .argument("<id>", "the key's id (tenantry keys list)")
        .option("--grace <seconds>", "how long the old key keeps working", positiveNumber, 86_400),
    ),
  ).action(async (id: string, options: OutputOptions & { grace: number }) =>
    run(options, async ({ client }) => {
      const rotated = await client.rotateApiKey(id, options.grace);
      emit(options.output, {
        value: rotated,
        table: () => [
          ...keyLines(rotated.api_key),
          "",
          rotated.key,
          "",
          `The new key is shown this once. The old one (${rotated.previous.prefix}…) works until ${formatTime(rotated.previous.expires_at)}.`,
        ],
        names: () => [`apikey/${rotated.api_key.id}`],
      });
      return true;
    }),
  );
}
