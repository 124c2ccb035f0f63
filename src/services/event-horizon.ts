import type { TenantEvent } from "../domain/types.js";
import type { Queryable } from "../store/db.js";
import { type EventScope, eventWriters, listScopedEvents } from "../store/sql/events.js";

export type { EventScope };

/** The scope's events with an id above `after` (and at most `upTo`), oldest first, up to `limit`. */
export function scopedEvents(
  q: Queryable,
  scope: EventScope,
  options: { after: number; upTo?: number; limit: number },
): Promise<TenantEvent[]> {
  return listScopedEvents(q, scope, options);
}

interface Candidate {
  /** The largest event id committed at the check. */
  maxId: number;
  /** The transactions that held the events table's write lock just after it. */
  writers: Set<string>;
}

/** Candidates kept while writers are open; beyond it the oldest are dropped (that only delays a release). */
const MAX_CANDIDATES = 64;

/**
 * Up to which event id the timeline is final: every event with an id at most
 * {@link EventHorizon.value} that will ever be committed is visible to a query started
 * after the {@link EventHorizon.advance} that gave it.
 *
 * Event ids come from a sequence, drawn when the row is inserted, but transactions commit
 * in any order: id 41 can become visible after 42. A follower that read 42 and then asked
 * for "after 42" would never see 41. So a stream delivers only up to this horizon.
 *
 * Each check reads the largest committed id `M` (in the statement's snapshot) and, just
 * after, the transactions holding the events table's `RowExclusiveLock` (`W`). A
 * transaction that drew an id at most `M` took that lock before (an insert locks the table
 * before it draws its id), before `M` was committed, and keeps it until it ends: at the
 * check it had ended, or it is in `W`, or it ended between the snapshot and the lock read.
 * Once a later check finds none of `W` holding the lock, all of them have ended: `M` is
 * final for every query from then on. Only Tenantry's own writers of events are waited
 * for (the locks are the events table's, in this database), never other databases'
 * transactions on the same server.
 */
export class EventHorizon {
  #candidates: Candidate[] = [];
  #value: number | undefined;
  #latest: number | undefined;

  /** The largest committed id the last check saw (not final while writers are open). */
  get latest(): number | undefined {
    return this.#latest;
  }

  /** The horizon, or undefined before a check has released one. */
  get value(): number | undefined {
    return this.#value;
  }

  /** One check (one statement); returns the horizon after it. */
  async advance(q: Queryable): Promise<number | undefined> {
    const { maxId, writers } = await eventWriters(q);
    const now = new Set(writers);
    this.#latest = maxId;
    const last = this.#candidates.at(-1);
    // Something new since the horizon and the last check (for the same id, the earlier
    // check is kept: it is released first).
    if (maxId > (this.#value ?? -1) && (!last || last.maxId < maxId)) {
      this.#candidates.push({ maxId, writers: now });
    }
    if (this.#candidates.length > MAX_CANDIDATES)
      this.#candidates.splice(0, this.#candidates.length - MAX_CANDIDATES);
    // Writers hold the lock from before their first id to their end: if an earlier check's
    // writers are all gone, so are a later one's older writers. Release in order.
    for (;;) {
      const first = this.#candidates[0];
      if (!first || [...first.writers].some((w) => now.has(w))) break;
      this.#value = Math.max(this.#value ?? 0, first.maxId);
      this.#candidates.shift();
    }
    return this.#value;
  }
}
