import fs from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import type { ServiceSpec } from "../../domain/resources.js";
import { nameTaken } from "../ownership.js";
import {
  ABSENT,
  type ActionResult,
  type Observation,
  type ProviderContext,
  ProviderError,
  type RecordedResource,
  type ResourceDriver,
} from "../provider.js";
import { claimDir, dirOwnership } from "./owner-files.js";
import { build, copySource, exists, nonBlank, releaseNumbers, workDir } from "./release.js";
import { localServicePaths } from "./service-driver.js";
import { runAsEnv, type TenantUsers } from "./tenant-users.js";

/**
 * Static sites (`type: web` with `runtime: static`) on the local target: the source is
 * copied and built once per deploy, and Tenantry's host proxy serves `staticPublishPath`
 * of the current release. No process runs. Outputs: `url`, `staticRoot` (what the
 * proxy serves) and the blueprint's `routes` (redirects and rewrites) and `headers` as
 * `staticRoutes`/`staticHeaders`, which the proxy applies as Render does (host-proxy.ts). The site's directory holds the tenant's marker file (`owner-files.ts`):
 * one that is not the tenant's is `NAME_TAKEN`, never deployed to, and left by `delete`.
 */
export interface StaticSiteDriverOptions {
  dataDir: string;
  baseDomain: string;
  publicPort: number;
  repoBase?: string;
  logger?: Logger;
  /** @default 15 minutes */
  buildTimeoutMs?: number;
  /** The tenants' OS users (isolation when Tenantry runs as root); absent: builds run as Tenantry. */
  users?: TenantUsers;
}

const LABEL = "static site";

type StaticSite = RecordedResource<"web">;

/** The blueprint's `routes` and `headers` of a static site (checked at validation), without other fields. */
function staticRules(spec: ServiceSpec): {
  routes: { type: string; source: string; destination: string }[];
  headers: { path: string; name: string; value: string }[];
} {
  return {
    routes: (spec.routes ?? []).map((r) => ({ type: r.type, source: r.source, destination: r.destination })),
    headers: (spec.headers ?? []).map((h) => ({ path: h.path, name: h.name, value: h.value })),
  };
}

/** `staticPublishPath`, or the working directory itself. */
const publishPath = (resource: StaticSite) => nonBlank(resource.spec.staticPublishPath) ?? ".";

export function createStaticSiteDriver(options: StaticSiteDriverOptions): ResourceDriver<"web"> {
  const dataDir = path.resolve(options.dataDir);
  const repoBase = path.resolve(options.repoBase ?? process.cwd());

  const outputs = (resource: StaticSite, root: string, base: string) => {
    const { routes, headers } = staticRules(resource.spec);
    return {
      url: `http://${resource.externalName}.${options.baseDomain}:${options.publicPort}`,
      staticRoot: root,
      // The proxy serves only what resolves inside the release (links included).
      staticBase: base,
      ...(routes.length > 0 ? { staticRoutes: routes } : {}),
      ...(headers.length > 0 ? { staticHeaders: headers } : {}),
    };
  };

  /** Whether the resource's record names this site (made by Tenantry, maybe before markers). */
  const recorded = (resource: StaticSite) => resource.providerId === resource.externalName;

  async function ownership(ctx: ProviderContext, resource: StaticSite) {
    const paths = localServicePaths(dataDir, resource, ctx.tenant);
    return { paths, owner: await dirOwnership(ctx, paths.serviceDir, recorded(resource)) };
  }

  async function current(ctx: ProviderContext, resource: StaticSite) {
    const paths = localServicePaths(dataDir, resource, ctx.tenant);
    const releases = (await releaseNumbers(paths.serviceDir)).sort((a, b) => a - b);
    const release = releases.at(-1);
    if (release === undefined) return undefined;
    const releaseDir = path.join(paths.serviceDir, `release-${release}`);
    return {
      paths,
      release,
      releaseDir,
      root: path.resolve(await workDir(LABEL, resource, releaseDir), publishPath(resource)),
    };
  }

  async function deploy(ctx: ProviderContext, resource: StaticSite): Promise<ActionResult> {
    ctx.throwIfAborted();
    const paths = localServicePaths(dataDir, resource, ctx.tenant);
    // The directory is the tenant's (or made now, with its marker) before anything in it is used.
    await claimDir(ctx, "static site directory", paths.serviceDir, recorded(resource));
    const who = (await options.users?.ensure(ctx)) ?? null;
    await options.users?.share(paths.serviceDir, who);
    const previous = (await releaseNumbers(paths.serviceDir)).sort((a, b) => a - b);
    const release = (previous.at(-1) ?? 0) + 1;
    const releaseDir = path.join(paths.serviceDir, `release-${release}`);
    try {
      await copySource(ctx, resource, releaseDir, { label: LABEL, repoBase, dataDir });
      await options.users?.give(releaseDir, who);
      const cwd = await workDir(LABEL, resource, releaseDir);
      await build(ctx, resource, {
        label: LABEL,
        cwd,
        env: {
          TENANT_ID: ctx.tenant.id,
          TENANT_SLUG: ctx.tenant.slug,
          TENANT_NAME: ctx.tenant.name,
          ...runAsEnv(who),
        },
        runAs: who,
        release,
        buildLog: paths.buildLog,
        timeoutMs: options.buildTimeoutMs ?? 15 * 60_000,
      });
      const root = path.resolve(cwd, publishPath(resource));
      if (root !== cwd && !root.startsWith(cwd + path.sep)) {
        throw new ProviderError(`${LABEL} ${resource.key}: staticPublishPath leaves the repository`, {
          retryable: false,
        });
      }
      const realRoot = await fs.realpath(root).catch(() => undefined);
      const realRelease = await fs.realpath(releaseDir);
      if (
        realRoot !== undefined &&
        realRoot !== realRelease &&
        !realRoot.startsWith(realRelease + path.sep)
      ) {
        throw new ProviderError(
          `${LABEL} ${resource.key}: staticPublishPath ${publishPath(resource)} is a link that leads out of the release`,
          { retryable: false },
        );
      }
      if (!(await exists(root))) {
        throw new ProviderError(
          `${LABEL} ${resource.key}: staticPublishPath ${publishPath(resource)} does not exist after the build`,
          { retryable: false },
        );
      }
      // The new release is live; earlier ones go.
      for (const old of previous) {
        await fs.rm(path.join(paths.serviceDir, `release-${old}`), { recursive: true, force: true });
      }
      options.logger?.info(
        { tenant: ctx.tenant.slug, resource: resource.key, release },
        "static site deployed",
      );
      return {
        state: "done",
        providerId: resource.externalName,
        outputs: outputs(resource, root, releaseDir),
      };
    } catch (err) {
      await fs.rm(releaseDir, { recursive: true, force: true });
      throw err;
    }
  }

  return {
    // A deploy copies and builds (up to the build timeout): more than the engine's default.
    limits: { actionTimeoutMs: (options.buildTimeoutMs ?? 15 * 60_000) + 2 * 60_000 },

    async observe(ctx, resource): Promise<Observation> {
      ctx.throwIfAborted();
      const { paths, owner } = await ownership(ctx, resource);
      if (owner.state === "foreign")
        throw nameTaken("static site directory", paths.serviceDir, undefined, owner.why);
      const now = await current(ctx, resource);
      if (!now || !(await exists(now.root))) return ABSENT;
      return {
        providerId: resource.externalName,
        state: "ready",
        outputs: outputs(resource, now.root, now.releaseDir),
      };
    },
    // Create and update build a new release; a site found by observe is taken as it is.
    async apply(ctx, resource, observed) {
      if (!observed) return deploy(ctx, resource);
      const { paths, owner } = await ownership(ctx, resource);
      if (owner.state === "foreign")
        throw nameTaken("static site directory", paths.serviceDir, undefined, owner.why);
      // Found by observe, hence the tenant's: make sure it carries the marker.
      await claimDir(ctx, "static site directory", paths.serviceDir, true);
      return { state: "done", providerId: observed.providerId, outputs: observed.outputs };
    },
    async delete(ctx, resource) {
      ctx.throwIfAborted();
      const { paths, owner } = await ownership(ctx, resource);
      if (owner.state === "foreign") {
        options.logger?.warn(
          { dir: paths.serviceDir, why: owner.why },
          "static site: left a directory that is not the tenant's",
        );
        return {
          state: "done",
          detail: `left in place, not this tenant's: ${paths.serviceDir} (${owner.why})`,
        };
      }
      await fs.rm(paths.serviceDir, { recursive: true, force: true });
      await fs.rmdir(paths.tenantDir).catch(() => {});
      if (await exists(paths.serviceDir)) {
        throw new ProviderError(
          `${LABEL} ${resource.key}: ${paths.serviceDir} still exists after removing it`,
          {
            retryable: true,
          },
        );
      }
      return { state: "done" };
    },
  };
}
