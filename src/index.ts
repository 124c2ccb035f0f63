/**
 * The `tenantry` package's entry point: the SDK (the same as `tenantry/client`, see
 * docs/sdk.md). The server and the CLI are run with `tenantry serve` / `npx tenantry …`,
 * not imported.
 */
export * from "./client/index.js";
