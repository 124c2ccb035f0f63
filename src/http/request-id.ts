import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";

/** The header a caller may send its own request id in, and that every answer echoes. */
export const REQUEST_ID_HEADER = "x-request-id";

/**
 * Longest request id taken from a caller. Ids travel into log lines, audit rows and
 * operations; a bound keeps a hostile header from bloating them.
 */
export const MAX_REQUEST_ID_LENGTH = 200;

/** Printable ASCII, no spaces: what survives log lines, headers and filters unchanged. */
const PRINTABLE = /^[\x21-\x7e]+$/;

/**
 * Fastify's `genReqId`: the caller's `X-Request-Id` when it is printable and at most
 * {@link MAX_REQUEST_ID_LENGTH} characters; otherwise (or when absent) a new UUID.
 */
export function requestIdOf(req: IncomingMessage): string {
  const sent = req.headers[REQUEST_ID_HEADER];
  const value = Array.isArray(sent) ? sent[0] : sent;
  if (value !== undefined && value.length <= MAX_REQUEST_ID_LENGTH && PRINTABLE.test(value)) return value;
  return randomUUID();
}
