import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import { ConfigError, parseEncryptionKey } from "../config/config.js";
import { randomToken, SecretBox, sha256 } from "../lib/crypto.js";
import type { Db } from "../store/db.js";
import {
  countOrganizations,
  insertApiKey,
  insertOrganization,
  lockOrganizationBootstrap,
} from "../store/sql/auth.js";
import { insertSettingIfAbsent, lockSetting } from "../store/sql/settings.js";

/** Where the generated admin key is written on first start. */
export const adminKeyPath = (dataDir: string) => path.join(dataDir, "admin-api-key");
const encryptionKeyPath = (dataDir: string) => path.join(dataDir, "encryption-key");

/** API keys look like `tnt_<43 base64url chars>`; the prefix makes a leaked key easy to spot. */
export function generateApiKey(): string {
  return `tnt_${randomToken(32)}`;
}

/** Writes a file readable only by its owner, failing if it already exists. */
async function writePrivate(file: string, content: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content, { mode: 0o600, flag: "wx" });
  await chmod(file, 0o600);
}

/**
 * The key that seals secrets at rest: `TENANTRY_ENCRYPTION_KEY`, or one generated once
 * into `<dataDir>/encryption-key`; values sealed with a previous key
 * (`TENANTRY_ENCRYPTION_KEY_PREVIOUS`) are still read. It is checked against the database
 * (the setting `encryption_key_check`, sealed with the current or a previous key), so a
 * process started with a different key stops instead of failing to read secrets later.
 *
 * The installation's digest key (the setting `secret_digest_key`, sealed like any secret)
 * is generated on first start: the engine's digests of secret values are keyed with it,
 * so they stay the same when the encryption key is rotated.
 */
export async function ensureEncryptionKey(
  db: Db,
  config: { encryptionKey: Buffer | undefined; encryptionKeyPrevious?: Buffer[]; dataDir: string },
  logger: Logger,
): Promise<SecretBox> {
  let key = config.encryptionKey;
  if (!key) {
    const file = encryptionKeyPath(config.dataDir);
    try {
      key = parseEncryptionKey((await readFile(file, "utf8")).trim(), file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      const generated = randomToken(32);
      try {
        await writePrivate(file, `${Buffer.from(generated, "base64url").toString("base64")}\n`);
        logger.info(
          { path: file },
          "generated an encryption key for secrets at rest; back it up with the database",
        );
      } catch (writeErr) {
        if ((writeErr as NodeJS.ErrnoException).code !== "EEXIST") throw writeErr;
      }
      key = parseEncryptionKey((await readFile(file, "utf8")).trim(), file);
    }
  }
  const box = new SecretBox(key, { previous: config.encryptionKeyPrevious ?? [] });
  const digestKey = await db.tx(async (q) => {
    const check = await lockSetting(q, "encryption_key_check");
    if (!check) {
      await insertSettingIfAbsent(q, "encryption_key_check", box.seal("tenantry"));
    } else {
      try {
        box.open(check);
      } catch {
        throw new ConfigError(
          "TENANTRY_ENCRYPTION_KEY",
          "does not match the key this database's secrets were encrypted with (every Tenantry process sharing a database needs the same key; after a rotation, keep the old one in TENANTRY_ENCRYPTION_KEY_PREVIOUS until `tenantry rotate-encryption-key` has run)",
        );
      }
    }
    // Another process starting at the same moment may insert it first: its value is read back.
    await insertSettingIfAbsent(q, DIGEST_KEY_SETTING, box.seal(randomToken(32)));
    const sealed = await lockSetting(q, DIGEST_KEY_SETTING);
    if (!sealed) throw new Error(`the setting ${DIGEST_KEY_SETTING} could not be recorded`);
    return Buffer.from(box.open(sealed), "base64url");
  });
  return box.withDigestKey(digestKey);
}

/** The setting holding the installation's key for digests of secret values (sealed). */
const DIGEST_KEY_SETTING = "secret_digest_key";

/**
 * On first start with an empty database: a default organization and an admin key,
 * from `TENANTRY_ADMIN_API_KEY` or generated into `<dataDir>/admin-api-key` (0600).
 * The key is never logged; only the file's path is.
 */
export async function bootstrapOrganization(
  db: Db,
  config: { adminApiKey: string | undefined; dataDir: string },
  logger: Logger,
): Promise<void> {
  const created = await db.tx(async (q) => {
    await lockOrganizationBootstrap(q);
    if ((await countOrganizations(q)) > 0) return null;
    const orgId = await insertOrganization(q, { slug: "default", name: "Default organization" });
    const key = config.adminApiKey ?? generateApiKey();
    await insertApiKey(q, {
      organizationId: orgId,
      name: "admin (bootstrap)",
      // The installation owner's key: it also manages organizations (docs/organizations.md).
      role: "platform_admin",
      keyHash: sha256(key),
      keyPrefix: key.slice(0, 12),
    });
    return { key, fromEnv: config.adminApiKey !== undefined };
  });
  if (!created) return;
  if (created.fromEnv) {
    logger.info("created the default organization with the admin key from TENANTRY_ADMIN_API_KEY");
    return;
  }
  const file = adminKeyPath(config.dataDir);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${created.key}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  logger.info({ path: file }, "created the default organization; the admin API key was written to this file");
}
