import path from "node:path";
import { isService } from "../../domain/resources.js";
import type { Capabilities, KindSupport, Refusal } from "../capabilities.js";
import { ProviderError } from "../provider.js";
import { type CodeResource, nonBlank, sourceOf } from "./release.js";

/**
 * What the local target serves: databases (MySQL/MariaDB ones when TENANTRY_LOCAL_MYSQL_URL
 * is set), Key Value (when Redis or redis-server is there),
 * env groups, and services, cron jobs and static sites built from a local directory or git
 * repository on this machine. Refused at create, each with why: images and Dockerfiles (no
 * container runtime here), remote repositories, a `repo` that is not a directory here, a
 * service or job without a `startCommand`.
 */
export function localCapabilities(options: {
  repoBase: string;
  keyvalue: boolean;
  /** A MySQL/MariaDB server is configured (TENANTRY_LOCAL_MYSQL_URL). */
  mysql?: boolean;
}): Capabilities {
  const repoBase = path.resolve(options.repoBase);

  async function code(resource: CodeResource, label: string, needsStart: boolean): Promise<Refusal[]> {
    const spec = resource.spec;
    const runtime = nonBlank(spec.runtime);
    if (runtime === "image" || spec.image !== undefined) {
      return [
        {
          field: "image",
          message:
            "the local target runs code from a local directory or git repository, not images; deploy images to a platform target (render)",
        },
      ];
    }
    if (runtime === "docker") {
      return [
        {
          field: "runtime",
          message:
            "the local target has no container runtime to build a Dockerfile; use a native runtime (node, python, …) with buildCommand and startCommand, or a platform target (render)",
        },
      ];
    }
    const out: Refusal[] = [];
    try {
      await sourceOf(resource, {
        label,
        repoBase,
        remoteHint: "use a path such as ./apps/my-app, or deploy this blueprint to the render target",
      });
    } catch (err) {
      if (!(err instanceof ProviderError)) throw err;
      out.push({ field: "repo", message: err.message.replace(`${label} ${resource.key}: `, "") });
    }
    if (needsStart && nonBlank(spec.startCommand) === undefined) {
      out.push({ field: "startCommand", message: "the local target needs a startCommand to run it" });
    }
    return out;
  }

  // Only services are given to these (the kinds below); anything else has no code to refuse.
  const service: KindSupport = {
    suspend: true,
    logs: true,
    refuse: (r) => (isService(r) ? code(r, "service", r.spec.runtime !== "static") : []),
  };
  return {
    kinds: {
      envgroup: {},
      postgres: {},
      ...(options.mysql ? { mysql: {} } : {}),
      ...(options.keyvalue ? { keyvalue: {} } : {}),
      web: service,
      pserv: service,
      worker: service,
      cron: {
        suspend: true,
        logs: true,
        jobs: true,
        refuse: (r) => (isService(r) ? code(r, "cron", true) : []),
      },
    },
    bootstrap: true,
    placement: "node",
  };
}
