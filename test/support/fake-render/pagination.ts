import { badRequest } from "./errors.js";
import { type Query, stringParam } from "./input.js";

/**
 * Render's cursor pagination: each item of a list comes with a cursor; passing it back as
 * `?cursor=` returns the items after it. `limit` defaults to 20, at most 100. The fake's
 * cursor is the item's id (its key for environment variables), which stays valid after
 * the item is deleted.
 */
export interface PageOptions<T> {
  /** Position of an item in the list's order. */
  seqOf: (item: T) => number;
  /** Position a cursor points at, undefined when it is not a cursor of this list. */
  seqOfCursor: (cursor: string) => number | undefined;
  /** Lists of deploys run newest first. */
  newestFirst?: boolean;
}

export function limitOf(query: Query): number {
  const raw = stringParam(query, "limit");
  if (raw === undefined) return 20;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw badRequest(`limit must be an integer between 1 and 100`);
  return Math.min(n, 100);
}

export function paginate<T>(items: T[], query: Query, options: PageOptions<T>): T[] {
  const sorted = [...items].sort((a, b) =>
    options.newestFirst ? options.seqOf(b) - options.seqOf(a) : options.seqOf(a) - options.seqOf(b),
  );
  const cursor = stringParam(query, "cursor");
  let rest = sorted;
  if (cursor !== undefined && cursor !== "") {
    const at = options.seqOfCursor(cursor);
    if (at === undefined) throw badRequest(`invalid cursor ${cursor}`);
    rest = sorted.filter((item) =>
      options.newestFirst ? options.seqOf(item) < at : options.seqOf(item) > at,
    );
  }
  return rest.slice(0, limitOf(query));
}
