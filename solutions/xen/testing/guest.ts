// The project's tests run small assembly guests on the reference hypervisor: programs written
// in the test (with the guests' lib/ around them), built into PV kernels, booted by the
// toolstack on one Xen and run until they stop; their results are read back from their memory
// by label. Not staged.

import { join } from 'node:path';
import { assemble, formatAsmError, PhysMemory, translateForHost } from '../../../sim/host.ts';
import { asmSourcesUnder } from '../../../tools/asm-sources.ts';
import { Toolstack } from '../../dom0/toolstack.ts';
import { formatTrace } from '../hypercall.ts';
import { runDomains } from '../schedule.ts';
import { Xen } from '../xen.ts';

const GUESTS_DIR = join(import.meta.dirname, '..', '..', 'guests');

/** Assembles each source (which includes "lib/head.asm"), boots them all, runs for `fuel`. */
export function runAsmGuests(sources: readonly string[], fuel = 2_000_000) {
  const lib = asmSourcesUnder(GUESTS_DIR);
  const traces: string[] = [];
  const xen = new Xen(new PhysMemory(64 << 20), { trace: (t) => traces.push(formatTrace(t)) });
  const ts = new Toolstack(xen);
  const guests = sources.map((source, i) => {
    const built = assemble(source, {
      fileName: 'test.asm',
      files: { ...lib, 'test.asm': source },
      format: 'elf',
    });
    if (!built.ok) throw new Error(built.errors.map((e) => formatAsmError(e)).join('\n'));
    const d = ts.create(built.bytes, { name: `test${i}`, memoryMiB: 16, cmdline: '' });
    return { d, symbols: built.symbols, built: built.bytes };
  });
  for (const { d } of guests) ts.start(d);
  const outcome = runDomains(xen, fuel).outcome;
  return guests.map(({ d, symbols, built }) => {
    const cpu = d.vcpus[0]!.cpu;
    const symbol = (name: string) => {
      const value = symbols.get(name);
      if (value === undefined) throw new Error(`no label ${name}`);
      return value;
    };
    /** The dword at guest virtual address `va`, read through the guest's page tables. */
    const readVa32 = (va: number) => {
      const pa = translateForHost(cpu, va, false);
      if (pa < 0) throw new Error(`0x${va.toString(16)} is not mapped`);
      return xen.mem.read32(pa) >>> 0;
    };
    /** The dword at `label` + 4 × `index`. */
    const read32 = (label: string, index = 0) => readVa32(symbol(label) + index * 4);
    const image = built;
    return {
      xen,
      ts,
      domain: d,
      outcome,
      traces,
      image,
      symbol,
      read32,
      readVa32,
      console: () => ts.console(d),
    };
  });
}

/** One guest alone on a Xen: runAsmGuests with a single source. */
export function runAsmGuest(source: string, fuel = 2_000_000) {
  return runAsmGuests([source], fuel)[0]!;
}
