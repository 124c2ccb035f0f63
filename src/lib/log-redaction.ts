/**
 * What never reaches Tenantry's log output, whatever a log line carries: the values of
 * secret-bearing fields, replaced by `[redacted]` (pino's `redact`, set up in
 * `createLogger`, src/app.ts). Belt and braces: code does not log these on purpose.
 *
 * pino matches a path at one depth only (`*.password` is a `password` one level down), so
 * each field is listed at the top level and one and two levels down. Arrays are not
 * searched; neither is the text of messages and errors.
 */

/** Field names whose values are secret, in every spelling the code and its inputs use. */
export const SECRET_FIELDS = [
  // authorization headers and API keys
  "authorization",
  "apiKey",
  "api_key",
  "adminApiKey",
  "renderApiKey",
  "x-api-key",
  "cookie",
  // secrets and passwords
  "secrets",
  "secret",
  "secretOutputs",
  "secret_outputs",
  "password",
  "passwd",
  "encryptionKey",
  "privateKey",
  "private_key",
  "clientKey",
  // connection strings
  "connectionString",
  "connection_string",
  "databaseUrl",
  "database_url",
  "DATABASE_URL",
  "postgresUrl",
  "mysqlUrl",
  "redisUrl",
  "stateUrl",
  "PG_CONN_STR",
  // kubeconfigs and tokens
  "kubeconfig",
  "kubeConfig",
  "token",
  "accessToken",
  "access_token",
  "refreshToken",
  "refresh_token",
  "bearerToken",
] as const;

const key = (name: string) => (/^[A-Za-z_$][\w$]*$/.test(name) ? name : `["${name}"]`);
const join = (prefix: string, name: string) =>
  key(name).startsWith("[") ? `${prefix}${key(name)}` : `${prefix}.${name}`;

/** pino `redact.paths`: every secret field at depths 0–2, and the request's headers. */
export const REDACT_PATHS: string[] = [
  "req.headers.authorization",
  'req.headers["x-api-key"]',
  "req.headers.cookie",
  ...SECRET_FIELDS.flatMap((name) => [key(name), join("*", name), join("*.*", name)]),
];

export const REDACT_CENSOR = "[redacted]";
