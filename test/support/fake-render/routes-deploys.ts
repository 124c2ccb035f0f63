import { startDeploy } from "./deploys.js";
import { badRequest, notFound } from "./errors.js";
import { asObject, inTimeRange, listParam, matchesAny, optionalString } from "./input.js";
import { paginate } from "./pagination.js";
import { created, ok, type Route } from "./router.js";
import { serviceOr404 } from "./routes-services.js";

/** A service's deploys: newest first, trigger one (`clearCache` has nothing to clear here), retrieve. */
export const deployRoutes: Route[] = [
  {
    method: "GET",
    template: "/services/{serviceId}/deploys",
    handle({ store, params, query }) {
      const rec = serviceOr404(store, params["serviceId"]!);
      const statuses = listParam(query, "status");
      const deploys = rec.deploys.filter(
        ({ deploy: d }) =>
          matchesAny(statuses, d.status) &&
          inTimeRange(query, "created", d.createdAt) &&
          inTimeRange(query, "updated", d.updatedAt) &&
          inTimeRange(query, "finished", d.finishedAt),
      );
      const page = paginate(deploys, query, {
        seqOf: (d) => d.seq,
        seqOfCursor: (c) => store.seqOf(c),
        newestFirst: true,
      });
      return ok(page.map((d) => ({ deploy: structuredClone(d.deploy), cursor: d.deploy.id })));
    },
  },
  {
    method: "POST",
    template: "/services/{serviceId}/deploys",
    handle({ store, params, body, now }) {
      const rec = serviceOr404(store, params["serviceId"]!);
      const input = body === undefined ? {} : asObject(body);
      const commitId = optionalString(input, "commitId");
      const imageUrl = optionalString(input, "imageUrl");
      if (imageUrl !== undefined && rec.service.imagePath === undefined) {
        throw badRequest("imageUrl applies to image-backed services only");
      }
      if (commitId !== undefined && rec.service.imagePath !== undefined) {
        throw badRequest("commitId applies to Git-backed services only");
      }
      return created(
        startDeploy(store, rec, now, "api", {
          ...(commitId !== undefined && { commitId }),
          ...(imageUrl !== undefined && { imageUrl }),
        }),
      );
    },
  },
  {
    method: "GET",
    template: "/services/{serviceId}/deploys/{deployId}",
    handle({ store, params }) {
      const rec = serviceOr404(store, params["serviceId"]!);
      const found = rec.deploys.find((d) => d.deploy.id === params["deployId"]);
      if (!found) throw notFound("deploy", params["deployId"]!);
      return ok(structuredClone(found.deploy));
    },
  },
];
