import { envVarsFromInput, envVarValue, plainEnvVar, upsertEnvVar } from "./env-vars.js";
import { notFound } from "./errors.js";
import { asObject } from "./input.js";
import { paginate } from "./pagination.js";
import { noContent, ok, type Route } from "./router.js";
import { serviceOr404 } from "./routes-services.js";
import type { EnvVarRecord } from "./store.js";

/**
 * A service's own environment variables (not those of linked environment groups). As on
 * Render, changing them does not deploy: the service sees them at its next deploy.
 */
const withCursor = (v: EnvVarRecord) => ({ envVar: plainEnvVar(v), cursor: v.key });

export const envVarRoutes: Route[] = [
  {
    method: "GET",
    template: "/services/{serviceId}/env-vars",
    handle({ store, params, query }) {
      const rec = serviceOr404(store, params["serviceId"]!);
      const page = paginate(rec.envVars, query, {
        seqOf: (v) => v.seq,
        seqOfCursor: (c) => rec.envVars.find((v) => v.key === c)?.seq,
      });
      return ok(page.map(withCursor));
    },
  },
  {
    method: "PUT",
    template: "/services/{serviceId}/env-vars",
    handle({ store, params, body }) {
      const rec = serviceOr404(store, params["serviceId"]!);
      rec.envVars = envVarsFromInput(store, body, "body");
      return ok(rec.envVars.map(withCursor));
    },
  },
  {
    method: "GET",
    template: "/services/{serviceId}/env-vars/{envVarKey}",
    handle({ store, params }) {
      const rec = serviceOr404(store, params["serviceId"]!);
      const found = rec.envVars.find((v) => v.key === params["envVarKey"]);
      if (!found) throw notFound("environment variable", params["envVarKey"]!);
      return ok(plainEnvVar(found));
    },
  },
  {
    method: "PUT",
    template: "/services/{serviceId}/env-vars/{envVarKey}",
    handle({ store, params, body }) {
      const rec = serviceOr404(store, params["serviceId"]!);
      const value = envVarValue(asObject(body), "body");
      return ok(plainEnvVar(upsertEnvVar(store, rec.envVars, params["envVarKey"]!, value)));
    },
  },
  {
    method: "DELETE",
    template: "/services/{serviceId}/env-vars/{envVarKey}",
    handle({ store, params }) {
      const rec = serviceOr404(store, params["serviceId"]!);
      if (!rec.envVars.some((v) => v.key === params["envVarKey"])) {
        throw notFound("environment variable", params["envVarKey"]!);
      }
      rec.envVars = rec.envVars.filter((v) => v.key !== params["envVarKey"]);
      return noContent;
    },
  },
];
