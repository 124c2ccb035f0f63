import { TenantryError } from "../domain/errors.js";
import { isValidSlug, SLUG_PATTERN } from "../domain/slug.js";
import type { Principal } from "../domain/types.js";
import {
  deleteOrganization,
  findOrganization,
  insertOrganizationIfFree,
  listOrganizations,
  type OrganizationRow,
  renameOrganization,
} from "../store/sql/organizations.js";
import { type ApiKeyRow, ApiKeyService } from "./api-key-service.js";
import type { Queryable } from "./database.js";

export type { OrganizationRow };

/**
 * The installation's organizations (`/v1/organizations`, docs/organizations.md), managed
 * by platform-admin keys: created (with a first admin key, shown once), listed, renamed
 * (the slug is permanent) and deleted once none of their tenants is left.
 */
export class OrganizationService {
  private readonly keys = new ApiKeyService();

  list(q: Queryable, page: { limit: number; after?: string | undefined }): Promise<OrganizationRow[]> {
    return listOrganizations(q, page);
  }

  async get(q: Queryable, idOrSlug: string, forUpdate = false): Promise<OrganizationRow> {
    const org = await findOrganization(q, idOrSlug, forUpdate);
    if (!org) throw new TenantryError("ORGANIZATION_NOT_FOUND", `no organization "${idOrSlug}"`);
    return org;
  }

  /** A new organization and its first admin key (the key itself is returned this once). */
  async create(
    q: Queryable,
    principal: Principal,
    input: { slug: string; name?: string | undefined; adminKeyName?: string | undefined },
  ): Promise<{ organization: OrganizationRow; adminKey: { key: ApiKeyRow; secret: string } }> {
    if (!isValidSlug(input.slug)) {
      throw new TenantryError("VALIDATION_FAILED", `invalid field: /slug: must match ${SLUG_PATTERN}`, {
        errors: [{ pointer: "/slug", message: `must be a DNS label (${SLUG_PATTERN})` }],
      });
    }
    const id = await insertOrganizationIfFree(q, { slug: input.slug, name: input.name ?? input.slug });
    if (!id) {
      throw new TenantryError("ORGANIZATION_EXISTS", `an organization with slug "${input.slug}" exists`, {
        errors: [{ pointer: "/slug", message: "is taken" }],
      });
    }
    const adminKey = await this.keys.create(q, principal, {
      name: input.adminKeyName ?? "admin",
      role: "admin",
      organizationId: id,
    });
    return { organization: await this.get(q, id), adminKey };
  }

  async rename(q: Queryable, idOrSlug: string, name: string): Promise<OrganizationRow> {
    const org = await this.get(q, idOrSlug, true);
    await renameOrganization(q, org.id, name);
    return this.get(q, org.id);
  }

  /**
   * Deletes an organization with its keys, blueprints and destroyed tenants' records.
   * Refused while any tenant is not destroyed (delete those first: their platform
   * objects would be orphaned), and for the caller's own organization.
   */
  async delete(q: Queryable, principal: Principal, idOrSlug: string): Promise<OrganizationRow> {
    const org = await this.get(q, idOrSlug, true);
    if (org.id === principal.organizationId) {
      throw new TenantryError(
        "ORGANIZATION_PROTECTED",
        "an organization cannot be deleted with one of its own keys: use a platform_admin key of another organization",
        { extra: { organization: org.slug } },
      );
    }
    // The row lock (above) also holds off tenant creates: their foreign key check waits
    // for it, so no tenant can appear between this count and the delete.
    const live = org;
    if (live.liveTenants > 0) {
      throw new TenantryError(
        "ORGANIZATION_NOT_EMPTY",
        `organization "${org.slug}" still has ${live.liveTenants} tenant(s) that are not destroyed: delete them first`,
        { extra: { organization: org.slug, live_tenants: live.liveTenants } },
      );
    }
    await deleteOrganization(q, org.id);
    return live;
  }
}
