// 02-vm-lifecycle: the domain's lifecycle state, as the toolstack and the scheduler see it
// (book §2.7). The domain is a bare one (no builder involved), driven by the toolstack's
// operations and by Xen's shutdown.

import { describe, expect, test } from 'vitest';
import { Cpu } from '../../../sim/host.ts';
import { testRng } from '../../testing/index.ts';
import { Toolstack } from '../src/dom0/toolstack.ts';
import { DomainState, type Vcpu } from '../src/xen/domain.ts';
import { testGuest } from './fixtures.ts';

function lifecycle(domid = 1) {
  const g = testGuest(domid);
  const ts = new Toolstack(g.xen);
  const listed = () => ts.list().find((i) => i.domid === g.domain.domid)?.state;
  return { ...g, ts, listed };
}

describe('02-vm-lifecycle', () => {
  test('a new domain is created until the toolstack starts it; then it runs', () => {
    const rng = testRng('02-vm-lifecycle/start');
    const l = lifecycle(1 + rng.below(100));
    expect(l.domain.state, 'a built domain waits, paused, for the toolstack').toBe(
      DomainState.Created,
    );
    expect(l.domain.runnable(l.vcpu), 'the scheduler must not run a created domain').toBe(false);
    l.ts.start(l.domain);
    expect(l.domain.state, 'start() is the first unpause: the domain runs').toBe(
      DomainState.Running,
    );
    expect(l.listed(), 'the toolstack lists it as running').toBe(DomainState.Running);
    expect(l.domain.runnable(l.vcpu), 'a running domain’s online vCPU is runnable').toBe(true);
  });

  test('pauses nest: the domain runs again only after as many unpauses', () => {
    const rng = testRng('02-vm-lifecycle/pause');
    const l = lifecycle();
    l.ts.start(l.domain);
    const k = 1 + rng.below(5);
    for (let i = 0; i < k; i++) l.ts.pause(l.domain);
    for (let i = 0; i < k; i++) {
      expect(
        l.domain.state,
        `after ${k} pauses and ${i} unpauses the domain is still paused (pauseCount ${l.domain.pauseCount})`,
      ).toBe(DomainState.Paused);
      expect(l.domain.runnable(l.vcpu), 'a paused domain does not run').toBe(false);
      l.ts.unpause(l.domain);
    }
    expect(l.domain.state, `after ${k} unpauses it runs again`).toBe(DomainState.Running);
  });

  test('a domain never unpaused stays created, however often it is paused', () => {
    const rng = testRng('02-vm-lifecycle/created');
    const l = lifecycle();
    const k = 1 + rng.below(4);
    for (let i = 0; i < k; i++) l.ts.pause(l.domain);
    expect(l.domain.state, 'created, not paused: it has never run').toBe(DomainState.Created);
  });

  test('blocked when every online vCPU waits for an event', () => {
    const l = lifecycle();
    const second: Vcpu = {
      id: 1,
      domain: l.domain,
      cpu: new Cpu(l.xen.mem),
      online: true,
      blocked: false,
      yielded: false,
    };
    l.domain.vcpus.push(second);
    l.ts.start(l.domain);
    l.vcpu.blocked = true;
    expect(l.domain.state, 'one of two vCPUs blocked: the domain still runs').toBe(
      DomainState.Running,
    );
    second.blocked = true;
    expect(l.domain.state, 'both vCPUs blocked: the domain is blocked').toBe(DomainState.Blocked);
    second.blocked = false;
    second.online = false;
    expect(
      l.domain.state,
      'vCPU 1 offline, vCPU 0 blocked: every ONLINE vCPU is blocked, so the domain is blocked',
    ).toBe(DomainState.Blocked);
    l.ts.pause(l.domain);
    expect(l.domain.state, 'a paused domain is paused, whatever its vCPUs do').toBe(
      DomainState.Paused,
    );
  });

  test('shutdown wins over running, paused and blocked, and keeps its reason', () => {
    const rng = testRng('02-vm-lifecycle/shutdown');
    for (const before of ['running', 'paused', 'blocked'] as const) {
      const l = lifecycle();
      l.ts.start(l.domain);
      if (before === 'paused') l.ts.pause(l.domain);
      if (before === 'blocked') l.vcpu.blocked = true;
      const reason = rng.below(5);
      l.xen.shutdownDomain(l.domain, reason);
      expect(l.domain.state, `a ${before} domain that shuts down is shut down`).toBe(
        DomainState.Shutdown,
      );
      expect(l.listed(), 'the toolstack still lists it, with its reason, until destroyed').toBe(
        DomainState.Shutdown,
      );
      expect(l.domain.runnable(l.vcpu), 'a shut-down domain never runs').toBe(false);
    }
  });

  test('destroy: dying, then destroyed and gone from the list', () => {
    const l = lifecycle();
    l.ts.start(l.domain);
    l.domain.dying = true;
    expect(l.domain.state, 'a domain being torn down is dying').toBe(DomainState.Dying);
    l.domain.shutdownReason = 0;
    expect(
      l.domain.state,
      'a domain that shut down and is now being torn down is dying: the teardown is the later ' +
        'state, so test dying before the shutdown reason (book §2.7)',
    ).toBe(DomainState.Dying);
    l.domain.shutdownReason = -1;
    l.domain.dying = false;
    l.ts.destroy(l.domain);
    expect(l.domain.state, 'after destroy the domain is destroyed').toBe(DomainState.Destroyed);
    expect(l.listed(), 'a destroyed domain is not listed').toBeUndefined();
    expect(l.domain.runnable(l.vcpu), 'and never runs').toBe(false);
  });
});
