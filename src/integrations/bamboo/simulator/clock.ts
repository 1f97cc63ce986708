// Time for the simulator. Fulfilment and rate-limit windows read `now()` and run scheduled steps, so
// tests drive a ManualClock (no real waiting) and `npm start` uses the system clock.

export interface SimulatorClock {
  now(): number;
  /** Runs `task` once `delayMs` have passed on this clock. */
  schedule(delayMs: number, task: () => void): void;
}

export function systemClock(): SimulatorClock {
  return {
    now: () => Date.now(),
    schedule(delayMs, task) {
      // Never keeps the process alive on its own.
      setTimeout(task, delayMs).unref();
    },
  };
}

/** A clock that moves only when told to; due tasks run in time order during `advance`. */
export class ManualClock implements SimulatorClock {
  #now: number;
  #tasks: { at: number; seq: number; task: () => void }[] = [];
  #seq = 0;

  constructor(start: number | Date = Date.parse('2026-11-28T00:00:00Z')) {
    this.#now = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.#now;
  }

  schedule(delayMs: number, task: () => void): void {
    this.#tasks.push({ at: this.#now + Math.max(0, delayMs), seq: (this.#seq += 1), task });
  }

  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      this.#tasks.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.#tasks[0];
      if (!next || next.at > target) break;
      this.#tasks.shift();
      this.#now = next.at;
      next.task();
    }
    this.#now = target;
  }
}
