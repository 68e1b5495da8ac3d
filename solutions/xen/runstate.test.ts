// xenlab: file from 07
import { describe, expect, it } from 'vitest';
import { minimalKernel } from '../../chapters/testing/elf.ts';
import { EAX, EBP, EBX, ECX, EDI, EDX, ESI, PhysMemory, translateForHost } from '../../sim/host.ts';
import {
  __HYPERVISOR_event_channel_op,
  __HYPERVISOR_vcpu_op,
  EVTCHNOP_bind_virq,
  RUNSTATE_blocked,
  RUNSTATE_offline,
  RUNSTATE_runnable,
  RUNSTATE_running,
  SHARED_INFO,
  VCPU_RUNSTATE_INFO,
  VCPUOP_get_runstate_info,
  VCPUOP_register_runstate_memory_area,
  VCPUOP_set_periodic_timer,
  VCPUOP_stop_periodic_timer,
  VIRQ_TIMER,
} from './abi.ts';
import type { Domain, Vcpu } from './domain.ts';
import { EFAULT, EINVAL } from './errno.ts';
import { evtchnIsPending } from './event-2l.ts';
import { runDomains } from './schedule.ts';
import { getSTime } from './time.ts';
import { handleHostTrap } from './traps.ts';
import { Xen } from './xen.ts';

const OP = 0x20000; // a free, writable page of the bootstrap region
const AREA = 0x21000;

const le32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24];
/** sched_op(SCHEDOP_block) through the hypercall page, then `jmp $`. */
const blockThenSpin = [
  ...[0xbb, ...le32(1)], // mov ebx, SCHEDOP_block
  ...[0xe8, ...le32(0x1000 + 29 * 32 - 10)], // call hypercall_page + sched_op
  0xeb,
  0xfe,
];

/** Guests built from `codes` (the default spins), and a hypercall made as if `v` ran it. */
function world(...codes: (number[] | undefined)[]) {
  const xen = new Xen(new PhysMemory(64 << 20));
  const domains = codes.map(
    (code, i) =>
      xen.createDomain(minimalKernel(code), { name: `d${i}`, memoryMiB: 8, cmdline: '' }).domain,
  );
  const call = (v: Vcpu, nr: number, args: number[]) => {
    const c = v.cpu;
    c.reg32[EAX] = nr;
    [EBX, ECX, EDX, ESI, EDI, EBP].forEach((r, i) => {
      c.reg32[r] = args[i] ?? 0;
    });
    c.exitSoftware = true;
    c.exitVector = 0x82;
    c.exitHasErrorCode = false;
    handleHostTrap(xen, v);
    return c.reg32[EAX]! | 0;
  };
  /** A copy of the 64 bytes at `va` in the guest's memory, read through PhysMemory. */
  const view = (v: Vcpu, va: number) => {
    const at = translateForHost(v.cpu, va, false);
    return new DataView(Uint8Array.from({ length: 64 }, (_, i) => xen.mem.read8(at + i)).buffer);
  };
  /** VCPUOP_get_runstate_info on `d`'s vCPU 0, decoded from the guest's memory. */
  const info = (d: Domain, v = d.vcpus[0]!) => {
    const rc = call(v, __HYPERVISOR_vcpu_op, [VCPUOP_get_runstate_info, 0, OP]);
    return { rc, ...decode(view(v, OP)) };
  };
  const write = (v: Vcpu, va: number, words: number[]) => {
    words.forEach((w, i) => {
      xen.mem.write32(translateForHost(v.cpu, va + 4 * i, true), w >>> 0);
    });
  };
  return { xen, domains, call, info, view, write };
}

function decode(b: DataView) {
  const u64 = (at: number) => Number(b.getBigUint64(at, true));
  return {
    state: b.getInt32(VCPU_RUNSTATE_INFO.state, true),
    entry: u64(VCPU_RUNSTATE_INFO.state_entry_time),
    time: [0, 1, 2, 3].map((i) => u64(VCPU_RUNSTATE_INFO.time + 8 * i)),
  };
}

const sum = (t: number[]) => t.reduce((a, b) => a + b, 0);

describe('runstate accounting (VCPUOP_get_runstate_info)', () => {
  it('a new, paused domain is offline since its creation', () => {
    const { xen, domains, info } = world(undefined);
    const r = info(domains[0]!);
    expect(r.rc).toBe(0);
    expect(r.state).toBe(RUNSTATE_offline);
    expect(sum(r.time)).toBe(getSTime(xen.time));
  });

  it('two spinning guests: each runs about half the time and waits the rest; the totals are the elapsed time', () => {
    const { xen, domains, info } = world(undefined, undefined);
    for (const d of domains) xen.unpauseDomain(d);
    runDomains(xen, 200_000);
    const now = getSTime(xen.time);
    for (const d of domains) {
      const r = info(d);
      expect(sum(r.time), `d${d.domid}: the four totals are the time since creation`).toBe(now);
      expect(r.time[RUNSTATE_running], 'its own instructions, 1 ns each').toBe(
        d.vcpus[0]!.cpu.instructions,
      );
      expect(r.time[RUNSTATE_runnable]).toBeGreaterThan(80_000);
      expect(r.time[RUNSTATE_blocked]).toBe(0);
    }
    // The guest that had the CPU last is the one running; the other waits its turn.
    expect(domains.map((d) => info(d).state).sort()).toEqual([RUNSTATE_running, RUNSTATE_runnable]);
  });

  it('a guest blocked in SCHEDOP_block accrues blocked time while another runs', () => {
    const { xen, domains, info } = world(blockThenSpin, undefined);
    const [sleeper, spinner] = domains as [Domain, Domain];
    for (const d of domains) xen.unpauseDomain(d);
    runDomains(xen, 50_000);
    const r = info(sleeper);
    expect(r.state).toBe(RUNSTATE_blocked);
    expect(r.time[RUNSTATE_running], 'the few instructions before it blocked').toBe(
      sleeper.vcpus[0]!.cpu.instructions,
    );
    expect(r.time[RUNSTATE_blocked]).toBe(spinner.vcpus[0]!.cpu.instructions);
    expect(sum(r.time)).toBe(getSTime(xen.time));
  });

  it('a pause moves a guest to offline until it is unpaused', () => {
    const { xen, domains, info } = world(undefined, undefined);
    const [a, b] = domains as [Domain, Domain];
    xen.unpauseDomain(a);
    xen.unpauseDomain(b);
    runDomains(xen, 20_000);
    xen.pauseDomain(a);
    const before = info(a).time[RUNSTATE_offline]!;
    runDomains(xen, 30_000);
    const r = info(a);
    expect(r.state).toBe(RUNSTATE_offline);
    expect(r.time[RUNSTATE_offline]! - before).toBe(30_000);
  });

  it('a result it cannot write is -EFAULT', () => {
    const { domains, call } = world(undefined);
    const v = domains[0]!.vcpus[0]!;
    expect(call(v, __HYPERVISOR_vcpu_op, [VCPUOP_get_runstate_info, 0, 0xf5800000])).toBe(-EFAULT);
    expect(call(v, __HYPERVISOR_vcpu_op, [VCPUOP_get_runstate_info, 0, 0x00f00000])).toBe(-EFAULT);
  });
});

describe('VCPUOP_register_runstate_memory_area', () => {
  it('is written at once, then again each time the vCPU gets the CPU', () => {
    const { xen, domains, call, view, write } = world(undefined, undefined);
    const [a, b] = domains as [Domain, Domain];
    const va = a.vcpus[0]!;
    write(va, OP, [AREA]);
    expect(call(va, __HYPERVISOR_vcpu_op, [VCPUOP_register_runstate_memory_area, 0, OP])).toBe(0);
    expect(decode(view(va, AREA)).state, 'a copy at once').toBe(RUNSTATE_offline);
    xen.unpauseDomain(a);
    xen.unpauseDomain(b);
    runDomains(xen, 45_000);
    const area = decode(view(va, AREA));
    // The last switch wrote it: running since entry if `a` has the CPU, runnable if it left it.
    expect([RUNSTATE_running, RUNSTATE_runnable]).toContain(area.state);
    expect(sum(area.time), 'totals up to the entry time').toBe(area.entry);
    expect(area.time[RUNSTATE_running]).toBeGreaterThan(10_000);
    expect(area.entry).toBeGreaterThan(30_000);
  });

  it('refuses an area in Xen’s hole and an unreadable argument with -EFAULT; 0 unregisters', () => {
    const { xen, domains, call, view, write } = world(undefined);
    const v = domains[0]!.vcpus[0]!;
    write(v, OP, [0xf5800000 - 40]);
    expect(call(v, __HYPERVISOR_vcpu_op, [VCPUOP_register_runstate_memory_area, 0, OP])).toBe(
      -EFAULT,
    );
    expect(
      call(v, __HYPERVISOR_vcpu_op, [VCPUOP_register_runstate_memory_area, 0, 0xf5800000]),
    ).toBe(-EFAULT);
    write(v, OP, [AREA]);
    call(v, __HYPERVISOR_vcpu_op, [VCPUOP_register_runstate_memory_area, 0, OP]);
    write(v, OP, [0]);
    expect(call(v, __HYPERVISOR_vcpu_op, [VCPUOP_register_runstate_memory_area, 0, OP])).toBe(0);
    write(v, AREA, [0x5a5a5a5a]);
    xen.unpauseDomain(domains[0]!);
    runDomains(xen, 10_000);
    expect(view(v, AREA).getUint32(0, true), 'no longer written').toBe(0x5a5a5a5a);
  });
});

describe('the periodic timer (VCPUOP_set_periodic_timer / stop_periodic_timer)', () => {
  /** A spinning guest with VIRQ_TIMER bound on vCPU 0; returns its port. */
  function ticking() {
    const w = world(undefined);
    const d = w.domains[0]!;
    const v = d.vcpus[0]!;
    w.write(v, OP, [VIRQ_TIMER, 0, 0]);
    expect(w.call(v, __HYPERVISOR_event_channel_op, [EVTCHNOP_bind_virq, OP])).toBe(0);
    const port = w.view(v, OP).getUint32(8, true);
    const pending = () => evtchnIsPending(w.xen.mem, d, port);
    const clear = () => {
      const at = d.sharedInfoMfn * 4096 + SHARED_INFO.evtchn_pending + (port >>> 5) * 4;
      w.xen.mem.write32(at, w.xen.mem.read32(at) & ~(1 << (port & 31)));
    };
    const period = (ns: number) => {
      w.write(v, OP, [ns % 2 ** 32, Math.floor(ns / 2 ** 32)]);
      return w.call(v, __HYPERVISOR_vcpu_op, [VCPUOP_set_periodic_timer, 0, OP]);
    };
    return { ...w, d, v, pending, clear, period };
  }

  it('every PV vCPU ticks every 10 ms by default', () => {
    const { xen, d, pending } = ticking();
    xen.unpauseDomain(d);
    runDomains(xen, 9_990_000);
    expect(pending(), 'not before 10 ms').toBe(false);
    runDomains(xen, 20_000);
    expect(pending()).toBe(true);
  });

  it('a 1 ms period ticks every 1 ms; stopped, it does not tick', () => {
    const { xen, d, v, call, pending, clear, period } = ticking();
    expect(period(1_000_000)).toBe(0);
    xen.unpauseDomain(d);
    runDomains(xen, 1_010_000);
    expect(pending()).toBe(true);
    clear();
    runDomains(xen, 900_000);
    expect(pending(), 'the next tick is 1 ms after the last').toBe(false);
    runDomains(xen, 200_000);
    expect(pending()).toBe(true);
    clear();
    expect(call(v, __HYPERVISOR_vcpu_op, [VCPUOP_stop_periodic_timer, 0, 0])).toBe(0);
    runDomains(xen, 3_000_000);
    expect(pending()).toBe(false);
  });

  it('refuses a period under 1 ms or over 2^62 − 1 ns with -EINVAL, an unreadable one with -EFAULT', () => {
    const { v, call, period } = ticking();
    expect(period(999_999)).toBe(-EINVAL);
    expect(period(2 ** 62)).toBe(-EINVAL);
    expect(period(2 ** 62 - 2 ** 32)).toBe(0);
    expect(call(v, __HYPERVISOR_vcpu_op, [VCPUOP_set_periodic_timer, 0, 0xf6000000])).toBe(-EFAULT);
    expect(period(1_000_000)).toBe(0);
  });

  it('stops while its vCPU is blocked: a blocked guest is not woken by it', () => {
    const w = world(blockThenSpin, undefined);
    const [sleeper, spinner] = w.domains as [Domain, Domain];
    const v = sleeper.vcpus[0]!;
    w.write(v, OP, [VIRQ_TIMER, 0, 0]);
    expect(w.call(v, __HYPERVISOR_event_channel_op, [EVTCHNOP_bind_virq, OP])).toBe(0);
    w.write(v, OP, [1_000_000, 0]);
    expect(w.call(v, __HYPERVISOR_vcpu_op, [VCPUOP_set_periodic_timer, 0, OP])).toBe(0);
    for (const d of w.domains) w.xen.unpauseDomain(d);
    runDomains(w.xen, 5_000_000);
    expect(v.blocked, 'still asleep after five periods').toBe(true);
    expect(spinner.vcpus[0]!.cpu.instructions).toBeGreaterThan(4_900_000);
  });
});
