// Your working copy for chapter 10, generated from solutions/xen/schedule.ts by npx xenlab stage.
// Running the vCPUs: a round-robin loop over runnable vCPUs on one physical CPU, handling each
// exit to Xen: book §2.7; Xen xen/common/schedule.c (schedule, do_yield), x86_32/entry.S.
//
// Chapter 02's scheduler is the simplest fair one; the scheduler chapter (12) replaces it with
// Xen's interface and the credit scheduler. Each vCPU's state is a whole Cpu, so a context
// switch is just running another one; time is counted in instructions (fuel).

import { ExitReason, run } from '../../../../sim/host.ts';
import type { Vcpu } from './domain.ts';
import { runstateSync } from './runstate.ts';
import { doSoftirq } from './softirq.ts';
import { idleToNextTimer, ticksToNextTimer } from './timer.ts';
import { crashReport, handleHostTrap } from './traps.ts';
import type { Xen } from './xen.ts';

/** Instructions a vCPU runs before the next one gets the CPU. */
export const TIME_SLICE = 10_000;

export enum RunOutcome {
  /** The fuel budget is spent; some vCPU could still run. */
  FuelExhausted = 'fuel-exhausted',
  /** Nothing is runnable: every domain is shut down, paused, or blocked. */
  Idle = 'idle',
  /** A hypervisor bug stopped the machine; see Xen.panicReport. */
  Panic = 'panic',
}

export interface RunResult {
  outcome: RunOutcome;
  /** Guest instructions executed. */
  instructions: number;
}

function runnableVcpus(xen: Xen): Vcpu[] {
  const out: Vcpu[] = [];
  for (const d of xen.domains.values()) {
    for (const v of d.vcpus) if (d.runnable(v)) out.push(v);
  }
  return out;
}

/** What Xen does with one exit of `v` from the CPU. */
function handleExit(xen: Xen, v: Vcpu, reason: ExitReason): void {
  switch (reason) {
    case ExitReason.Fuel:
    case ExitReason.Stopped:
      return;
    case ExitReason.HostTrap:
      handleHostTrap(xen, v);
      return;
    default:
      // HLT and port I/O fault with #GP at CPL 1 (HostTrap), and PV mode has no double fault,
      // so these cannot happen for a PV vCPU; if one does, only this domain pays.
      xen.crashDomain(v.domain, crashReport(v, `unexpected CPU exit ${ExitReason[reason]}`));
  }
}

/**
 * Runs the domains for at most `fuel` guest instructions. Every exit is handled before the
 * next vCPU is chosen; a vCPU keeps the CPU for its slice unless it yields, blocks, or its
 * domain stops. An exception from Xen's own code is a Xen panic: the machine stops with a
 * report naming the domain and vCPU.
 */
export function runDomains(xen: Xen, fuel: number): RunResult {
  let executed = 0;
  let cursor = 0;
  while (executed < fuel) {
    if (xen.panicReport !== null) return { outcome: RunOutcome.Panic, instructions: executed };
    // Domain 0's turn: its services answer what the guests asked in their last slices.
    for (const service of xen.dom0Services) service();
    doSoftirq(xen);
    runstateSync(xen);
    // Nothing can run: the clock moves to the next timer (no fuel is spent waiting).
    if (runnableVcpus(xen).length === 0 && idleToNextTimer(xen)) continue;
    const ready = runnableVcpus(xen);
    if (ready.length === 0) return { outcome: RunOutcome.Idle, instructions: executed };
    const v = ready[cursor % ready.length]!;
    cursor++;
    for (const m of xen.mechanisms) m.vcpuSwitchIn?.(xen, v);
    let slice = Math.min(TIME_SLICE, fuel - executed);
    v.yielded = false;
    while (slice > 0 && v.domain.runnable(v) && !v.yielded) {
      const before = v.cpu.instructions;
      for (const m of xen.mechanisms) m.returnToGuest?.(xen, v);
      if (!v.domain.runnable(v)) break;
      let budget = slice;
      // A slice ends early at the next timer's deadline, so it fires on time.
      budget = Math.min(slice, ticksToNextTimer(xen));
      const reason = run(v.cpu, budget);
      // Count at least one step per exit so a vCPU that exits without retiring an
      // instruction cannot keep the loop from ending.
      const used = Math.max(1, v.cpu.instructions - before);
      slice -= used;
      executed += used;
      try {
        handleExit(xen, v, reason);
        doSoftirq(xen);
        runstateSync(xen);
      } catch (e) {
        xen.panic(v, e);
        return { outcome: RunOutcome.Panic, instructions: executed };
      }
    }
  }
  return { outcome: RunOutcome.FuelExhausted, instructions: executed };
}
