import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { ErrorCodes, type FieldError, TenantryError } from "../domain/errors.js";
import { isDatabaseUnavailable } from "../services/database.js";

/** The largest request body the API reads (a blueprint's source fits many times over). */
export const MAX_BODY_BYTES = 2 * 1024 * 1024;

/** Seconds a client is told to wait (`Retry-After`) when the database is unavailable. */
export const DATABASE_RETRY_AFTER_SECONDS = 2;

/** Renders errors as RFC 9457 problem+json with a stable `code`. */

export function problemBody(err: TenantryError, instance?: string) {
  return {
    type: `https://tenantry.dev/errors/${err.code.toLowerCase().replaceAll("_", "-")}`,
    title: ErrorCodes[err.code].title,
    status: err.status,
    detail: err.message,
    code: err.code,
    ...(instance ? { instance } : {}),
    ...(err.errors.length ? { errors: err.errors } : {}),
    ...err.extra,
  };
}

interface SchemaIssue {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** Turns schema validation issues into field errors with JSON pointers. */
export function fieldErrors(issues: SchemaIssue[], part: string): FieldError[] {
  const prefix = part === "body" ? "" : `/${part === "querystring" ? "query" : part}`;
  const out: FieldError[] = [];
  for (const issue of issues) {
    const base = `${prefix}${issue.instancePath ?? ""}`;
    const p = issue.params ?? {};
    const extra = (p["additionalProperties"] ?? p["additionalProperty"]) as string[] | string | undefined;
    const missing = (p["requiredProperties"] ?? p["missingProperty"]) as string[] | string | undefined;
    if (issue.keyword === "additionalProperties" && extra !== undefined) {
      for (const name of [extra].flat()) out.push({ pointer: `${base}/${name}`, message: "unknown field" });
    } else if (issue.keyword === "required" && missing !== undefined) {
      for (const name of [missing].flat()) out.push({ pointer: `${base}/${name}`, message: "is required" });
    } else {
      out.push({ pointer: base, message: issue.message ?? "is not valid" });
    }
  }
  // An unknown field is also reported as a failed `false` schema; unions report every
  // branch. Keep one message per pointer, preferring the plainest.
  const unknown = new Set(out.filter((e) => e.message === "unknown field").map((e) => e.pointer));
  const seen = new Set<string>();
  return out.filter((e) => {
    if (unknown.has(e.pointer) && e.message !== "unknown field") return false;
    const id = `${e.pointer}\n${e.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

export function toTenantryError(
  err: FastifyError & { validation?: SchemaIssue[]; validationContext?: string },
): TenantryError {
  if (err instanceof TenantryError) return err;
  if (err.validation) {
    const errors = fieldErrors(err.validation, err.validationContext ?? "body");
    const first = errors[0];
    return new TenantryError(
      "VALIDATION_FAILED",
      first ? `${first.pointer || "/"}: ${first.message}` : err.message,
      {
        errors,
      },
    );
  }
  if (err.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
    return new TenantryError(
      "UNSUPPORTED_MEDIA_TYPE",
      "send the body as JSON, with `Content-Type: application/json`",
      { errors: [{ pointer: "/header/content-type", message: err.message }] },
    );
  }
  if (err.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
    return new TenantryError("PAYLOAD_TOO_LARGE", `the body is larger than ${MAX_BODY_BYTES} bytes`, {
      errors: [{ pointer: "", message: `at most ${MAX_BODY_BYTES} bytes` }],
    });
  }
  if (err.statusCode === 400 || err.code === "FST_ERR_CTP_EMPTY_JSON_BODY") {
    return new TenantryError("VALIDATION_FAILED", err.message, {
      errors: [{ pointer: "", message: err.message }],
    });
  }
  if (err.statusCode === 404) return new TenantryError("NOT_FOUND", err.message);
  // PostgreSQL's data exceptions (class 22: a value out of range, bytes it cannot store,
  // text that is not a number) come from the request's input, not from a bug.
  const pgCode = (err as { code?: unknown }).code;
  if (typeof pgCode === "string" && /^22[0-9A-Z]{3}$/.test(pgCode)) {
    return new TenantryError("VALIDATION_FAILED", "a value in the request cannot be stored or compared", {
      errors: [{ pointer: "", message: "a value is out of range or not valid" }],
    });
  }
  if (isDatabaseUnavailable(err)) {
    return new TenantryError(
      "DATABASE_UNAVAILABLE",
      "Tenantry's database cannot be reached right now (restarting?); nothing was changed: retry shortly",
    );
  }
  return new TenantryError("INTERNAL", "An internal error occurred; it has been logged.");
}

export function sendProblem(reply: FastifyReply, request: FastifyRequest, err: TenantryError) {
  request.problemCode = err.code;
  // RFC 9110 §11.6.1: a 401 names the scheme to authenticate with.
  if (err.status === 401) reply.header("www-authenticate", 'Bearer realm="tenantry"');
  if (err.code === "DATABASE_UNAVAILABLE") reply.header("retry-after", String(DATABASE_RETRY_AFTER_SECONDS));
  if (typeof err.extra["retry_after"] === "number")
    reply.header("retry-after", String(err.extra["retry_after"]));
  return reply.status(err.status).type("application/problem+json").send(problemBody(err, request.url));
}
