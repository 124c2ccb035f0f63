import { type FieldError, TenantryError, validationError } from "../domain/errors.js";
import { TENANT_EVENT_TYPES } from "../domain/events.js";
import type { Principal } from "../domain/types.js";
import { randomToken, type SecretBox } from "../lib/crypto.js";
import { isUuid } from "../lib/ids.js";
import { type OutboundAllowance, outboundUrlProblem } from "../lib/outbound.js";
import {
  deleteEndpoint,
  findDelivery,
  findEndpoint,
  insertDelivery,
  insertEndpoint,
  listDeliveries,
  listEndpoints,
  updateEndpoint,
  type WebhookDeliveryRow,
  type WebhookEndpointRow,
} from "../store/sql/webhooks.js";
import type { Db, Queryable } from "./database.js";

export type { WebhookDeliveryRow, WebhookEndpointRow };

export interface WebhookInput {
  url?: string;
  events?: string[];
  description?: string | null;
  secret?: string;
  enabled?: boolean;
}

/** A generated signing secret: `whsec_` and 32 random bytes. */
const newSecret = () => `whsec_${randomToken(32)}`;

/**
 * An organization's webhook endpoints (`/v1/webhooks`, docs/webhooks.md): URLs checked like
 * every URL taken from users (no loopback or private address unless
 * `TENANTRY_OUTBOUND_ALLOWED_NETWORKS` allows it), signing secrets sealed at rest and
 * shown once, the delivery log and redelivery.
 */
export class WebhookService {
  constructor(private readonly deps: { secrets: SecretBox; outbound: OutboundAllowance }) {}

  async #checkUrl(url: string): Promise<void> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw validationError([{ pointer: "/url", message: "is not a URL" }]);
    }
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:")
      throw validationError([{ pointer: "/url", message: "must be an http or https URL" }]);
    if (parsed.username || parsed.password)
      throw validationError([{ pointer: "/url", message: "must not hold credentials (use the signature)" }]);
    const problem = await outboundUrlProblem(url, this.deps.outbound);
    if (problem) throw validationError([{ pointer: "/url", message: problem }]);
  }

  /** Exact event types, or prefixes ending in "." of at least one type; duplicates dropped. */
  #checkEvents(events: string[]): string[] {
    const errors: FieldError[] = [];
    events.forEach((e, i) => {
      const known = e.endsWith(".")
        ? TENANT_EVENT_TYPES.some((t) => t.startsWith(e))
        : (TENANT_EVENT_TYPES as string[]).includes(e);
      if (!known)
        errors.push({
          pointer: `/events/${i}`,
          message: `"${e}" is no event type nor a prefix of one (ending in "."): ${TENANT_EVENT_TYPES.join(", ")}`,
        });
    });
    if (errors.length > 0) throw validationError(errors);
    return [...new Set(events)];
  }

  async create(
    q: Queryable,
    principal: Principal,
    input: WebhookInput & { url: string },
  ): Promise<{ endpoint: WebhookEndpointRow; secret: string }> {
    await this.#checkUrl(input.url);
    const events = this.#checkEvents(input.events ?? []);
    const secret = input.secret ?? newSecret();
    const endpoint = await insertEndpoint(q, {
      organizationId: principal.organizationId,
      url: input.url,
      description: input.description ?? null,
      events,
      secretEnc: this.deps.secrets.seal(secret),
    });
    return { endpoint, secret };
  }

  list(q: Queryable, principal: Principal): Promise<WebhookEndpointRow[]> {
    return listEndpoints(q, principal.organizationId);
  }

  async get(q: Queryable, principal: Principal, id: string, forUpdate = false): Promise<WebhookEndpointRow> {
    const row = isUuid(id) ? await findEndpoint(q, principal.organizationId, id, forUpdate) : null;
    if (!row)
      throw new TenantryError("WEBHOOK_NOT_FOUND", `no webhook endpoint "${id}" in this organization`);
    return row;
  }

  async update(db: Db, principal: Principal, id: string, input: WebhookInput): Promise<WebhookEndpointRow> {
    if (input.url !== undefined) await this.#checkUrl(input.url);
    const events = input.events === undefined ? undefined : this.#checkEvents(input.events);
    return db.tx(async (q) => {
      const row = await this.get(q, principal, id, true);
      return updateEndpoint(q, row.id, {
        ...(input.url !== undefined ? { url: input.url } : {}),
        ...(events !== undefined ? { events } : {}),
        ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
      });
    });
  }

  async delete(db: Db, principal: Principal, id: string): Promise<void> {
    await db.tx(async (q) => {
      const row = await this.get(q, principal, id, true);
      await deleteEndpoint(q, row.id);
    });
  }

  /** A new secret (generated, or given), in use for the next delivery; shown once. */
  async rotateSecret(
    db: Db,
    principal: Principal,
    id: string,
    given?: string,
  ): Promise<{ endpoint: WebhookEndpointRow; secret: string }> {
    const secret = given ?? newSecret();
    const endpoint = await db.tx(async (q) => {
      const row = await this.get(q, principal, id, true);
      return updateEndpoint(q, row.id, { secretEnc: this.deps.secrets.seal(secret) });
    });
    return { endpoint, secret };
  }

  async deliveries(
    q: Queryable,
    principal: Principal,
    id: string,
    page: { after?: string; limit: number },
  ): Promise<WebhookDeliveryRow[]> {
    const row = await this.get(q, principal, id);
    return listDeliveries(q, row.id, page);
  }

  /** A new delivery of the same event, queued behind the endpoint's pending ones. */
  async redeliver(db: Db, principal: Principal, id: string, deliveryId: string): Promise<WebhookDeliveryRow> {
    return db.tx(async (q) => {
      const row = await this.get(q, principal, id);
      const original = isUuid(deliveryId) ? await findDelivery(q, row.id, deliveryId) : null;
      if (!original)
        throw new TenantryError(
          "WEBHOOK_DELIVERY_NOT_FOUND",
          `webhook endpoint "${id}" has no delivery "${deliveryId}"`,
        );
      return insertDelivery(q, { endpointId: row.id, eventId: original.eventId, redeliveryOf: original.id });
    });
  }
}
