/**
 * Transitions due at a given time (a pod becoming ready, a Job's container exiting, a
 * namespace finishing termination). Each is applied by a timer at its time, and also
 * before every request is handled (so a client never sees a state older than the clock
 * says), in due order. Timers are unref'd and cleared by `close()`; a transition's
 * timestamps are the time it was due, not when it ran.
 */
interface Pending {
  at: number;
  order: number;
  run: (at: number) => void;
}

export class Timeline {
  #pending: Pending[] = [];
  #order = 0;
  #timers = new Set<NodeJS.Timeout>();
  #closed = false;
  #running = false;

  schedule(at: number, run: (at: number) => void): void {
    if (this.#closed) return;
    this.#pending.push({ at, order: this.#order++, run });
    const timer = setTimeout(
      () => {
        this.#timers.delete(timer);
        this.advance(Date.now());
      },
      Math.max(0, at - Date.now()),
    );
    timer.unref();
    this.#timers.add(timer);
  }

  /** Applies every transition due by `now`, oldest first (including those they schedule). */
  advance(now: number): void {
    if (this.#running) return;
    this.#running = true;
    try {
      for (;;) {
        const due = this.#pending.filter((p) => p.at <= now);
        if (due.length === 0) return;
        due.sort((a, b) => a.at - b.at || a.order - b.order);
        const next = due[0]!;
        this.#pending = this.#pending.filter((p) => p !== next);
        next.run(next.at);
      }
    } finally {
      this.#running = false;
    }
  }

  close(): void {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    this.#pending = [];
  }
}
