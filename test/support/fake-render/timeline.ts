/**
 * The fake's asynchronous progressions (deploys, datastores becoming available) are
 * transitions due at a given time, applied lazily: before every request is handled and
 * whenever the state is read. No timers run, so nothing outlives `close()`, and a
 * transition's timestamps are the times it was due, not when someone looked.
 */
interface Pending {
  at: number;
  order: number;
  run: (at: number) => void;
}

export class Timeline {
  #pending: Pending[] = [];
  #order = 0;

  schedule(at: number, run: (at: number) => void): void {
    this.#pending.push({ at, order: this.#order++, run });
  }

  /** Applies every transition due by `now`, oldest first. */
  advance(now: number): void {
    for (;;) {
      const due = this.#pending.filter((p) => p.at <= now);
      if (due.length === 0) return;
      due.sort((a, b) => a.at - b.at || a.order - b.order);
      const next = due[0]!;
      this.#pending = this.#pending.filter((p) => p !== next);
      next.run(next.at);
    }
  }
}
