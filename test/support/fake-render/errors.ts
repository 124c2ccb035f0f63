/** An answer other than success, with Render's `error` body `{id, message}`. */
export class ApiError extends Error {
  readonly status: number;
  readonly id: string;
  constructor(status: number, id: string, message: string) {
    super(message);
    this.status = status;
    this.id = id;
  }
}

export function notFound(what: string, id: string): ApiError {
  return new ApiError(404, "not_found", `${what} ${id} not found`);
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, "invalid", message);
}

export function conflict(message: string): ApiError {
  return new ApiError(409, "conflict", message);
}

export function errorBody(id: string, message: string): { id: string; message: string } {
  return { id, message };
}
