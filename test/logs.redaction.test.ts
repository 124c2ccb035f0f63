import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../src/app.js";
import { SECRET_FIELDS } from "../src/lib/log-redaction.js";

/**
 * The real logger (`createLogger`, as `tenantry serve` makes it) into a buffer: the values
 * of secret-bearing fields never reach the output, at the top level of a line, one and two
 * levels down, and in a child logger's bindings; the names stay (so a reader sees what
 * was there) and so does everything else.
 */

function bufferLogger() {
  const chunks: string[] = [];
  const out = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger({ logLevel: "debug" }, { destination: out }), text: () => chunks.join("") };
}

/** A value for each field, distinct and easy to find in the output. */
const secretOf = (field: string, depth: number) => `S3CRET-${field}-${depth}-value`;

describe("the logger's redaction", () => {
  it("redacts every secret-bearing field at the top level and two levels down", async () => {
    const { logger, text } = bufferLogger();
    for (const field of SECRET_FIELDS) {
      logger.info(
        {
          [field]: secretOf(field, 0),
          nested: { [field]: secretOf(field, 1), kept: `visible-${field}` },
          deep: { inner: { [field]: secretOf(field, 2) } },
        },
        `line with ${field}`,
      );
    }
    logger.flush();
    const output = text();
    for (const field of SECRET_FIELDS) {
      for (const depth of [0, 1, 2])
        expect(output, `${field} at depth ${depth}`).not.toContain(secretOf(field, depth));
      expect(output).toContain(`visible-${field}`);
    }
    const lines = output
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(SECRET_FIELDS.length);
    expect(lines[0].nested[SECRET_FIELDS[0]]).toBe("[redacted]");
  });

  it("redacts the shapes Tenantry's code and its libraries log", async () => {
    const { logger, text } = bufferLogger();
    // A request as pino-http/Fastify serializes it, a provider's options, a kubeconfig,
    // a connection string, a tenant's secrets and an API key in a child's bindings.
    logger.info(
      {
        req: {
          method: "GET",
          url: "/v1/tenants",
          headers: {
            authorization: "Bearer tnt_live_SUPERSECRETKEY",
            cookie: "session=C00KIE",
            "x-api-key": "XK3Y",
          },
        },
      },
      "request",
    );
    logger.warn(
      {
        provider: { apiKey: "rnd_APIKEY123", ownerId: "tea-visible" },
        credential: { kubeconfig: "apiVersion: v1\nusers:\n- user: {token: KUBETOKEN}" },
        databaseUrl: "postgres://tenantry:DBPASSWORD@db:5432/tenantry",
        outputs: { connectionString: "postgres://u:OUTPUTPW@h/db", password: "PLAINPW" },
        tenant: { slug: "acme", secrets: { STRIPE_KEY: "sk_live_STRIPE" } },
        auth: { token: "BEARERTOKEN", accessToken: "ACCESSTOKEN" },
      },
      "provider call",
    );
    logger.child({ apiKey: "CHILDKEY", credentials: { token: "CHILDTOKEN" } }).info("child line");
    logger.flush();
    const output = text();
    for (const secret of [
      "SUPERSECRETKEY",
      "C00KIE",
      "XK3Y",
      "rnd_APIKEY123",
      "KUBETOKEN",
      "DBPASSWORD",
      "OUTPUTPW",
      "PLAINPW",
      "sk_live_STRIPE",
      "BEARERTOKEN",
      "ACCESSTOKEN",
      "CHILDKEY",
      "CHILDTOKEN",
    ]) {
      expect(output, secret).not.toContain(secret);
    }
    for (const kept of ["tea-visible", "acme", "/v1/tenants", "child line"]) expect(output).toContain(kept);
    expect(output).toContain('"authorization":"[redacted]"');
  });
});
