import type { FastifyInstance } from "fastify";

/**
 * The methods each path of the API answers, for a `405 Method Not Allowed` with `Allow`
 * (RFC 9110 §15.5.6) instead of a 404 when the path exists with other methods.
 */
export interface AllowedMethods {
  /** The methods `path` (no query) answers; empty when no route has the path. */
  of(path: string): string[];
}

/** Records every route as it is added; call before the routes are registered. */
export function trackAllowedMethods(app: FastifyInstance): AllowedMethods {
  const routes: { pattern: RegExp; methods: string[] }[] = [];
  app.addHook("onRoute", (route) => {
    if (route.url.startsWith("/docs") || route.url === "*") return;
    const pattern = new RegExp(
      `^${route.url
        .replace(/\/$/, "")
        .split("/")
        .map((part) => (part.startsWith(":") ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
        .join("/")}/?$`,
    );
    routes.push({ pattern, methods: [route.method].flat().map(String) });
  });
  return {
    of(path) {
      const methods = new Set<string>();
      for (const r of routes) if (r.pattern.test(path)) for (const m of r.methods) methods.add(m);
      if (methods.has("GET")) methods.add("HEAD");
      if (methods.size > 0) methods.add("OPTIONS");
      return [...methods].sort();
    },
  };
}
