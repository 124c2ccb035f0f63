import fsp from "node:fs/promises";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import type { Logger } from "pino";
import send from "send";

/**
 * The local target's front door: requests for `<service>-<slug>.<BASE_DOMAIN>` go to that
 * tenant service's port on this machine, WebSocket upgrades included; everything else
 * is Tenantry's own API. A suspended tenant gets a small 503 page, an unknown host a 404
 * page — answered at once, never a hang.
 */

/** A static site's redirect or rewrite rule (render.yaml `routes`). */
export interface StaticRule {
  type: "redirect" | "rewrite" | string;
  source: string;
  destination: string;
}
/** A static site's response header rule (render.yaml `headers`). */
export interface StaticHeader {
  path: string;
  name: string;
  value: string;
}

export type Route =
  | { kind: "target"; port: number; host?: string }
  /**
   * `base`: the release directory `root` must resolve inside (a tenant's symlink must not
   * lead out). `routes` and `headers`: the site's rules, applied as Render applies them.
   */
  | { kind: "static"; root: string; base?: string; routes?: StaticRule[]; headers?: StaticHeader[] }
  | { kind: "suspended"; tenant: string }
  | { kind: "unavailable"; tenant: string; reason: string }
  | { kind: "missing" };

/** Finds where a tenant host label (`web-acme`) goes. */
export interface RouteTable {
  /** `fresh`: bypass any cache (the cached route just failed). */
  lookup(label: string, options?: { fresh?: boolean }): Promise<Route>;
}

export interface HostProxyOptions {
  baseDomain: string;
  routes: RouteTable;
  logger: Logger;
  /** How long to wait for a tenant service to accept and answer. @default 30000 */
  timeoutMs?: number;
}

export interface HostProxy {
  /** The tenant label of a request's Host, or undefined when the request is for Tenantry itself. */
  labelOf(hostHeader: string | undefined): string | undefined;
  handleRequest(req: http.IncomingMessage, res: http.ServerResponse, label: string): void;
  handleUpgrade(req: http.IncomingMessage, socket: net.Socket, head: Buffer, label: string): void;
}

// Hop-by-hop headers (RFC 9110 §7.6.1) are for one connection, not to be forwarded.
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
  "proxy-authorization",
  "proxy-authenticate",
]);

export function createHostProxy(options: HostProxyOptions): HostProxy {
  const suffix = `.${options.baseDomain.toLowerCase()}`;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const log = options.logger.child({ component: "proxy" });

  const labelOf = (hostHeader: string | undefined): string | undefined => {
    if (!hostHeader) return undefined;
    const host = hostHeader.toLowerCase().replace(/:\d+$/, "");
    if (!host.endsWith(suffix)) return undefined;
    const label = host.slice(0, -suffix.length);
    // One DNS label: `web-acme.localhost`, not `a.b.localhost`.
    return /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(label) ? label : undefined;
  };

  const forwardedHeaders = (req: http.IncomingMessage): http.OutgoingHttpHeaders => {
    const headers: http.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (!HOP_BY_HOP.has(k) && v !== undefined) headers[k] = v;
    }
    const remote = req.socket.remoteAddress ?? "";
    const prior = req.headers["x-forwarded-for"];
    headers["x-forwarded-for"] = prior ? `${String(prior)}, ${remote}` : remote;
    headers["x-forwarded-host"] = req.headers.host ?? "";
    headers["x-forwarded-proto"] = "http";
    return headers;
  };

  return {
    labelOf,

    handleRequest(req, res, label) {
      options.routes.lookup(label).then(
        (route) => {
          if (route.kind === "static") return serveStatic(req, res, route, label);
          if (route.kind !== "target") return page(res, route, label);
          const upstream = http.request(
            {
              host: route.host ?? "127.0.0.1",
              port: route.port,
              method: req.method,
              path: req.url,
              headers: forwardedHeaders(req),
              timeout: timeoutMs,
            },
            (up) => {
              const headers: http.OutgoingHttpHeaders = {};
              for (const [k, v] of Object.entries(up.headers)) {
                if (!HOP_BY_HOP.has(k) && v !== undefined) headers[k] = v;
              }
              res.writeHead(up.statusCode ?? 502, up.statusMessage, headers);
              up.pipe(res);
            },
          );
          upstream.on("timeout", () => upstream.destroy(new Error("the service did not answer in time")));
          upstream.on("error", (err) => {
            if (res.headersSent) {
              res.destroy(err);
              return;
            }
            // The cached route may be stale (the tenant was just suspended or destroyed):
            // answer with what the route is now, and 502 only when it still points here.
            const unreachable: Route = {
              kind: "unavailable",
              tenant: label,
              reason: "the service is not answering",
            };
            options.routes.lookup(label, { fresh: true }).then(
              (now) => {
                if (now.kind === "suspended" || now.kind === "missing") return page(res, now, label);
                log.warn({ label, err: err.message }, "tenant service unreachable");
                page(res, unreachable, label, 502);
              },
              () => page(res, unreachable, label, 502),
            );
          });
          req.pipe(upstream);
        },
        (err: unknown) => {
          log.error({ label, err: (err as Error).message }, "route lookup failed");
          page(res, { kind: "unavailable", tenant: label, reason: "routing failed" }, label, 502);
        },
      );
    },

    handleUpgrade(req, socket, head, label) {
      socket.on("error", () => socket.destroy());
      options.routes.lookup(label).then(
        (route) => {
          if (route.kind !== "target") {
            const status = route.kind === "missing" ? "404 Not Found" : "503 Service Unavailable";
            socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
            return;
          }
          let connected = false;
          const upstream = net.connect({ host: route.host ?? "127.0.0.1", port: route.port }, () => {
            // Connected: a WebSocket may stay idle for hours, so no idle timeout from here on.
            connected = true;
            upstream.setTimeout(0);
            // Replay the request line and headers, keeping the upgrade ones this time.
            const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
            for (let i = 0; i < req.rawHeaders.length; i += 2) {
              lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
            }
            lines.push(`X-Forwarded-For: ${req.socket.remoteAddress ?? ""}`, "", "");
            upstream.write(lines.join("\r\n"));
            if (head.length > 0) upstream.write(head);
            upstream.pipe(socket);
            socket.pipe(upstream);
          });
          // Only for connecting: a service that does not accept in time is unavailable.
          upstream.setTimeout(timeoutMs, () => upstream.destroy());
          upstream.on("error", () => {
            // Before the tunnel exists the client still expects an HTTP answer; after, just close.
            if (!connected)
              socket.end("HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
          });
          // A tunnel ends when either side ends: half-open WebSockets are not a thing.
          const close = () => {
            socket.destroy();
            upstream.destroy();
          };
          socket.on("end", close);
          socket.on("close", close);
          upstream.on("end", close);
          upstream.on("close", close);
        },
        () => socket.end("HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"),
      );
    },
  };
}

/**
 * A path pattern of a static site's rule, as Render reads it: `*` matches any string from
 * its position on (slashes included), `:name` one path segment; the rest matches itself.
 * A trailing slash makes no difference (`/docs/` is `/docs`).
 */
function compilePattern(pattern: string): RegExp {
  let re = "";
  for (const part of trimSlash(pattern).split(/(\*|:[A-Za-z_][A-Za-z0-9_]*)/)) {
    if (part === "*") re += "(?<_wildcard>.*)";
    else if (part.startsWith(":") && part.length > 1) re += `(?<${part.slice(1)}>[^/]+)`;
    else re += part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

const trimSlash = (p: string) => (p.length > 1 && p.endsWith("/") ? p.slice(0, -1) : p);

const patterns = new Map<string, RegExp | null>();
function matchPattern(pattern: string, pathname: string): Record<string, string> | undefined {
  let re = patterns.get(pattern);
  if (re === undefined) {
    try {
      re = compilePattern(pattern);
    } catch {
      re = null; // a placeholder named twice: the rule never matches
    }
    if (patterns.size > 10_000) patterns.clear();
    patterns.set(pattern, re);
  }
  const m = re?.exec(trimSlash(pathname));
  return m ? { ...m.groups } : undefined;
}

/**
 * The first rule (in the site's order) whose `source` matches `pathname`, with its
 * destination filled in: `*` by what the source's wildcard matched, `:name` by the segment
 * the placeholder matched.
 */
export function matchStaticRule(
  rules: readonly StaticRule[],
  pathname: string,
): { rule: StaticRule; destination: string } | undefined {
  for (const rule of rules) {
    const groups = matchPattern(rule.source, pathname);
    if (!groups) continue;
    const destination = rule.destination
      .replace(/\*/g, () => groups["_wildcard"] ?? "")
      .replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (whole, name: string) =>
        // `https://…` keeps its colon; only placeholders the source has are filled in.
        name in groups && name !== "_wildcard" ? (groups[name] ?? "") : whole,
      );
    return { rule, destination };
  }
  return undefined;
}

/**
 * The headers of every rule whose `path` matches `pathname`, in the site's order: when two
 * rules set the same header, the later one wins.
 */
export function staticHeadersFor(rules: readonly StaticHeader[], pathname: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of rules) if (matchPattern(h.path, pathname)) out[h.name.toLowerCase()] = h.value;
  return out;
}

/**
 * Whether a decoded URL path names a dotfile or goes through a dot directory (`/.env`,
 * `/.git/config`): those are not served, as if they did not exist. `/.well-known/` is the
 * exception (RFC 8615: security.txt, app links, ACME challenges).
 */
export function isHiddenPath(pathname: string): boolean {
  const segments = pathname.split("/").filter((s) => s !== "");
  return segments.some((s, i) => s.startsWith(".") && !(i === 0 && s === ".well-known"));
}

/**
 * Serves a static site's files: `GET`/`HEAD` only, `index.html` for directories, never
 * outside `root` (the resolved path must stay inside it, symlinks included), never a
 * dotfile (see {@link isHiddenPath}). As on Render: a file that exists is served as it is;
 * otherwise the first redirect or rewrite rule whose source matches applies (a redirect
 * answers 301 with the destination, a rewrite serves the destination's file under the
 * requested path); otherwise 404. The header rules matching the requested path are added
 * to what is served (and win over the defaults).
 *
 * The file itself is sent by `send`: its type from the extension (mime-db), byte ranges
 * (206, 416), `ETag` and `Last-Modified` with conditional requests (304, 412). Files are
 * `Cache-Control: no-cache` unless a header rule says otherwise: a browser keeps them and
 * revalidates each time, which the ETag makes cheap, so a new deploy shows at once.
 */
function serveStatic(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  route: Extract<Route, { kind: "static" }>,
  label: string,
): void {
  const { root, base } = route;
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { allow: "GET, HEAD", "content-length": 0 });
    res.end();
    return;
  }
  let pathname: string;
  let search: string;
  try {
    const url = new URL(req.url ?? "/", "http://x");
    pathname = decodeURIComponent(url.pathname);
    search = url.search;
  } catch {
    res.writeHead(400, { "content-length": 0 });
    res.end();
    return;
  }
  /** The file a URL path names, as its real path and the real root it is inside; null: none. */
  const resolveFile = async (wanted: string): Promise<{ root: string; file: string } | null> => {
    if (isHiddenPath(wanted)) return null;
    const realRoot = await fsp.realpath(root);
    // The tenant's build wrote the release: its publish directory may be a link to anywhere.
    if (base !== undefined) {
      const realBase = await fsp.realpath(base);
      if (realRoot !== realBase && !realRoot.startsWith(realBase + path.sep)) return null;
    }
    let file = path.resolve(realRoot, `.${wanted}`);
    let stat = await fsp.stat(file).catch(() => null);
    if (stat?.isDirectory()) {
      file = path.join(file, "index.html");
      stat = await fsp.stat(file).catch(() => null);
    }
    if (!stat?.isFile()) return null;
    const real = await fsp.realpath(file);
    if (!real.startsWith(realRoot + path.sep)) return null;
    // A link inside the site to one of its own dotfiles is no way around the rule.
    if (isHiddenPath(path.relative(realRoot, real).split(path.sep).join("/"))) return null;
    return { root: realRoot, file: real };
  };
  const extra = staticHeadersFor(route.headers ?? [], pathname);
  const serveFile = (found: { root: string; file: string }) => {
    // Set before `send` looks: it keeps what is set (a header rule's Content-Type or Cache-Control).
    res.setHeader("cache-control", "no-cache");
    for (const [name, value] of Object.entries(extra)) res.setHeader(name, value);
    const relative = path.relative(found.root, found.file).split(path.sep).map(encodeURIComponent).join("/");
    send(req, `/${relative}`, {
      root: found.root,
      // Checked above, on the real path: send's own checks would only repeat them.
      dotfiles: "allow",
      index: false,
      cacheControl: false,
      etag: true,
      lastModified: true,
      acceptRanges: true,
    })
      .on("error", (err: { status?: number; headers?: Record<string, string> }) => {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        for (const name of res.getHeaderNames()) res.removeHeader(name);
        const status = err.status ?? 500;
        // Gone since it was found (a deploy switched the release): as if it never was.
        if (status === 404) return page(res, { kind: "missing" }, `${label}${pathname}`);
        // 416 (with Content-Range: what the file has), 412, or a read error.
        res.writeHead(status, { ...err.headers, "content-length": 0 });
        res.end();
      })
      .pipe(res);
  };
  const serve = async () => {
    const found = await resolveFile(pathname);
    if (found) return serveFile(found);
    const matched = matchStaticRule(route.routes ?? [], pathname);
    if (!matched) return page(res, { kind: "missing" }, `${label}${pathname}`);
    const { rule, destination } = matched;
    if (rule.type === "redirect") {
      // The query string goes along unless the destination sets its own.
      const location = destination.includes("?") ? destination : `${destination}${search}`;
      res.writeHead(301, { location, "content-length": 0, "cache-control": "no-cache", ...extra });
      res.end();
      return;
    }
    if (/^[a-z][a-z0-9+.-]*:/i.test(destination)) {
      // Render proxies a rewrite to another site; the local target does not fetch other sites.
      return page(
        res,
        {
          kind: "unavailable",
          tenant: label,
          reason: `a rewrite to ${destination} is served on Render only`,
        },
        label,
        502,
      );
    }
    const target = await resolveFile(destination.split(/[?#]/)[0] ?? "/");
    if (!target) return page(res, { kind: "missing" }, `${label}${pathname}`);
    serveFile(target);
  };
  serve().catch(() => page(res, { kind: "missing" }, label));
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The small page for a host Tenantry cannot send anywhere right now. */
function page(
  res: http.ServerResponse,
  route: Exclude<Route, { kind: "target" } | { kind: "static" }>,
  label: string,
  status?: number,
): void {
  const [code, title, text] =
    route.kind === "missing"
      ? [404, "No such tenant", `There is no service called “${label}” here.`]
      : route.kind === "suspended"
        ? [503, "Suspended", `${route.tenant} is suspended. It will be back when it is resumed.`]
        : [status ?? 503, "Unavailable", `${route.tenant} is not available right now (${route.reason}).`];
  const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:15vh auto;max-width:32rem;color:#333}h1{font-size:1.4rem}</style></head>
<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p><p><small>Tenantry</small></p></body></html>\n`;
  res.writeHead(code, {
    "content-type": "text/html; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
    ...(code === 503 ? { "retry-after": "30" } : {}),
  });
  res.end(body);
}
