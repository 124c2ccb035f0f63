import type { RenderContext } from "../blueprints/render.js";
import type { Queryable } from "../store/db.js";
import { organizationSlug } from "../store/sql/auth.js";
import { ensureInstallationId } from "../store/sql/installation.js";

/** What every render of a tenant shares, whoever renders it (the API or the engine). */
export interface RenderSettings {
  /** `TENANTRY_PLUGIN_REPO_HOSTS`: hosts `custom_plugin_repo` may point at. */
  pluginHosts?: readonly string[];
}

// An organization lives in exactly one database, so its id finds the installation id of
// that database (tests run several installations in one process).
const installations = new Map<string, string>();

/**
 * The one way to build a tenant's render context: the API (create, update, plan,
 * preview) and the engine (every pass) call it, so a tenant renders the same wherever
 * it is rendered — the same names, the same allowed plugin hosts.
 */
export async function renderContextFor(
  q: Queryable,
  settings: RenderSettings,
  tenant: { id: string; slug: string; name: string; organizationId: string },
  input: { params: Record<string, unknown>; secretKeys?: ReadonlySet<string> },
): Promise<RenderContext> {
  const installationId = await installationIdFor(q, tenant.organizationId);
  return {
    tenant: { id: tenant.id, slug: tenant.slug, name: tenant.name },
    org: { slug: await organizationSlug(q, tenant.organizationId) },
    installationId,
    params: input.params,
    ...(input.secretKeys ? { secretKeys: input.secretKeys } : {}),
    ...(settings.pluginHosts ? { pluginHosts: settings.pluginHosts } : {}),
  };
}

/** The installation id of the database that holds organization `organizationId` (cached). */
export async function installationIdFor(q: Queryable, organizationId: string): Promise<string> {
  let id = installations.get(organizationId);
  if (!id) {
    id = await ensureInstallationId(q);
    installations.set(organizationId, id);
  }
  return id;
}
