import { parseArgs } from "node:util";
import { startFakeRender } from "./server.js";

/**
 * Runs the fake Render API on its own: `npm run fake:render -- [--port N] [--scale N] [--no-rate-limits]`.
 * Prints the environment that points Tenantry at it, then serves until Ctrl-C.
 */
const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    scale: { type: "string", default: "1" },
    "no-rate-limits": { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});

if (values.help) {
  console.log("usage: npm run fake:render -- [--port N] [--scale N] [--no-rate-limits]");
  process.exit(0);
}

const port = Number(values.port);
const scale = Number(values.scale);
if (!Number.isInteger(port) || port < 0 || port > 65535)
  throw new Error(`--port: not a port: ${values.port}`);
if (!(scale > 0)) throw new Error(`--scale: not a positive number: ${values.scale}`);

const fake = await startFakeRender({ port, rateLimitScale: scale, noRateLimits: values["no-rate-limits"] });
const limits = values["no-rate-limits"]
  ? "off"
  : scale === 1
    ? "Render's"
    : `Render's, windows divided by ${scale}`;
console.log(`Fake Render API listening on ${fake.url}`);
console.log(`  API key:  ${fake.apiKey}`);
console.log(`  owner id: ${fake.ownerId}`);
console.log(
  `  rate limits: ${limits}; validation against the OpenAPI spec: ${fake.validating ? "on" : "off (spec not found)"}`,
);
console.log("");
console.log("Point Tenantry at it:");
console.log(`  export RENDER_API_URL=${fake.url}`);
console.log(`  export RENDER_API_KEY=${fake.apiKey}`);
console.log(`  export RENDER_OWNER_ID=${fake.ownerId}`);
console.log("");
console.log("Ctrl-C to stop.");

let reported = 0;
const timer = setInterval(() => {
  for (const v of fake.violations.slice(reported)) {
    console.warn(`[fake-render] invalid request ${v.method} ${v.path}: ${v.errors.join("; ")}`);
  }
  reported = fake.violations.length;
}, 1000);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    clearInterval(timer);
    void fake.close().then(() => process.exit(0));
  });
}
