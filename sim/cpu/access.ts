// Memory access through segments and pages: Intel SDM vol. 3A §3.4.5 (segment types), §5.3
// (limit checks), §5.4 (type checks), ch. 4 (paging). The hot path of the whole machine.
//
// read*/write*(cpu, seg, offset): segmented data access. Checks the cached descriptor of `seg`
// (usable, readable/writable, limit incl. expand-down) and raises #GP(0), or #SS(0) for SS, then
// goes through the TLB. readLinear*/writeLinear*: linear access with the privilege of the
// current CPL (CPL 3 is a user access). fetch8/16/32: instruction bytes at CS:EIP, advancing
// EIP. readLinearAs/writeLinearAs: implicit supervisor accesses (descriptor tables, TSS) and
// pushes on another privilege level's stack. Values are returned unsigned. Misaligned ring-3
// accesses raise #AC(0) when CR0.AM and EFLAGS.AC are set.
//
// Callers keep the descriptor caches valid: after reset call resetCpu (system.ts), which sets
// real-mode limits (0xFFFF) and access rights (present read/write data); loadSegment keeps them
// valid afterwards. A cache with access rights 0 is "unusable": every access faults.
//
// With a store buffer (store-buffer.ts) the TLB grants no direct data access, so every data
// access takes the slow path, whose loads and stores go through the buffer.
//
// After changing page kinds in PhysMemory, or page tables behind the CPU's back, the host calls
// flushTlb (paging.ts): the TLB remembers which frames are plain RAM.

import { type Cpu, CR0_AM, CS, FLAG_AC, SS, VEC_AC, VEC_GP, VEC_SS } from './cpu.ts';
import { raiseFault } from './fault.ts';
import {
  ACCESS_EXEC,
  ACCESS_USER,
  ACCESS_WRITE,
  TLB_EXEC,
  TLB_MASK,
  TLB_READ,
  TLB_USER_SHIFT,
  TLB_WRITE,
  translate,
} from './paging.ts';

// --- Segment checks. A table from the descriptor access byte (type, S, DPL, P) to what the
// segment allows, so the fast path is one load and one compare.
const SEG_READ = 1;
const SEG_WRITE = 2;
const SEG_EXPAND_DOWN = 4;
/** Readable/writable and expand-up: only the limit needs checking. */
const SEG_READ_FAST = 8;
const SEG_WRITE_FAST = 16;

const SEG_CLASS = buildSegClass();

function buildSegClass(): Uint8Array {
  const table = new Uint8Array(256);
  for (let a = 0; a < 256; a++) {
    const present = (a & 0x80) !== 0;
    const codeOrData = (a & 0x10) !== 0;
    if (!present || !codeOrData) continue;
    let c = 0;
    if ((a & 0x08) !== 0) {
      if ((a & 0x02) !== 0) c = SEG_READ; // readable code
    } else {
      c = SEG_READ | ((a & 0x02) !== 0 ? SEG_WRITE : 0) | ((a & 0x04) !== 0 ? SEG_EXPAND_DOWN : 0);
    }
    if ((c & SEG_EXPAND_DOWN) === 0) {
      if ((c & SEG_READ) !== 0) c |= SEG_READ_FAST;
      if ((c & SEG_WRITE) !== 0) c |= SEG_WRITE_FAST;
    }
    table[a] = c;
  }
  return table;
}

/**
 * The full segment check, for everything the fast path does not settle: unusable segments,
 * wrong type, expand-down limits, limit violations. Returns normally when the access is fine.
 */
export function checkSegment(cpu: Cpu, seg: number, offset: number, size: number, write: boolean) {
  const access = cpu.segAccess[seg]!;
  const c = SEG_CLASS[access & 0xff]!;
  const vector = seg === SS ? VEC_SS : VEC_GP;
  if (c === 0) raiseFault(cpu, vector, 0);
  if ((c & (write ? SEG_WRITE : SEG_READ)) === 0) raiseFault(cpu, VEC_GP, 0);
  const limit = cpu.segLimit[seg]!;
  const last = offset + size - 1;
  if ((c & SEG_EXPAND_DOWN) !== 0) {
    // Valid offsets are limit+1 … 0xFFFF, or … 0xFFFFFFFF when the B bit is set.
    const upper = (access & 0x4000) !== 0 ? 0xffffffff : 0xffff;
    if (offset <= limit || last > upper) raiseFault(cpu, vector, 0);
  } else if (last > limit) {
    raiseFault(cpu, vector, 0);
  }
}

export function read8(cpu: Cpu, seg: number, offset: number): number {
  offset >>>= 0;
  if (
    (SEG_CLASS[cpu.segAccess[seg]! & 0xff]! & SEG_READ_FAST) === 0 ||
    offset > cpu.segLimit[seg]!
  ) {
    checkSegment(cpu, seg, offset, 1, false);
  }
  return readLinear8(cpu, (cpu.segBase[seg]! + offset) | 0);
}

export function read16(cpu: Cpu, seg: number, offset: number): number {
  offset >>>= 0;
  if (
    (SEG_CLASS[cpu.segAccess[seg]! & 0xff]! & SEG_READ_FAST) === 0 ||
    offset + 1 > cpu.segLimit[seg]!
  ) {
    checkSegment(cpu, seg, offset, 2, false);
  }
  return readLinear16(cpu, (cpu.segBase[seg]! + offset) | 0);
}

export function read32(cpu: Cpu, seg: number, offset: number): number {
  offset >>>= 0;
  if (
    (SEG_CLASS[cpu.segAccess[seg]! & 0xff]! & SEG_READ_FAST) === 0 ||
    offset + 3 > cpu.segLimit[seg]!
  ) {
    checkSegment(cpu, seg, offset, 4, false);
  }
  return readLinear32(cpu, (cpu.segBase[seg]! + offset) | 0);
}

export function write8(cpu: Cpu, seg: number, offset: number, value: number): void {
  offset >>>= 0;
  if (
    (SEG_CLASS[cpu.segAccess[seg]! & 0xff]! & SEG_WRITE_FAST) === 0 ||
    offset > cpu.segLimit[seg]!
  ) {
    checkSegment(cpu, seg, offset, 1, true);
  }
  writeLinear8(cpu, (cpu.segBase[seg]! + offset) | 0, value);
}

export function write16(cpu: Cpu, seg: number, offset: number, value: number): void {
  offset >>>= 0;
  if (
    (SEG_CLASS[cpu.segAccess[seg]! & 0xff]! & SEG_WRITE_FAST) === 0 ||
    offset + 1 > cpu.segLimit[seg]!
  ) {
    checkSegment(cpu, seg, offset, 2, true);
  }
  writeLinear16(cpu, (cpu.segBase[seg]! + offset) | 0, value);
}

export function write32(cpu: Cpu, seg: number, offset: number, value: number): void {
  offset >>>= 0;
  if (
    (SEG_CLASS[cpu.segAccess[seg]! & 0xff]! & SEG_WRITE_FAST) === 0 ||
    offset + 3 > cpu.segLimit[seg]!
  ) {
    checkSegment(cpu, seg, offset, 4, true);
  }
  writeLinear32(cpu, (cpu.segBase[seg]! + offset) | 0, value);
}

/**
 * For bulk string operations: the RAM index of the `bytes` bytes at seg:offset when the whole
 * range passes the segment's fast check, lies in one page, is aligned to `size` (so #AC cannot
 * apply) and hits the TLB for this kind of access, so touching it cannot fault; otherwise -1.
 */
export function ramRange(
  cpu: Cpu,
  seg: number,
  offset: number,
  bytes: number,
  size: number,
  write: boolean,
): number {
  const fast = write ? SEG_WRITE_FAST : SEG_READ_FAST;
  if (
    (SEG_CLASS[cpu.segAccess[seg]! & 0xff]! & fast) === 0 ||
    offset + bytes - 1 > cpu.segLimit[seg]!
  ) {
    return -1;
  }
  const linear = (cpu.segBase[seg]! + offset) | 0;
  const off = linear & 0xfff;
  if (off + bytes > 0x1000 || (linear & (size - 1)) !== 0) return -1;
  const vpn = linear >>> 12;
  const i = vpn & TLB_MASK;
  if (cpu.tlbTag[i] !== vpn) return -1;
  if ((cpu.tlbInfo[i]! & tlbNeed(cpu, write ? TLB_WRITE : TLB_READ)) === 0) return -1;
  return cpu.tlbPhys[i]! + off;
}

// --- Linear access. The TLB hit test: the tag matches and the entry's bit for this access
// (supervisor or user) is set; anything else takes the slow path, which walks and may fault.

/** The TLB_* bit for an access of kind `bit` at the current privilege. */
function tlbNeed(cpu: Cpu, bit: number): number {
  return cpu.cpl === 3 ? bit << TLB_USER_SHIFT : bit;
}

export function readLinear8(cpu: Cpu, linear: number): number {
  const vpn = linear >>> 12;
  const i = vpn & TLB_MASK;
  if (cpu.tlbTag[i] === vpn && (cpu.tlbInfo[i]! & tlbNeed(cpu, TLB_READ)) !== 0) {
    return cpu.mem.ram[cpu.tlbPhys[i]! + (linear & 0xfff)]!;
  }
  return readSlow(cpu, linear, 1, cpu.cpl === 3 ? ACCESS_USER : 0);
}

export function readLinear16(cpu: Cpu, linear: number): number {
  const vpn = linear >>> 12;
  const i = vpn & TLB_MASK;
  const off = linear & 0xfff;
  if (cpu.tlbTag[i] === vpn && (cpu.tlbInfo[i]! & tlbNeed(cpu, TLB_READ)) !== 0 && off < 0xfff) {
    const pa = cpu.tlbPhys[i]! + off;
    if ((pa & 1) === 0) return cpu.ram16[pa >>> 1]!;
    checkAlignment(cpu);
    const ram = cpu.mem.ram;
    return ram[pa]! | (ram[pa + 1]! << 8);
  }
  return readSlow(cpu, linear, 2, cpu.cpl === 3 ? ACCESS_USER : 0);
}

export function readLinear32(cpu: Cpu, linear: number): number {
  const vpn = linear >>> 12;
  const i = vpn & TLB_MASK;
  const off = linear & 0xfff;
  if (cpu.tlbTag[i] === vpn && (cpu.tlbInfo[i]! & tlbNeed(cpu, TLB_READ)) !== 0 && off < 0xffd) {
    const pa = cpu.tlbPhys[i]! + off;
    if ((pa & 3) === 0) return cpu.ram32[pa >>> 2]! >>> 0;
    checkAlignment(cpu);
    const ram = cpu.mem.ram;
    return (ram[pa]! | (ram[pa + 1]! << 8) | (ram[pa + 2]! << 16) | (ram[pa + 3]! << 24)) >>> 0;
  }
  return readSlow(cpu, linear, 4, cpu.cpl === 3 ? ACCESS_USER : 0);
}

export function writeLinear8(cpu: Cpu, linear: number, value: number): void {
  const vpn = linear >>> 12;
  const i = vpn & TLB_MASK;
  if (cpu.tlbTag[i] === vpn && (cpu.tlbInfo[i]! & tlbNeed(cpu, TLB_WRITE)) !== 0) {
    cpu.mem.ram[cpu.tlbPhys[i]! + (linear & 0xfff)] = value;
    return;
  }
  writeSlow(cpu, linear, 1, value, cpu.cpl === 3 ? ACCESS_USER : 0);
}

export function writeLinear16(cpu: Cpu, linear: number, value: number): void {
  const vpn = linear >>> 12;
  const i = vpn & TLB_MASK;
  const off = linear & 0xfff;
  if (cpu.tlbTag[i] === vpn && (cpu.tlbInfo[i]! & tlbNeed(cpu, TLB_WRITE)) !== 0 && off < 0xfff) {
    const pa = cpu.tlbPhys[i]! + off;
    if ((pa & 1) === 0) {
      cpu.ram16[pa >>> 1] = value;
    } else {
      checkAlignment(cpu);
      const ram = cpu.mem.ram;
      ram[pa] = value;
      ram[pa + 1] = value >>> 8;
    }
    return;
  }
  writeSlow(cpu, linear, 2, value, cpu.cpl === 3 ? ACCESS_USER : 0);
}

export function writeLinear32(cpu: Cpu, linear: number, value: number): void {
  const vpn = linear >>> 12;
  const i = vpn & TLB_MASK;
  const off = linear & 0xfff;
  if (cpu.tlbTag[i] === vpn && (cpu.tlbInfo[i]! & tlbNeed(cpu, TLB_WRITE)) !== 0 && off < 0xffd) {
    const pa = cpu.tlbPhys[i]! + off;
    if ((pa & 3) === 0) {
      cpu.ram32[pa >>> 2] = value;
    } else {
      checkAlignment(cpu);
      const ram = cpu.mem.ram;
      ram[pa] = value;
      ram[pa + 1] = value >>> 8;
      ram[pa + 2] = value >>> 16;
      ram[pa + 3] = value >>> 24;
    }
    return;
  }
  writeSlow(cpu, linear, 4, value, cpu.cpl === 3 ? ACCESS_USER : 0);
}

// --- Implicit supervisor accesses (descriptor tables, IDT, TSS) and accesses on behalf of a
// privilege level other than the current one (pushes onto an inner stack). SDM §4.6: these
// are supervisor-mode accesses whatever the CPL.

export function readLinearAs(cpu: Cpu, linear: number, size: 1 | 2 | 4, user: boolean): number {
  return readSlow(cpu, linear, size, user ? ACCESS_USER : 0);
}

export function writeLinearAs(
  cpu: Cpu,
  linear: number,
  size: 1 | 2 | 4,
  value: number,
  user: boolean,
): void {
  writeSlow(cpu, linear, size, value, ACCESS_WRITE | (user ? ACCESS_USER : 0));
}

// --- Slow paths: walk (and maybe fault) for every page the access touches before touching
// memory, so a write that faults on its second page has written nothing.

const TWO_32 = 0x1_0000_0000;

function physRead(cpu: Cpu, phys: number, size: number): number {
  if (phys >= TWO_32) return size === 4 ? 0xffffffff : (1 << (size * 8)) - 1;
  if (size === 1) return cpu.mem.read8(phys);
  return size === 2 ? cpu.mem.read16(phys) : cpu.mem.read32(phys);
}

/** A data load: through the CPU's store buffer when it has one (store-buffer.ts). */
function dataRead(cpu: Cpu, phys: number, size: number): number {
  const buffer = cpu.storeBuffer;
  return buffer === null || phys >= TWO_32 ? physRead(cpu, phys, size) : buffer.load(phys, size);
}

/** A data store: into the CPU's store buffer when it has one. */
function dataWrite(cpu: Cpu, phys: number, size: number, value: number): void {
  if (phys >= TWO_32) return;
  const buffer = cpu.storeBuffer;
  if (buffer !== null) buffer.store(phys, size, value);
  else if (size === 1) cpu.mem.write8(phys, value);
  else if (size === 2) cpu.mem.write16(phys, value);
  else cpu.mem.write32(phys, value);
}

/**
 * Alignment check (SDM §6.15, #AC): a misaligned data access at CPL 3 with CR0.AM and
 * EFLAGS.AC set raises #AC(0). Called only once an access is known to be misaligned.
 */
function checkAlignment(cpu: Cpu): void {
  if (cpu.cpl === 3 && (cpu.cr0 & CR0_AM) !== 0 && (cpu.flags & FLAG_AC) !== 0) {
    raiseFault(cpu, VEC_AC, 0);
  }
}

// #AC ranks after #PF (SDM table 6-2), so alignment is checked once the pages are known.
function readSlow(cpu: Cpu, linear: number, size: number, access: number): number {
  const misaligned = (linear & (size - 1)) !== 0 && (access & ACCESS_USER) !== 0;
  const first = 0x1000 - (linear & 0xfff);
  const pa = translate(cpu, linear, access);
  if (size <= first) {
    if (misaligned) checkAlignment(cpu);
    return dataRead(cpu, pa, size);
  }
  const pb = translate(cpu, (linear + first) | 0, access);
  if (misaligned) checkAlignment(cpu);
  let value = 0;
  for (let k = size - 1; k >= 0; k--) {
    value = (value << 8) | dataRead(cpu, k < first ? pa + k : pb + k - first, 1);
  }
  return value >>> 0;
}

function writeSlow(cpu: Cpu, linear: number, size: number, value: number, access: number): void {
  const misaligned = (linear & (size - 1)) !== 0 && (access & ACCESS_USER) !== 0;
  access |= ACCESS_WRITE;
  const first = 0x1000 - (linear & 0xfff);
  const pa = translate(cpu, linear, access);
  if (size <= first) {
    if (misaligned) checkAlignment(cpu);
    dataWrite(cpu, pa, size, value);
    return;
  }
  const pb = translate(cpu, (linear + first) | 0, access);
  if (misaligned) checkAlignment(cpu);
  for (let k = 0; k < size; k++) {
    dataWrite(cpu, k < first ? pa + k : pb + k - first, 1, value >>> (k * 8));
  }
}

// --- Instruction fetch. The page EIP is on is cached (cpu.fetchLinear/fetchPhys/fetchCpl) so
// the common fetch is a limit compare, a tag compare and a RAM load.

function fetchByte(cpu: Cpu, eip: number): number {
  if (eip > cpu.segLimit[CS]!) raiseFault(cpu, VEC_GP, 0);
  const linear = (cpu.segBase[CS]! + eip) | 0;
  if ((linear & ~0xfff) === cpu.fetchLinear && cpu.cpl === cpu.fetchCpl) {
    return cpu.mem.ram[cpu.fetchPhys + (linear & 0xfff)]!;
  }
  return fetchSlow(cpu, linear);
}

function fetchSlow(cpu: Cpu, linear: number): number {
  const user = cpu.cpl === 3;
  const vpn = linear >>> 12;
  const i = vpn & TLB_MASK;
  const need = user ? TLB_EXEC << TLB_USER_SHIFT : TLB_EXEC;
  if (cpu.tlbTag[i] !== vpn || (cpu.tlbInfo[i]! & need) === 0) {
    const pa = translate(cpu, linear, ACCESS_EXEC | (user ? ACCESS_USER : 0));
    if ((cpu.tlbInfo[i]! & need) === 0) return physRead(cpu, pa, 1); // MMIO, unbacked
  }
  cpu.fetchLinear = linear & ~0xfff;
  cpu.fetchPhys = cpu.tlbPhys[i]!;
  cpu.fetchCpl = cpu.cpl;
  return cpu.mem.ram[cpu.fetchPhys + (linear & 0xfff)]!;
}

/** Fetches the byte at CS:EIP and advances EIP. */
export function fetch8(cpu: Cpu): number {
  const eip = cpu.eip;
  const b = fetchByte(cpu, eip);
  cpu.eip = eip + 1;
  return b;
}

/** Fetches a little-endian word at CS:EIP and advances EIP by 2. */
export function fetch16(cpu: Cpu): number {
  const eip = cpu.eip;
  const linear = (cpu.segBase[CS]! + eip) | 0;
  if (
    (linear & ~0xfff) === cpu.fetchLinear &&
    cpu.cpl === cpu.fetchCpl &&
    (linear & 0xfff) < 0xfff &&
    eip + 1 <= cpu.segLimit[CS]!
  ) {
    const ram = cpu.mem.ram;
    const pa = cpu.fetchPhys + (linear & 0xfff);
    cpu.eip = eip + 2;
    return ram[pa]! | (ram[pa + 1]! << 8);
  }
  const lo = fetchByte(cpu, eip);
  const hi = fetchByte(cpu, eip + 1);
  cpu.eip = eip + 2;
  return lo | (hi << 8);
}

/** Fetches a little-endian dword at CS:EIP (unsigned) and advances EIP by 4. */
export function fetch32(cpu: Cpu): number {
  const eip = cpu.eip;
  const linear = (cpu.segBase[CS]! + eip) | 0;
  if (
    (linear & ~0xfff) === cpu.fetchLinear &&
    cpu.cpl === cpu.fetchCpl &&
    (linear & 0xfff) < 0xffd &&
    eip + 3 <= cpu.segLimit[CS]!
  ) {
    const ram = cpu.mem.ram;
    const pa = cpu.fetchPhys + (linear & 0xfff);
    cpu.eip = eip + 4;
    return (ram[pa]! | (ram[pa + 1]! << 8) | (ram[pa + 2]! << 16) | (ram[pa + 3]! << 24)) >>> 0;
  }
  let value = 0;
  for (let k = 0; k < 4; k++) value |= fetchByte(cpu, eip + k) << (k * 8);
  cpu.eip = eip + 4;
  return value >>> 0;
}
