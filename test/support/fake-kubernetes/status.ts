import { qualifiedName, type ResourceType } from "./resources.js";

/**
 * Errors answered as Kubernetes `Status` objects (`kind: Status`, `status: Failure`,
 * `reason`, `code`, `details`), with the reasons and messages the API server uses.
 */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export class StatusError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly details: StatusDetails | undefined;
  readonly headers: Record<string, string>;
  constructor(
    code: number,
    reason: string,
    message: string,
    details?: StatusDetails,
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.details = details;
    this.headers = headers;
  }

  body(): Record<string, unknown> {
    return statusBody(this.code, this.reason, this.message, this.details);
  }
}

export function statusBody(
  code: number,
  reason: string,
  message: string,
  details?: StatusDetails,
): Record<string, unknown> {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    ...(details && Object.keys(details).length > 0 && { details }),
    code,
  };
}

export function successStatus(t: ResourceType, name: string, uid: string): Record<string, unknown> {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Success",
    details: { name, ...(t.group !== "" && { group: t.group }), kind: t.plural, uid },
  };
}

export function notFound(t: ResourceType, name: string): StatusError {
  return new StatusError(404, "NotFound", `${qualifiedName(t)} "${name}" not found`, {
    name,
    ...(t.group !== "" && { group: t.group }),
    kind: t.plural,
  });
}

export function namespaceNotFound(namespace: string): StatusError {
  return new StatusError(404, "NotFound", `namespaces "${namespace}" not found`, {
    name: namespace,
    kind: "namespaces",
  });
}

export function pathNotFound(): StatusError {
  return new StatusError(404, "NotFound", "the server could not find the requested resource", {});
}

export function alreadyExists(t: ResourceType, name: string): StatusError {
  return new StatusError(409, "AlreadyExists", `${qualifiedName(t)} "${name}" already exists`, {
    name,
    ...(t.group !== "" && { group: t.group }),
    kind: t.plural,
  });
}

export function conflict(t: ResourceType, name: string, why: string, causes?: StatusCause[]): StatusError {
  return new StatusError(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${qualifiedName(t)} "${name}": ${why}`,
    { name, ...(t.group !== "" && { group: t.group }), kind: t.plural, ...(causes && { causes }) },
  );
}

/** 422 with one cause per field, the message listing them as the server does. */
export function invalid(t: ResourceType, name: string, causes: StatusCause[]): StatusError {
  const list = causes.map((c) => `${c.field}: ${c.message}`).join(", ");
  const summary = causes.length === 1 ? list : `[${list}]`;
  return new StatusError(422, "Invalid", `${t.kind} "${name}" is invalid: ${summary}`, {
    name,
    ...(t.group !== "" && { group: t.group }),
    kind: t.kind,
    causes,
  });
}

export function badRequest(message: string): StatusError {
  return new StatusError(400, "BadRequest", message);
}

export function methodNotAllowed(
  message = "the server does not allow this method on the requested resource",
): StatusError {
  return new StatusError(405, "MethodNotAllowed", message, {});
}

export function unsupportedMediaType(type: string): StatusError {
  return new StatusError(
    415,
    "UnsupportedMediaType",
    `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml (not ${type}: the fake does not decode protobuf or CBOR)`,
  );
}

export function forbidden(
  user: string,
  verb: string,
  t: ResourceType,
  namespace: string | undefined,
  name?: string,
): StatusError {
  const where = namespace ? ` in the namespace "${namespace}"` : " at the cluster scope";
  return new StatusError(
    403,
    "Forbidden",
    `${qualifiedName(t)}${name ? ` "${name}"` : ""} is forbidden: User "${user}" cannot ${verb} resource "${t.plural}" in API group "${t.group}"${where}`,
    { ...(name && { name }), ...(t.group !== "" && { group: t.group }), kind: t.plural },
  );
}

export function unauthorized(): StatusError {
  return new StatusError(401, "Unauthorized", "Unauthorized");
}

export function tooManyRequests(retryAfterSeconds: number): StatusError {
  return new StatusError(
    429,
    "TooManyRequests",
    "Too many requests, please try again later.",
    { retryAfterSeconds },
    { "Retry-After": String(retryAfterSeconds) },
  );
}

export function gone(message: string): StatusError {
  return new StatusError(410, "Expired", message);
}
