import type { PromiseHttpLibrary, RequestContext, ResponseContext } from "@kubernetes/client-node";
import { failureStatus, type ProviderMetrics, statusClass } from "../metrics.js";

/**
 * The Kubernetes client's HTTP layer, counted (as provider `kubernetes`, by HTTP method):
 * each request's latency to its whole answer and its status class, or how it failed —
 * `aborted` when the action's signal (`callerSignal()`, the request's scope) ended it,
 * `timeout` when the request's own timeout did, else `error`.
 */
export function meteredHttp(
  inner: PromiseHttpLibrary,
  metrics: ProviderMetrics | undefined,
  callerSignal: () => AbortSignal | undefined,
): PromiseHttpLibrary {
  if (!metrics) return inner;
  return {
    async send(request: RequestContext): Promise<ResponseContext> {
      const method = String(request.getHttpMethod()).toUpperCase();
      const started = performance.now();
      const seconds = () => (performance.now() - started) / 1000;
      try {
        const response = await inner.send(request);
        metrics.call("kubernetes", method, statusClass(response.httpStatusCode), seconds());
        return response;
      } catch (err) {
        metrics.call("kubernetes", method, failureStatus(err, callerSignal()?.aborted === true), seconds());
        throw err;
      }
    },
  };
}
