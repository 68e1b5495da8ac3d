// xenlab: file from 07
import { describe, expect, it } from 'vitest';
import { minimalKernel } from '../../chapters/testing/elf.ts';
import { EAX, EBP, EBX, ECX, EDI, EDX, ESI, PhysMemory, translateForHost } from '../../sim/host.ts';
import {
  __HYPERVISOR_event_channel_op,
  __HYPERVISOR_vcpu_op,
  CPU_USER_REGS,
  EVTCHNOP_alloc_unbound,
  EVTCHNOP_bind_interdomain,
  EVTCHNOP_bind_ipi,
  EVTCHNOP_bind_vcpu,
  EVTCHNOP_send,
  FLAT_KERNEL_CS,
  FLAT_KERNEL_DS,
  SHUTDOWN_poweroff,
  VCPU_GUEST_CONTEXT,
  VCPU_INFO_evtchn_pending_sel,
  VCPU_SSHOTTMR_future,
  VCPUOP_down,
  VCPUOP_initialise,
  VCPUOP_is_up,
  VCPUOP_set_singleshot_timer,
  VCPUOP_up,
} from './abi.ts';
import type { Vcpu } from './domain.ts';
import { EEXIST, EINVAL, ENOENT, ETIME } from './errno.ts';
import { runDomains } from './schedule.ts';
import { vcpuTimers } from './timer.ts';
import { handleHostTrap } from './traps.ts';
import { Xen } from './xen.ts';

const CTX = 0x20000; // two free, writable pages of the bootstrap region
const OP = 0x22000;

function twoVcpus() {
  const xen = new Xen(new PhysMemory(64 << 20));
  const { domain: d, layout } = xen.createDomain(minimalKernel(), {
    name: 'smp',
    memoryMiB: 8,
    cmdline: '',
    vcpus: 2,
  });
  const [v0, v1] = d.vcpus as [Vcpu, Vcpu];
  const write = (va: number, words: number[]) => {
    words.forEach((w, i) => {
      xen.mem.write32(translateForHost(v0.cpu, va + i * 4, true), w >>> 0);
    });
  };
  const call = (nr: number, args: number[], v = v0) => {
    const c = v.cpu;
    c.reg32[EAX] = nr;
    [EBX, ECX, EDX, ESI, EDI, EBP].forEach((r, i) => {
      c.reg32[r] = args[i] ?? 0;
    });
    c.exitSoftware = true;
    c.exitVector = 0x82;
    handleHostTrap(xen, v);
    return c.reg32[EAX]! | 0;
  };
  const evtchn = (cmd: number, words: number[], v = v0) => {
    write(OP, words);
    const rc = call(__HYPERVISOR_event_channel_op, [cmd, OP], v);
    return {
      rc,
      out: words.map((_, i) => xen.mem.read32(translateForHost(v0.cpu, OP + i * 4, false))),
    };
  };
  /** A context that spins at the kernel's entry on vCPU 0's page tables and a stack of its own. */
  const context = () => {
    for (let i = 0; i < VCPU_GUEST_CONTEXT.size; i += 4) write(CTX + i, [0]);
    const u = CTX + VCPU_GUEST_CONTEXT.user_regs;
    write(u + CPU_USER_REGS.eip, [layout.entry]);
    write(u + CPU_USER_REGS.esp, [CTX + 0x1ff0]);
    write(u + CPU_USER_REGS.cs, [FLAT_KERNEL_CS]);
    write(u + CPU_USER_REGS.ss, [FLAT_KERNEL_DS]);
    write(u + CPU_USER_REGS.ds, [FLAT_KERNEL_DS]);
    write(CTX + VCPU_GUEST_CONTEXT.ctrlreg + 12, [v0.cpu.cr3]);
  };
  const selector = (v: Vcpu) =>
    xen.mem.read32(d.sharedInfoMfn * 4096 + v.id * 64 + VCPU_INFO_evtchn_pending_sel);
  return { xen, d, v0, v1, call, evtchn, context, selector };
}

describe('vcpu_op', () => {
  it('brings a second vCPU up from a context, and it runs', () => {
    const { xen, d, v1, call, context } = twoVcpus();
    expect(call(__HYPERVISOR_vcpu_op, [VCPUOP_is_up, 1])).toBe(0);
    expect(call(__HYPERVISOR_vcpu_op, [VCPUOP_up, 1]), 'no context yet').toBe(-EINVAL);
    expect(call(__HYPERVISOR_vcpu_op, [VCPUOP_is_up, 2]), 'a vCPU it does not have').toBe(-ENOENT);
    context();
    expect(call(__HYPERVISOR_vcpu_op, [VCPUOP_initialise, 1, CTX])).toBe(0);
    expect(call(__HYPERVISOR_vcpu_op, [VCPUOP_initialise, 1, CTX]), 'twice').toBe(-EEXIST);
    expect(call(__HYPERVISOR_vcpu_op, [VCPUOP_up, 1])).toBe(0);
    expect(call(__HYPERVISOR_vcpu_op, [VCPUOP_is_up, 1])).toBe(1);
    xen.unpauseDomain(d);
    runDomains(xen, 50_000);
    expect(v1.cpu.instructions, 'vCPU 1 got time slices').toBeGreaterThan(10_000);
    expect(v1.cpu.cpl).toBe(1);
  });

  it('a bad CR3 in the context is -EINVAL', () => {
    const { call, context, v0 } = twoVcpus();
    context();
    const write = (va: number, w: number) => {
      v0.cpu.mem.write32(translateForHost(v0.cpu, va, true), w);
    };
    write(CTX + VCPU_GUEST_CONTEXT.ctrlreg + 12, 0x100000);
    expect(call(__HYPERVISOR_vcpu_op, [VCPUOP_initialise, 1, CTX])).toBe(-EINVAL);
  });

  it('an IPI bound to vCPU 1 lands in its selector, even while it is down', () => {
    const { v0, v1, evtchn, selector } = twoVcpus();
    const ipi = evtchn(EVTCHNOP_bind_ipi, [1, 0]).out[1]!;
    expect(evtchn(EVTCHNOP_send, [ipi]).rc).toBe(0);
    expect(selector(v1)).toBe(1 << (ipi >>> 5));
    expect(selector(v0)).toBe(0);
    expect(v1.online, 'the event does not bring it up').toBe(false);
  });

  it('bind_vcpu moves where an interdomain port lands', () => {
    const { v0, v1, evtchn, selector, d } = twoVcpus();
    const offer = evtchn(EVTCHNOP_alloc_unbound, [0x7ff0 | (0x7ff0 << 16), 0]).out[1]!;
    const mine = evtchn(EVTCHNOP_bind_interdomain, [d.domid, offer, 0]).out[2]!;
    // bind_interdomain raised `mine` on vCPU 0; start from quiet selectors.
    for (const v of [v0, v1]) {
      v0.cpu.mem.write32(d.sharedInfoMfn * 4096 + v.id * 64 + VCPU_INFO_evtchn_pending_sel, 0);
    }
    expect(evtchn(EVTCHNOP_bind_vcpu, [offer, 1]).rc).toBe(0);
    expect(evtchn(EVTCHNOP_send, [mine]).rc).toBe(0);
    expect(selector(v1), 'the offered end now notifies vCPU 1').toBe(1 << (offer >>> 5));
    expect(selector(v0) & (1 << (offer >>> 5))).toBe(0);
  });

  it('the last vCPU going down powers the domain off', () => {
    const { d, call, context } = twoVcpus();
    context();
    call(__HYPERVISOR_vcpu_op, [VCPUOP_initialise, 1, CTX]);
    call(__HYPERVISOR_vcpu_op, [VCPUOP_up, 1]);
    expect(call(__HYPERVISOR_vcpu_op, [VCPUOP_down, 1])).toBe(0);
    expect(d.vcpus[1]!.online).toBe(false);
    expect(d.shutdownReason).toBe(-1);
    expect(call(__HYPERVISOR_vcpu_op, [VCPUOP_down, 0])).toBe(0);
    expect(d.shutdownReason).toBe(SHUTDOWN_poweroff);
  });

  it('the single-shot timer: the caller’s own only; VCPU_SSHOTTMR_future refuses the past', () => {
    const { xen, v0, call } = twoVcpus();
    xen.time.tsc = 5_000_000;
    const at = translateForHost(v0.cpu, OP, true);
    xen.mem.write32(at, 4_000_000);
    xen.mem.write32(at + 4, 0);
    xen.mem.write32(at + 8, VCPU_SSHOTTMR_future);
    expect(call(__HYPERVISOR_vcpu_op, [VCPUOP_set_singleshot_timer, 1, OP])).toBe(-EINVAL);
    expect(call(__HYPERVISOR_vcpu_op, [VCPUOP_set_singleshot_timer, 0, OP])).toBe(-ETIME);
    xen.mem.write32(at + 8, 0);
    expect(call(__HYPERVISOR_vcpu_op, [VCPUOP_set_singleshot_timer, 0, OP])).toBe(0);
    expect(vcpuTimers(v0).singleshot.expires).toBe(4_000_000);
  });
});
