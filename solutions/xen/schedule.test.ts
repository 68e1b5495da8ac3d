// xenlab: file from 02
import { describe, expect, it } from 'vitest';
import { DomainState } from './domain.ts';
import { RunOutcome, runDomains } from './schedule.ts';
import { bootTestDomain, minimalKernel } from './testing/boot.ts';

const le32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24];
const movEax = (n: number) => [0xb8, ...le32(n)];
const movEbx = (n: number) => [0xbb, ...le32(n)];
const movEcx = (n: number) => [0xb9, ...le32(n)];
const movEdx = (n: number) => [0xba, ...le32(n)];
const int82 = [0xcd, 0x82];
const jmpSelf = [0xeb, 0xfe];
/** `call hypercall_page + nr*32` from the instruction at `at` (5 bytes long). */
const callStub = (at: number, nr: number) => [0xe8, ...le32(0x1000 + nr * 32 - (at + 5))];

// Data page at 0x2000: the message, and the shutdown reason (poweroff = 0) at 0x2010.
const data = [...'hello\n'].map((c) => c.charCodeAt(0));
const REASON = 0x2010;

/** console_io(write, 6, msg) then sched_op(shutdown, &reason), with inline `int $0x82`. */
const inlineGuest = [
  ...movEax(18),
  ...movEbx(0),
  ...movEcx(6),
  ...movEdx(0x2000),
  ...int82,
  ...movEax(29),
  ...movEbx(2),
  ...movEcx(REASON),
  ...int82,
  ...jmpSelf,
];

/** The same through the hypercall page's stubs. */
const pageGuest = [
  ...movEbx(0),
  ...movEcx(6),
  ...movEdx(0x2000),
  ...callStub(15, 18),
  ...movEbx(2),
  ...movEcx(REASON),
  ...callStub(30, 29),
  ...jmpSelf,
];

describe('running PV guests (both hypercall entry paths)', () => {
  for (const [how, code] of [
    ['inline int $0x82', inlineGuest],
    ['the hypercall page', pageGuest],
  ] as const) {
    it(`boots a guest that prints and powers off through ${how}`, () => {
      const { xen, domain, traces } = bootTestDomain({}, minimalKernel(code, data));
      xen.unpauseDomain(domain);
      const result = runDomains(xen, 100_000);
      expect(result.outcome).toBe(RunOutcome.Idle);
      expect(xen.consoleOutput.get(domain.domid)).toBe('hello\n');
      expect(domain.state).toBe(DomainState.Shutdown);
      expect(domain.shutdownReason).toBe(0);
      expect(traces.map((t) => [t.name, t.result])).toEqual([
        ['console_io', 0],
        ['sched_op', 0],
      ]);
    });
  }

  it('crashes only the faulting domain, with a report; Xen and a second domain run on', () => {
    // Domain 1 writes to an unmapped address: #PF with no handler.
    const crasher = [0xa3, ...le32(0x400000), ...jmpSelf]; // mov [0x400000], eax
    const t = bootTestDomain({ name: 'crasher' }, minimalKernel(crasher, data));
    const second = t.xen.createDomain(minimalKernel(pageGuest, data), {
      name: 'hello',
      memoryMiB: 16,
      cmdline: '',
    }).domain;
    t.xen.unpauseDomain(t.domain);
    t.xen.unpauseDomain(second);
    const result = runDomains(t.xen, 100_000);
    expect(result.outcome).toBe(RunOutcome.Idle);
    expect(t.xen.panicReport).toBeNull();
    expect(t.domain.state).toBe(DomainState.Shutdown);
    expect(t.domain.shutdownReason).toBe(3); // SHUTDOWN_crash
    const log = t.xen.logLines.join('\n');
    expect(log).toMatch(/domain 1 \(crasher\) crashed/);
    expect(log).toMatch(
      /vector 14 \(#PF, page fault\), error code 0x0002 \[not-present, write, supervisor\], CR2 0x00400000/,
    );
    expect(log).toMatch(/EIP 0xe019:0x00000000/);
    expect(log).toMatch(/stack: (00000000 ?){0,8}$/m); // the boot stack's top: one page, zeroed
    expect(log).toMatch(/instruction at 0x00000000: mov \[0x400000\],eax \(a3 00 00 40 00\)$/m);
    expect(second.state).toBe(DomainState.Shutdown);
    expect(second.shutdownReason).toBe(0);
    expect(t.xen.consoleOutput.get(second.domid)).toBe('hello\n');
  });

  it('reflects a privileged instruction at CPL 1 (HLT) as #GP and crashes the domain', () => {
    const { xen, domain } = bootTestDomain({}, minimalKernel([0xf4], data));
    xen.unpauseDomain(domain);
    runDomains(xen, 1000);
    expect(domain.shutdownReason).toBe(3);
    const log = xen.logLines.join('\n');
    expect(log).toMatch(/vector 13 \(#GP, general protection\), error code 0x0000/);
    expect(log).toMatch(/instruction at 0x00000000: hlt \(f4\)$/m);
  });

  it('stops at the fuel budget while a guest still runs, and resumes later', () => {
    const { xen, domain } = bootTestDomain({}, minimalKernel(jmpSelf, data));
    xen.unpauseDomain(domain);
    expect(runDomains(xen, 5000)).toEqual({
      outcome: RunOutcome.FuelExhausted,
      instructions: 5000,
    });
    expect(domain.state).toBe(DomainState.Running);
    xen.pauseDomain(domain);
    expect(domain.state).toBe(DomainState.Paused);
    expect(runDomains(xen, 5000).outcome).toBe(RunOutcome.Idle);
  });

  it('refuses a hypercall from ring 3: the DPL-1 gate raises #GP(0x82*8+2)', () => {
    const push = (n: number) => [0x68, ...le32(n)];
    // iret to ring 3 (FLAT_RING3 selectors, stack in page 2), then int $0x82 from there.
    const code = [...push(0xe033), ...push(0x2800), ...push(0x202), ...push(0xe02b), ...push(26)];
    code.push(0xcf, ...int82);
    const { xen, domain, layout, traces } = bootTestDomain({}, minimalKernel(code, data));
    // Let ring 3 reach pages 0 and 2: set U/S in their L1 entries (Xen's view of the tables).
    const l1 = domain.p2m[layout.pgtablesPfn + 1 + layout.l2Count]! * 4096;
    for (const pfn of [0, 2]) xen.mem.write32(l1 + pfn * 8, xen.mem.read32(l1 + pfn * 8) | 4);
    xen.unpauseDomain(domain);
    runDomains(xen, 1000);
    expect(traces).toEqual([]);
    expect(domain.shutdownReason).toBe(3);
    const log = xen.logLines.join('\n');
    expect(log).toMatch(/vector 13 \(#GP, general protection\), error code 0x0412/);
    expect(log).toMatch(/EIP 0xe02b:0x0000001a {2}EFLAGS 0x[0-9a-f]+ {2}CPL 3/);
  });

  it('stops the machine with a Xen panic when Xen’s own code throws', () => {
    const t = bootTestDomain({}, minimalKernel(inlineGuest, data));
    (t.xen.listeners as { console?: () => void }).console = () => {
      throw new Error('console back end broke');
    };
    t.xen.unpauseDomain(t.domain);
    expect(runDomains(t.xen, 100_000).outcome).toBe(RunOutcome.Panic);
    expect(t.xen.panicReport?.slice(0, 2)).toEqual([
      'Xen panic while handling d1v0',
      'in hypercall 18 (console_io)',
    ]);
    expect(t.xen.panicReport?.join('\n')).toMatch(/console back end broke/);
    expect(runDomains(t.xen, 100_000).outcome).toBe(RunOutcome.Panic);
  });
});
