// The x87 FPU (Intel SDM vol. 1 ch. 8, vol. 3 §2.5 and §13): FNINIT, FNCLEX, FNSTSW, FNSTCW,
// FLDCW, FNSTENV/FLDENV, FNSAVE/FRSTOR, FXSAVE/FXRSTOR, FWAIT and CR0.EM/TS/MP #NM; the data
// moves FLD/FST(P)/FILD/FIST(P)/FXCH/FFREE/FCMOVcc and the constants; the basic arithmetic
// FADD/FSUB(R)/FMUL/FDIV(R) (and their FI… and …P forms), FSQRT, FRNDINT, FSCALE, FXTRACT,
// FPREM, FPREM1,
// FCHS, FABS; the compares FCOM(P)(P)/FUCOM(P)(P)/FICOM(P)/FCOMI(P)/FUCOMI(P)/FTST/FXAM. The
// arithmetic itself is in fpu-arith.ts.
//
// Out of scope for now (kernels need the x87 state saved, not the whole arithmetic): transcendentals
// (F2XM1, FYL2X(P1), FPTAN, FPATAN, FSIN, FCOS, FSINCOS), FISTTP (SSE3),
// FBLD/FBSTP and the undocumented aliases. They raise #UD — what a CPU without the instruction
// does — so a guest using them fails loudly instead of computing garbage.
//
// Registers hold the exact 80-bit value (fpu-state.ts); conversions to and from memory formats
// round exactly, honouring FCW.RC, so FSAVE/FRSTOR and FXSAVE/FXRSTOR round-trip bit for bit.
// Exceptions set FSW flags; an unmasked one sets ES and is reported as #MF by the next waiting
// x87 instruction or FWAIT (CR0.NE is assumed set: there is no PIC for the FERR#/IRQ 13 route).
// The slow paths use BigInt: x87 code is rare and outside the integer hot loop.

import { read16, read32, write16, write32 } from './access.ts';
import {
  type Cpu,
  CR0_EM,
  CR0_MP,
  CR0_PE,
  CR0_TS,
  CS,
  FLAG_AF,
  FLAG_CF,
  FLAG_OF,
  FLAG_PF,
  FLAG_SF,
  FLAG_VM,
  FLAG_ZF,
  VEC_GP,
  VEC_MF,
  VEC_NM,
  VEC_UD,
} from './cpu.ts';
import { raiseFault } from './fault.ts';
import { setEflags, testCondition } from './flags.ts';
import {
  add,
  arithFlags,
  compare,
  divide,
  type Extended,
  kindOf,
  multiply,
  partialRemainder,
  remainderPartial,
  remainderQuotient,
  result,
  roundedUp,
  roundToInteger,
  scaleBy,
  squareRoot,
  UNORDERED,
} from './fpu-arith.ts';
// B's segmented accessors: (cpu, segment, offset) → unsigned value / write.
import { bitLength, RC_DOWN, RC_NEAREST, RC_UP, rounding, roundShift } from './fpu-round.ts';
import {
  FCW_PC_SHIFT,
  FCW_RC_SHIFT,
  FPU_EXCEPTIONS,
  type FpuState,
  FSW_B,
  FSW_C0,
  FSW_C1,
  FSW_C2,
  FSW_C3,
  FSW_DE,
  FSW_ES,
  FSW_IE,
  FSW_OE,
  FSW_PE,
  FSW_SF,
  FSW_TOP,
  FSW_TOP_SHIFT,
  FSW_UE,
  FSW_ZE,
  MXCSR_MASK,
  MXCSR_RESET,
  TAG_EMPTY,
  TAG_SPECIAL,
  TAG_VALID,
  TAG_ZERO,
} from './fpu-state.ts';

/** Rounding-control values (FCW bits 10–11). */

// --- Register stack --------------------------------------------------------------------------

function top(f: FpuState): number {
  return (f.status >>> FSW_TOP_SHIFT) & 7;
}

function setTop(f: FpuState, value: number): void {
  f.status = (f.status & ~FSW_TOP) | ((value & 7) << FSW_TOP_SHIFT);
}

/** Physical register number of ST(i). */
function physOf(f: FpuState, i: number): number {
  return (top(f) + i) & 7;
}

function tagOf(f: FpuState, phys: number): number {
  return (f.tag >>> (2 * phys)) & 3;
}

function setTag(f: FpuState, phys: number, tag: number): void {
  f.tag = (f.tag & ~(3 << (2 * phys))) | (tag << (2 * phys));
}

/** The tag the contents of a register deserve (SDM vol. 1 §8.1.7). */
function classify(hi: number, lo: number, signExp: number): number {
  const exponent = signExp & 0x7fff;
  if (exponent === 0) return hi === 0 && lo === 0 ? TAG_ZERO : TAG_SPECIAL;
  if (exponent === 0x7fff || hi >>> 31 === 0) return TAG_SPECIAL;
  return TAG_VALID;
}

function setReg(f: FpuState, phys: number, hi: number, lo: number, signExp: number): void {
  f.mantHi[phys] = hi;
  f.mantLo[phys] = lo;
  f.signExp[phys] = signExp;
  setTag(f, phys, classify(hi, lo, signExp));
}

/** The QNaN "real indefinite" an invalid operation produces when IE is masked. */
function setIndefinite(f: FpuState, phys: number): void {
  setReg(f, phys, 0xc0000000, 0, 0xffff);
}

/** Records exception flags; an unmasked one also raises ES and B. True when unmasked. */
function signal(f: FpuState, flags: number): boolean {
  f.status |= flags;
  const unmasked = (flags & ~f.control & FPU_EXCEPTIONS) !== 0;
  if (unmasked) f.status |= FSW_ES | FSW_B;
  return unmasked;
}

/** Recomputes ES and B after FCW or FSW changed wholesale (FLDCW, FLDENV, FRSTOR, FXRSTOR). */
function updateErrorSummary(f: FpuState): void {
  if (f.status & ~f.control & FPU_EXCEPTIONS) f.status |= FSW_ES | FSW_B;
  else f.status &= ~(FSW_ES | FSW_B);
}

/** Stack overflow (push onto a full slot) or underflow (read of an empty slot). */
function stackFault(f: FpuState, overflow: boolean): boolean {
  f.status = overflow ? f.status | FSW_C1 : f.status & ~FSW_C1;
  return signal(f, FSW_IE | FSW_SF);
}

function setC1(f: FpuState, on: boolean): void {
  f.status = on ? f.status | FSW_C1 : f.status & ~FSW_C1;
}

function pop(f: FpuState): void {
  setTag(f, top(f), TAG_EMPTY);
  setTop(f, top(f) + 1);
}

/** Pushes the value in the `ld*` scratch below; handles stack overflow. */
function pushLoaded(f: FpuState): void {
  const phys = (top(f) - 1) & 7;
  if (tagOf(f, phys) !== TAG_EMPTY) {
    if (stackFault(f, true)) return;
    setTop(f, phys);
    setIndefinite(f, phys);
    return;
  }
  setC1(f, false);
  setTop(f, phys);
  setReg(f, phys, ldHi, ldLo, ldSignExp);
}

// --- Conversions from memory formats into the scratch value ----------------------------------

let ldHi = 0;
let ldLo = 0;
let ldSignExp = 0;

/** Loads sign · m · 2^exp2 exactly (m < 2^64) into the scratch value, normalised. */
function loadExact(sign: number, m: bigint, exp2: number): void {
  const length = bitLength(m);
  if (length === 0) {
    ldHi = 0;
    ldLo = 0;
    ldSignExp = sign << 15;
    return;
  }
  const normal = BigInt.asUintN(64, m << BigInt(64 - length));
  ldHi = Number(normal >> 32n);
  ldLo = Number(normal & 0xffffffffn);
  ldSignExp = (sign << 15) | (exp2 + length - 1 + 16383);
}

/**
 * Loads an IEEE single or double whose fraction is `fraction` (fracBits wide) and biased
 * exponent `exponent`. Signals DE for denormals and IE for signalling NaNs (made quiet).
 */
function loadFloat(
  f: FpuState,
  sign: number,
  exponent: number,
  fraction: bigint,
  fracBits: number,
  expBits: number,
  keepSignalling = false,
): void {
  const expMax = (1 << expBits) - 1;
  const bias = expMax >>> 1;
  if (exponent === expMax) {
    const m = (1n << 63n) | (fraction << BigInt(63 - fracBits));
    const quiet = 1n << 62n;
    // An arithmetic operand keeps its SNaN: the operation applies the NaN rules itself.
    if (keepSignalling) {
      ldHi = Number(m >> 32n);
      ldLo = Number(m & 0xffffffffn);
      ldSignExp = (sign << 15) | 0x7fff;
      return;
    }
    if (fraction !== 0n && (m & quiet) === 0n) signal(f, FSW_IE);
    const value = fraction === 0n ? m : m | quiet;
    ldHi = Number(value >> 32n);
    ldLo = Number(value & 0xffffffffn);
    ldSignExp = (sign << 15) | 0x7fff;
    return;
  }
  if (exponent === 0) {
    if (fraction !== 0n) signal(f, FSW_DE);
    loadExact(sign, fraction, 1 - bias - fracBits);
    return;
  }
  loadExact(sign, (1n << BigInt(fracBits)) | fraction, exponent - bias - fracBits);
}

// --- Conversions from a register into memory formats -----------------------------------------

/** Exception flags and C1 ("rounded up") produced by the last encode*, applied after the store. */
let stFlags = 0;
let stRoundedUp = false;

/** roundShift that records PE and the rounding direction for the store being encoded. */
function roundStore(m: bigint, shift: number, rc: number, sign: number): bigint {
  const r = roundShift(m, shift, rc, sign);
  if (rounding.inexact) {
    stFlags |= FSW_PE;
    stRoundedUp = rounding.up;
  }
  return r;
}

/** Unbiased exponent and integer significand of a finite non-zero register: value = m·2^(e-63). */
let regExponent = 0;
let regSignificand = 0n;

/**
 * Classifies ST register `phys` for a store: 'finite' (regExponent/regSignificand set),
 * 'zero', 'inf', 'nan', or 'invalid' (unnormals and pseudo-values, invalid since the 387).
 */
function inspect(f: FpuState, phys: number): 'finite' | 'zero' | 'inf' | 'nan' | 'invalid' {
  const hi = f.mantHi[phys]!;
  const lo = f.mantLo[phys]!;
  const exponent = f.signExp[phys]! & 0x7fff;
  if (exponent === 0x7fff) {
    if (hi >>> 31 === 0) return 'invalid';
    return (hi & 0x7fffffff) === 0 && lo === 0 ? 'inf' : 'nan';
  }
  if (exponent === 0 && hi === 0 && lo === 0) return 'zero';
  if (exponent !== 0 && hi >>> 31 === 0) return 'invalid';
  // No #D here: FST and FIST list #IA, #U, #O and #P only (checked against hardware).
  regExponent = exponent === 0 ? -16382 : exponent - 16383;
  regSignificand = (BigInt(hi) << 32n) | BigInt(lo);
  return 'finite';
}

/** Encodes ST(phys) as an IEEE single (fracBits 23, expBits 8) or double (52, 11). */
function encodeFloat(f: FpuState, phys: number, fracBits: number, expBits: number): bigint {
  stFlags = 0;
  stRoundedUp = false;
  const sign = f.signExp[phys]! >>> 15;
  const signBit = BigInt(sign) << BigInt(fracBits + expBits);
  const expMax = BigInt((1 << expBits) - 1);
  const bias = (1 << (expBits - 1)) - 1;
  const quietBit = 1n << BigInt(fracBits - 1);
  const indefinite = (1n << BigInt(fracBits + expBits)) | (expMax << BigInt(fracBits)) | quietBit;
  switch (inspect(f, phys)) {
    case 'zero':
      return signBit;
    case 'inf':
      return signBit | (expMax << BigInt(fracBits));
    case 'invalid':
      stFlags |= FSW_IE;
      return indefinite;
    case 'nan': {
      const fraction63 = (BigInt(f.mantHi[phys]! & 0x7fffffff) << 32n) | BigInt(f.mantLo[phys]!);
      if ((fraction63 & (1n << 62n)) === 0n) stFlags |= FSW_IE;
      const fraction = (fraction63 >> BigInt(63 - fracBits)) | quietBit;
      return signBit | (expMax << BigInt(fracBits)) | fraction;
    }
  }
  const rc = (f.control >>> FCW_RC_SHIFT) & 3;
  const length = bitLength(regSignificand);
  let exponent = regExponent - 63 + length - 1;
  const minExponent = 1 - bias;
  let shift = length - (fracBits + 1);
  const tiny = exponent < minExponent;
  if (tiny) shift += minExponent - exponent;
  let r = roundStore(regSignificand, shift, rc, sign);
  if (!tiny && r === 1n << BigInt(fracBits + 1)) {
    r >>= 1n;
    exponent++;
  }
  if (exponent > bias) {
    stFlags |= FSW_OE | FSW_PE;
    const toInfinity =
      rc === RC_NEAREST || (rc === RC_UP && sign === 0) || (rc === RC_DOWN && sign === 1);
    stRoundedUp = toInfinity;
    const largest = ((expMax - 1n) << BigInt(fracBits)) | ((1n << BigInt(fracBits)) - 1n);
    return signBit | (toInfinity ? expMax << BigInt(fracBits) : largest);
  }
  if (tiny) {
    if (stFlags & FSW_PE) stFlags |= FSW_UE;
    return signBit | r;
  }
  return signBit | (BigInt(exponent + bias) << BigInt(fracBits)) | (r & (quietBit * 2n - 1n));
}

/** Encodes ST(phys) as a two's-complement integer of `bits` bits (FIST), rounding per FCW.RC. */
function encodeInteger(f: FpuState, phys: number, bits: number): bigint {
  stFlags = 0;
  stRoundedUp = false;
  const indefinite = 1n << BigInt(bits - 1);
  const kind = inspect(f, phys);
  if (kind === 'zero') return 0n;
  if (kind !== 'finite') {
    stFlags |= FSW_IE;
    return indefinite;
  }
  const sign = f.signExp[phys]! >>> 15;
  const rc = (f.control >>> FCW_RC_SHIFT) & 3;
  const shift = 63 - regExponent;
  if (shift < 0) {
    stFlags |= FSW_IE;
    return indefinite;
  }
  const magnitude = roundStore(regSignificand, shift, rc, sign);
  const value = sign ? -magnitude : magnitude;
  if (value < -indefinite || value >= indefinite) {
    stFlags = FSW_IE;
    stRoundedUp = false;
    return indefinite;
  }
  return BigInt.asUintN(bits, value);
}

/** Applies the flags of the last encode* once the memory write succeeded, then pops. */
function commitStore(f: FpuState, popAfter: boolean): void {
  signal(f, stFlags);
  setC1(f, stRoundedUp);
  if (popAfter) pop(f);
}

/** An unmasked invalid-operation exception suppresses the store and the pop. */
function storeAllowed(f: FpuState): boolean {
  if ((stFlags & FSW_IE) === 0 || f.control & FSW_IE) return true;
  signal(f, stFlags & FSW_IE);
  return false;
}

// --- Memory operand helpers ------------------------------------------------------------------

function write64(cpu: Cpu, seg: number, offset: number, value: bigint): void {
  write32(cpu, seg, offset, Number(value & 0xffffffffn));
  write32(cpu, seg, offset + 4, Number((value >> 32n) & 0xffffffffn));
}

function read64(cpu: Cpu, seg: number, offset: number): bigint {
  const lo = read32(cpu, seg, offset);
  return (BigInt(read32(cpu, seg, offset + 4)) << 32n) | BigInt(lo);
}

function writeReg80(cpu: Cpu, seg: number, offset: number, phys: number): void {
  const f = cpu.fpu;
  write32(cpu, seg, offset, f.mantLo[phys]!);
  write32(cpu, seg, offset + 4, f.mantHi[phys]!);
  write16(cpu, seg, offset + 8, f.signExp[phys]!);
}

/** Reads an 80-bit value into the scratch value. */
function readReg80(cpu: Cpu, seg: number, offset: number): void {
  ldLo = read32(cpu, seg, offset);
  ldHi = read32(cpu, seg, offset + 4);
  ldSignExp = read16(cpu, seg, offset + 8);
}

// --- Entry points ----------------------------------------------------------------------------

/** RESET/INIT state (SDM vol. 3 Table 10-1): FCW 0x0040, tags "zero", registers +0. */
export function fpuReset(cpu: Cpu): void {
  const f = cpu.fpu;
  f.control = 0x0040;
  f.status = 0;
  f.tag = 0x5555;
  f.mantHi.fill(0);
  f.mantLo.fill(0);
  f.signExp.fill(0);
  f.fip = 0;
  f.fcs = 0;
  f.fop = 0;
  f.fdp = 0;
  f.fds = 0;
  f.mxcsr = MXCSR_RESET;
  f.xmm.fill(0);
}

/** FNINIT: default control word, everything empty; the data registers keep their bits. */
function fninit(f: FpuState): void {
  f.control = 0x037f;
  f.status = 0;
  f.tag = 0xffff;
  f.fip = 0;
  f.fcs = 0;
  f.fop = 0;
  f.fdp = 0;
  f.fds = 0;
}

/** #NM for x87 ESC instructions: CR0.EM (no FPU: emulate) or CR0.TS (lazy context switch). */
function checkDeviceAvailable(cpu: Cpu): void {
  if (cpu.cr0 & (CR0_EM | CR0_TS)) raiseFault(cpu, VEC_NM);
}

/** A waiting instruction first reports a pending unmasked exception as #MF. */
function checkPending(cpu: Cpu): void {
  if (cpu.fpu.status & FSW_ES) raiseFault(cpu, VEC_MF);
}

/** WAIT/FWAIT (9B): #NM only when both CR0.MP and CR0.TS are set; then pending #MF. */
export function fwait(cpu: Cpu): void {
  if ((cpu.cr0 & (CR0_MP | CR0_TS)) === (CR0_MP | CR0_TS)) raiseFault(cpu, VEC_NM);
  checkPending(cpu);
}

/** Real-address and virtual-8086 modes use the real-mode FNSTENV/FNSAVE layouts. */
function realFormat(cpu: Cpu): boolean {
  return (cpu.cr0 & CR0_PE) === 0 || (cpu.flags & FLAG_VM) !== 0;
}

/** FNSTENV/FNSAVE environment image (SDM vol. 1 §8.1.10, Figures 8-9 … 8-12). Size in bytes. */
function storeEnvironment(cpu: Cpu, seg: number, offset: number): number {
  const f = cpu.fpu;
  const size32 = cpu.opsize32;
  const w = size32 ? write32 : write16;
  const step = size32 ? 4 : 2;
  // The 32-bit images fill the unused upper halves with ones, as the hardware does.
  const pad = size32 ? 0xffff0000 : 0;
  w(cpu, seg, offset, (pad | f.control) >>> 0);
  w(cpu, seg, offset + step, (pad | f.status) >>> 0);
  w(cpu, seg, offset + 2 * step, (pad | f.tag) >>> 0);
  if (realFormat(cpu)) {
    const ip = ((f.fcs << 4) + f.fip) >>> 0;
    w(cpu, seg, offset + 3 * step, ip & 0xffff);
    w(cpu, seg, offset + 4 * step, ((ip >>> 16) << 12) | f.fop);
    w(cpu, seg, offset + 5 * step, f.fdp & 0xffff);
    w(cpu, seg, offset + 6 * step, (f.fdp >>> 16) << 12);
  } else if (size32) {
    write32(cpu, seg, offset + 12, f.fip);
    write32(cpu, seg, offset + 16, (f.fop << 16) | f.fcs);
    write32(cpu, seg, offset + 20, f.fdp);
    write32(cpu, seg, offset + 24, f.fds);
  } else {
    write16(cpu, seg, offset + 6, f.fip);
    write16(cpu, seg, offset + 8, f.fcs);
    write16(cpu, seg, offset + 10, f.fdp);
    write16(cpu, seg, offset + 12, f.fds);
  }
  return 7 * step;
}

/** Environment fields read by FLDENV/FRSTOR, all read before any is applied. */
const envScratch = new Uint32Array(8);

function readEnvironment(cpu: Cpu, seg: number, offset: number): number {
  const size32 = cpu.opsize32;
  const r = size32 ? read32 : read16;
  const step = size32 ? 4 : 2;
  for (let i = 0; i < 7; i++) envScratch[i] = r(cpu, seg, offset + i * step);
  return 7 * step;
}

function applyEnvironment(cpu: Cpu): void {
  const f = cpu.fpu;
  const e = envScratch;
  f.control = e[0]! & 0xffff;
  f.status = e[1]! & 0xffff;
  f.tag = e[2]! & 0xffff;
  if (realFormat(cpu)) {
    const high = cpu.opsize32 ? 0xffff : 0xf;
    f.fip = (e[3]! & 0xffff) | (((e[4]! >>> 12) & high) << 16);
    f.fcs = 0;
    f.fop = e[4]! & 0x7ff;
    f.fdp = (e[5]! & 0xffff) | (((e[6]! >>> 12) & high) << 16);
    f.fds = 0;
  } else if (cpu.opsize32) {
    f.fip = e[3]!;
    f.fcs = e[4]! & 0xffff;
    f.fop = (e[4]! >>> 16) & 0x7ff;
    f.fdp = e[5]!;
    f.fds = e[6]! & 0xffff;
  } else {
    f.fip = e[3]! & 0xffff;
    f.fcs = e[4]! & 0xffff;
    f.fdp = e[5]! & 0xffff;
    f.fds = e[6]! & 0xffff;
  }
  updateErrorSummary(f);
}

function fnsave(cpu: Cpu, seg: number, offset: number): void {
  const f = cpu.fpu;
  let at = offset + storeEnvironment(cpu, seg, offset);
  for (let i = 0; i < 8; i++, at += 10) writeReg80(cpu, seg, at, physOf(f, i));
  fninit(f);
}

/** Staging for FRSTOR/FXRSTOR register images, so a fault mid-read changes nothing. */
const regScratchHi = new Uint32Array(8);
const regScratchLo = new Uint32Array(8);
const regScratchSignExp = new Uint16Array(8);

function frstor(cpu: Cpu, seg: number, offset: number): void {
  let at = offset + readEnvironment(cpu, seg, offset);
  for (let i = 0; i < 8; i++, at += 10) {
    readReg80(cpu, seg, at);
    regScratchHi[i] = ldHi;
    regScratchLo[i] = ldLo;
    regScratchSignExp[i] = ldSignExp;
  }
  applyEnvironment(cpu);
  const f = cpu.fpu;
  for (let i = 0; i < 8; i++) {
    const phys = physOf(f, i);
    f.mantHi[phys] = regScratchHi[i]!;
    f.mantLo[phys] = regScratchLo[i]!;
    f.signExp[phys] = regScratchSignExp[i]!;
  }
}

/** Linear-address alignment check of FXSAVE/FXRSTOR: #GP(0) unless 16-byte aligned. */
function checkFxAlignment(cpu: Cpu): void {
  if ((cpu.segBase[cpu.eaSegment]! + cpu.eaOffset) & 15) raiseFault(cpu, VEC_GP, 0);
}

/** FXSAVE/FXRSTOR: #UD when CR0.EM (no FPU), #NM when CR0.TS (SDM vol. 2 FXSAVE). */
function checkFxAvailable(cpu: Cpu): void {
  if (cpu.cr0 & CR0_EM) raiseFault(cpu, VEC_UD);
  if (cpu.cr0 & CR0_TS) raiseFault(cpu, VEC_NM);
  checkFxAlignment(cpu);
}

/**
 * FXSAVE m512 (0F AE /0), the 32-bit layout of SDM vol. 2 Table 3-53: FCW, FSW, abridged tag
 * (one bit per physical register, 1 = not empty), FOP, FIP, FCS, FDP, FDS, MXCSR, MXCSR_MASK,
 * ST0–ST7 in stack order in 16-byte slots, XMM0–7. Bytes 288–511 are left untouched.
 */
export function fxsave(cpu: Cpu): void {
  checkFxAvailable(cpu);
  const f = cpu.fpu;
  const seg = cpu.eaSegment;
  const base = cpu.eaOffset;
  let abridged = 0;
  for (let p = 0; p < 8; p++) if (tagOf(f, p) !== TAG_EMPTY) abridged |= 1 << p;
  write16(cpu, seg, base, f.control);
  write16(cpu, seg, base + 2, f.status);
  write16(cpu, seg, base + 4, abridged);
  write16(cpu, seg, base + 6, f.fop);
  write32(cpu, seg, base + 8, f.fip);
  write32(cpu, seg, base + 12, f.fcs);
  write32(cpu, seg, base + 16, f.fdp);
  write32(cpu, seg, base + 20, f.fds);
  write32(cpu, seg, base + 24, f.mxcsr);
  write32(cpu, seg, base + 28, MXCSR_MASK);
  for (let i = 0; i < 8; i++) {
    const at = base + 32 + 16 * i;
    writeReg80(cpu, seg, at, physOf(f, i));
    write16(cpu, seg, at + 10, 0);
    write32(cpu, seg, at + 12, 0);
  }
  for (let i = 0; i < 128; i += 4) {
    const x = f.xmm;
    const word = x[i]! | (x[i + 1]! << 8) | (x[i + 2]! << 16) | (x[i + 3]! << 24);
    write32(cpu, seg, base + 160 + i, word >>> 0);
  }
}

const xmmScratch = new Uint32Array(32);

/** FXRSTOR m512 (0F AE /1): the inverse of fxsave; #GP(0) if MXCSR sets unsupported bits. */
export function fxrstor(cpu: Cpu): void {
  checkFxAvailable(cpu);
  const seg = cpu.eaSegment;
  const base = cpu.eaOffset;
  const mxcsr = read32(cpu, seg, base + 24);
  if (mxcsr & ~MXCSR_MASK) raiseFault(cpu, VEC_GP, 0);
  const control = read16(cpu, seg, base);
  const status = read16(cpu, seg, base + 2);
  const abridged = read16(cpu, seg, base + 4) & 0xff;
  const fop = read16(cpu, seg, base + 6) & 0x7ff;
  const fip = read32(cpu, seg, base + 8);
  const fcs = read16(cpu, seg, base + 12);
  const fdp = read32(cpu, seg, base + 16);
  const fds = read16(cpu, seg, base + 20);
  for (let i = 0; i < 8; i++) {
    readReg80(cpu, seg, base + 32 + 16 * i);
    regScratchHi[i] = ldHi;
    regScratchLo[i] = ldLo;
    regScratchSignExp[i] = ldSignExp;
  }
  for (let i = 0; i < 32; i++) xmmScratch[i] = read32(cpu, seg, base + 160 + 4 * i);
  const f = cpu.fpu;
  f.control = control;
  f.status = status;
  f.fop = fop;
  f.fip = fip;
  f.fcs = fcs;
  f.fdp = fdp;
  f.fds = fds;
  f.mxcsr = mxcsr;
  for (let i = 0; i < 8; i++) {
    const phys = physOf(f, i);
    f.mantHi[phys] = regScratchHi[i]!;
    f.mantLo[phys] = regScratchLo[i]!;
    f.signExp[phys] = regScratchSignExp[i]!;
  }
  // The abridged tag only says empty or not; the full tag is rebuilt from the contents.
  for (let p = 0; p < 8; p++) {
    const tag = (abridged >>> p) & 1 ? classify(f.mantHi[p]!, f.mantLo[p]!, f.signExp[p]!) : 3;
    setTag(f, p, tag);
  }
  for (let i = 0; i < 32; i++) {
    const word = xmmScratch[i]!;
    for (let b = 0; b < 4; b++) f.xmm[4 * i + b] = (word >>> (8 * b)) & 0xff;
  }
  updateErrorSummary(f);
}

/** Remembers the last non-control instruction and its memory operand (FIP/FCS/FOP/FDP/FDS). */
function recordInstruction(cpu: Cpu, opcode: number, memory: boolean): void {
  const f = cpu.fpu;
  f.fip = cpu.instrStart;
  f.fcs = cpu.segSelector[CS]!;
  f.fop = ((opcode & 7) << 8) | cpu.modrm;
  if (memory) {
    f.fdp = cpu.eaOffset;
    f.fds = cpu.segSelector[cpu.eaSegment]!;
  }
}

/** Out-of-scope x87 instruction: see the header. */
function unsupported(cpu: Cpu): never {
  raiseFault(cpu, VEC_UD);
}

/**
 * Executes an x87 escape (D8–DF) after ModRM decode. cpu.modrm is set; cpu.eaOffset and
 * cpu.eaSegment are valid when mod != 3.
 */
export function x87Escape(cpu: Cpu, opcode: number): void {
  checkDeviceAvailable(cpu);
  const modrm = cpu.modrm;
  const reg = (modrm >>> 3) & 7;
  if (modrm < 0xc0) x87Memory(cpu, opcode, reg);
  else x87Register(cpu, opcode, reg, modrm & 7);
}

/** Control instructions that neither wait for pending exceptions nor update FIP/FOP. */
function x87Control(cpu: Cpu, opcode: number, reg: number): boolean {
  const seg = cpu.eaSegment;
  const offset = cpu.eaOffset;
  const f = cpu.fpu;
  const key = ((opcode & 7) << 3) | reg;
  switch (key) {
    case (1 << 3) | 4: // D9 /4 FLDENV
      checkPending(cpu);
      readEnvironment(cpu, seg, offset);
      applyEnvironment(cpu);
      return true;
    case (1 << 3) | 5: // D9 /5 FLDCW m16
      checkPending(cpu);
      f.control = read16(cpu, seg, offset);
      updateErrorSummary(f);
      return true;
    case (1 << 3) | 6: // D9 /6 FNSTENV: stores, then masks every exception
      storeEnvironment(cpu, seg, offset);
      f.control |= FPU_EXCEPTIONS;
      return true;
    case (1 << 3) | 7: // D9 /7 FNSTCW m16
      write16(cpu, seg, offset, f.control);
      return true;
    case (5 << 3) | 4: // DD /4 FRSTOR
      checkPending(cpu);
      frstor(cpu, seg, offset);
      return true;
    case (5 << 3) | 6: // DD /6 FNSAVE
      fnsave(cpu, seg, offset);
      return true;
    case (5 << 3) | 7: // DD /7 FNSTSW m16
      write16(cpu, seg, offset, f.status);
      return true;
    default:
      return false;
  }
}

function x87Memory(cpu: Cpu, opcode: number, reg: number): void {
  if (x87Control(cpu, opcode, reg)) return;
  const f = cpu.fpu;
  const seg = cpu.eaSegment;
  const offset = cpu.eaOffset;
  const key = ((opcode & 7) << 3) | reg;
  checkPending(cpu);
  switch (key) {
    case (1 << 3) | 0: {
      // D9 /0 FLD m32fp
      const bits = read32(cpu, seg, offset);
      loadFloat(f, bits >>> 31, (bits >>> 23) & 0xff, BigInt(bits & 0x7fffff), 23, 8);
      break;
    }
    case (5 << 3) | 0: {
      // DD /0 FLD m64fp
      const bits = read64(cpu, seg, offset);
      const exponent = Number((bits >> 52n) & 0x7ffn);
      loadFloat(f, Number(bits >> 63n), exponent, bits & ((1n << 52n) - 1n), 52, 11);
      break;
    }
    case (3 << 3) | 5: // DB /5 FLD m80fp
      readReg80(cpu, seg, offset);
      break;
    case (7 << 3) | 0: // DF /0 FILD m16int
      loadInteger(BigInt.asIntN(16, BigInt(read16(cpu, seg, offset))));
      break;
    case (3 << 3) | 0: // DB /0 FILD m32int
      loadInteger(BigInt.asIntN(32, BigInt(read32(cpu, seg, offset))));
      break;
    case (7 << 3) | 5: // DF /5 FILD m64int
      loadInteger(BigInt.asIntN(64, read64(cpu, seg, offset)));
      break;
    case (1 << 3) | 2: // D9 /2 FST m32fp
    case (1 << 3) | 3: // D9 /3 FSTP m32fp
    case (5 << 3) | 2: // DD /2 FST m64fp
    case (5 << 3) | 3: // DD /3 FSTP m64fp
    case (3 << 3) | 7: // DB /7 FSTP m80fp
    case (7 << 3) | 2: // DF /2 FIST m16int
    case (7 << 3) | 3: // DF /3 FISTP m16int
    case (3 << 3) | 2: // DB /2 FIST m32int
    case (3 << 3) | 3: // DB /3 FISTP m32int
    case (7 << 3) | 7: // DF /7 FISTP m64int
      recordInstruction(cpu, opcode, true);
      storeTop(cpu, key, seg, offset);
      return;
    default:
      if ((opcode & 1) === 0) {
        // D8/DA/DC/DE: arithmetic with an m32fp/m32int/m64fp/m16int operand.
        recordInstruction(cpu, opcode, true);
        loadArithmeticOperand(cpu, opcode, seg, offset);
        arithmetic(cpu, reg, physOf(f, 0), 'memory', 0);
        return;
      }
      unsupported(cpu);
  }
  recordInstruction(cpu, opcode, true);
  pushLoaded(f);
}

/** Reads the memory operand of D8/DA/DC/DE into the scratch value. */
function loadArithmeticOperand(cpu: Cpu, opcode: number, seg: number, offset: number): void {
  const f = cpu.fpu;
  switch (opcode) {
    case 0xd8: {
      const bits = read32(cpu, seg, offset);
      loadFloat(f, bits >>> 31, (bits >>> 23) & 0xff, BigInt(bits & 0x7fffff), 23, 8, true);
      return;
    }
    case 0xdc: {
      const bits = read64(cpu, seg, offset);
      const exponent = Number((bits >> 52n) & 0x7ffn);
      const fraction = bits & ((1n << 52n) - 1n);
      loadFloat(f, Number(bits >> 63n), exponent, fraction, 52, 11, true);
      return;
    }
    case 0xda:
      loadInteger(BigInt.asIntN(32, BigInt(read32(cpu, seg, offset))));
      return;
    default:
      loadInteger(BigInt.asIntN(16, BigInt(read16(cpu, seg, offset))));
  }
}

// --- Arithmetic and comparisons (the math is in fpu-arith.ts) --------------------------------

const operandX: Extended = { sign: 0, exponent: 0, significand: 0n };
const operandY: Extended = { sign: 0, exponent: 0, significand: 0n };

function toExtended(target: Extended, hi: number, lo: number, signExp: number): void {
  target.sign = signExp >>> 15;
  target.exponent = signExp & 0x7fff;
  target.significand = (BigInt(hi) << 32n) | BigInt(lo);
}

/** FCW.PC: 24, 53 or 64 significant bits (the reserved value 1 acts as 64 here). */
function precisionBits(f: FpuState): number {
  const pc = (f.control >>> FCW_PC_SHIFT) & 3;
  return pc === 0 ? 24 : pc === 2 ? 53 : 64;
}

/** Sets C3/C2/C0 from a compare result and clears C1 (FCOM, FTST, FUCOM). */
function setConditionCodes(f: FpuState, order: number): void {
  const bits = [0, FSW_C0, FSW_C3, FSW_C3 | FSW_C2 | FSW_C0][order]!;
  f.status = (f.status & ~(FSW_C3 | FSW_C2 | FSW_C1 | FSW_C0)) | bits;
}

/**
 * The eight arithmetic operations of D8–DE by ModRM.reg: FADD, FMUL, FCOM, FCOMP, FSUB, FSUBR,
 * FDIV, FDIVR. x is ST(0); y is ST(rm) or, for 'memory', the scratch value. The result goes to
 * `dest`; `pops` pops follow (the P forms).
 */
function arithmetic(
  cpu: Cpu,
  reg: number,
  dest: number,
  source: 'memory' | number,
  pops: number,
): void {
  const f = cpu.fpu;
  const x = physOf(f, 0);
  const yPhys = source === 'memory' ? -1 : physOf(f, source);
  if (tagOf(f, x) === TAG_EMPTY || (yPhys >= 0 && tagOf(f, yPhys) === TAG_EMPTY)) {
    if (stackFault(f, false)) return;
    if (reg === 2 || reg === 3) setConditionCodes(f, UNORDERED);
    else setIndefinite(f, dest);
    for (let i = 0; i < pops + (reg === 3 ? 1 : 0); i++) pop(f);
    return;
  }
  toExtended(operandX, f.mantHi[x]!, f.mantLo[x]!, f.signExp[x]!);
  if (yPhys >= 0) toExtended(operandY, f.mantHi[yPhys]!, f.mantLo[yPhys]!, f.signExp[yPhys]!);
  else toExtended(operandY, ldHi, ldLo, ldSignExp);
  const rc = (f.control >>> FCW_RC_SHIFT) & 3;
  const pc = precisionBits(f);
  if (reg === 2 || reg === 3) {
    const order = compare(operandX, operandY, true);
    if (signal(f, arithFlags) && arithFlags & FSW_IE) return;
    setConditionCodes(f, order);
    for (let i = 0; i < pops + (reg === 3 ? 1 : 0); i++) pop(f);
    return;
  }
  if (reg === 0) add(operandX, operandY, false, rc, pc);
  else if (reg === 1) multiply(operandX, operandY, rc, pc);
  else if (reg === 4) add(operandX, operandY, true, rc, pc);
  else if (reg === 5) add(operandY, operandX, true, rc, pc);
  else if (reg === 6) divide(operandX, operandY, rc, pc);
  else divide(operandY, operandX, rc, pc);
  writeResult(f, dest);
  for (let i = 0; i < pops; i++) pop(f);
}

/**
 * Stores fpu-arith's result in `dest` and records its exceptions. An unmasked exception other
 * than precision leaves the destination alone (the hardware's scaled over/underflow results
 * are not modelled).
 */
function writeResult(f: FpuState, dest: number): boolean {
  const unmasked = arithFlags & ~f.control & (FPU_EXCEPTIONS & ~FSW_PE);
  signal(f, arithFlags);
  if (unmasked) return false;
  setC1(f, roundedUp);
  const m = result.significand;
  setReg(f, dest, Number(m >> 32n), Number(m & 0xffffffffn), (result.sign << 15) | result.exponent);
  return true;
}

/** FCOMI/FUCOMI(P): the comparison goes to ZF, PF and CF; OF, SF and AF are cleared. */
function compareToEflags(cpu: Cpu, rm: number, signalling: boolean, popAfter: boolean): void {
  const f = cpu.fpu;
  const x = physOf(f, 0);
  const y = physOf(f, rm);
  let order = UNORDERED;
  if (tagOf(f, x) === TAG_EMPTY || tagOf(f, y) === TAG_EMPTY) {
    if (stackFault(f, false)) return;
  } else {
    toExtended(operandX, f.mantHi[x]!, f.mantLo[x]!, f.signExp[x]!);
    toExtended(operandY, f.mantHi[y]!, f.mantLo[y]!, f.signExp[y]!);
    order = compare(operandX, operandY, signalling);
    if (signal(f, arithFlags) && arithFlags & FSW_IE) return;
  }
  setC1(f, false);
  const flags = [0, FLAG_CF, FLAG_ZF, FLAG_ZF | FLAG_PF | FLAG_CF][order]!;
  setEflags(cpu, flags, FLAG_ZF | FLAG_PF | FLAG_CF | FLAG_OF | FLAG_SF | FLAG_AF);
  if (popAfter) pop(f);
}

/** FCMOVcc (DA/DB C0–DF): ST(0) ← ST(i) when the EFLAGS condition holds. */
function fcmov(cpu: Cpu, opcode: number, reg: number, rm: number): void {
  // B, E, BE, U and their negations: SDM condition codes 2, 4, 6, 10 (+1 for DB).
  const cc = [2, 4, 6, 10][reg]! + (opcode === 0xdb ? 1 : 0);
  const f = cpu.fpu;
  if (!loadStackValue(f, rm)) return;
  if (tagOf(f, physOf(f, 0)) === TAG_EMPTY) {
    if (stackFault(f, false)) return;
    setIndefinite(f, physOf(f, 0));
  }
  setC1(f, false);
  if (testCondition(cpu, cc)) setReg(f, physOf(f, 0), ldHi, ldLo, ldSignExp);
}

/** FTST, FXAM, FSQRT, FRNDINT on ST(0) (D9 E4, E5, FA, FC). */
function unaryTop(cpu: Cpu, op: 'ftst' | 'fxam' | 'fsqrt' | 'frndint'): void {
  const f = cpu.fpu;
  const phys = physOf(f, 0);
  const empty = tagOf(f, phys) === TAG_EMPTY;
  if (op === 'fxam') {
    fxam(f, phys, empty);
    return;
  }
  if (empty) {
    if (stackFault(f, false)) return;
    if (op === 'ftst') setConditionCodes(f, UNORDERED);
    else setIndefinite(f, phys);
    return;
  }
  toExtended(operandX, f.mantHi[phys]!, f.mantLo[phys]!, f.signExp[phys]!);
  if (op === 'ftst') {
    toExtended(operandY, 0, 0, 0);
    const order = compare(operandX, operandY, true);
    if (signal(f, arithFlags) && arithFlags & FSW_IE) return;
    setConditionCodes(f, order);
    return;
  }
  if (op === 'fsqrt') squareRoot(operandX, (f.control >>> FCW_RC_SHIFT) & 3, precisionBits(f));
  else roundToInteger(operandX, (f.control >>> FCW_RC_SHIFT) & 3);
  writeResult(f, phys);
}

/**
 * FPREM/FPREM1: ST(0) ← the remainder of ST(0) / ST(1). C2 set: the reduction is incomplete;
 * else C0, C3, C1 are quotient bits 2, 1, 0.
 */
function fprem(cpu: Cpu, ieee: boolean): void {
  const f = cpu.fpu;
  const x = physOf(f, 0);
  const y = physOf(f, 1);
  if (tagOf(f, x) === TAG_EMPTY || tagOf(f, y) === TAG_EMPTY) {
    if (!stackFault(f, false)) setIndefinite(f, x);
    return;
  }
  toExtended(operandX, f.mantHi[x]!, f.mantLo[x]!, f.signExp[x]!);
  toExtended(operandY, f.mantHi[y]!, f.mantLo[y]!, f.signExp[y]!);
  partialRemainder(operandX, operandY, ieee, (f.control >>> FCW_RC_SHIFT) & 3);
  if (!writeResult(f, x)) return;
  const q = remainderQuotient;
  let codes = remainderPartial ? FSW_C2 : 0;
  if (q & 4) codes |= FSW_C0;
  if (q & 2) codes |= FSW_C3;
  if (q & 1) codes |= FSW_C1;
  f.status = (f.status & ~(FSW_C3 | FSW_C2 | FSW_C1 | FSW_C0)) | codes;
}

/** FSCALE: ST(0) ← ST(0) · 2^trunc(ST(1)). */
function fscale(cpu: Cpu): void {
  const f = cpu.fpu;
  const x = physOf(f, 0);
  const y = physOf(f, 1);
  if (tagOf(f, x) === TAG_EMPTY || tagOf(f, y) === TAG_EMPTY) {
    if (!stackFault(f, false)) setIndefinite(f, x);
    return;
  }
  toExtended(operandX, f.mantHi[x]!, f.mantLo[x]!, f.signExp[x]!);
  toExtended(operandY, f.mantHi[y]!, f.mantLo[y]!, f.signExp[y]!);
  scaleBy(operandX, operandY, (f.control >>> FCW_RC_SHIFT) & 3);
  writeResult(f, x);
}

/**
 * FXTRACT: replaces ST(0) by its unbiased exponent and pushes its significand (with the
 * exponent of 1.0). Zero: ZE, exponent −∞, significand the zero. NaNs propagate to both.
 */
function fxtract(cpu: Cpu): void {
  const f = cpu.fpu;
  const x = physOf(f, 0);
  if (tagOf(f, x) === TAG_EMPTY || tagOf(f, (top(f) - 1) & 7) !== TAG_EMPTY) {
    if (stackFault(f, tagOf(f, x) !== TAG_EMPTY)) return;
    setIndefinite(f, x);
    ldHi = 0xc0000000;
    ldLo = 0;
    ldSignExp = 0xffff;
    setTop(f, top(f) - 1);
    setIndefinite(f, physOf(f, 0));
    return;
  }
  toExtended(operandX, f.mantHi[x]!, f.mantLo[x]!, f.signExp[x]!);
  const kind = kindOf(operandX);
  const signExp = f.signExp[x]!;
  let expHi = 0;
  let expLo = 0;
  let expSignExp = 0;
  let flags = 0;
  if (kind === 'invalid' || kind === 'snan' || kind === 'qnan') {
    flags = kind === 'qnan' ? 0 : FSW_IE;
    const quiet = kind === 'invalid' ? 0xc0000000 : f.mantHi[x]! | 0x40000000;
    expHi = quiet;
    expLo = kind === 'invalid' ? 0 : f.mantLo[x]!;
    expSignExp = kind === 'invalid' ? 0xffff : signExp;
    ldHi = expHi;
    ldLo = expLo;
    ldSignExp = expSignExp;
  } else if (kind === 'zero') {
    flags = FSW_ZE;
    expHi = 0x80000000;
    expSignExp = 0xffff; // −∞
    ldHi = 0;
    ldLo = 0;
    ldSignExp = signExp;
  } else if (kind === 'inf') {
    expHi = 0x80000000;
    expSignExp = 0x7fff; // +∞
    ldHi = f.mantHi[x]!;
    ldLo = f.mantLo[x]!;
    ldSignExp = signExp;
  } else {
    // Normalise a denormal first (DE): the exponent is that of the leading one.
    let m = operandX.significand;
    let e = (signExp & 0x7fff) === 0 ? 1 - 16383 : (signExp & 0x7fff) - 16383;
    if ((signExp & 0x7fff) === 0) flags = FSW_DE;
    while ((m & (1n << 63n)) === 0n) {
      m <<= 1n;
      e--;
    }
    loadExact(e < 0 ? 1 : 0, BigInt(Math.abs(e)), 0);
    expHi = ldHi;
    expLo = ldLo;
    expSignExp = ldSignExp;
    ldHi = Number(m >> 32n);
    ldLo = Number(m & 0xffffffffn);
    ldSignExp = (signExp & 0x8000) | 16383;
  }
  if (signal(f, flags) && flags & (FSW_IE | FSW_ZE | FSW_DE)) return;
  setC1(f, false);
  setReg(f, x, expHi, expLo, expSignExp);
  setTop(f, top(f) - 1);
  setReg(f, physOf(f, 0), ldHi, ldLo, ldSignExp);
}

/** FXAM: the class of ST(0) in C3/C2/C0 (SDM vol. 2 FXAM) and its sign in C1. */
function fxam(f: FpuState, phys: number, empty: boolean): void {
  let bits: number;
  const signExp = f.signExp[phys]!;
  if (empty) bits = FSW_C3 | FSW_C0;
  else {
    toExtended(operandX, f.mantHi[phys]!, f.mantLo[phys]!, signExp);
    const kind = kindOf(operandX);
    if (kind === 'invalid') bits = 0;
    else if (kind === 'qnan' || kind === 'snan') bits = FSW_C0;
    else if (kind === 'inf') bits = FSW_C2 | FSW_C0;
    else if (kind === 'zero') bits = FSW_C3;
    else bits = (signExp & 0x7fff) === 0 ? FSW_C3 | FSW_C2 : FSW_C2;
  }
  if (signExp >>> 15) bits |= FSW_C1;
  f.status = (f.status & ~(FSW_C3 | FSW_C2 | FSW_C1 | FSW_C0)) | bits;
}

function loadInteger(value: bigint): void {
  loadExact(value < 0n ? 1 : 0, value < 0n ? -value : value, 0);
}

/** The FST/FSTP/FIST/FISTP family: convert ST(0), write, then apply flags and pop. */
function storeTop(cpu: Cpu, key: number, seg: number, offset: number): void {
  const f = cpu.fpu;
  const phys = physOf(f, 0);
  const popAfter = (key & 1) === 1 || key === ((3 << 3) | 7);
  if (tagOf(f, phys) === TAG_EMPTY) {
    // Stack underflow: with IE masked the destination gets the indefinite value.
    if (stackFault(f, false)) return;
    setIndefinite(f, phys);
    setTag(f, phys, TAG_EMPTY);
  }
  const f32 = key === ((1 << 3) | 2) || key === ((1 << 3) | 3);
  const f64 = key === ((5 << 3) | 2) || key === ((5 << 3) | 3);
  const i16 = key === ((7 << 3) | 2) || key === ((7 << 3) | 3);
  const i32 = key === ((3 << 3) | 2) || key === ((3 << 3) | 3);
  if (key === ((3 << 3) | 7)) {
    stFlags = 0;
    stRoundedUp = false;
    writeReg80(cpu, seg, offset, phys);
  } else if (f32) {
    const bits = encodeFloat(f, phys, 23, 8);
    if (!storeAllowed(f)) return;
    write32(cpu, seg, offset, Number(bits));
  } else if (f64) {
    const bits = encodeFloat(f, phys, 52, 11);
    if (!storeAllowed(f)) return;
    write64(cpu, seg, offset, bits);
  } else if (i16 || i32) {
    const bits = encodeInteger(f, phys, i16 ? 16 : 32);
    if (!storeAllowed(f)) return;
    if (i16) write16(cpu, seg, offset, Number(bits));
    else write32(cpu, seg, offset, Number(bits));
  } else {
    const bits = encodeInteger(f, phys, 64);
    if (!storeAllowed(f)) return;
    write64(cpu, seg, offset, bits);
  }
  commitStore(f, popAfter);
}

/**
 * Constants of D9 E8–EE, for FLD1, FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2, FLDZ: sign/exponent,
 * the 64-bit significand truncated, and whether the exact value lies above it and nearer to the
 * next one up. Since the Pentium the constants are rounded per FCW.RC, like any result.
 */
const CONSTANTS: readonly (readonly [number, number, number, 'exact' | 'up' | 'down'])[] = [
  [0x3fff, 0x80000000, 0x00000000, 'exact'],
  [0x4000, 0xd49a784b, 0xcd1b8afe, 'down'],
  [0x3fff, 0xb8aa3b29, 0x5c17f0bb, 'up'],
  [0x4000, 0xc90fdaa2, 0x2168c234, 'up'],
  [0x3ffd, 0x9a209a84, 0xfbcff798, 'up'],
  [0x3ffe, 0xb17217f7, 0xd1cf79ab, 'up'],
  [0x0000, 0x00000000, 0x00000000, 'exact'],
];

/** Loads constant `index` into the scratch value, rounded per RC (none needs a carry). */
function loadConstant(f: FpuState, index: number): void {
  const [signExp, hi, lo, nearest] = CONSTANTS[index]!;
  const rc = (f.control >>> FCW_RC_SHIFT) & 3;
  const up = nearest !== 'exact' && (rc === RC_UP || (rc === RC_NEAREST && nearest === 'up'));
  ldSignExp = signExp;
  ldHi = hi;
  ldLo = up ? lo + 1 : lo;
}

/** Reads ST(i) into the scratch value; false when it was empty and IE is unmasked. */
function loadStackValue(f: FpuState, i: number): boolean {
  const phys = physOf(f, i);
  if (tagOf(f, phys) === TAG_EMPTY) {
    if (stackFault(f, false)) return false;
    ldHi = 0xc0000000;
    ldLo = 0;
    ldSignExp = 0xffff;
    return true;
  }
  ldHi = f.mantHi[phys]!;
  ldLo = f.mantLo[phys]!;
  ldSignExp = f.signExp[phys]!;
  return true;
}

function x87Register(cpu: Cpu, opcode: number, reg: number, rm: number): void {
  const f = cpu.fpu;
  const low = opcode & 7;
  if (low === 3 && reg === 4) {
    // DB E0–E4: FNENI/FNDISI/FSETPM are no-ops since the 387; FNCLEX and FNINIT.
    if (rm === 2) f.status &= ~(FPU_EXCEPTIONS | FSW_SF | FSW_ES | FSW_B);
    else if (rm === 3) fninit(f);
    else if (rm > 4) unsupported(cpu);
    return;
  }
  if (low === 7 && reg === 4 && rm === 0) {
    // DF E0 FNSTSW AX
    cpu.reg16[0] = f.status;
    return;
  }
  checkPending(cpu);
  const key = (low << 3) | reg;
  switch (key) {
    case (1 << 3) | 0: // D9 C0+i FLD ST(i)
      if (loadStackValue(f, rm)) pushLoaded(f);
      break;
    case (1 << 3) | 1: // D9 C8+i FXCH ST(i)
      fxch(f, rm);
      break;
    case (1 << 3) | 2: // D9 D0 FNOP
      if (rm !== 0) unsupported(cpu);
      break;
    case (1 << 3) | 4: // D9 E0 FCHS, E1 FABS, E4 FTST, E5 FXAM
      if (rm === 4 || rm === 5) {
        unaryTop(cpu, rm === 4 ? 'ftst' : 'fxam');
        break;
      }
      if (rm > 1) unsupported(cpu);
      if (loadStackValue(f, 0)) {
        setC1(f, false);
        const phys = physOf(f, 0);
        const signExp = rm === 0 ? ldSignExp ^ 0x8000 : ldSignExp & 0x7fff;
        setReg(f, phys, ldHi, ldLo, signExp);
      }
      break;
    case (1 << 3) | 5: // D9 E8–EE: FLD1 … FLDZ
      if (rm === 7) unsupported(cpu);
      loadConstant(f, rm);
      pushLoaded(f);
      break;
    case (1 << 3) | 6: // D9 F4 FXTRACT, F5 FPREM1, F6 FDECSTP, F7 FINCSTP
      if (rm === 4) {
        fxtract(cpu);
        break;
      }
      if (rm === 5) {
        fprem(cpu, true);
        break;
      }
      if (rm !== 6 && rm !== 7) unsupported(cpu);
      setC1(f, false);
      setTop(f, top(f) + (rm === 7 ? 1 : -1));
      break;
    case (1 << 3) | 7: // D9 F8 FPREM, FA FSQRT, FC FRNDINT, FD FSCALE
      if (rm === 0) fprem(cpu, false);
      else if (rm === 2) unaryTop(cpu, 'fsqrt');
      else if (rm === 4) unaryTop(cpu, 'frndint');
      else if (rm === 5) fscale(cpu);
      else unsupported(cpu);
      break;
    case (5 << 3) | 0: // DD C0+i FFREE ST(i)
      setTag(f, physOf(f, rm), TAG_EMPTY);
      break;
    case (5 << 3) | 2: // DD D0+i FST ST(i)
    case (5 << 3) | 3: // DD D8+i FSTP ST(i)
      if (!loadStackValue(f, 0)) break;
      setC1(f, false);
      setReg(f, physOf(f, rm), ldHi, ldLo, ldSignExp);
      if (reg === 3) pop(f);
      break;
    default:
      x87RegisterArithmetic(cpu, opcode, reg, rm);
  }
  recordInstruction(cpu, opcode, false);
}

/** Register forms of arithmetic, compares, FCMOVcc and the D9 unary group. */
function x87RegisterArithmetic(cpu: Cpu, opcode: number, reg: number, rm: number): void {
  const f = cpu.fpu;
  switch (opcode) {
    case 0xd8: // op ST(0), ST(i)
      arithmetic(cpu, reg, physOf(f, 0), rm, 0);
      return;
    case 0xdc: // op ST(i), ST(0); FCOM/FCOMP aliases at reg 2/3
      arithmetic(cpu, reg, physOf(f, rm), rm, 0);
      return;
    case 0xde: // op ST(i), ST(0) and pop; DE D9 FCOMPP
      if (reg === 3 && rm === 1) arithmetic(cpu, 3, physOf(f, 0), 1, 1);
      else if (reg === 2 || reg === 3) unsupported(cpu);
      else arithmetic(cpu, reg, physOf(f, rm), rm, 1);
      return;
    case 0xda:
      if (reg < 4) fcmov(cpu, opcode, reg, rm);
      else if (reg === 5 && rm === 1)
        ucompare(cpu, 1, 2); // FUCOMPP
      else unsupported(cpu);
      return;
    case 0xdb:
      if (reg < 4) fcmov(cpu, opcode, reg, rm);
      else if (reg === 5)
        compareToEflags(cpu, rm, false, false); // FUCOMI
      else if (reg === 6)
        compareToEflags(cpu, rm, true, false); // FCOMI
      else unsupported(cpu);
      return;
    case 0xdd:
      if (reg === 4)
        ucompare(cpu, rm, 0); // FUCOM
      else if (reg === 5)
        ucompare(cpu, rm, 1); // FUCOMP
      else unsupported(cpu);
      return;
    case 0xdf:
      if (reg === 5)
        compareToEflags(cpu, rm, false, true); // FUCOMIP
      else if (reg === 6)
        compareToEflags(cpu, rm, true, true); // FCOMIP
      else unsupported(cpu);
      return;
    default:
      unsupported(cpu);
  }
}

/** FUCOM/FUCOMP/FUCOMPP: compare ST(0) with ST(i), IE only for SNaNs, then pop `pops`. */
function ucompare(cpu: Cpu, rm: number, pops: number): void {
  const f = cpu.fpu;
  const x = physOf(f, 0);
  const y = physOf(f, rm);
  if (tagOf(f, x) === TAG_EMPTY || tagOf(f, y) === TAG_EMPTY) {
    if (stackFault(f, false)) return;
    setConditionCodes(f, UNORDERED);
  } else {
    toExtended(operandX, f.mantHi[x]!, f.mantLo[x]!, f.signExp[x]!);
    toExtended(operandY, f.mantHi[y]!, f.mantLo[y]!, f.signExp[y]!);
    const order = compare(operandX, operandY, false);
    if (signal(f, arithFlags) && arithFlags & FSW_IE) return;
    setConditionCodes(f, order);
  }
  for (let i = 0; i < pops; i++) pop(f);
}

/** FXCH: an empty operand reads as the indefinite value when IE is masked. */
function fxch(f: FpuState, i: number): void {
  const a = physOf(f, 0);
  const b = physOf(f, i);
  if (tagOf(f, a) === TAG_EMPTY || tagOf(f, b) === TAG_EMPTY) {
    if (stackFault(f, false)) return;
    if (tagOf(f, a) === TAG_EMPTY) setIndefinite(f, a);
    if (tagOf(f, b) === TAG_EMPTY) setIndefinite(f, b);
  }
  setC1(f, false);
  const hi = f.mantHi[a]!;
  const lo = f.mantLo[a]!;
  const signExp = f.signExp[a]!;
  setReg(f, a, f.mantHi[b]!, f.mantLo[b]!, f.signExp[b]!);
  setReg(f, b, hi, lo, signExp);
}

/** Exported for tests and the host: ST(i) as a JS number (rounded to nearest double). */
export function stValue(cpu: Cpu, i: number): number {
  const f = cpu.fpu;
  const phys = physOf(f, i);
  const exponent = f.signExp[phys]! & 0x7fff;
  const sign = f.signExp[phys]! >>> 15 ? -1 : 1;
  if (exponent === 0x7fff) {
    return (f.mantHi[phys]! & 0x7fffffff) === 0 && f.mantLo[phys]! === 0 ? sign * Infinity : NaN;
  }
  const significand = f.mantHi[phys]! * 2 ** 32 + f.mantLo[phys]!;
  const e = (exponent === 0 ? -16382 : exponent - 16383) - 63;
  // Two steps so that 2^e never overflows or underflows on its own.
  return sign * significand * 2 ** Math.trunc(e / 2) * 2 ** (e - Math.trunc(e / 2));
}

/** True when physical register tags say the stack slot ST(i) is empty. */
export function stEmpty(cpu: Cpu, i: number): boolean {
  return tagOf(cpu.fpu, physOf(cpu.fpu, i)) === TAG_EMPTY;
}
