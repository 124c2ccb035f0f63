import { PathTemplates } from "../render-spec.js";
import type { Query } from "./input.js";
import type { Store } from "./store.js";

/** What a route handler gets, and what it answers. */
export interface Context {
  store: Store;
  params: Record<string, string>;
  query: Query;
  body: unknown;
  /** Epoch ms of the request. */
  now: number;
}

export interface Reply {
  status: number;
  /** JSON body; none for 202/204. */
  body?: unknown;
}

export interface Route {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Render's path template without `/v1`, e.g. `/services/{serviceId}/deploys/{deployId}`. */
  template: string;
  handle(ctx: Context): Reply;
}

export function ok(body: unknown): Reply {
  return { status: 200, body };
}

export function created(body: unknown): Reply {
  return { status: 201, body };
}

export const accepted: Reply = { status: 202 };
export const noContent: Reply = { status: 204 };

export class Router {
  readonly #routes = new PathTemplates<Route>();

  constructor(routes: readonly Route[]) {
    for (const r of routes) this.#routes.add(r.method, r.template, r);
  }

  match(method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
    const found = this.#routes.match(method, path);
    return found && { route: found.value, params: found.params };
  }
}
