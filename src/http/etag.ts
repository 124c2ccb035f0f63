import { createHash } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

/**
 * `ETag` on every successful JSON read, and `If-None-Match` → 304 Not Modified.
 *
 * The tag is weak (`W/"…"`): a digest of the JSON the API would send, before compression,
 * so it names the representation's content whatever the encoding. A client that polls
 * (a backend waiting for a tenant, a dashboard, `tenantry … --watch`) sends back the tag it
 * has and gets an empty 304 until something changes.
 *
 * Writes keep their own validators: `PATCH /v1/tenants/{id}` takes `If-Match` with the
 * tenant's `generation` (docs/api.md).
 */
export function registerEtags(app: FastifyInstance): void {
  app.addHook("onSend", async (request, reply, payload) => {
    if (!isCacheableRead(request, reply, payload)) return payload;
    const tag = weakTagOf(payload as string | Buffer);
    reply.header("etag", tag);
    const ifNoneMatch = request.headers["if-none-match"];
    if (ifNoneMatch !== undefined && noneMatchHits(ifNoneMatch, tag)) {
      reply.code(304);
      reply.removeHeader("content-type");
      reply.removeHeader("content-length");
      return null;
    }
    return payload;
  });
}

function isCacheableRead(request: FastifyRequest, reply: FastifyReply, payload: unknown): boolean {
  if (request.method !== "GET" && request.method !== "HEAD") return false;
  if (reply.statusCode !== 200 || reply.hasHeader("etag")) return false;
  if (typeof payload !== "string" && !Buffer.isBuffer(payload)) return false;
  const type = String(reply.getHeader("content-type") ?? "");
  return /^application\/(?:[\w.+-]+\+)?json\b/i.test(type);
}

/** `W/"<27 characters of base64url SHA-256>"` of the bytes. */
export function weakTagOf(body: string | Buffer): string {
  return `W/"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`;
}

/** RFC 9110 §13.1.2: `*`, or any listed tag equal to ours under weak comparison. */
export function noneMatchHits(header: string, tag: string): boolean {
  const ours = opaque(tag);
  return header
    .split(",")
    .map((t) => t.trim())
    .some((t) => t === "*" || opaque(t) === ours);
}

function opaque(tag: string): string {
  return tag.startsWith("W/") ? tag.slice(2) : tag;
}
