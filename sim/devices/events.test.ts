import { describe, expect, it } from 'vitest';
import { EventQueue } from './events.ts';
import { DeadlineTimer } from './timer.ts';

describe('EventQueue', () => {
  it('fires by deadline, then by scheduling order', () => {
    const q = new EventQueue();
    const log: string[] = [];
    q.schedule(30, () => log.push('c'));
    q.schedule(10, () => log.push('a1'));
    q.schedule(20, () => log.push('b'));
    q.schedule(10, () => log.push('a2'));
    expect(q.nextDeadline()).toBe(10);
    expect(q.fireDue(25)).toBe(3);
    expect(log).toEqual(['a1', 'a2', 'b']);
    expect(q.size).toBe(1);
    expect(q.fireDue(29)).toBe(0);
    q.fireDue(30);
    expect(log).toEqual(['a1', 'a2', 'b', 'c']);
    expect(q.nextDeadline()).toBe(Infinity);
  });

  it('passes the deadline to the callback and fires events scheduled for the past', () => {
    const q = new EventQueue();
    const seen: number[] = [];
    q.schedule(5, (now) => {
      seen.push(now);
      q.schedule(3, (t) => seen.push(t));
    });
    q.fireDue(8);
    expect(seen).toEqual([5, 3]);
  });

  it('cancelled events never fire', () => {
    const q = new EventQueue();
    const log: number[] = [];
    const id = q.schedule(1, () => log.push(1));
    q.schedule(2, () => log.push(2));
    q.cancel(id);
    expect(q.nextDeadline()).toBe(2);
    q.fireDue(10);
    expect(log).toEqual([2]);
  });

  it('keeps a large random schedule in order', () => {
    const q = new EventQueue();
    const fired: [number, number][] = [];
    for (let i = 0; i < 500; i++) {
      const t = (i * 7919) % 101;
      q.schedule(t, (now) => fired.push([now, i]));
    }
    q.fireDue(1000);
    expect(fired).toHaveLength(500);
    for (let k = 1; k < fired.length; k++) {
      const [t0, i0] = fired[k - 1]!;
      const [t1, i1] = fired[k]!;
      expect(t0 < t1 || (t0 === t1 && i0 < i1)).toBe(true);
    }
  });
});

describe('DeadlineTimer', () => {
  it('fires once at its deadline; re-arming replaces the old deadline', () => {
    const q = new EventQueue();
    const log: number[] = [];
    const timer = new DeadlineTimer(q, (now) => log.push(now));
    timer.set(100);
    timer.set(50);
    expect(timer.deadline).toBe(50);
    q.fireDue(200);
    expect(log).toEqual([50]);
    expect(timer.deadline).toBe(-1);
    timer.set(300);
    timer.stop();
    q.fireDue(400);
    expect(log).toEqual([50]);
  });
});
