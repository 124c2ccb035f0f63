import { createHmac } from "node:crypto";
import http from "node:http";
import https from "node:https";
import type { Logger } from "pino";
import { Counter, Histogram, type Registry } from "prom-client";
import { backoffDelay, type RetryPolicy } from "../engine/backoff.js";
import type { SecretBox } from "../lib/crypto.js";
import { deadlineSignal } from "../lib/deadline-signal.js";
import { guardedLookup, type OutboundAllowance } from "../lib/outbound.js";
import type { Db, Queryable } from "../store/db.js";
import {
  findOutboxEvent,
  headDelivery,
  insertDelivery,
  lockDueEndpoint,
  nextEvent,
  type OutboxEvent,
  recordAttempt,
  setCursor,
  type WebhookDeliveryRow,
  type WebhookEndpointRow,
} from "../store/sql/webhooks.js";

/**
 * Webhook deliveries (docs/webhooks.md). The events table is the outbox: each endpoint has
 * a cursor, and the worker takes, per endpoint, the next event after it that matches the
 * endpoint's filter. An endpoint is locked (`FOR UPDATE SKIP LOCKED`) in the transaction
 * that records its delivery, for as long as the POST takes: one delivery per endpoint is in
 * flight across every Tenantry process, in event order. A process that dies mid-POST
 * rolls that transaction back: the event is sent again (the same `Tenantry-Event-Id`).
 */

export interface WebhookDeliveryOptions {
  /** Endpoints delivered to at once by this process; 0 = no delivery here. */
  concurrency: number;
  pollIntervalMs: number;
  /** One POST, connection included. */
  timeoutMs: number;
  /** Backoff between attempts; `maxAttempts` attempts, then `failed`. */
  retry: RetryPolicy;
  outbound: OutboundAllowance;
  version: string;
}

export interface WebhookMetrics {
  delivered(outcome: AttemptOutcome, seconds: number): void;
}

/** `succeeded` (2xx), `retry` (to be tried again), `failed` (for good). */
export type AttemptOutcome = "succeeded" | "retry" | "failed";

export function createWebhookMetrics(registry: Registry): WebhookMetrics {
  const registers = [registry];
  const total = new Counter({
    name: "tenantry_webhook_deliveries_total",
    help: "Webhook delivery attempts, by outcome: succeeded (2xx), retry (a transient failure, tried again later), failed (a 4xx, or the last attempt)",
    labelNames: ["outcome"],
    registers,
  });
  const latency = new Histogram({
    name: "tenantry_webhook_delivery_duration_seconds",
    help: "Duration of webhook delivery attempts (the POST, until the answer's status or the error), by outcome",
    labelNames: ["outcome"],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  return {
    delivered(outcome, seconds) {
      total.inc({ outcome });
      latency.observe({ outcome }, seconds);
    },
  };
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  const mac = createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
  return `t=${timestamp},v1=${mac}`;
}

/** The JSON body of an event's delivery. */
export function webhookPayload(event: OutboxEvent): string {
  return JSON.stringify({
    id: event.id,
    type: event.type,
    created_at: event.createdAt.toISOString(),
    tenant: { id: event.tenantId, slug: event.tenantSlug },
    organization_id: event.organizationId,
    data: event.data,
  });
}

interface AttemptResult {
  outcome: AttemptOutcome;
  responseCode: number | null;
  error: string | null;
  /** Seconds the receiver asked to wait (`Retry-After`). */
  retryAfterSeconds?: number;
  durationMs: number;
}

/** `Retry-After`: seconds, or an HTTP date. */
export function retryAfterSeconds(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

/** What an answer's status means: 2xx success; 408, 429 and 5xx again later; anything else fails now. */
export function outcomeOfStatus(status: number): AttemptOutcome {
  if (status >= 200 && status < 300) return "succeeded";
  if (status === 408 || status === 429 || status >= 500) return "retry";
  return "failed";
}

class ShuttingDown extends Error {}

/** The longest `Retry-After` honoured. */
const MAX_RETRY_AFTER_MS = 3_600_000;

export class WebhookDelivery {
  readonly #db: Db;
  readonly #secrets: SecretBox;
  readonly #log: Logger;
  readonly #opts: WebhookDeliveryOptions;
  readonly #metrics: WebhookMetrics | undefined;
  readonly #inflight = new Set<string>();
  readonly #abort = new AbortController();
  #running = false;
  readonly #wakers = new Set<() => void>();
  #loops: Promise<void>[] = [];

  constructor(
    deps: { db: Db; secrets: SecretBox; logger: Logger; metrics?: WebhookMetrics },
    opts: WebhookDeliveryOptions,
  ) {
    this.#db = deps.db;
    this.#secrets = deps.secrets;
    this.#log = deps.logger.child({ component: "webhooks" });
    this.#metrics = deps.metrics;
    this.#opts = opts;
  }

  start(): void {
    if (this.#running || this.#opts.concurrency <= 0) return;
    this.#running = true;
    this.#loops = Array.from({ length: this.#opts.concurrency }, () => this.#loop());
  }

  /** Stops taking deliveries and aborts those in flight (their transactions roll back: sent again later). */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.#abort.abort(new ShuttingDown("shutting down"));
    for (const wake of [...this.#wakers]) wake();
    await Promise.all(this.#loops);
  }

  async #loop(): Promise<void> {
    while (this.#running) {
      let worked = false;
      try {
        worked = await this.#once();
      } catch (err) {
        if (!this.#running) break;
        this.#log.error({ err: (err as Error).message }, "webhook delivery pass failed");
      }
      if (!worked && this.#running) await this.#sleep();
    }
  }

  #sleep(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, this.#opts.pollIntervalMs);
      this.#wakers.add(done);
    });
  }

  /** One delivery attempt on one endpoint, if one is due; whether there was something to do. */
  async #once(): Promise<boolean> {
    let endpointId: string | undefined;
    try {
      // Rolled back when the attempt throws (a shutdown mid-POST): nothing recorded, sent again later.
      return await this.#db.tx(async (q) => {
        const endpoint = await lockDueEndpoint(q, [...this.#inflight]);
        if (!endpoint) return false;
        endpointId = endpoint.id;
        this.#inflight.add(endpoint.id);
        return this.#work(q, endpoint);
      });
    } catch (err) {
      if (err instanceof ShuttingDown) return false;
      throw err;
    } finally {
      if (endpointId) this.#inflight.delete(endpointId);
    }
  }

  /** One step on a locked endpoint; whether it moved (false: waiting, nothing to do before the next poll). */
  async #work(q: Queryable, endpoint: WebhookEndpointRow): Promise<boolean> {
    let delivery: WebhookDeliveryRow | null = await headDelivery(q, endpoint.id);
    if (delivery?.nextAttemptAt && delivery.nextAttemptAt.getTime() > Date.now()) return false;
    let event: OutboxEvent | null;
    if (delivery) {
      event = await findOutboxEvent(q, delivery.eventId);
      if (!event) {
        await recordAttempt(q, {
          id: delivery.id,
          endpointId: endpoint.id,
          status: "failed",
          attempt: delivery.attempt,
          responseCode: null,
          durationMs: 0,
          error: "the event no longer exists (its tenant was deleted)",
          nextAttemptAt: null,
        });
        return true;
      }
    } else {
      const next = await nextEvent(q, endpoint);
      await setCursor(q, endpoint.id, next.scannedTo);
      // Nothing to send: done when the cursor moved, else waiting for a hole in the ids.
      if (!next.event) return next.scannedTo > endpoint.cursor;
      event = next.event;
      delivery = await insertDelivery(q, { endpointId: endpoint.id, eventId: event.id });
    }
    const attempt = delivery.attempt + 1;
    const result = await this.#post(endpoint, event, delivery.id);
    let outcome = result.outcome;
    if (outcome === "retry" && attempt >= this.#opts.retry.maxAttempts) outcome = "failed";
    let nextAttemptAt: Date | null = null;
    if (outcome === "retry") {
      const backoff = backoffDelay(this.#opts.retry, attempt);
      // A receiver's Retry-After is honoured (up to an hour) when longer than the backoff.
      const asked = Math.min((result.retryAfterSeconds ?? 0) * 1000, MAX_RETRY_AFTER_MS);
      nextAttemptAt = new Date(Date.now() + Math.max(backoff, asked));
    }
    await recordAttempt(q, {
      id: delivery.id,
      endpointId: endpoint.id,
      status: outcome === "retry" ? "pending" : outcome,
      attempt,
      responseCode: result.responseCode,
      durationMs: result.durationMs,
      error: result.error,
      nextAttemptAt,
    });
    this.#metrics?.delivered(outcome, result.durationMs / 1000);
    const fields = {
      endpointId: endpoint.id,
      deliveryId: delivery.id,
      eventId: event.id,
      attempt,
      status: result.responseCode,
      error: result.error,
    };
    if (outcome === "failed") this.#log.warn(fields, "webhook delivery failed");
    else if (outcome === "retry")
      this.#log.info({ ...fields, nextAttemptAt }, "webhook delivery to be retried");
    else this.#log.debug(fields, "webhook delivered");
    return true;
  }

  /** POSTs the event; never longer than `timeoutMs`, aborted at shutdown. */
  #post(endpoint: WebhookEndpointRow, event: OutboxEvent, deliveryId: string): Promise<AttemptResult> {
    const secret = this.#secrets.open(endpoint.secretEnc);
    const body = webhookPayload(event);
    const timestamp = Math.floor(Date.now() / 1000);
    const url = new URL(endpoint.url);
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    return new Promise<AttemptResult>((resolve, reject) => {
      if (this.#abort.signal.aborted) return reject(new ShuttingDown("shutting down"));
      // Its own timer (not AbortSignal.timeout() behind any(): nodejs/node#55428), also at shutdown.
      const deadline = deadlineSignal(this.#abort.signal, this.#opts.timeoutMs);
      const signal = deadline.signal;
      const settle =
        <A extends unknown[]>(fn: (...a: A) => void) =>
        (...a: A) => {
          deadline.dispose();
          fn(...a);
        };
      resolve = settle(resolve);
      reject = settle(reject);
      const request = (url.protocol === "https:" ? https : http).request(
        url,
        {
          method: "POST",
          signal,
          agent: false,
          lookup: guardedLookup(this.#opts.outbound),
          headers: {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body),
            "user-agent": `Tenantry/${this.#opts.version} (webhooks)`,
            "tenantry-event-id": String(event.id),
            "tenantry-event-type": event.type,
            "tenantry-delivery-id": deliveryId,
            "tenantry-timestamp": String(timestamp),
            "tenantry-signature": webhookSignature(secret, timestamp, body),
          },
        },
        (res) => {
          const status = res.statusCode ?? 0;
          const outcome = outcomeOfStatus(status);
          const retryAfter = retryAfterSeconds(res.headers["retry-after"]);
          let snippet = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => {
            if (snippet.length < 200) snippet += chunk;
          });
          const finish = () =>
            resolve({
              outcome,
              responseCode: status,
              error:
                outcome === "succeeded"
                  ? null
                  : `HTTP ${status}${snippet ? `: ${snippet.slice(0, 200)}` : ""}`,
              ...(retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}),
              durationMs: elapsed(),
            });
          res.on("end", finish);
          res.on("error", finish);
        },
      );
      request.on("error", (err: NodeJS.ErrnoException) => {
        if (this.#abort.signal.aborted) return reject(new ShuttingDown("shutting down"));
        const timedOut = signal.aborted;
        const refused = err.code === "EOUTBOUNDREFUSED";
        resolve({
          outcome: refused ? "failed" : "retry",
          responseCode: null,
          error: timedOut ? `no answer within ${this.#opts.timeoutMs} ms` : err.message || String(err.code),
          durationMs: elapsed(),
        });
      });
      request.end(body);
    });
  }
}
