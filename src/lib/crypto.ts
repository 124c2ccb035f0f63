import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from "node:crypto";

/**
 * A key's id: the first 8 bytes of HMAC-SHA256(key, "tenantry key id"), base64url. It names
 * the key an envelope was sealed with (so a rotation knows what is left to re-seal) and
 * tells nothing about the key.
 */
export function keyId(key: Buffer): string {
  return createHmac("sha256", key).update("tenantry key id").digest().subarray(0, 8).toString("base64url");
}

/**
 * AES-256-GCM envelopes for secrets at rest: `v2.<key id>.<iv>.<tag>.<ciphertext>` in
 * base64url. A fresh 96-bit IV per value; the tag authenticates, so a tampered value fails
 * to open. Values are sealed with the current key and opened with it or any of the
 * previous ones (`TENANTRY_ENCRYPTION_KEY_PREVIOUS`, kept while a rotation re-seals);
 * envelopes written before key ids (`v1.<iv>.<tag>.<ciphertext>`) are still read.
 */
export class SecretBox {
  readonly #key: Buffer;
  readonly #keys: Map<string, Buffer>;
  readonly #digestKey: Buffer;
  /** The current key's id: what {@link seal} writes into every envelope. */
  readonly keyId: string;

  constructor(key: Buffer, options: { previous?: readonly Buffer[]; digestKey?: Buffer } = {}) {
    for (const k of [key, ...(options.previous ?? [])]) {
      if (k.length !== 32) throw new Error("encryption key must be 32 bytes");
    }
    this.#key = key;
    this.keyId = keyId(key);
    this.#keys = new Map([[this.keyId, key]]);
    for (const k of options.previous ?? []) if (!this.#keys.has(keyId(k))) this.#keys.set(keyId(k), k);
    // Without a stored digest key (tests, tools): one derived from the current key.
    this.#digestKey =
      options.digestKey ??
      Buffer.from(hkdfSync("sha256", key, Buffer.alloc(0), "tenantry secret digest", 32));
  }

  /** The same keys with the installation's digest key (see {@link digest}). */
  withDigestKey(digestKey: Buffer): SecretBox {
    return new SecretBox(this.#key, { previous: [...this.#keys.values()].slice(1), digestKey });
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.#key, iv);
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [
      "v2",
      this.keyId,
      iv.toString("base64url"),
      tag.toString("base64url"),
      body.toString("base64url"),
    ].join(".");
  }

  open(envelope: string): string {
    const parts = envelope.split(".");
    if (parts[0] === "v2" && parts.length === 5) {
      const [, kid, iv, tag, body] = parts as [string, string, string, string, string];
      const key = this.#keys.get(kid);
      if (!key) throw new Error("sealed with a key this process does not have");
      return decrypt(key, iv, tag, body);
    }
    if (parts[0] === "v1" && parts.length === 4) {
      const [, iv, tag, body] = parts as [string, string, string, string];
      // No key id: each key in turn (the tag tells a wrong key).
      let last: unknown;
      for (const key of this.#keys.values()) {
        try {
          return decrypt(key, iv, tag, body);
        } catch (err) {
          last = err;
        }
      }
      throw last;
    }
    throw new Error("not a Tenantry secret envelope");
  }

  /** Whether `envelope` is sealed with the current key in the current format (nothing to re-seal). */
  isCurrent(envelope: string): boolean {
    return envelope.startsWith(`v2.${this.keyId}.`);
  }

  sealJson(value: unknown): string {
    return this.seal(JSON.stringify(value));
  }

  openJson<T>(envelope: string): T {
    return JSON.parse(this.open(envelope)) as T;
  }

  /**
   * A keyed digest (HMAC-SHA256, truncated) of secret values, to tell that one changed
   * without keeping or comparing the values: the engine adds it to the spec hash of a
   * resource that uses tenant secrets. The key is the installation's (stored sealed in
   * `settings`), so digests stay the same across encryption key rotations.
   */
  digest(value: string): string {
    return createHmac("sha256", this.#digestKey).update(value).digest("hex").slice(0, 32);
  }
}

function decrypt(key: Buffer, iv: string, tag: string, body: string): string {
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
}

export function sha256(input: string): string {
  return createHash("sha256").update(input).digest("hex");
}

/** A random token in base64url (URL- and shell-safe). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}

export function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
