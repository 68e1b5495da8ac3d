// What a hang report says about the guest (docs/architecture.md §8): when the graded code loops
// while handling a guest's exit (a hypercall, a trap), the guest's last instruction — its
// address, its disassembly and, when the graded tree's guests hold it, its source line (for a
// hypercall, which runs in the hypercall page Xen wrote, the call that led there). The hang probe
// (hang-probe.mjs) calls it on the paused test thread with the values of each frame's local
// variables, through `globalThis.xenlabGuestAt` (setup.ts installs it).

import {
  Cpu,
  CS,
  disassembleOne,
  ESP,
  type ListingLine,
  SS,
  translateForHost,
} from '../../sim/host.ts';
import { guestListings } from '../guests.ts';

/** The longest x86 instruction. */
const MAX_INSTRUCTION = 15;

type Listings = ReturnType<typeof guestListings>;

/** The vCPU among `values`: a Cpu, or an object holding one as `cpu` (a Vcpu) or `vcpu.cpu`. */
function cpuAmong(values: readonly unknown[]): Cpu | undefined {
  for (const value of values) {
    if (value instanceof Cpu) return value;
    const v = value as { cpu?: unknown; vcpu?: { cpu?: unknown } } | null | undefined;
    if (v?.cpu instanceof Cpu) return v.cpu;
    if (v?.vcpu?.cpu instanceof Cpu) return v.vcpu.cpu;
  }
  return undefined;
}

/** Up to `length` bytes at guest-linear `linear`, as far as they are mapped. */
function readGuest(cpu: Cpu, linear: number, length: number): Uint8Array {
  const bytes: number[] = [];
  for (let i = 0; i < length; i++) {
    const phys = translateForHost(cpu, (linear + i) >>> 0, false);
    if (phys < 0) break;
    bytes.push(cpu.mem.read8(phys));
  }
  return Uint8Array.from(bytes);
}

const hex = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

/**
 * The one source line (`src/guests/FILE:LINE: text`, and the program when only one has it) that
 * `matches` and whose bytes are in the guest's memory where the listing puts them; undefined
 * when none or several do (guests linked at the same address).
 */
function lineWhere(
  cpu: Cpu,
  listings: Listings,
  matches: (l: ListingLine) => boolean,
): string | undefined {
  const lines = new Set<string>();
  const programs = new Set<string>();
  for (const { program, listing } of listings) {
    for (const l of listing) {
      if (l.size === 0 || !matches(l)) continue;
      const bytes = readGuest(cpu, l.address, l.size);
      if (l.bytes.some((b, i) => b !== bytes[i])) continue;
      lines.add(`src/guests/${l.file}:${l.line}: ${l.source.trim()}`);
      programs.add(program);
    }
  }
  if (lines.size !== 1) return undefined;
  const program = programs.size === 1 ? ` in ${[...programs][0]}` : '';
  return `${[...lines][0]}${program}`;
}

/** The line of the `call` the guest's stack returns from (the top of its stack). */
function callerLine(cpu: Cpu, listings: Listings): string | undefined {
  const top = readGuest(cpu, (cpu.segBase[SS]! + cpu.reg32[ESP]!) >>> 0, 4);
  if (top.length < 4) return undefined;
  const ret = (top[0]! | (top[1]! << 8) | (top[2]! << 16) | (top[3]! << 24)) >>> 0;
  return lineWhere(
    cpu,
    listings,
    (l) =>
      (l.address + l.size) >>> 0 === ret &&
      disassembleOne(l.bytes, 0, { bits: 32 }).text.startsWith('call'),
  );
}

/**
 * `int 0x82 at 0x00001245, called from src/guests/lib/xen.inc:48: call … in simplest.asm`: the
 * last instruction the vCPU among `values` ran, `src` the graded tree ('' for none); undefined
 * when no vCPU there has run a guest.
 */
export function lastGuestInstruction(values: readonly unknown[], src: string): string | undefined {
  const cpu = cpuAmong(values);
  if (cpu === undefined || cpu.instructions === 0) return undefined;
  const linear = (cpu.segBase[CS]! + cpu.instrStart) >>> 0;
  const bytes = readGuest(cpu, linear, MAX_INSTRUCTION);
  if (bytes.length === 0) return `an unmapped instruction at ${hex(linear)}`;
  const instruction = disassembleOne(bytes, 0, { bits: 32, org: linear });
  const text = `${instruction.text} at ${hex(linear)}`;
  if (src === '') return text;
  const listings = guestListings(src);
  const own = lineWhere(cpu, listings, (l) => l.address === linear);
  if (own !== undefined) return `${text} (${own})`;
  const caller = callerLine(cpu, listings);
  return caller === undefined ? text : `${text}, called from ${caller}`;
}
