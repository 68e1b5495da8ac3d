// xenlab: file from 02
import { describe, expect, it } from 'vitest';
import { PhysMemory } from '../../sim/host.ts';
import { asmSourcesUnder } from '../../tools/asm-sources.ts';
import { Toolstack } from '../dom0/toolstack.ts';
import { DomainState } from '../xen/domain.ts';
import { formatTrace } from '../xen/hypercall.ts';
import { RunOutcome, runDomains } from '../xen/schedule.ts';
import { Xen } from '../xen/xen.ts';
import { buildGuest, GUESTS } from './index.ts';

const sources = (): Record<string, string> => asmSourcesUnder(import.meta.dirname);

describe('guests', () => {
  it('every listed guest assembles into a PV kernel', () => {
    for (const g of GUESTS.filter((guest) => guest.monitor === undefined)) {
      expect(buildGuest(g.main, sources()).length).toBeGreaterThan(4096);
    }
  });

  it('hello greets, reports the Xen version and its start_info, and powers off', () => {
    const traces: string[] = [];
    const xen = new Xen(new PhysMemory(64 << 20), { trace: (t) => traces.push(formatTrace(t)) });
    const ts = new Toolstack(xen);
    const d = ts.create(buildGuest('hello.asm', sources()), {
      name: 'hello',
      memoryMiB: 16,
      cmdline: '',
    });
    ts.start(d);
    expect(runDomains(xen, 1_000_000).outcome).toBe(RunOutcome.Idle);
    expect(ts.console(d)).toBe(
      'Hello from a PV guest on xenlab!\r\n' +
        'Running on Xen 4.1.0-xenlab\r\n' +
        'start_info: xen-3.0-x86_32p, 4096 pages\r\n',
    );
    expect(d.state).toBe(DomainState.Shutdown);
    expect(d.shutdownReason).toBe(0);
    expect(traces.at(-1)).toMatch(/^d1v0 sched_op\(cmd=SCHEDOP_shutdown, arg=0x[0-9a-f]+\) = 0$/);
  });

  it('simplest prints its command line from start_info and powers off', () => {
    const xen = new Xen(new PhysMemory(64 << 20));
    const ts = new Toolstack(xen);
    const d = ts.create(buildGuest('simplest.asm', sources()), {
      name: 'simplest',
      memoryMiB: 16,
      cmdline: 'root=/dev/xvda1 ro',
    });
    ts.start(d);
    expect(runDomains(xen, 1_000_000).outcome).toBe(RunOutcome.Idle);
    expect(ts.console(d)).toBe('Hello, Xen!\r\nCommand line: root=/dev/xvda1 ro\r\n');
    expect(d.shutdownReason).toBe(0);
  });

  it('crash prints, then faults; Xen crashes it with a page-fault report', () => {
    const xen = new Xen(new PhysMemory(64 << 20));
    const ts = new Toolstack(xen);
    const d = ts.create(buildGuest('crash.asm', sources()), {
      name: 'crash',
      memoryMiB: 16,
      cmdline: '',
    });
    ts.start(d);
    expect(runDomains(xen, 1_000_000).outcome).toBe(RunOutcome.Idle);
    expect(ts.console(d)).toBe('Writing to an unmapped page...\r\n');
    expect(d.shutdownReason).toBe(3);
    expect(xen.logLines.join('\n')).toMatch(
      /#PF, page fault\), error code 0x0002 .*CR2 0x40000000/,
    );
  });
});
