import { badRequest } from "./errors.js";
import { newId } from "./ids.js";
import { asObject, requiredString } from "./input.js";
import { ok, type Route } from "./router.js";
import { serviceOr404 } from "./routes-services.js";
import type { ServiceRecord } from "./store.js";

/**
 * A static site's response headers and redirect/rewrite rules: set with the service
 * (`serviceDetails.headers`, `.routes`), listed, and replaced as a whole (`PUT`).
 */

type Rules = Pick<ServiceRecord, "headers" | "routes">;

function headersFrom(input: unknown): ServiceRecord["headers"] {
  if (!Array.isArray(input)) throw badRequest("headers must be an array");
  return input.map((h) => {
    const o = asObject(h);
    return {
      id: newId("hdr"),
      path: requiredString(o, "path"),
      name: requiredString(o, "name"),
      value: requiredString(o, "value"),
    };
  });
}

function routesFrom(input: unknown): ServiceRecord["routes"] {
  if (!Array.isArray(input)) throw badRequest("routes must be an array");
  return input.map((r, priority) => {
    const o = asObject(r);
    const type = requiredString(o, "type");
    if (type !== "redirect" && type !== "rewrite") throw badRequest(`route type must be redirect or rewrite`);
    return {
      id: newId("rdr"),
      type,
      source: requiredString(o, "source"),
      destination: requiredString(o, "destination"),
      priority,
    };
  });
}

/** The rules given at creation (static sites only; others have none). */
export function staticRulesFromInput(details: unknown): Rules {
  if (details === null || typeof details !== "object") return { headers: [], routes: [] };
  const d = details as Record<string, unknown>;
  return {
    headers: d["headers"] === undefined ? [] : headersFrom(d["headers"]),
    routes: d["routes"] === undefined ? [] : routesFrom(d["routes"]),
  };
}

function staticSite(rec: ServiceRecord): ServiceRecord {
  if (rec.service.type !== "static_site") throw badRequest("only static sites have headers and routes");
  return rec;
}

export const staticRuleRoutes: Route[] = [
  {
    method: "GET",
    template: "/services/{serviceId}/headers",
    handle({ store, params }) {
      const rec = staticSite(serviceOr404(store, params["serviceId"]!));
      return ok(rec.headers.map((header) => ({ header: structuredClone(header), cursor: header.id })));
    },
  },
  {
    method: "PUT",
    template: "/services/{serviceId}/headers",
    handle({ store, params, body }) {
      const rec = staticSite(serviceOr404(store, params["serviceId"]!));
      rec.headers = headersFrom(body);
      return ok(structuredClone(rec.headers));
    },
  },
  {
    method: "GET",
    template: "/services/{serviceId}/routes",
    handle({ store, params }) {
      const rec = staticSite(serviceOr404(store, params["serviceId"]!));
      return ok(rec.routes.map((route) => ({ route: structuredClone(route), cursor: route.id })));
    },
  },
  {
    method: "PUT",
    template: "/services/{serviceId}/routes",
    handle({ store, params, body }) {
      const rec = staticSite(serviceOr404(store, params["serviceId"]!));
      rec.routes = routesFrom(body);
      return ok(structuredClone(rec.routes));
    },
  },
];
