import type { Route } from "./router.js";
import { customDomainRoutes } from "./routes-custom-domains.js";
import { deployRoutes } from "./routes-deploys.js";
import { envGroupRoutes } from "./routes-env-groups.js";
import { envVarRoutes } from "./routes-env-vars.js";
import { jobRoutes } from "./routes-jobs.js";
import { keyValueRoutes } from "./routes-key-value.js";
import { ownerRoutes } from "./routes-owners.js";
import { postgresRoutes } from "./routes-postgres.js";
import { serviceRoutes } from "./routes-services.js";
import { staticRuleRoutes } from "./routes-static-rules.js";

/** Every operation the fake implements; anything else answers 501. */
export const ROUTES: readonly Route[] = [
  ...ownerRoutes,
  ...serviceRoutes,
  ...deployRoutes,
  ...jobRoutes,
  ...envVarRoutes,
  ...customDomainRoutes,
  ...staticRuleRoutes,
  ...postgresRoutes,
  ...keyValueRoutes,
  ...envGroupRoutes,
];

/** `METHOD /template` of every implemented operation, e.g. `GET /services/{serviceId}`. */
export const IMPLEMENTED_ROUTES: readonly string[] = ROUTES.map((r) => `${r.method} ${r.template}`);
