import { AsyncLocalStorage } from "node:async_hooks";
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import {
  ApiException,
  CoreV1Api,
  createConfiguration,
  type KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  type RequestContext,
  ResponseContext,
  ServerConfiguration,
  wrapHttpLibrary,
} from "@kubernetes/client-node";
import { deadlineSignal } from "../../lib/deadline-signal.js";
import type { ProviderMetrics } from "../metrics.js";
import { AccessError, ProviderError } from "../provider.js";
import { FIELD_MANAGER, type KubeObject } from "./manifests.js";
import { meteredHttp } from "./metered-http.js";

/**
 * The Kubernetes API through `@kubernetes/client-node` (its kubeconfig handling, auth and
 * `KubernetesObjectApi`), with Tenantry's rules on every request: a timeout within the
 * action's deadline and its abort signal (the library's own HTTP layer has neither, so
 * requests go through {@link ScopedHttp}), server-side apply with field manager `tenantry`,
 * and the API's answers as provider errors:
 *
 * | answer | error |
 * | --- | --- |
 * | 401, 403 | `AccessError` (`access_error` on the tenant) |
 * | 404 | `undefined` from reads; gone for deletes |
 * | 409 | retryable `KUBERNETES_409` (a conflict: applied again next time) |
 * | 422, 400 | permanent, with the server's message and causes |
 * | 429 | retryable with the server's `Retry-After` (no attempt spent) |
 * | 5xx, network | retryable |
 */

/** What a request is bounded by: the action's signal and its time left. */
export interface KubeScope {
  signal: AbortSignal;
  timeLeft(): number;
}

/** One request at most this long, and never past the action's deadline. */
export const REQUEST_TIMEOUT_MS = 30_000;

const scope = new AsyncLocalStorage<KubeScope>();

/** node:http(s) with the scope's signal and timeout, and the agent the kubeconfig set (TLS, client certificates). */
class ScopedHttp {
  /** How host names are resolved (a guard against addresses of Tenantry's own network), else the system's. */
  constructor(readonly lookup?: LookupFunction) {}

  async send(request: RequestContext): Promise<ResponseContext> {
    const current = scope.getStore();
    const timeout = Math.max(1, Math.min(REQUEST_TIMEOUT_MS, current?.timeLeft() ?? REQUEST_TIMEOUT_MS));
    // The whole exchange, the body read included; disposed when it settles.
    const deadline = deadlineSignal(current?.signal, timeout);
    const signal = deadline.signal;
    const url = new URL(request.getUrl());
    const client = url.protocol === "https:" ? https : http;
    const body = request.getBody();
    return new Promise<ResponseContext>((resolve, reject) => {
      const req = client.request(
        url,
        {
          method: request.getHttpMethod(),
          headers: request.getHeaders(),
          agent: request.getAgent(),
          ...(this.lookup && { lookup: this.lookup }),
          signal,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("error", reject);
          res.on("end", () => {
            const buffer = Buffer.concat(chunks);
            const headers: Record<string, string> = {};
            for (const [k, v] of Object.entries(res.headers)) {
              if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(", ") : v;
            }
            resolve(
              new ResponseContext(res.statusCode ?? 0, headers, {
                text: async () => buffer.toString("utf8"),
                binary: async () => buffer,
              }),
            );
          });
        },
      );
      req.on("error", reject);
      if (typeof body === "string") req.write(body);
      req.end();
    }).finally(deadline.dispose);
  }
}

type Status = {
  message?: string;
  reason?: string;
  details?: { causes?: { field?: string; message?: string }[] };
};

/** The API's answer (or the network's failure) as a provider error. */
export function kubeError(err: unknown, what: string): Error {
  if (err instanceof ProviderError) return err;
  if (err instanceof ApiException) {
    const status = (typeof err.body === "string" ? safeJson(err.body) : err.body) as Status | undefined;
    const causes = status?.details?.causes?.map((c) => `${c.field ?? ""}: ${c.message ?? ""}`.trim()) ?? [];
    const message = `${what}: ${err.code} ${status?.message ?? status?.reason ?? ""}${causes.length > 0 ? ` (${causes.join("; ")})` : ""}`;
    if (err.code === 401 || err.code === 403) return new AccessError(message, { cause: err });
    if (err.code === 429) {
      const after = Number(err.headers["retry-after"] ?? "1");
      return new ProviderError(message, {
        code: "KUBERNETES_429",
        retryAfterMs: (Number.isFinite(after) && after > 0 ? after : 1) * 1000,
        cause: err,
      });
    }
    return new ProviderError(message, { code: `KUBERNETES_${err.code}`, cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new ProviderError(`${what}: ${message}`, { code: "KUBERNETES_UNREACHABLE", cause: err });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text.slice(0, 500) };
  }
}

const isNotFound = (err: unknown) => err instanceof ApiException && err.code === 404;

/** Header of an object: what identifies it. */
export type ObjectRef = Pick<KubeObject, "apiVersion" | "kind"> & {
  metadata: { name: string; namespace?: string };
};

export class KubeClient {
  readonly #objects: KubernetesObjectApi;
  readonly #core: CoreV1Api;
  /** The API server's URL (for messages). */
  readonly server: string;

  /**
   * `lookup`: resolves the server's name at each connection (an organization's cluster: a
   * guarded one); `metrics`: every request counted (metered-http.ts).
   */
  constructor(kubeconfig: KubeConfig, options: { lookup?: LookupFunction; metrics?: ProviderMetrics } = {}) {
    const cluster = kubeconfig.getCurrentCluster();
    if (!cluster) throw new Error("the kubeconfig has no current cluster");
    this.server = cluster.server;
    const configuration = createConfiguration({
      baseServer: new ServerConfiguration(cluster.server, {}),
      authMethods: { default: kubeconfig },
      httpApi: wrapHttpLibrary(
        meteredHttp(new ScopedHttp(options.lookup), options.metrics, () => scope.getStore()?.signal),
      ),
    });
    this.#objects = new KubernetesObjectApi(configuration);
    this.#core = new CoreV1Api(configuration);
  }

  #run<T>(bound: KubeScope, what: string, call: () => Promise<T>): Promise<T> {
    return scope.run(bound, async () => {
      try {
        return await call();
      } catch (err) {
        bound.signal.throwIfAborted();
        throw kubeError(err, what);
      }
    });
  }

  /** Server-side apply (create or merge), as field manager `tenantry`, taking over conflicting fields. */
  apply<T extends KubeObject>(bound: KubeScope, object: T): Promise<T> {
    return this.#run(
      bound,
      `apply ${describe(object)}`,
      async () =>
        (await this.#objects.patch(
          object,
          undefined,
          undefined,
          FIELD_MANAGER,
          true,
          PatchStrategy.ServerSideApply,
        )) as unknown as T,
    );
  }

  /** The object, or undefined when it does not exist. */
  read<T extends KubeObject>(bound: KubeScope, ref: ObjectRef): Promise<T | undefined> {
    return this.#run(bound, `read ${describe(ref)}`, async () => {
      try {
        return (await this.#objects.read(ref as never)) as unknown as T;
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    });
  }

  /** Objects of a kind (in a namespace, or all for cluster-scoped kinds) matching a label selector. */
  list<T extends KubeObject>(
    bound: KubeScope,
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    labelSelector: string,
  ): Promise<T[]> {
    return this.#run(bound, `list ${kind} ${labelSelector}`, async () => {
      const out: T[] = [];
      let next: string | undefined;
      do {
        const page = await this.#objects.list(
          apiVersion,
          kind,
          namespace,
          undefined,
          undefined,
          undefined,
          undefined,
          labelSelector,
          500,
          next,
        );
        out.push(...(page.items as unknown as T[]));
        next = page.metadata?._continue || undefined;
      } while (next);
      return out;
    });
  }

  /** Deletes an object (its dependents by `propagationPolicy`); true when it was there. */
  delete(
    bound: KubeScope,
    ref: ObjectRef,
    propagationPolicy: "Background" | "Foreground" = "Background",
  ): Promise<boolean> {
    return this.#run(bound, `delete ${describe(ref)}`, async () => {
      try {
        await this.#objects.delete(
          ref as never,
          undefined,
          undefined,
          undefined,
          undefined,
          propagationPolicy,
        );
        return true;
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
    });
  }

  /** The last lines of a pod's log (empty when the pod or its log is gone). */
  podLog(bound: KubeScope, namespace: string, name: string, tailLines: number): Promise<string> {
    return this.#run(bound, `log of pod ${namespace}/${name}`, async () => {
      try {
        return await this.#core.readNamespacedPodLog({ name, namespace, tailLines });
      } catch (err) {
        if (isNotFound(err) || (err instanceof ApiException && err.code === 400)) return "";
        throw err;
      }
    });
  }
}

function describe(ref: ObjectRef): string {
  return `${ref.kind} ${ref.metadata.namespace ? `${ref.metadata.namespace}/` : ""}${ref.metadata.name}`;
}
