/**
 * Whether an error means "the database cannot be reached or dropped the connection"
 * (as opposed to a bad statement): the server restarting or shutting down, a refused or
 * reset connection, a pool that could not get a connection in time. Such errors fail the
 * one transaction they hit; the API answers 503 `DATABASE_UNAVAILABLE`, the engine
 * retries without spending an attempt.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  // 08xxx connection exceptions, 57P01–57P03 admin/crash shutdown and cannot connect now.
  if (typeof code === "string" && /^(08...|57P0[123])$/.test(code)) return true;
  if (
    typeof code === "string" &&
    /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|ENOTFOUND|EAI_AGAIN)$/.test(code)
  )
    return true;
  const message = err instanceof Error ? err.message : "";
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (starting up|shutting down|in recovery mode)|terminating connection due to administrator command/i.test(
    message,
  );
}
