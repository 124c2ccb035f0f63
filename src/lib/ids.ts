import { randomUUID } from "node:crypto";

/** Time-ordered UUIDv7, so ids sort by creation and index well. */
export function newId(): string {
  const ms = BigInt(Date.now());
  const hex = ms.toString(16).padStart(12, "0");
  const rand = randomUUID().replace(/-/g, "");
  const variant = ((Number.parseInt(rand.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7${rand.slice(13, 16)}-${variant}${rand.slice(17, 20)}-${rand.slice(20, 32)}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
