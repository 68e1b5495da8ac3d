// xenlab: file from 02
import { describe, expect, it } from 'vitest';
import {
  __HYPERVISOR_console_io,
  __HYPERVISOR_sched_op,
  __HYPERVISOR_sched_op_compat,
  __HYPERVISOR_set_segment_base,
  __HYPERVISOR_vm_assist,
  __HYPERVISOR_xen_version,
} from './abi.ts';
import { DomainState } from './domain.ts';
import { EFAULT, EINVAL, ENOSYS, EPERM, ESRCH } from './errno.ts';
import { formatTrace } from './hypercall.ts';
import { HYPERCALL_TABLE, HYPERCALLS } from './hypercall-table.ts';
import { hypercallHandlers } from './mechanism.ts';
import { MECHANISMS } from './mechanisms.ts';
import { bootTestDomain } from './testing/boot.ts';

const BUF = 0x20000; // a free, writable page of the bootstrap region
const PT_BASE = 0xa000; // the bootstrap page tables: mapped read-only
const UNMAPPED = 0x400000; // past the bootstrap region
const HOLE = 0xf5800000; // Xen's

const bytes = (s: string) => [...s].map((c) => c.charCodeAt(0));

describe('hypercall table (docs/xen-abi.md §1.6)', () => {
  it('has Xen’s numbers and names', () => {
    const byName = new Map(HYPERCALLS.map((h) => [h.name, h.number]));
    expect(byName.get('set_trap_table')).toBe(0);
    expect(byName.get('sched_op_compat')).toBe(6);
    expect(byName.get('memory_op')).toBe(12);
    expect(byName.get('xen_version')).toBe(17);
    expect(byName.get('console_io')).toBe(18);
    expect(byName.get('vm_assist')).toBe(21);
    expect(byName.get('iret')).toBe(23);
    expect(byName.get('sched_op')).toBe(29);
    expect(byName.get('event_channel_op')).toBe(32);
    expect(byName.get('domctl')).toBe(36);
    expect(byName.get('tmem_op')).toBe(38);
    expect(HYPERCALL_TABLE[11]).toBeUndefined();
    expect(new Set(HYPERCALLS.map((h) => h.number)).size).toBe(HYPERCALLS.length);
  });

  it('gets its handlers from the mechanisms: the chapter-02 ones, each on a row of the ABI', () => {
    const handlers = hypercallHandlers(MECHANISMS);
    const chapter02 = [
      __HYPERVISOR_console_io,
      __HYPERVISOR_sched_op,
      __HYPERVISOR_sched_op_compat,
      __HYPERVISOR_vm_assist,
      __HYPERVISOR_xen_version,
    ];
    for (const nr of chapter02) expect(handlers[nr], HYPERCALL_TABLE[nr]?.name).toBeDefined();
    handlers.forEach((handler, nr) => {
      if (handler !== undefined) expect(HYPERCALL_TABLE[nr], `hypercall ${nr}`).toBeDefined();
    });
  });

  it('refuses two handlers for one number, unless one is a stand-in that gives way', () => {
    const real = () => 1;
    const standIn = () => 2;
    const mechanism = (name: string, handler: () => number, isStandIn = false) => ({
      name,
      standIn: isStandIn,
      hypercalls: { [__HYPERVISOR_console_io]: handler },
    });
    expect(() => hypercallHandlers([mechanism('one', real), mechanism('two', standIn)])).toThrow(
      /hypercall 18: both one and two/,
    );
    for (const order of [
      [mechanism('stand-in', standIn, true), mechanism('real', real)],
      [mechanism('real', real), mechanism('stand-in', standIn, true)],
    ]) {
      expect(hypercallHandlers(order)[__HYPERVISOR_console_io]).toBe(real);
    }
  });
});

describe('dispatch', () => {
  it('answers -ENOSYS for holes, numbers ≥ 64 and hypercalls not implemented yet', () => {
    const { hypercall } = bootTestDomain();
    expect(hypercall(11)).toBe(-ENOSYS);
    expect(hypercall(64)).toBe(-ENOSYS);
    expect(hypercall(0xffffffff)).toBe(-ENOSYS);
    expect(hypercall(__HYPERVISOR_set_segment_base, [0, 0])).toBe(-ENOSYS); // set_segment_base: x86_64 only
  });

  it('traces domain, vCPU, number, name, decoded arguments and result', () => {
    const { hypercall, poke, traces } = bootTestDomain();
    poke(BUF, bytes('hi'));
    hypercall(__HYPERVISOR_console_io, [0, 2, BUF]);
    hypercall(__HYPERVISOR_xen_version, [99, 0]);
    expect(traces).toEqual([
      {
        domid: 1,
        vcpu: 0,
        number: 18,
        name: 'console_io',
        args: ['cmd=CONSOLEIO_write', 'count=2', 'buffer=0x20000'],
        result: 0,
      },
      {
        domid: 1,
        vcpu: 0,
        number: 17,
        name: 'xen_version',
        args: ['cmd=99', 'arg=0x0'],
        result: -ENOSYS,
      },
    ]);
    expect(formatTrace(traces[1]!)).toBe('d1v0 xen_version(cmd=99, arg=0x0) = -ENOSYS');
  });

  it('builds no trace record when tracing is off', () => {
    const t = bootTestDomain();
    (t.xen.listeners as { trace?: unknown }).trace = undefined;
    expect(t.xen.traceSink).toBeNull();
    t.hypercall(__HYPERVISOR_xen_version, [0, 0]);
    expect(t.traces).toEqual([]);
  });
});

describe('console_io (docs/xen-abi.md §8.4)', () => {
  it('CONSOLEIO_write copies the guest buffer to the domain’s console', () => {
    const { hypercall, poke, xen, consoleText } = bootTestDomain();
    poke(BUF, bytes('Hello, Xen!\n'));
    expect(hypercall(__HYPERVISOR_console_io, [0, 12, BUF])).toBe(0);
    expect(xen.consoleOutput.get(1)).toBe('Hello, Xen!\n');
    expect(consoleText.join('')).toBe('Hello, Xen!\n');
  });

  it('follows the guest’s tables across a page boundary (frames shuffled)', () => {
    const { hypercall, poke, xen, domain } = bootTestDomain({ seed: 42 });
    const va = BUF + 4096 - 3;
    expect(domain.p2m[0x21]).not.toBe(domain.p2m[0x20]! + 1);
    poke(va, bytes('abcdef'));
    expect(hypercall(__HYPERVISOR_console_io, [0, 6, va])).toBe(0);
    expect(xen.consoleOutput.get(1)).toBe('abcdef');
  });

  it('copies long output in chunks, all of it', () => {
    const { hypercall, poke, xen } = bootTestDomain();
    const text = 'x'.repeat(300);
    poke(BUF, bytes(text));
    expect(hypercall(__HYPERVISOR_console_io, [0, 300, BUF])).toBe(0);
    expect(xen.consoleOutput.get(1)).toBe(text);
  });

  it('returns -EFAULT for unmapped buffers and buffers in Xen’s hole', () => {
    const { hypercall, xen } = bootTestDomain();
    expect(hypercall(__HYPERVISOR_console_io, [0, 4, UNMAPPED])).toBe(-EFAULT);
    expect(hypercall(__HYPERVISOR_console_io, [0, 4, HOLE])).toBe(-EFAULT);
    expect(hypercall(__HYPERVISOR_console_io, [0, 8, HOLE - 4])).toBe(-EFAULT);
    expect(xen.consoleOutput.get(1)).toBeUndefined();
  });

  it('CONSOLEIO_read returns pending input, and loses none on -EFAULT', () => {
    const { hypercall, xen, peekString } = bootTestDomain();
    expect(hypercall(__HYPERVISOR_console_io, [1, 16, BUF])).toBe(0);
    xen.consoleType('abc');
    expect(hypercall(__HYPERVISOR_console_io, [1, 2, UNMAPPED])).toBe(-EFAULT);
    expect(hypercall(__HYPERVISOR_console_io, [1, 2, BUF])).toBe(2);
    expect(peekString(BUF, 2)).toBe('ab');
    expect(hypercall(__HYPERVISOR_console_io, [1, 16, PT_BASE])).toBe(-EFAULT); // read-only page
    expect(hypercall(__HYPERVISOR_console_io, [1, 16, BUF + 8])).toBe(1);
    expect(peekString(BUF + 8, 1)).toBe('c');
  });

  it('accepts an empty write without touching the buffer pointer', () => {
    const { hypercall, xen } = bootTestDomain();
    expect(hypercall(__HYPERVISOR_console_io, [0, 0, UNMAPPED])).toBe(0);
    expect(xen.consoleOutput.get(1)).toBeUndefined();
  });

  it('answers -ENOSYS for other commands', () => {
    const { hypercall } = bootTestDomain();
    expect(hypercall(__HYPERVISOR_console_io, [2, 1, BUF])).toBe(-ENOSYS);
  });
});

describe('xen_version (docs/xen-abi.md §8.5)', () => {
  it('answers version, pagesize and platform parameters', () => {
    const { hypercall, peek } = bootTestDomain();
    expect(hypercall(__HYPERVISOR_xen_version, [0, 0])).toBe(0x00040001);
    expect(hypercall(__HYPERVISOR_xen_version, [7, 0])).toBe(4096);
    expect(hypercall(__HYPERVISOR_xen_version, [5, BUF])).toBe(0);
    const p = peek(BUF, 4);
    expect((p[0]! | (p[1]! << 8) | (p[2]! << 16) | (p[3]! << 24)) >>> 0).toBe(0xf5800000);
  });

  it('copies out the strings, NUL-padded to their array size', () => {
    const { hypercall, peekString, peek, poke } = bootTestDomain();
    poke(BUF, new Array(1024).fill(0x55));
    expect(hypercall(__HYPERVISOR_xen_version, [1, BUF])).toBe(0);
    expect(peekString(BUF, 16)).toBe('.0-xenlab');
    expect(peek(BUF + 9, 7)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(hypercall(__HYPERVISOR_xen_version, [3, BUF])).toBe(0);
    expect(peekString(BUF, 1024)).toBe('xen-3.0-x86_32p');
    expect(peek(BUF + 1023, 1)).toEqual([0]);
    expect(hypercall(__HYPERVISOR_xen_version, [4, BUF])).toBe(0);
    expect(peekString(BUF, 64)).toBe('xenlab');
    expect(hypercall(__HYPERVISOR_xen_version, [2, BUF])).toBe(0);
    expect(peekString(BUF, 64)).toBe('TypeScript');
    expect(peekString(BUF + 64, 16)).toBe('xenlab');
  });

  it('reports the domain handle and features (pae_pgdir_above_4gb with extended cr3)', () => {
    const { hypercall, peek, poke, domain } = bootTestDomain();
    expect(hypercall(__HYPERVISOR_xen_version, [8, BUF])).toBe(0);
    expect(peek(BUF, 16)).toEqual([...domain.handle]);
    poke(BUF, [0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);
    expect(hypercall(__HYPERVISOR_xen_version, [6, BUF])).toBe(0);
    expect(peek(BUF + 4, 4)).toEqual([1 << 4, 0, 0, 0]);
    poke(BUF, [1, 0, 0, 0]);
    expect(hypercall(__HYPERVISOR_xen_version, [6, BUF])).toBe(-EINVAL);
  });

  it('copies out Xen’s command line', () => {
    const { hypercall, peekString, poke } = bootTestDomain();
    poke(0x20000, [0x41, 0x42]);
    expect(hypercall(__HYPERVISOR_xen_version, [9, 0x20000])).toBe(0);
    expect(peekString(0x20000, 1024)).toBe(''); // this Xen was booted without one
  });

  it('returns -EFAULT for bad pointers and -ENOSYS for unknown commands', () => {
    const { hypercall } = bootTestDomain();
    expect(hypercall(__HYPERVISOR_xen_version, [1, UNMAPPED])).toBe(-EFAULT);
    expect(hypercall(__HYPERVISOR_xen_version, [3, PT_BASE])).toBe(-EFAULT);
    expect(hypercall(__HYPERVISOR_xen_version, [3, HOLE - 512])).toBe(-EFAULT);
    expect(hypercall(__HYPERVISOR_xen_version, [6, UNMAPPED])).toBe(-EFAULT);
    expect(hypercall(__HYPERVISOR_xen_version, [10, BUF])).toBe(-ENOSYS);
  });
});

describe('vm_assist (docs/xen-abi.md §5.6)', () => {
  it('enables and disables the documented types', () => {
    const { hypercall, domain } = bootTestDomain();
    domain.vmAssist = 0;
    expect(hypercall(__HYPERVISOR_vm_assist, [0, 2])).toBe(0);
    expect(domain.vmAssist).toBe(1 << 2);
    expect(hypercall(__HYPERVISOR_vm_assist, [0, 0])).toBe(0);
    expect(hypercall(__HYPERVISOR_vm_assist, [1, 2])).toBe(0);
    expect(domain.vmAssist).toBe(1);
  });

  it('rejects types above MAX_VMASST_TYPE first, then unknown commands', () => {
    const { hypercall } = bootTestDomain();
    expect(hypercall(__HYPERVISOR_vm_assist, [0, 5])).toBe(-EINVAL);
    expect(hypercall(__HYPERVISOR_vm_assist, [7, 5])).toBe(-EINVAL);
    expect(hypercall(__HYPERVISOR_vm_assist, [7, 1])).toBe(-ENOSYS);
  });
});

describe('sched_op (docs/xen-abi.md §8.1)', () => {
  it('SCHEDOP_shutdown reads the reason from the guest and stops the domain', () => {
    const { hypercall, poke, domain, xen } = bootTestDomain();
    xen.unpauseDomain(domain);
    poke(BUF, [1, 0, 0, 0]);
    expect(hypercall(__HYPERVISOR_sched_op, [2, BUF])).toBe(0);
    expect(domain.state).toBe(DomainState.Shutdown);
    expect(domain.shutdownReason).toBe(1);
    expect(xen.logLines.at(-1)).toMatch(/shut down: reboot/);
  });

  it('SCHEDOP_shutdown with a bad pointer fails and leaves the domain running', () => {
    const { hypercall, domain, xen } = bootTestDomain();
    xen.unpauseDomain(domain);
    expect(hypercall(__HYPERVISOR_sched_op, [2, UNMAPPED])).toBe(-EFAULT);
    expect(domain.state).toBe(DomainState.Running);
  });

  it('SCHEDOP_yield keeps the vCPU runnable', () => {
    const { hypercall, domain, vcpu, xen } = bootTestDomain();
    xen.unpauseDomain(domain);
    expect(hypercall(__HYPERVISOR_sched_op, [0, 0])).toBe(0);
    expect(vcpu.yielded).toBe(true);
    expect(domain.runnable(vcpu)).toBe(true);
  });

  it('SCHEDOP_block enables events and blocks unless one is already pending', () => {
    const { hypercall, domain, vcpu, xen } = bootTestDomain();
    xen.unpauseDomain(domain);
    const vcpuInfo = domain.sharedInfoMfn * 4096;
    xen.mem.write8(vcpuInfo, 1); // evtchn_upcall_pending
    expect(hypercall(__HYPERVISOR_sched_op, [1, 0])).toBe(0);
    expect(xen.mem.read8(vcpuInfo + 1)).toBe(0); // evtchn_upcall_mask cleared
    expect(vcpu.blocked).toBe(false);
    xen.mem.write8(vcpuInfo, 0);
    expect(hypercall(__HYPERVISOR_sched_op, [1, 0])).toBe(0);
    expect(vcpu.blocked).toBe(true);
    expect(domain.state).toBe(DomainState.Blocked);
  });

  it('SCHEDOP_shutdown_code records a reason without shutting down', () => {
    const { hypercall, poke, domain, xen } = bootTestDomain();
    xen.unpauseDomain(domain);
    poke(BUF, [3, 0, 0, 0]);
    expect(hypercall(__HYPERVISOR_sched_op, [5, BUF])).toBe(0);
    expect(domain.shutdownCode).toBe(3);
    expect(domain.state).toBe(DomainState.Running);
    expect(hypercall(__HYPERVISOR_sched_op, [5, UNMAPPED])).toBe(-EFAULT);
    poke(BUF, [1, 0, 0, 0]);
    expect(hypercall(__HYPERVISOR_sched_op, [5, BUF])).toBe(0);
    expect(domain.shutdownCode, 'the first code recorded sticks').toBe(3);
    poke(BUF, [0, 0, 0, 0]);
    expect(hypercall(__HYPERVISOR_sched_op, [2, BUF])).toBe(0); // SCHEDOP_shutdown(poweroff)
    expect(domain.shutdownReason, 'the recorded code replaces the reason').toBe(3);
  });

  it('SCHEDOP_remote_shutdown needs a domain that exists, and privilege', () => {
    const { hypercall, poke } = bootTestDomain();
    poke(BUF, [0x99, 0, 0, 0, 0, 0, 0, 0]);
    expect(hypercall(__HYPERVISOR_sched_op, [4, BUF])).toBe(-ESRCH);
    poke(BUF, [1, 0, 0, 0, 0, 0, 0, 0]);
    expect(hypercall(__HYPERVISOR_sched_op, [4, BUF])).toBe(-EPERM);
    expect(hypercall(__HYPERVISOR_sched_op, [4, UNMAPPED])).toBe(-EFAULT);
  });

  it('answers -ENOSYS for a command Xen does not define', () => {
    const { hypercall } = bootTestDomain();
    expect(hypercall(__HYPERVISOR_sched_op, [42, 0])).toBe(-ENOSYS);
  });

  it('sched_op_compat takes the shutdown reason in ECX itself', () => {
    const { hypercall, domain, xen } = bootTestDomain();
    xen.unpauseDomain(domain);
    expect(hypercall(__HYPERVISOR_sched_op_compat, [2, 0])).toBe(0);
    expect(domain.shutdownReason).toBe(0);
    expect(hypercall(__HYPERVISOR_sched_op_compat, [9, 0])).toBe(-ENOSYS);
  });

  it('sched_op_compat yields and blocks like sched_op', () => {
    const { hypercall, vcpu, xen, domain } = bootTestDomain();
    xen.unpauseDomain(domain);
    expect(hypercall(__HYPERVISOR_sched_op_compat, [0, 0])).toBe(0);
    expect(vcpu.yielded).toBe(true);
    expect(hypercall(__HYPERVISOR_sched_op_compat, [1, 0])).toBe(0);
    expect(vcpu.blocked).toBe(true);
  });
});
