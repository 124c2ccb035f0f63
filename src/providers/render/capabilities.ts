import { isService } from "../../domain/resources.js";
import type { Capabilities, KindSupport } from "../capabilities.js";
import { ProviderError } from "../provider.js";
import { serviceBody } from "./mapping.js";

/**
 * What the render target serves: every kind, suspend for databases, Key Value and services.
 * A service Render's API would refuse (no runtime, a `repo` that is not a Git URL Render can
 * reach, a plan the API cannot create, a native service without a startCommand…) is refused
 * at create with the same check the create would make (`mapping.ts`).
 */
export function renderCapabilities(options: { bootstrap: boolean }): Capabilities {
  const service: KindSupport = {
    suspend: true,
    refuse(resource) {
      if (!isService(resource)) return [];
      try {
        serviceBody(resource.kind, resource.externalName, "owner", resource.spec, {});
        return [];
      } catch (err) {
        if (err instanceof ProviderError && err.code === "RENDER_UNSUPPORTED") {
          return [{ message: err.message.replace(`service ${resource.externalName}: `, "") }];
        }
        throw err;
      }
    },
  };
  return {
    kinds: {
      envgroup: {},
      postgres: { suspend: true },
      keyvalue: { suspend: true },
      web: service,
      pserv: service,
      worker: service,
      cron: service,
    },
    bootstrap: options.bootstrap,
    placement: "anywhere",
  };
}
