import type { DesiredResource, DriverLimits, Provider, ResourceDriver, ResourceDrivers } from "./provider.js";

/**
 * What a target can serve, declared by its provider, so that a blueprint it cannot fully
 * serve is refused when a tenant is created (or updated, planned, rendered for it), with
 * each thing named and why, before anything exists — instead of failing half-way.
 */

/** One thing of a blueprint a target cannot serve. */
export interface Refusal {
  /** The resource's key (`service:web`); absent for the blueprint as a whole (hooks). */
  resource?: string;
  /** The field of the resource (or of the blueprint) at fault, e.g. `runtime`, `hooks.bootstrap`. */
  field?: string;
  message: string;
}

/** What a provider does with resources of one kind. */
export interface KindSupport {
  /** Suspending the tenant stops or pauses this kind (otherwise it stays as it is). */
  suspend?: boolean;
  /** Its output can be read (`GET …/resources/{name}/logs`). */
  logs?: boolean;
  /** It can be run on demand (`POST …/jobs/{name}/runs`). */
  jobs?: boolean;
  /**
   * What of this resource's spec the target cannot serve (a runtime, a source, a plan…);
   * empty when it can. Checked before anything is created; must not change the platform.
   */
  refuse?(resource: DesiredResource): Refusal[] | Promise<Refusal[]>;
}

/** A provider's declaration (see `Provider.capabilities`). */
export interface Capabilities {
  /** The kinds it serves and how; a kind not listed here is refused. */
  kinds: Readonly<Record<string, KindSupport>>;
  /** It runs `hooks.bootstrap` (`Provider.runBootstrap`). */
  bootstrap: boolean;
  /**
   * `node`: the tenant's objects live on the machine of the Tenantry process that made them
   * (the local target): its operations are claimed by workers of that node only.
   * `anywhere`: any worker may work on it.
   */
  placement: "node" | "anywhere";
}

/** The full table of one target, for `GET /v1/targets` and the docs. */
export interface TargetCapabilities {
  name: string;
  bootstrap: boolean;
  placement: "node" | "anywhere";
  kinds: {
    kind: string;
    suspend: boolean;
    logs: boolean;
    jobs: boolean;
    /** The engine's limits for one action and for all waits of a resource of this kind. */
    action_timeout_ms: number;
    max_wait_ms: number;
  }[];
  /** Kinds it does not serve, with what to configure when the provider says. */
  missing: { kind: string; why: string | null }[];
}

/** Every kind a blueprint can render to (stack outputs come from stacks, not from render.yaml). */
export const RESOURCE_KINDS = [
  "envgroup",
  "postgres",
  "mysql",
  "keyvalue",
  "web",
  "pserv",
  "worker",
  "cron",
] as const;

/** The blueprint field that decides a kind, when it is not `type` (a database's `engine`). */
const KIND_FIELDS: Readonly<Record<string, string>> = { mysql: "engine", stack: "stacks" };

/** Why a kind is missing, when the target does not say: what serves it instead. */
const KIND_ELSEWHERE: Readonly<Record<string, string>> = {
  stack: "Terraform stacks are applied by the terraform target (target: terraform, docs/terraform.md)",
};

/** The kinds a provider has something for: its drivers', or its stack's. */
export function servedKinds(provider: Provider): string[] {
  if (provider.stack) return [...provider.stack.kinds];
  return Object.keys(provider.drivers ?? {});
}

/** A provider call that takes longer fails transiently (a kind or provider may set its own). */
export const DEFAULT_ACTION_TIMEOUT_MS = 5 * 60_000;
/** How long a resource may stay pending on the platform (a kind or provider may set its own). */
export const DEFAULT_MAX_WAIT_MS = 30 * 60_000;

/** A kind's time limits: the driver's, else the provider's, else the engine's defaults. */
export function kindLimits(provider: Provider, kind: string): Required<DriverLimits> {
  const own = provider.stack
    ? provider.stack.limits
    : (provider.drivers?.[kind as keyof ResourceDrivers] as ResourceDriver | undefined)?.limits;
  const shared = provider.limits;
  return {
    actionTimeoutMs: own?.actionTimeoutMs ?? shared?.actionTimeoutMs ?? DEFAULT_ACTION_TIMEOUT_MS,
    maxWaitMs: own?.maxWaitMs ?? shared?.maxWaitMs ?? DEFAULT_MAX_WAIT_MS,
  };
}

/**
 * The provider's capabilities: its declaration, or (for a provider that declares none, such
 * as a test's) what its drivers and methods imply. A declared kind without a driver is not
 * served, and `bootstrap` needs `runBootstrap`: a declaration cannot promise what is missing.
 */
export function capabilitiesOf(provider: Provider): Capabilities {
  const declared = provider.capabilities;
  const kinds: Record<string, KindSupport> = {};
  for (const kind of servedKinds(provider)) {
    const driver = provider.drivers?.[kind as keyof ResourceDrivers] as ResourceDriver | undefined;
    const suspend = provider.stack
      ? provider.stack.setRunning !== undefined
      : driver?.setRunning !== undefined;
    kinds[kind] = declared
      ? (declared.kinds[kind] ?? {})
      : { suspend, logs: provider.logs !== undefined, jobs: false };
  }
  if (declared) for (const kind of Object.keys(kinds)) if (!(kind in declared.kinds)) delete kinds[kind];
  return {
    kinds,
    bootstrap: (declared?.bootstrap ?? true) && provider.runBootstrap !== undefined,
    placement: declared?.placement ?? (provider.recoverOnStart ? "node" : "anywhere"),
  };
}

/** The table of one target (see {@link TargetCapabilities}). */
export function describeTarget(provider: Provider): TargetCapabilities {
  const caps = capabilitiesOf(provider);
  return {
    name: provider.name,
    bootstrap: caps.bootstrap,
    placement: caps.placement,
    kinds: Object.entries(caps.kinds)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([kind, support]) => {
        const limits = kindLimits(provider, kind);
        return {
          kind,
          suspend: support.suspend === true,
          logs: support.logs === true,
          jobs: support.jobs === true,
          action_timeout_ms: limits.actionTimeoutMs,
          max_wait_ms: limits.maxWaitMs,
        };
      }),
    missing: RESOURCE_KINDS.filter((k) => !(k in caps.kinds)).map((kind) => ({
      kind,
      why: provider.explain?.(kind) ?? null,
    })),
  };
}

/**
 * Everything of a rendered blueprint the provider cannot serve: kinds it lacks (with what
 * to configure), what its kinds refuse of a resource's spec, and a bootstrap hook it cannot
 * run. Empty: the target can serve it all.
 */
export async function refusalsFor(
  provider: Provider,
  rendered: { resources: readonly DesiredResource[]; hooks?: { bootstrap?: unknown } },
): Promise<Refusal[]> {
  const caps = capabilitiesOf(provider);
  const out: Refusal[] = [];
  for (const resource of rendered.resources) {
    const support = caps.kinds[resource.kind];
    if (!support) {
      const why = provider.explain?.(resource.kind) ?? KIND_ELSEWHERE[resource.kind];
      out.push({
        resource: resource.key,
        field: KIND_FIELDS[resource.kind] ?? "type",
        message: `kind "${resource.kind}" is not supported by target "${provider.name}"${why ? `: ${why}` : ""}`,
      });
      continue;
    }
    for (const r of (await support.refuse?.(resource)) ?? []) out.push({ resource: resource.key, ...r });
  }
  if (rendered.hooks?.bootstrap !== undefined && !caps.bootstrap) {
    out.push({
      field: "hooks.bootstrap",
      message: `target "${provider.name}" cannot run bootstrap hooks`,
    });
  }
  return out;
}
