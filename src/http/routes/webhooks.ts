import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { TenantryError } from "../../domain/errors.js";
import type {
  WebhookDeliveryRow,
  WebhookEndpointRow,
  WebhookService,
} from "../../services/webhook-service.js";
import { principalOf } from "../auth.js";
import { problems } from "../openapi.js";
import { List, Page, PageQuery, TenantParams } from "../schemas.js";
import type { HttpDeps } from "../server.js";
import { decodeCursor, encodeCursor } from "./tenants.js";

const Timestamp = Type.String({ format: "date-time" });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

const Url = Type.String({
  minLength: 1,
  maxLength: 2000,
  description:
    "http(s) URL the events are POSTed to; not a loopback or private address unless TENANTRY_OUTBOUND_ALLOWED_NETWORKS allows it",
});
const Events = Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
  maxItems: 100,
  description:
    'Event types to deliver (`tenant.status_changed`), or prefixes ending in "." (`resource.`); empty or absent: all',
});
const Description = Type.String({ maxLength: 500 });
const SigningSecret = Type.String({
  minLength: 16,
  maxLength: 256,
  description: "The signing secret to use; absent: one is generated (`whsec_…`)",
});

export const WebhookView = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    url: Type.String(),
    description: Nullable(Type.String()),
    events: Type.Array(Type.String(), { description: "The filter; empty: every event" }),
    enabled: Type.Boolean(),
    consecutive_failures: Type.Integer({
      description:
        "Deliveries that ended `failed` in a row (a success resets it). The endpoint stays enabled.",
    }),
    failing_since: Nullable(Timestamp),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { title: "Webhook", description: "A webhook endpoint of the organization, without its secret" },
);

export const WebhookWithSecret = Type.Object(
  {
    webhook: WebhookView,
    secret: Type.String({ description: "The signing secret, shown this once: store it now" }),
  },
  { title: "WebhookWithSecret", description: "A webhook endpoint and its signing secret, shown once" },
);

export const WebhookDeliveryView = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    webhook_id: Type.String({ format: "uuid" }),
    event_id: Type.Integer({ description: "The event's id: `Tenantry-Event-Id` (a duplicate has the same)" }),
    event_type: Nullable(Type.String()),
    status: Type.Union([Type.Literal("pending"), Type.Literal("succeeded"), Type.Literal("failed")], {
      description: "`pending`: to be attempted at `next_attempt_at`",
    }),
    attempt: Type.Integer({ description: "Attempts made so far" }),
    response_code: Nullable(Type.Integer({ description: "The last attempt's HTTP status" })),
    duration_ms: Nullable(Type.Integer({ description: "The last attempt's duration" })),
    error: Nullable(Type.String({ description: "Why the last attempt did not succeed" })),
    next_attempt_at: Nullable(Timestamp),
    redelivery_of: Nullable(Type.String({ format: "uuid", description: "The delivery this one redelivers" })),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { title: "WebhookDelivery", description: "One delivery of an event to an endpoint, with its last attempt" },
);

const CreateWebhookBody = Type.Object(
  {
    url: Url,
    events: Type.Optional(Events),
    description: Type.Optional(Description),
    secret: Type.Optional(SigningSecret),
  },
  {
    additionalProperties: false,
    title: "CreateWebhookRequest",
    description: "A webhook endpoint to register",
  },
);

const UpdateWebhookBody = Type.Object(
  {
    url: Type.Optional(Url),
    events: Type.Optional(Events),
    enabled: Type.Optional(Type.Boolean({ description: "false: nothing is delivered; events wait" })),
    description: Type.Optional(Nullable(Description)),
  },
  {
    additionalProperties: false,
    title: "UpdateWebhookRequest",
    description: "What to change; absent fields stay",
  },
);

const RotateWebhookSecretBody = Type.Object(
  { secret: Type.Optional(SigningSecret) },
  {
    additionalProperties: false,
    title: "RotateWebhookSecretRequest",
    description: "The new secret, or none to generate one",
  },
);

const DeliveryParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100 }),
  delivery_id: Type.String({ minLength: 1, maxLength: 100 }),
});

export function webhookView(w: WebhookEndpointRow) {
  return {
    id: w.id,
    url: w.url,
    description: w.description,
    events: w.events,
    enabled: w.enabled,
    consecutive_failures: w.consecutiveFailures,
    failing_since: w.failingSince?.toISOString() ?? null,
    created_at: w.createdAt.toISOString(),
    updated_at: w.updatedAt.toISOString(),
  };
}

export function deliveryView(d: WebhookDeliveryRow) {
  return {
    id: d.id,
    webhook_id: d.endpointId,
    event_id: d.eventId,
    event_type: d.eventType,
    status: d.status,
    attempt: d.attempt,
    response_code: d.responseCode,
    duration_ms: d.durationMs,
    error: d.error,
    next_attempt_at: d.nextAttemptAt?.toISOString() ?? null,
    redelivery_of: d.redeliveryOf,
    created_at: d.createdAt.toISOString(),
    updated_at: d.updatedAt.toISOString(),
  };
}

/** `/v1/webhooks`: the organization's webhook endpoints and their delivery logs (admin role; docs/webhooks.md). */
export const webhookRoutes: FastifyPluginAsyncTypebox<HttpDeps> = async (app, deps) => {
  const { db } = deps;
  const service = (): WebhookService => {
    if (!deps.webhooks) throw new TenantryError("NOT_FOUND", "webhooks are not served by this process");
    return deps.webhooks;
  };

  app.post(
    "/v1/webhooks",
    {
      config: { role: "admin", openapi: { location: [201] } },
      schema: {
        operationId: "createWebhook",
        tags: ["webhooks"],
        summary: "Register a webhook endpoint",
        description:
          "Events recorded from now on that match `events` are POSTed to `url`, signed with the secret (`Tenantry-Signature`). The answer holds the secret this once.",
        body: CreateWebhookBody,
        response: { 201: WebhookWithSecret, ...problems(404) },
      },
    },
    async (request, reply) => {
      const { endpoint, secret } = await service().create(db, principalOf(request), request.body);
      reply.header("location", `/v1/webhooks/${endpoint.id}`);
      return reply.status(201).send({ webhook: webhookView(endpoint), secret });
    },
  );

  app.get(
    "/v1/webhooks",
    {
      config: { role: "admin" },
      schema: {
        operationId: "listWebhooks",
        tags: ["webhooks"],
        summary: "List the organization's webhook endpoints",
        description: "Oldest first, without their secrets.",
        response: {
          200: List(WebhookView, "WebhookList", "The organization's webhook endpoints"),
          ...problems(404),
        },
      },
    },
    async (request) => ({ data: (await service().list(db, principalOf(request))).map(webhookView) }),
  );

  app.get(
    "/v1/webhooks/:id",
    {
      config: { role: "admin" },
      schema: {
        operationId: "getWebhook",
        tags: ["webhooks"],
        summary: "Get a webhook endpoint",
        description:
          "Without its secret; `consecutive_failures` and `failing_since` tell an endpoint that keeps failing.",
        params: TenantParams,
        response: { 200: WebhookView, ...problems(404) },
      },
    },
    async (request) => webhookView(await service().get(db, principalOf(request), request.params.id)),
  );

  app.patch(
    "/v1/webhooks/:id",
    {
      config: { role: "admin" },
      schema: {
        operationId: "updateWebhook",
        tags: ["webhooks"],
        summary: "Change a webhook endpoint",
        description:
          "Its URL, filter, description, or whether it is enabled. A disabled endpoint keeps its place: enabled again, it gets the events recorded meanwhile.",
        params: TenantParams,
        body: UpdateWebhookBody,
        response: { 200: WebhookView, ...problems(404) },
      },
    },
    async (request) =>
      webhookView(await service().update(db, principalOf(request), request.params.id, request.body)),
  );

  app.delete(
    "/v1/webhooks/:id",
    {
      config: { role: "admin" },
      schema: {
        operationId: "deleteWebhook",
        tags: ["webhooks"],
        summary: "Delete a webhook endpoint",
        description: "With its delivery log. A delivery in flight finishes; nothing is sent after it.",
        params: TenantParams,
        response: { 204: Type.Null(), ...problems(404) },
      },
    },
    async (request, reply) => {
      await service().delete(db, principalOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    "/v1/webhooks/:id/rotate-secret",
    {
      config: { role: "admin", optionalBody: true },
      schema: {
        operationId: "rotateWebhookSecret",
        tags: ["webhooks"],
        summary: "Rotate a webhook endpoint's signing secret",
        description:
          "The next delivery is signed with the new secret (generated, or given), shown this once. The old one is not used again.",
        params: TenantParams,
        body: RotateWebhookSecretBody,
        response: { 200: WebhookWithSecret, ...problems(404) },
      },
    },
    async (request) => {
      const { endpoint, secret } = await service().rotateSecret(
        db,
        principalOf(request),
        request.params.id,
        request.body?.secret,
      );
      return { webhook: webhookView(endpoint), secret };
    },
  );

  app.get(
    "/v1/webhooks/:id/deliveries",
    {
      config: { role: "admin" },
      schema: {
        operationId: "listWebhookDeliveries",
        tags: ["webhooks"],
        summary: "A webhook endpoint's delivery log, oldest first",
        description: "One entry per delivery of an event (a redelivery is its own), with its last attempt.",
        params: TenantParams,
        querystring: PageQuery,
        response: { 200: Page(WebhookDeliveryView, "WebhookDeliveryPage"), ...problems(404) },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 100;
      const rows = await service().deliveries(db, principalOf(request), request.params.id, {
        after: decodeCursor(request.query.cursor),
        limit: limit + 1,
      });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        data: page.map(deliveryView),
        next_cursor: rows.length > limit && last ? encodeCursor(last.id) : null,
      };
    },
  );

  app.post(
    "/v1/webhooks/:id/deliveries/:delivery_id/redeliver",
    {
      config: { role: "admin" },
      schema: {
        operationId: "redeliverWebhookDelivery",
        tags: ["webhooks"],
        summary: "Deliver a delivery's event again",
        description:
          "A new delivery of the same event (the same `Tenantry-Event-Id`), attempted after the endpoint's pending ones.",
        params: DeliveryParams,
        response: { 202: WebhookDeliveryView, ...problems(404) },
      },
    },
    async (request, reply) => {
      const d = await service().redeliver(
        db,
        principalOf(request),
        request.params.id,
        request.params.delivery_id,
      );
      return reply.status(202).send(deliveryView(d));
    },
  );
};
