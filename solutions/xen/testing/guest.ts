// The project's tests run small assembly guests on the reference hypervisor: a program written
// in the test (with the guests' lib/ around it), built into a PV kernel, booted by the toolstack
// and run until it stops; its results are read back from its memory by label. Not staged.

import { join } from 'node:path';
import { assemble, formatAsmError, PhysMemory, translateForHost } from '../../../sim/host.ts';
import { asmSourcesUnder } from '../../../tools/asm-sources.ts';
import { Toolstack } from '../../dom0/toolstack.ts';
import { formatTrace } from '../hypercall.ts';
import { runDomains } from '../schedule.ts';
import { Xen } from '../xen.ts';

const GUESTS_DIR = join(import.meta.dirname, '..', '..', 'guests');

/** Assembles `source` (which includes "lib/head.asm") and runs it for at most `fuel`. */
export function runAsmGuest(source: string, fuel = 2_000_000) {
  const files = { ...asmSourcesUnder(GUESTS_DIR), 'test.asm': source };
  const built = assemble(source, { fileName: 'test.asm', files, format: 'elf' });
  if (!built.ok) throw new Error(built.errors.map((e) => formatAsmError(e)).join('\n'));
  const traces: string[] = [];
  const xen = new Xen(new PhysMemory(64 << 20), { trace: (t) => traces.push(formatTrace(t)) });
  const ts = new Toolstack(xen);
  const d = ts.create(built.bytes, { name: 'test', memoryMiB: 16, cmdline: '' });
  ts.start(d);
  const outcome = runDomains(xen, fuel).outcome;
  const cpu = d.vcpus[0]!.cpu;
  const symbol = (name: string) => {
    const value = built.symbols.get(name);
    if (value === undefined) throw new Error(`no label ${name}`);
    return value;
  };
  /** The dword at `label` + 4 × `index`, read through the guest's page tables. */
  const read32 = (label: string, index = 0) => {
    const pa = translateForHost(cpu, symbol(label) + index * 4, false);
    if (pa < 0) throw new Error(`${label}[${index}] is not mapped`);
    return xen.mem.read32(pa) >>> 0;
  };
  return { xen, ts, domain: d, outcome, traces, symbol, read32, console: () => ts.console(d) };
}
