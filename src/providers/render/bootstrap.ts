import {
  bootstrapFailed,
  bootstrapPollMs,
  bootstrapService,
  bootstrapTimeoutMs,
  formatDuration,
  operationIdOf,
} from "../bootstrap.js";
import { ownerMarker, ownerMarkerText } from "../ownership.js";
import {
  type ActionResult,
  type BootstrapHook,
  type ProviderContext,
  ProviderError,
  type RecordedResource,
} from "../provider.js";
import { RenderApiError, type RenderClient } from "./client.js";

/**
 * The render target's `runBootstrap`: the blueprint's `hooks.bootstrap` runs as a Render
 * one-off job on the chosen service (`POST /services/{id}/jobs`: the service's last
 * successful build and its environment variables), followed to its end over passes — each
 * call looks at the job and answers `pending` while Render runs it, so no call takes longer
 * than a request or two, whatever the hook's timeout.
 *
 * **Which job is ours.** Render's jobs carry no name or metadata, only their command. The
 * command sent is the hook's, followed by one shell comment line that marks it:
 * `# tenantry-bootstrap tenantry:<installation>/<organization>/<tenant> operation=<id>`.
 * A job is this operation's when it runs on the tenant's own service (by its recorded id)
 * with exactly that command: never someone else's job (a job run by hand has no such line),
 * never an earlier operation's (a failed create being retried runs the hook again), and
 * never a second one: a pass that comes back, another worker, or a pass after a create whose
 * answer was lost (the `POST` is not repeated blindly) finds the job by listing the
 * service's jobs before starting one. When the operation is not known (see
 * `operationIdOf`), the marker has no operation, and a failed job counts as reported once
 * this process has reported it (a retry in the same process runs it again).
 *
 * **Outcome.** `succeeded` → done; `failed` or `canceled` → `BOOTSTRAP_FAILED` (permanent)
 * with the status and times Render reports (Render reports no exit code; the output is in the
 * service's logs on Render). The hook's timeout (`timeoutSeconds`, default 10 min, at most
 * 1 h; counted from the job's creation, Render's start-up included) cancels the job
 * (`POST …/jobs/{id}/cancel`) and fails the tenant.
 */

interface Job {
  id: string;
  serviceId: string;
  startCommand: string;
  planId?: string;
  /** `pending` (or absent, as Render's docs show a fresh job), `running`, `succeeded`, `failed`, `canceled`. */
  status?: string | null;
  createdAt: string;
  startedAt?: string | null;
  finishedAt?: string | null;
}

export interface RenderBootstrapOptions {
  client: RenderClient;
  /** How soon to look at a pending job again (a running one: a fifth of its age, up to 15 s). @default 3000 */
  pollMs?: number;
}

const FINISHED = new Set(["succeeded", "failed", "canceled"]);
/** Jobs made this long before the service was first asked for still count (clock skew). */
const CLOCK_SKEW_MS = 10 * 60_000;

/** The command sent to Render: the hook's, then the line that makes the job provably ours. */
export function markedCommand(
  ctx: ProviderContext,
  command: string,
  operationId: string | undefined,
): string {
  const op = operationId !== undefined ? ` operation=${operationId}` : "";
  return `${command}\n# tenantry-bootstrap ${ownerMarkerText(ownerMarker(ctx))}${op}`;
}

export function createRenderBootstrap(
  options: RenderBootstrapOptions,
): (ctx: ProviderContext, hook: BootstrapHook, resources: RecordedResource[]) => Promise<ActionResult> {
  const { client } = options;
  const pollMs = options.pollMs ?? 3000;
  /** Failed jobs this process reported (only used when the operation is not known). */
  const reported = new Set<string>();
  const jobsOf = (serviceId: string) => `/services/${encodeURIComponent(serviceId)}/jobs`;

  /** The newest job on the service with exactly `command`. */
  async function findJob(
    ctx: ProviderContext,
    service: RecordedResource,
    serviceId: string,
    command: string,
  ): Promise<Job | undefined> {
    const since = service.createRequestedAt ? service.createRequestedAt.getTime() - CLOCK_SKEW_MS : undefined;
    const jobs = await client.list<Job>(
      jobsOf(serviceId),
      "job",
      since !== undefined ? { createdAfter: new Date(since).toISOString() } : {},
      ctx,
    );
    return jobs
      .filter((j) => j.serviceId === serviceId && j.startCommand === command)
      .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))[0];
  }

  function failure(
    ctx: ProviderContext,
    hook: BootstrapHook,
    service: RecordedResource,
    job: Job,
    how: string,
  ): ProviderError {
    const dashboard =
      typeof service.outputs["dashboardUrl"] === "string" ? ` (${service.outputs["dashboardUrl"]})` : "";
    const times = [
      `created ${job.createdAt}`,
      ...(job.startedAt ? [`started ${job.startedAt}`] : []),
      ...(job.finishedAt ? [`finished ${job.finishedAt}`] : []),
    ].join(", ");
    return bootstrapFailed(
      `the bootstrap hook ${how} on Render: job ${job.id} on ${service.key} (${service.externalName}, ${job.serviceId}; ${times}): ${hook.command}; its output is in the service's logs on Render${dashboard}. Fix the cause (the hook must be idempotent), then retry the tenant (tenantry tenants retry ${ctx.tenant.slug}) to run it again`,
    );
  }

  /** Cancels a job past its time; answers the job as Render has it then. */
  async function cancel(ctx: ProviderContext, serviceId: string, job: Job): Promise<Job> {
    const path = `${jobsOf(serviceId)}/${encodeURIComponent(job.id)}`;
    try {
      // Cancelling twice is harmless: safe to repeat after an unknown outcome.
      return await client.request<Job>("POST", `${path}/cancel`, { ctx, idempotent: true });
    } catch (err) {
      // It ended meanwhile: its own outcome stands.
      if (err instanceof RenderApiError && err.status === 400) return client.get<Job>(path, { ctx });
      throw err;
    }
  }

  return async (ctx, hook, resources) => {
    ctx.throwIfAborted();
    const service = bootstrapService(hook, resources);
    const serviceId = service.providerId;
    if (!serviceId) {
      throw new ProviderError(`bootstrap hook: ${service.key} has no Render service id recorded`, {
        retryable: false,
        code: "BOOTSTRAP_FAILED",
      });
    }
    const operationId = operationIdOf(ctx);
    const command = markedCommand(ctx, hook.command, operationId);
    const timeoutMs = bootstrapTimeoutMs(hook);
    let job = await findJob(ctx, service, serviceId, command);
    if (job && job.status === "succeeded") {
      return {
        state: "done",
        detail: `bootstrap hook succeeded on Render: job ${job.id} on ${service.key}${job.startedAt && job.finishedAt ? ` after ${formatDuration(Date.parse(job.finishedAt) - Date.parse(job.startedAt))}` : ""}`,
      };
    }
    if (job && FINISHED.has(job.status ?? "")) {
      if (operationId !== undefined || !reported.has(job.id)) {
        reported.add(job.id);
        throw failure(ctx, hook, service, job, `ended ${job.status}`);
      }
      // A failure already reported, and the operation unknown: this is a retry.
      job = undefined;
    }
    if (!job) {
      ctx.throwIfAborted();
      job = await client.request<Job>("POST", jobsOf(serviceId), { body: { startCommand: command }, ctx });
      ctx.logger.info({ resource: service.key, job: job.id, serviceId }, "render: bootstrap job started");
      return {
        state: "pending",
        retryAfterMs: pollMs,
        detail: `bootstrap hook started on Render: job ${job.id} on ${service.key}`,
      };
    }
    const age = Date.now() - Date.parse(job.createdAt);
    if (age >= timeoutMs) {
      const after = await cancel(ctx, serviceId, job);
      if (after.status === "succeeded")
        return { state: "done", detail: `bootstrap hook succeeded on Render: job ${job.id}` };
      throw failure(
        ctx,
        hook,
        service,
        after,
        after.status === "canceled"
          ? `timed out after ${formatDuration(timeoutMs)} (hooks.bootstrap.timeoutSeconds) and was canceled`
          : `ended ${after.status}`,
      );
    }
    const running = job.status === "running";
    return {
      state: "pending",
      retryAfterMs: running ? bootstrapPollMs(age, pollMs, 15_000) : pollMs,
      detail: `bootstrap hook ${running ? "running" : "pending"} on Render for ${formatDuration(age)}: job ${job.id} on ${service.key}`,
    };
  };
}
