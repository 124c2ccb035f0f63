import { badRequest, notFound } from "./errors.js";
import { asObject, inTimeRange, listParam, matchesAny, optionalString, requiredString } from "./input.js";
import { cancelJob, jobFinished, startJob } from "./jobs.js";
import { paginate } from "./pagination.js";
import { created, ok, type Route } from "./router.js";
import { serviceOr404 } from "./routes-services.js";
import type { JobRecord, ServiceRecord } from "./store.js";

/**
 * One-off jobs of a service (see `jobs.ts` for how they progress): list newest first
 * (filters `status`, `created`/`started`/`finishedBefore`/`After`), create, retrieve, cancel.
 * A job runs the service's last successful build: a static site, or a service never
 * deployed successfully, or a suspended one, cannot run one (400).
 */
export const jobRoutes: Route[] = [
  {
    method: "GET",
    template: "/services/{serviceId}/jobs",
    handle({ store, params, query }) {
      const rec = serviceOr404(store, params["serviceId"]!);
      const statuses = listParam(query, "status");
      const jobs = rec.jobs.filter(
        ({ job }) =>
          matchesAny(statuses, job.status) &&
          inTimeRange(query, "created", job.createdAt) &&
          inTimeRange(query, "started", job.startedAt) &&
          inTimeRange(query, "finished", job.finishedAt),
      );
      const page = paginate(jobs, query, {
        seqOf: (j) => j.seq,
        seqOfCursor: (c) => store.seqOf(c),
        newestFirst: true,
      });
      return ok(page.map((j) => ({ job: structuredClone(j.job), cursor: j.job.id })));
    },
  },
  {
    method: "POST",
    template: "/services/{serviceId}/jobs",
    handle({ store, params, body, now }) {
      const rec = serviceOr404(store, params["serviceId"]!);
      const input = asObject(body);
      const startCommand = requiredString(input, "startCommand");
      const planId = optionalString(input, "planId");
      if (rec.service.type === "static_site") throw badRequest("static sites cannot run jobs");
      if (rec.service.suspended === "suspended") throw badRequest("service is suspended");
      const built = rec.deploys.some((d) => d.deploy.status === "live" || d.deploy.status === "deactivated");
      if (!built) throw badRequest("service has no successful build to run a job with");
      return created(startJob(store, rec, now, { startCommand, ...(planId !== undefined && { planId }) }));
    },
  },
  {
    method: "GET",
    template: "/services/{serviceId}/jobs/{jobId}",
    handle({ store, params }) {
      return ok(structuredClone(jobOr404(serviceOr404(store, params["serviceId"]!), params["jobId"]!).job));
    },
  },
  {
    method: "POST",
    template: "/services/{serviceId}/jobs/{jobId}/cancel",
    handle({ store, params, now }) {
      const record = jobOr404(serviceOr404(store, params["serviceId"]!), params["jobId"]!);
      if (jobFinished(record.job)) throw badRequest(`job ${record.job.id} already ${record.job.status}`);
      cancelJob(record, now);
      return ok(structuredClone(record.job));
    },
  },
];

function jobOr404(rec: ServiceRecord, id: string): JobRecord {
  const found = rec.jobs.find((j) => j.job.id === id);
  if (!found) throw notFound("job", id);
  return found;
}
