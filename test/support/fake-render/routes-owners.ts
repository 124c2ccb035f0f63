import { notFound } from "./errors.js";
import { listParam, matchesAny } from "./input.js";
import { paginate } from "./pagination.js";
import { ok, type Route } from "./router.js";

/** The one workspace the fake's API key can see. */
export const ownerRoutes: Route[] = [
  {
    method: "GET",
    template: "/owners",
    handle({ store, query }) {
      const owners = [store.owner].filter(
        (o) => matchesAny(listParam(query, "name"), o.name) && matchesAny(listParam(query, "email"), o.email),
      );
      const page = paginate(owners, query, {
        seqOf: (o) => store.seqOf(o.id) ?? 0,
        seqOfCursor: (c) => store.seqOf(c),
      });
      return ok(page.map((owner) => ({ owner, cursor: owner.id })));
    },
  },
  {
    method: "GET",
    template: "/owners/{ownerId}",
    handle({ store, params }) {
      if (params["ownerId"] !== store.owner.id) throw notFound("owner", params["ownerId"]!);
      return ok(store.owner);
    },
  },
];
