// A one-shot deadline timer per CPU, on the machine's event queue: the hardware Xen's
// set_timer_op and VIRQ_TIMER are built on (book ch. 3, Xen common/timer.c). The host sets a
// deadline in virtual nanoseconds; when the clock reaches it, the callback runs once.

import type { EventCallback, EventId, EventQueue } from './events.ts';

export class DeadlineTimer {
  private readonly queue: EventQueue;
  private readonly onExpire: EventCallback;
  private pending: EventId = 0;
  /** The armed deadline, or -1 when the timer is stopped. */
  deadline = -1;

  constructor(queue: EventQueue, onExpire: EventCallback) {
    this.queue = queue;
    this.onExpire = onExpire;
  }

  /** Arms the timer for virtual time `deadline`, replacing any earlier setting. */
  set(deadline: number): void {
    this.stop();
    this.deadline = deadline;
    this.pending = this.queue.schedule(deadline, (now) => {
      this.pending = 0;
      this.deadline = -1;
      this.onExpire(now);
    });
  }

  stop(): void {
    if (this.pending !== 0) this.queue.cancel(this.pending);
    this.pending = 0;
    this.deadline = -1;
  }
}
