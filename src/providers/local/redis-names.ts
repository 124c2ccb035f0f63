import { createHash } from "node:crypto";
import path from "node:path";
import { type DesiredResource, ProviderError } from "../provider.js";

const HASH_CHARS = 8;
/** Room for the readable part of a user name, before `_<hash>`. */
const MAX_HEAD = 54;

export interface KeyValueNames {
  /** The resource's name in the blueprint (`spec.name`, else the key without `service:`). */
  name: string;
  /** ACL user on a shared Redis: `t_<slug>_<name>_<hash>`, `[a-z0-9_]` only, at most 63 characters. */
  user: string;
  /** The only keys and pub/sub channels the user may touch: `<user>:`. */
  keyPrefix: string;
  /** Directory of a private redis-server, relative to the data directory. */
  dir: string;
}

/**
 * The names of one `keyvalue` resource of one tenant. `hash` is the first 8 hex digits of
 * sha256(`<tenant id>\0<resource name>`): the tenant id keeps two organizations' tenants
 * with the same slug apart, the resource name two Key Value instances of one tenant (even
 * names differing only in case or punctuation).
 *
 * The user name holds only `[a-z0-9_]`, so the key prefix `<user>:` has no glob characters
 * (`* ? [ ] \`) and can be used as is in ACL key patterns and `SCAN MATCH`. No prefix is a
 * prefix of another's: a user name has no `:`, so `<a>:` starting `<b>:` means a = b.
 *
 * The private server's directory is `tenants/<slug>/redis-<name>-<hash>` (the hash again:
 * slugs are unique only within an organization).
 *
 * Deterministic and pure: a retry after a crash finds the objects by these names.
 */
export function localKeyValueNames(
  resource: DesiredResource<"keyvalue">,
  tenant: { id: string; slug: string },
): KeyValueNames {
  const name = resourceName(resource);
  const hash = createHash("sha256").update(`${tenant.id}\0${name}`).digest("hex").slice(0, HASH_CHARS);
  let head = `t_${tenant.slug}_${name}`.toLowerCase().replace(/[^a-z0-9_]/g, "_");
  if (head.length > MAX_HEAD) head = head.slice(0, MAX_HEAD).replace(/_+$/, "");
  const user = `${head}_${hash}`;
  const fsPart = (s: string, max: number) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, "-")
      .slice(0, max)
      .replace(/^-+|-+$/g, "") || "_";
  return {
    name,
    user,
    keyPrefix: `${user}:`,
    dir: path.join("tenants", fsPart(tenant.slug, 63), `redis-${fsPart(name, 40)}-${hash}`),
  };
}

function resourceName(resource: DesiredResource<"keyvalue">): string {
  // Rendering leaves `name` out of a service's spec; a spec that carries one anyway (a
  // resource made by hand, or recorded by an older version) keeps its name.
  const specName = "name" in resource.spec ? resource.spec.name : undefined;
  if (typeof specName === "string" && specName !== "") return specName;
  // Rendered services carry their name in the key (`service:<name>`), not in the spec.
  const colon = resource.key.indexOf(":");
  const fromKey = colon >= 0 ? resource.key.slice(colon + 1) : resource.key;
  if (fromKey !== "") return fromKey;
  throw new ProviderError(`keyvalue resource ${resource.key} has no name`, { retryable: false });
}
