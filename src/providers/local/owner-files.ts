import fs from "node:fs/promises";
import path from "node:path";
import { isOwnerMarkerText, nameTaken, ownerMarker, ownerMarkerText } from "../ownership.js";
import type { ProviderContext } from "../provider.js";

/**
 * Ownership of a resource's directory on the local target (a service's or cron job's
 * directory, a private redis-server's): the file {@link OWNER_FILE} in it holds the tenant's
 * marker (`tenantry:<installation>/<organization>/<tenant>`, see `../ownership.ts`), written
 * right after the directory is made, before anything else goes in.
 *
 * A directory is the tenant's when its marker file is the tenant's marker, or (made before
 * markers existed) it has no marker file and the resource's record names it (`providerId`),
 * or it is empty (a create cut off between `mkdir` and the marker: nothing in it to protect).
 * Any other existing directory is not: it is never adopted, changed or removed.
 */
export const OWNER_FILE = ".tenantry-owner";

export type DirOwnership =
  | { state: "absent" }
  | { state: "ours"; marked: boolean }
  | { state: "foreign"; why: string };

/** Whose `dir` is; `recorded`: the resource's record names this directory's object. */
export async function dirOwnership(
  ctx: ProviderContext,
  dir: string,
  recorded: boolean,
): Promise<DirOwnership> {
  let entries: string[];
  try {
    entries = await fs.readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { state: "absent" };
    if (code === "ENOTDIR") return { state: "foreign", why: "it is not a directory" };
    throw err;
  }
  if (entries.includes(OWNER_FILE)) {
    const text = await fs.readFile(path.join(dir, OWNER_FILE), "utf8").catch(() => "");
    if (isOwnerMarkerText(text, ownerMarker(ctx))) return { state: "ours", marked: true };
    return {
      state: "foreign",
      why: `its ${OWNER_FILE} marks it as another Tenantry tenant's or installation's`,
    };
  }
  // A marker being written when a create was cut off does not count as content.
  const content = entries.filter((e) => !e.startsWith(`${OWNER_FILE}.`));
  if (recorded || content.length === 0) return { state: "ours", marked: false };
  return { state: "foreign", why: `it has no ${OWNER_FILE} marker and no record ties it to this tenant` };
}

/** Throws the permanent `NAME_TAKEN` error when `dir` exists and is not the tenant's. */
export async function assertDirNotForeign(
  ctx: ProviderContext,
  what: string,
  dir: string,
  recorded: boolean,
): Promise<DirOwnership> {
  const owner = await dirOwnership(ctx, dir, recorded);
  if (owner.state === "foreign") throw nameTaken(what, dir, undefined, owner.why);
  return owner;
}

/**
 * Makes `dir` (and its parents) the tenant's: creates it with its marker file, or checks
 * an existing one is the tenant's (throwing `NAME_TAKEN` when not) and adds a missing marker.
 */
export async function claimDir(
  ctx: ProviderContext,
  what: string,
  dir: string,
  recorded: boolean,
  mode = 0o750,
): Promise<void> {
  await fs.mkdir(path.dirname(dir), { recursive: true });
  try {
    await fs.mkdir(dir, { mode });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    const owner = await assertDirNotForeign(ctx, what, dir, recorded);
    if (owner.state === "ours" && owner.marked) return;
  }
  await writeMarker(ctx, dir);
}

async function writeMarker(ctx: ProviderContext, dir: string): Promise<void> {
  const file = path.join(dir, OWNER_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, `${ownerMarkerText(ownerMarker(ctx))}\n`, { mode: 0o600 });
  await fs.rename(tmp, file);
}
