import { ConfigError, ConfigReader, type Env, str, url } from "../../config/env.js";

/**
 * The `render` target's section of the configuration (`RENDER_*`), parsed here and
 * composed into Tenantry's configuration (`config/config.ts`). Documented in
 * docs/configuration.md and docs/render.md.
 */
export interface RenderConfig {
  /** `RENDER_API_KEY`: enables the `render` target. Never logged. */
  renderApiKey: string | undefined;
  /** `RENDER_OWNER_ID`: the Render workspace; unset → the only one the key reaches. */
  renderOwnerId: string | undefined;
  /** `RENDER_API_URL`: Render's API base URL (a proxy, or the fake). @default "https://api.render.com/v1" */
  renderApiUrl: string;
}

const DEFAULT_API_URL = "https://api.render.com/v1";

function renderOwner(env: Env): string | undefined {
  const raw = str(env, "RENDER_OWNER_ID");
  if (raw !== undefined && !/^(tea|usr)-[a-z0-9]+$/.test(raw)) {
    throw new ConfigError(
      "RENDER_OWNER_ID",
      `expected a workspace id such as tea-abc123 or usr-abc123, got "${raw}"`,
    );
  }
  return raw;
}

/** Reads Render's variables; bad ones throw a `ConfigError` (several: `ConfigErrors`) naming each. */
export function parseRenderConfig(env: Env): RenderConfig {
  const r = new ConfigReader(env);
  const config: RenderConfig = {
    renderApiKey: str(env, "RENDER_API_KEY"),
    renderOwnerId: r.read(renderOwner, undefined),
    renderApiUrl: r.read((e) => url(e, "RENDER_API_URL", ["https:", "http:"]), undefined) ?? DEFAULT_API_URL,
  };
  r.done();
  return config;
}
