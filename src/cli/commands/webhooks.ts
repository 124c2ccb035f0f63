import { type Command, InvalidArgumentError } from "commander";
import type { Schemas } from "../../client/index.js";
import { paintStatus } from "../color.js";
import { emit, formatTime, keyValues, table } from "../output.js";
import { type OutputOptions, positiveNumber, run, withConnection, withOutput } from "./tenants.js";

/**
 * `tenantry webhooks list|create|enable|disable|delete|rotate-secret|deliveries|redeliver`:
 * the organization's webhook endpoints (admin role, `/v1/webhooks`, docs/webhooks.md). A
 * signing secret is printed once, when it is made; store it then.
 */
type Webhook = Schemas["Webhook"];

function webhookLines(w: Webhook): string[] {
  return keyValues([
    ["ID", w.id],
    ["URL", w.url],
    ["Events", w.events.length ? w.events.join(", ") : "every event"],
    ["Enabled", w.enabled ? "yes" : "no"],
    ["Description", w.description ?? undefined],
    [
      "Failing since",
      w.failing_since ? `${formatTime(w.failing_since)} (${w.consecutive_failures} failures)` : undefined,
    ],
  ]);
}

const list = (v: string) => {
  const items = v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0)
    throw new InvalidArgumentError("expected event types or prefixes, e.g. tenant.status_changed,condition.");
  return items;
};

export function registerWebhookCommands(program: Command): void {
  const webhooks = program
    .command("webhooks")
    .description("the organization's webhook endpoints: signed POSTs of its tenants' events (admin role)");

  withOutput(
    withConnection(webhooks.command("list").description("the endpoints, with their filters and health")),
  ).action(async (options: OutputOptions) =>
    run(options, async ({ client }) => {
      const all = await client.listWebhooks();
      const row = (w: Webhook) => [
        w.id,
        w.url,
        w.events.length ? w.events.join(",") : "*",
        w.enabled ? "yes" : "no",
        w.consecutive_failures > 0 ? paintStatus("failed") + ` ×${w.consecutive_failures}` : "-",
      ];
      const HEADERS = ["ID", "URL", "EVENTS", "ENABLED", "FAILING"];
      emit(options.output, {
        value: all,
        table: () => table(HEADERS, all.map(row)),
        wide: () =>
          table(
            [...HEADERS, "SINCE", "DESCRIPTION", "CREATED"],
            all.map((w) => [
              ...row(w),
              formatTime(w.failing_since),
              w.description ?? "-",
              formatTime(w.created_at),
            ]),
          ),
        names: () => all.map((w) => `webhook/${w.id}`),
      });
      return true;
    }),
  );

  withOutput(
    withConnection(
      webhooks
        .command("create")
        .description("register an endpoint; its signing secret is printed once")
        .argument("<url>", "where to POST the events (https://…)")
        .option(
          "--events <types>",
          "only these event types or prefixes (comma-separated, e.g. tenant.status_changed,condition.)",
          list,
        )
        .option("--description <text>", "what the endpoint is for")
        .option("--secret <secret>", "the signing secret to use (default: one is generated)"),
    ),
  ).action(
    async (
      url: string,
      options: OutputOptions & { events?: string[]; description?: string; secret?: string },
    ) =>
      run(options, async ({ client }) => {
        const created = await client.createWebhook({
          url,
          ...(options.events ? { events: options.events } : {}),
          ...(options.description ? { description: options.description } : {}),
          ...(options.secret ? { secret: options.secret } : {}),
        });
        emit(options.output, {
          value: created,
          table: () => [
            ...webhookLines(created.webhook),
            "",
            created.secret,
            "",
            "The signing secret is shown this once: store it now (docs/webhooks.md says how to check a signature).",
          ],
          names: () => [`webhook/${created.webhook.id}`],
        });
        return true;
      }),
  );

  for (const [verb, enabled] of [
    ["enable", true],
    ["disable", false],
  ] as const) {
    withOutput(
      withConnection(
        webhooks
          .command(verb)
          .description(
            enabled
              ? "deliver to the endpoint again (from where it stopped)"
              : "stop delivering to the endpoint (events keep being recorded)",
          )
          .argument("<id>", "the endpoint's id (tenantry webhooks list)"),
      ),
    ).action(async (id: string, options: OutputOptions) =>
      run(options, async ({ client }) => {
        const updated = await client.updateWebhook(id, { enabled });
        emit(options.output, {
          value: updated,
          table: () => webhookLines(updated),
          names: () => [`webhook/${updated.id}`],
        });
        return true;
      }),
    );
  }

  withOutput(
    withConnection(
      webhooks
        .command("delete")
        .description("remove the endpoint and its delivery log")
        .argument("<id>", "the endpoint's id (tenantry webhooks list)"),
    ),
  ).action(async (id: string, options: OutputOptions) =>
    run(options, async ({ client }) => {
      await client.deleteWebhook(id);
      emit(options.output, {
        value: { id, deleted: true },
        table: () => [`deleted webhook ${id}`],
        names: () => [`webhook/${id}`],
      });
      return true;
    }),
  );

  withOutput(
    withConnection(
      webhooks
        .command("rotate-secret")
        .description("replace the endpoint's signing secret; the new one is printed once")
        .argument("<id>", "the endpoint's id (tenantry webhooks list)")
        .option("--secret <secret>", "the new secret to use (default: one is generated)"),
    ),
  ).action(async (id: string, options: OutputOptions & { secret?: string }) =>
    run(options, async ({ client }) => {
      const rotated = await client.rotateWebhookSecret(id, options.secret);
      emit(options.output, {
        value: rotated,
        table: () => [rotated.secret, "", "The new signing secret is shown this once: store it now."],
        names: () => [`webhook/${rotated.webhook.id}`],
      });
      return true;
    }),
  );

  withOutput(
    withConnection(
      webhooks
        .command("deliveries")
        .description(
          "the endpoint's delivery log, oldest first: each event's delivery, its last attempt and answer",
        )
        .argument("<id>", "the endpoint's id (tenantry webhooks list)")
        .option("--limit <n>", "how many, at most", positiveNumber, 50),
    ),
  ).action(async (id: string, options: OutputOptions & { limit: number }) =>
    run(options, async ({ client }) => {
      const page = await client.webhookDeliveries(id, { limit: options.limit });
      const deliveries = page.data;
      const row = (d: Schemas["WebhookDelivery"]) => [
        d.id,
        String(d.event_id),
        d.event_type ?? "-",
        paintStatus(d.status),
        String(d.attempt),
        d.response_code === null ? "-" : String(d.response_code),
        formatTime(d.updated_at),
      ];
      const HEADERS = ["DELIVERY", "EVENT", "TYPE", "STATUS", "ATTEMPTS", "ANSWER", "UPDATED"];
      emit(options.output, {
        value: page,
        table: () => table(HEADERS, deliveries.map(row)),
        wide: () =>
          table(
            [...HEADERS, "NEXT ATTEMPT", "REDELIVERY OF", "ERROR"],
            deliveries.map((d) => [
              ...row(d),
              formatTime(d.next_attempt_at),
              d.redelivery_of ?? "-",
              d.error ?? "-",
            ]),
          ),
        names: () => deliveries.map((d) => `delivery/${d.id}`),
      });
      return true;
    }),
  );

  withOutput(
    withConnection(
      webhooks
        .command("redeliver")
        .description("deliver an event to the endpoint again (a new delivery, with the same event id)")
        .argument("<id>", "the endpoint's id (tenantry webhooks list)")
        .argument("<delivery-id>", "the delivery to repeat (tenantry webhooks deliveries ID)"),
    ),
  ).action(async (id: string, deliveryId: string, options: OutputOptions) =>
    run(options, async ({ client }) => {
      const delivery = await client.redeliverWebhook(id, deliveryId);
      emit(options.output, {
        value: delivery,
        table: () => [`redelivery ${delivery.id} of event ${delivery.event_id} is ${delivery.status}`],
        names: () => [`delivery/${delivery.id}`],
      });
      return true;
    }),
  );
}
