import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HYPERVISOR_VIRT_START } from '../solutions/xen/abi.ts';
import { asmSourcesUnder } from '../tools/asm-sources.ts';
import type { ConsoleRingView } from './.vitepress/theme/guest/console-ring.ts';
import {
  INSPECTORS,
  type MemoryView,
  type RegisterView,
} from './.vitepress/theme/guest/inspectors.ts';
import type { PageTablesView } from './.vitepress/theme/guest/page-tables.ts';
import { startGuest, UnknownGuestError } from './.vitepress/theme/guest/session.ts';
import type { VcpuTimeInfoView } from './.vitepress/theme/guest/vcpu-time-info.ts';

// What <GuestConsole>'s worker answers about a guest (site/.vitepress/theme/guest), run here in
// Node on the hello guest as it stands at its first instruction.

const files = asmSourcesUnder(
  join(fileURLToPath(new URL('..', import.meta.url)), 'solutions/guests'),
);

function boot() {
  const output: number[] = [];
  const trace: string[] = [];
  const session = startGuest('hello', files, {
    output: (bytes) => output.push(...bytes),
    trace: (line) => trace.push(line),
  });
  return { session, output, trace };
}

function register(view: RegisterView, name: string): number {
  return view.registers.find(([n]) => n === name)![1];
}

describe('the guest worker’s sessions and inspectors', () => {
  it('refuses a guest that does not exist', () => {
    expect(() => startGuest('nobody', files)).toThrow(UnknownGuestError);
  });

  it('shows vCPU 0 in ring 1 at the kernel’s entry, with start_info in ESI', () => {
    const { session } = boot();
    const regs = INSPECTORS.registers!(session, {}) as RegisterView;
    expect(regs.cpl).toBe(1);
    expect(register(regs, 'cs') & 3).toBe(1);
    expect(register(regs, 'cr3')).toBe(session.cpu.cr3 >>> 0);
    expect(regs.next).not.toBe('');
    // Xen's start_info begins with its magic string (docs/xen-abi.md §2.3: "xen-3.0-x86_32p").
    const si = INSPECTORS.memory!(session, { address: register(regs, 'esi'), length: 15 });
    const magic = String.fromCharCode(...((si as MemoryView).bytes as number[]));
    expect(magic).toBe('xen-3.0-x86_32p');
  });

  it('reads unmapped guest memory as null, not as machine memory', () => {
    const { session } = boot();
    const view = INSPECTORS.memory!(session, { address: 0x40000000, length: 4 }) as MemoryView;
    expect(view.bytes).toEqual([null, null, null, null]);
  });

  it('lists the bootstrap page tables: the L3 at CR3, the kernel mapped, the tables read-only', () => {
    const { session } = boot();
    const view = INSPECTORS['page-tables']!(session, {}) as PageTablesView;
    expect(view.note).toBe('');
    expect(view.tables[0]).toEqual({ level: 3, machine: session.cpu.cr3 >>> 0, linear: 0 });
    const at = (linear: number) =>
      view.runs.find((r) => linear >= r.linear && linear < r.linear + r.pages * 0x1000);
    // The entry point is mapped writable; the page-table pages themselves read-only, as Xen
    // requires of a PV guest's tables; Xen's own area sits above HYPERVISOR_VIRT_START.
    expect(at(session.cpu.eip)?.flags).toMatch(/^RW S/);
    expect(view.runs.some((r) => r.flags.startsWith('RO'))).toBe(true);
    expect(view.runs.some((r) => r.linear >= HYPERVISOR_VIRT_START)).toBe(true);
  });

  it('steps one instruction at a time and runs hello to its poweroff', () => {
    const { session, output, trace } = boot();
    const eip = session.cpu.eip;
    expect(session.run(1)).toBe(true);
    expect(session.instructions).toBe(1);
    expect(session.cpu.eip).not.toBe(eip);
    expect(session.run(10_000_000)).toBe(false);
    expect(session.ended).toBe(true);
    expect(session.outcome).toBe('poweroff');
    const text = new TextDecoder().decode(Uint8Array.from(output));
    expect(text).toContain('Hello from a PV guest on xenlab!');
    expect(text).toContain('(XEN) domain 1 (hello) shut down: poweroff');
    expect(trace.some((l) => l.startsWith('d1v0 console_io(cmd=CONSOLEIO_write'))).toBe(true);
    expect(trace.at(-1)).toMatch(/^d1v0 sched_op\(cmd=SCHEDOP_shutdown/);
  });

  it('lists the domains as xl list would', () => {
    const { session } = boot();
    const domains = INSPECTORS.domains!(session, {}) as { domid: number; name: string }[];
    expect(domains.map((d) => [d.domid, d.name])).toEqual([
      [0, 'Domain-0'],
      [1, 'hello'],
    ]);
  });

  it('runs a chapter-1 guest on the classic monitor, its traps in the trace', () => {
    const output: number[] = [];
    const trace: string[] = [];
    const session = startGuest('popf-guard', files, {
      output: (bytes) => output.push(...bytes),
      trace: (line) => trace.push(line),
    });
    expect(session.cpu.cpl).toBe(1);
    expect(session.run(session.budget)).toBe(false);
    expect(session.outcome).toBe('halted');
    expect(new TextDecoder().decode(Uint8Array.from(output))).toContain('critical section');
    // In ring 1, STI traps to the monitor; POPF does not (the x86 problem, book §1.4).
    expect(trace).toContain('trapped and emulated: sti ×1');
    expect(trace.some((l) => l.includes('popf'))).toBe(false);
    const tables = INSPECTORS['page-tables']!(session, {}) as PageTablesView;
    expect(tables.note).toBe('paging is off');
    expect(INSPECTORS['vcpu-time-info']!(session, {})).toBeNull();
  });

  it('shows the time records of shared_info as gettimeofday runs (chapter 03)', () => {
    const session = startGuest('gettimeofday', files);
    const time = () => INSPECTORS['vcpu-time-info']!(session, {}) as VcpuTimeInfoView;
    // Not yet scheduled: no record; the builder has published the (unset) wall clock.
    expect(time()).toMatchObject({ version: 0, mul: 0, wcVersion: 2, wcSec: 0 });
    session.run(1000);
    const early = time();
    expect(early).toMatchObject({ version: 2, mul: 0x80000000, shift: 1, flags: 1 });
    expect(early.guestSystemTime).toBe(early.xenSystemTime);
    expect(session.run(10_000_000)).toBe(false);
    const late = time();
    expect(late.guestSystemTime).toBe(late.xenSystemTime);
    expect(late.guestSystemTime).toBeGreaterThan(early.guestSystemTime);
    expect([late.timeOfDaySec, late.timeOfDayNsec]).toEqual([0, late.guestSystemTime]);
  });

  it('shows the console page’s rings as the console guest runs (chapter 06)', () => {
    const session = startGuest('console', files);
    const ring = () => INSPECTORS['console-ring']!(session, {}) as ConsoleRingView;
    // The book's input is typed when the guest is booted: it waits in `in`.
    const typed = 'Hello, ring!\r\x04';
    expect(ring().in).toMatchObject({ cons: 0, prod: typed.length, pending: typed.length });
    expect(String.fromCharCode(...ring().in.bytes)).toBe(typed);
    expect(ring().out.pending).toBe(0);
    expect(session.run(10_000_000)).toBe(false);
    const end = ring();
    expect(end.in).toMatchObject({ cons: typed.length, prod: typed.length, pending: 0 });
    expect(end.out.pending, 'the back end drained every byte it was told of').toBe(0);
    expect(end.out.prod).toBe(end.out.cons);
    expect(end.out.prod).toBeGreaterThan(60);
    expect(end).toMatchObject({ waitingInput: 0, closed: null });
  });
});
