import { v7 } from "uuid";

/**
 * Time-ordered UUIDv7 (RFC 9562), so ids sort by creation and index well. `uuid`'s v7
 * is monotonic within a millisecond too (a counter in the random bits, method 1 of
 * RFC 9562 §6.2): ids made one after the other in this process always sort in that order,
 * which the cursors of every list rely on.
 */
export function newId(): string {
  return v7();
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
