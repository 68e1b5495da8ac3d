// The machine's event queue (docs/architecture.md §6): callbacks due at a virtual time, fired in a
// fixed order — by deadline, then by the order they were scheduled — so a run is the same every
// time. Deadline timers, and later the PIT, RTC and device completions, are built on it.

/** What an event does when it comes due; `now` is its deadline in virtual nanoseconds. */
export type EventCallback = (now: number) => void;

/** A handle for cancel(); 0 is never a valid id. */
export type EventId = number;

/**
 * A binary min-heap of (deadline, sequence) kept in parallel arrays. Scheduling allocates only
 * when the arrays grow; firing allocates nothing.
 */
export class EventQueue {
  private deadlines: number[] = [];
  private sequences: number[] = [];
  private callbacks: EventCallback[] = [];
  private nextSequence = 1;
  /** Sequence numbers of cancelled events still in the heap. */
  private readonly cancelled = new Set<number>();

  get size(): number {
    return this.deadlines.length - this.cancelled.size;
  }

  /** Schedules `callback` at virtual time `deadline` (ns). Returns an id for cancel(). */
  schedule(deadline: number, callback: EventCallback): EventId {
    if (!Number.isFinite(deadline)) throw new RangeError(`EventQueue: bad deadline ${deadline}`);
    const sequence = this.nextSequence++;
    this.deadlines.push(deadline);
    this.sequences.push(sequence);
    this.callbacks.push(callback);
    this.siftUp(this.deadlines.length - 1);
    return sequence;
  }

  /** Cancels a scheduled event; cancelling a fired or unknown id does nothing. */
  cancel(id: EventId): void {
    if (this.sequences.includes(id)) this.cancelled.add(id);
  }

  /** The earliest live deadline, or Infinity when nothing is scheduled. */
  nextDeadline(): number {
    this.dropCancelled();
    return this.deadlines.length === 0 ? Infinity : this.deadlines[0]!;
  }

  /**
   * Fires, in order, every event due at or before `now`, including events that callbacks
   * schedule for a time ≤ now. Returns how many fired.
   */
  fireDue(now: number): number {
    let fired = 0;
    for (;;) {
      this.dropCancelled();
      if (this.deadlines.length === 0 || this.deadlines[0]! > now) return fired;
      const deadline = this.deadlines[0]!;
      const callback = this.callbacks[0]!;
      this.removeTop();
      fired++;
      callback(deadline);
    }
  }

  private dropCancelled(): void {
    while (this.deadlines.length > 0 && this.cancelled.has(this.sequences[0]!)) {
      this.cancelled.delete(this.sequences[0]!);
      this.removeTop();
    }
  }

  /** (deadline, sequence) order: true when entry a comes before entry b. */
  private before(a: number, b: number): boolean {
    const da = this.deadlines[a]!;
    const db = this.deadlines[b]!;
    return da < db || (da === db && this.sequences[a]! < this.sequences[b]!);
  }

  private swap(a: number, b: number): void {
    const d = this.deadlines;
    const s = this.sequences;
    const c = this.callbacks;
    [d[a], d[b]] = [d[b]!, d[a]!];
    [s[a], s[b]] = [s[b]!, s[a]!];
    [c[a], c[b]] = [c[b]!, c[a]!];
  }

  private removeTop(): void {
    const last = this.deadlines.length - 1;
    this.swap(0, last);
    this.deadlines.pop();
    this.sequences.pop();
    this.callbacks.pop();
    this.siftDown(0);
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const n = this.deadlines.length;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < n && this.before(left, smallest)) smallest = left;
      if (right < n && this.before(right, smallest)) smallest = right;
      if (smallest === i) return;
      this.swap(i, smallest);
      i = smallest;
    }
  }
}
