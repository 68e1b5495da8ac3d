// String instructions (SDM vol. 2: MOVS, CMPS, STOS, LODS, SCAS, INS, OUTS) with the REP, REPE
// and REPNE prefixes (SDM vol. 1 §7.3.9). The source is seg:(E)SI (DS unless overridden), the
// destination ES:(E)DI (never overridden); (E)SI/(E)DI/(E)CX by address size; DF picks the
// direction. A REP loop runs to completion within one instruction; if an iteration faults, the
// registers show the iterations done and EIP the instruction, so delivery and restart resume it.

import { ramRange, read8, read16, read32, write8, write16, write32 } from '../access.ts';
import { ALU_CMP, alu } from '../alu.ts';
import { type Cpu, DS, EAX, ECX, EDI, EDX, ES, ESI, ExitReason, FLAG_DF } from '../cpu.ts';
import { getZF } from '../flags.ts';
import { checkIoPermission } from '../system.ts';

const REPNE = 0xf2;

function sourceSegment(cpu: Cpu): number {
  return cpu.segOverride >= 0 ? cpu.segOverride : DS;
}

function si(cpu: Cpu): number {
  return cpu.addrsize32 ? cpu.reg32[ESI]! >>> 0 : cpu.reg16[ESI << 1]!;
}
function di(cpu: Cpu): number {
  return cpu.addrsize32 ? cpu.reg32[EDI]! >>> 0 : cpu.reg16[EDI << 1]!;
}
function advance(cpu: Cpu, r: number, delta: number): void {
  if (cpu.addrsize32) cpu.reg32[r] = cpu.reg32[r]! + delta;
  else cpu.reg16[r << 1] = cpu.reg16[r << 1]! + delta;
}
function count(cpu: Cpu): number {
  return cpu.addrsize32 ? cpu.reg32[ECX]! >>> 0 : cpu.reg16[ECX << 1]!;
}
function decrementCount(cpu: Cpu): void {
  if (cpu.addrsize32) cpu.reg32[ECX] = cpu.reg32[ECX]! - 1;
  else cpu.reg16[ECX << 1] = cpu.reg16[ECX << 1]! - 1;
}
/** Element size in bytes for the byte (`b`) or word/dword form. */
function elementSize(cpu: Cpu, byteForm: boolean): number {
  return byteForm ? 1 : cpu.opsize32 ? 4 : 2;
}
function step(cpu: Cpu, size: number): number {
  return cpu.flags & FLAG_DF ? -size : size;
}

function readElement(cpu: Cpu, seg: number, offset: number, size: number): number {
  return size === 1
    ? read8(cpu, seg, offset)
    : size === 2
      ? read16(cpu, seg, offset)
      : read32(cpu, seg, offset);
}
function writeElement(cpu: Cpu, seg: number, offset: number, size: number, value: number): void {
  if (size === 1) write8(cpu, seg, offset, value & 0xff);
  else if (size === 2) write16(cpu, seg, offset, value & 0xffff);
  else write32(cpu, seg, offset, value >>> 0);
}
function accumulator(cpu: Cpu, size: number): number {
  return size === 1 ? cpu.reg8[0]! : size === 2 ? cpu.reg16[0]! : cpu.reg32[EAX]! >>> 0;
}
function setAccumulator(cpu: Cpu, size: number, value: number): void {
  if (size === 1) cpu.reg8[0] = value;
  else if (size === 2) cpu.reg16[0] = value;
  else cpu.reg32[EAX] = value;
}

// --- Bulk REP MOVS/STOS: with a 32-bit address size and DF = 0, the elements up to the next
// page boundary of source and destination are done at once when ramRange says none of them can
// fault. The registers end as the element loop would leave them; anything else (a TLB miss,
// MMIO, a segment or page edge, misalignment, an overlap that replicates) goes element by
// element, which walks the page tables and raises faults as usual.

/** Elements of `size` bytes from linear `linear` to the end of its page. */
function elementsInPage(linear: number, size: number): number {
  return ((0x1000 - (linear & 0xfff)) / size) | 0;
}

/** Copies a run of MOVS elements in one go; false when the next element must go singly. */
function bulkMovs(cpu: Cpu, seg: number, size: number): boolean {
  const s = cpu.reg32[ESI]! >>> 0;
  const d = cpu.reg32[EDI]! >>> 0;
  const n = Math.min(
    cpu.reg32[ECX]! >>> 0,
    elementsInPage(cpu.segBase[seg]! + s, size),
    elementsInPage(cpu.segBase[ES]! + d, size),
  );
  if (n === 0) return false;
  const bytes = n * size;
  const from = ramRange(cpu, seg, s, bytes, size, false);
  if (from < 0) return false;
  const to = ramRange(cpu, ES, d, bytes, size, true);
  // A destination just above the source repeats the source's first bytes: not a memmove.
  if (to < 0 || (to > from && to < from + bytes)) return false;
  cpu.mem.ram.copyWithin(to, from, from + bytes);
  cpu.reg32[ESI] = s + bytes;
  cpu.reg32[EDI] = d + bytes;
  cpu.reg32[ECX] = cpu.reg32[ECX]! - n;
  return true;
}

/** Stores a run of STOS elements in one go; false when the next element must go singly. */
function bulkStos(cpu: Cpu, size: number, value: number): boolean {
  const d = cpu.reg32[EDI]! >>> 0;
  const n = Math.min(cpu.reg32[ECX]! >>> 0, elementsInPage(cpu.segBase[ES]! + d, size));
  if (n === 0) return false;
  const to = ramRange(cpu, ES, d, n * size, size, true);
  if (to < 0) return false;
  if (size === 1) cpu.mem.ram.fill(value, to, to + n);
  else if (size === 2) cpu.ram16.fill(value, to >>> 1, (to >>> 1) + n);
  else cpu.ram32.fill(value | 0, to >>> 2, (to >>> 2) + n);
  cpu.reg32[EDI] = d + n * size;
  cpu.reg32[ECX] = cpu.reg32[ECX]! - n;
  return true;
}

/** Bulk REP string operations apply: 32-bit addressing, ascending addresses. */
function bulkAllowed(cpu: Cpu): boolean {
  return cpu.addrsize32 && (cpu.flags & FLAG_DF) === 0;
}

/** A4/A5 MOVS */
export function movs(byteForm: boolean): (cpu: Cpu) => void {
  return (cpu) => {
    const size = elementSize(cpu, byteForm);
    const d = step(cpu, size);
    const seg = sourceSegment(cpu);
    if (cpu.repPrefix === 0) {
      writeElement(cpu, ES, di(cpu), size, readElement(cpu, seg, si(cpu), size));
      advance(cpu, ESI, d);
      advance(cpu, EDI, d);
      return;
    }
    const bulk = bulkAllowed(cpu);
    while (count(cpu) !== 0) {
      if (bulk && bulkMovs(cpu, seg, size)) continue;
      writeElement(cpu, ES, di(cpu), size, readElement(cpu, seg, si(cpu), size));
      advance(cpu, ESI, d);
      advance(cpu, EDI, d);
      decrementCount(cpu);
    }
  };
}

/** AA/AB STOS */
export function stos(byteForm: boolean): (cpu: Cpu) => void {
  return (cpu) => {
    const size = elementSize(cpu, byteForm);
    const d = step(cpu, size);
    const value = accumulator(cpu, size);
    if (cpu.repPrefix === 0) {
      writeElement(cpu, ES, di(cpu), size, value);
      advance(cpu, EDI, d);
      return;
    }
    const bulk = bulkAllowed(cpu);
    while (count(cpu) !== 0) {
      if (bulk && bulkStos(cpu, size, value)) continue;
      writeElement(cpu, ES, di(cpu), size, value);
      advance(cpu, EDI, d);
      decrementCount(cpu);
    }
  };
}

/** AC/AD LODS */
export function lods(byteForm: boolean): (cpu: Cpu) => void {
  return (cpu) => {
    const size = elementSize(cpu, byteForm);
    const d = step(cpu, size);
    const seg = sourceSegment(cpu);
    if (cpu.repPrefix === 0) {
      setAccumulator(cpu, size, readElement(cpu, seg, si(cpu), size));
      advance(cpu, ESI, d);
      return;
    }
    while (count(cpu) !== 0) {
      setAccumulator(cpu, size, readElement(cpu, seg, si(cpu), size));
      advance(cpu, ESI, d);
      decrementCount(cpu);
    }
  };
}

/** A6/A7 CMPS: compares [src] with [dst] (src − dst); REPE/REPNE stop on ZF. */
export function cmps(byteForm: boolean): (cpu: Cpu) => void {
  return (cpu) => {
    const size = elementSize(cpu, byteForm);
    const d = step(cpu, size);
    const seg = sourceSegment(cpu);
    const bits = size * 8;
    const rep = cpu.repPrefix;
    if (rep === 0) {
      const a = readElement(cpu, seg, si(cpu), size);
      const b = readElement(cpu, ES, di(cpu), size);
      alu(cpu, ALU_CMP, bits, a | 0, b | 0);
      advance(cpu, ESI, d);
      advance(cpu, EDI, d);
      return;
    }
    while (count(cpu) !== 0) {
      const a = readElement(cpu, seg, si(cpu), size);
      const b = readElement(cpu, ES, di(cpu), size);
      alu(cpu, ALU_CMP, bits, a | 0, b | 0);
      advance(cpu, ESI, d);
      advance(cpu, EDI, d);
      decrementCount(cpu);
      if (getZF(cpu) === (rep === REPNE)) break;
    }
  };
}

/** AE/AF SCAS: compares the accumulator with [dst]; REPE/REPNE stop on ZF. */
export function scas(byteForm: boolean): (cpu: Cpu) => void {
  return (cpu) => {
    const size = elementSize(cpu, byteForm);
    const d = step(cpu, size);
    const bits = size * 8;
    const acc = accumulator(cpu, size) | 0;
    const rep = cpu.repPrefix;
    if (rep === 0) {
      alu(cpu, ALU_CMP, bits, acc, readElement(cpu, ES, di(cpu), size) | 0);
      advance(cpu, EDI, d);
      return;
    }
    while (count(cpu) !== 0) {
      alu(cpu, ALU_CMP, bits, acc, readElement(cpu, ES, di(cpu), size) | 0);
      advance(cpu, EDI, d);
      decrementCount(cpu);
      if (getZF(cpu) === (rep === REPNE)) break;
    }
  };
}

/** 6C/6D INS: ES:(E)DI ← port DX. */
export function ins(byteForm: boolean): (cpu: Cpu) => void {
  return (cpu) => {
    const size = elementSize(cpu, byteForm);
    const port = cpu.reg16[EDX << 1]!;
    checkIoPermission(cpu, port, size);
    const d = step(cpu, size);
    if (cpu.repPrefix === 0) {
      // Probe the destination first so a faulting write does not consume device data.
      writeElement(cpu, ES, di(cpu), size, readElement(cpu, ES, di(cpu), size));
      writeElement(cpu, ES, di(cpu), size, cpu.io.read(port, size));
      advance(cpu, EDI, d);
      return;
    }
    while (count(cpu) !== 0) {
      writeElement(cpu, ES, di(cpu), size, readElement(cpu, ES, di(cpu), size));
      writeElement(cpu, ES, di(cpu), size, cpu.io.read(port, size));
      advance(cpu, EDI, d);
      decrementCount(cpu);
    }
  };
}

/** 6E/6F OUTS: port DX ← seg:(E)SI. A host-claimed port exits after each element. */
export function outs(byteForm: boolean): (cpu: Cpu) => void {
  return (cpu) => {
    const size = elementSize(cpu, byteForm);
    const port = cpu.reg16[EDX << 1]!;
    checkIoPermission(cpu, port, size);
    const d = step(cpu, size);
    const seg = sourceSegment(cpu);
    const rep = cpu.repPrefix !== 0;
    while (!rep || count(cpu) !== 0) {
      const value = readElement(cpu, seg, si(cpu), size);
      advance(cpu, ESI, d);
      if (rep) decrementCount(cpu);
      if (cpu.hostPorts[port]) {
        exitIo(cpu, port, size, true, value);
        if (rep && count(cpu) !== 0) cpu.eip = cpu.instrStart;
        return;
      }
      cpu.io.write(port, size, value);
      if (!rep) return;
    }
  };
}

/** Ends run() for the host (see Cpu.hostPorts for the protocol). */
export function exitIo(cpu: Cpu, port: number, size: number, write: boolean, value: number): void {
  cpu.exitPort = port;
  cpu.exitSize = size;
  cpu.exitWrite = write;
  cpu.exitValue = value;
  cpu.pendingExit = ExitReason.Io;
}
