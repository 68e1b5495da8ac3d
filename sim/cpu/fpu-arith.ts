// Exact x87 arithmetic on 80-bit extended values (Intel SDM vol. 1 §4.8 NaN rules, §4.9
// exceptions, §8.1.5.2 precision control, §8.3): add, subtract, multiply, divide, square root,
// scale, round to integer and compare. Each operation computes the exact result with BigInt and rounds
// it once, per FCW.RC and FCW.PC, so results are bit-exact with hardware (the host-differential
// tier checks them). fpu.ts moves operands in and results out.
//
// Not modelled: the scaled results of unmasked overflow/underflow (callers store nothing when
// an unmasked exception occurs).

import { bitLength, RC_DOWN, RC_NEAREST, RC_UP, rounding, roundShift } from './fpu-round.ts';
import { FSW_DE, FSW_IE, FSW_OE, FSW_PE, FSW_UE, FSW_ZE } from './fpu-state.ts';

/** An extended value: sign bit, 15-bit biased exponent field, 64-bit significand. */
export interface Extended {
  sign: number;
  exponent: number;
  significand: bigint;
}

/** The result of the last operation, and the exceptions it raised. */
export const result: Extended = { sign: 0, exponent: 0, significand: 0n };
export let arithFlags = 0;
/** C1 after a rounding step: the result was rounded away from zero in magnitude. */
export let roundedUp = false;

const BIAS = 16383;
const EXP_MAX = 0x7fff;
const INTEGER_BIT = 1n << 63n;
const QUIET_BIT = 1n << 62n;

type Kind = 'zero' | 'finite' | 'inf' | 'qnan' | 'snan' | 'invalid';

export function kindOf(x: Extended): Kind {
  const m = x.significand;
  if (x.exponent === EXP_MAX) {
    if ((m & INTEGER_BIT) === 0n) return 'invalid'; // pseudo-infinity, pseudo-NaN
    if ((m & ~INTEGER_BIT) === 0n) return 'inf';
    return (m & QUIET_BIT) !== 0n ? 'qnan' : 'snan';
  }
  if (x.exponent === 0) return m === 0n ? 'zero' : 'finite';
  return (m & INTEGER_BIT) === 0n ? 'invalid' : 'finite'; // unnormals are invalid since the 387
}

function set(sign: number, exponent: number, significand: bigint): void {
  result.sign = sign;
  result.exponent = exponent;
  result.significand = significand;
}

function setIndefinite(): void {
  arithFlags |= FSW_IE;
  set(1, EXP_MAX, INTEGER_BIT | QUIET_BIT);
}

/** Unbiased exponent of the significand's bit 63 (denormals use the minimum, -16382). */
function scale(x: Extended): number {
  return (x.exponent === 0 ? 1 : x.exponent) - BIAS - 63;
}

/** roundShift that records PE and the rounding direction for the arithmetic result. */
function roundArith(m: bigint, shift: number, rc: number, sign: number): bigint {
  const r = roundShift(m, shift, rc, sign);
  if (rounding.inexact) {
    arithFlags |= FSW_PE;
    roundedUp = rounding.up;
  }
  return r;
}

/**
 * Rounds sign · mag · 2^exp2 (mag > 0) to `precision` significant bits (24, 53 or 64) and
 * packs it as an extended value, with overflow to infinity or the largest value per RC, and
 * gradual underflow to denormals.
 */
function roundPack(sign: number, mag: bigint, exp2: number, precision: number, rc: number) {
  const length = bitLength(mag);
  let exponent = exp2 + length - 1 + BIAS;
  if (exponent >= 1) {
    let r = roundArith(mag, length - precision, rc, sign);
    if (r === 1n << BigInt(precision)) {
      r >>= 1n;
      exponent++;
    }
    if (exponent >= EXP_MAX) {
      arithFlags |= FSW_OE | FSW_PE;
      const toInfinity =
        rc === RC_NEAREST || (rc === RC_UP && sign === 0) || (rc === RC_DOWN && sign === 1);
      roundedUp = toInfinity;
      const largest = ((1n << BigInt(precision)) - 1n) << BigInt(64 - precision);
      if (toInfinity) set(sign, EXP_MAX, INTEGER_BIT);
      else set(sign, EXP_MAX - 1, largest);
      return;
    }
    set(sign, exponent, r << BigInt(64 - precision));
    return;
  }
  // Tiny: the significand field keeps its top `precision` bits at the minimum exponent (the
  // hardware rounds the denormal at the same bit position as a normal result); a carry into
  // bit 63 makes the smallest normal.
  const grid = 1 - BIAS - 63 - exp2 + (64 - precision);
  const r = roundArith(mag, grid, rc, sign) << BigInt(64 - precision);
  if (arithFlags & FSW_PE) arithFlags |= FSW_UE;
  set(sign, r >= INTEGER_BIT ? 1 : 0, r);
}

/** Begins an operation: clears the flags; returns false (with the result set) for NaNs. */
function start(x: Extended, y: Extended | null): boolean {
  arithFlags = 0;
  roundedUp = false;
  const kx = kindOf(x);
  const ky = y ? kindOf(y) : 'zero';
  if (kx === 'invalid' || ky === 'invalid') {
    setIndefinite();
    return false;
  }
  const nanX = kx === 'qnan' || kx === 'snan';
  const nanY = ky === 'qnan' || ky === 'snan';
  if (kx === 'snan' || ky === 'snan') arithFlags |= FSW_IE;
  if (nanX || nanY) {
    // SDM Table 4-7: a QNaN beats an SNaN; of two alike, the larger significand wins.
    let pick = x;
    if (!nanX) pick = y!;
    else if (nanY && y) {
      if (kx === 'snan' && ky === 'qnan') pick = y;
      else if (kx === ky && (y.significand & ~QUIET_BIT) > (x.significand & ~QUIET_BIT)) pick = y;
    }
    set(pick.sign, EXP_MAX, pick.significand | QUIET_BIT);
    return false;
  }
  if (
    (x.exponent === 0 && x.significand !== 0n) ||
    (y && y.exponent === 0 && y.significand !== 0n)
  ) {
    arithFlags |= FSW_DE;
  }
  return true;
}

/** x + y, or x − y when `subtract`. */
export function add(x: Extended, y: Extended, subtract: boolean, rc: number, pc: number): void {
  if (!start(x, y)) return;
  const sy = subtract ? y.sign ^ 1 : y.sign;
  const kx = kindOf(x);
  const ky = kindOf(y);
  if (kx === 'inf' || ky === 'inf') {
    if (kx === 'inf' && ky === 'inf' && x.sign !== sy) setIndefinite();
    else set(kx === 'inf' ? x.sign : sy, EXP_MAX, INTEGER_BIT);
    return;
  }
  const low = Math.min(scale(x), scale(y));
  const a = x.significand << BigInt(scale(x) - low);
  const b = y.significand << BigInt(scale(y) - low);
  const sum = (x.sign ? -a : a) + (sy ? -b : b);
  if (sum === 0n) {
    // Exact zero: −0 only when both are −0, or for x − x with RC toward −∞.
    const sign = kx === 'zero' && ky === 'zero' && x.sign === sy ? x.sign : rc === RC_DOWN ? 1 : 0;
    set(sign, 0, 0n);
    return;
  }
  roundPack(sum < 0n ? 1 : 0, sum < 0n ? -sum : sum, low, pc, rc);
}

export function multiply(x: Extended, y: Extended, rc: number, pc: number): void {
  if (!start(x, y)) return;
  const sign = x.sign ^ y.sign;
  const kx = kindOf(x);
  const ky = kindOf(y);
  if (kx === 'inf' || ky === 'inf') {
    if (kx === 'zero' || ky === 'zero') setIndefinite();
    else set(sign, EXP_MAX, INTEGER_BIT);
    return;
  }
  if (kx === 'zero' || ky === 'zero') {
    set(sign, 0, 0n);
    return;
  }
  roundPack(sign, x.significand * y.significand, scale(x) + scale(y), pc, rc);
}

/** x / y. */
export function divide(x: Extended, y: Extended, rc: number, pc: number): void {
  if (!start(x, y)) return;
  const sign = x.sign ^ y.sign;
  const kx = kindOf(x);
  const ky = kindOf(y);
  if (kx === 'inf') {
    if (ky === 'inf') setIndefinite();
    else set(sign, EXP_MAX, INTEGER_BIT);
    return;
  }
  if (ky === 'inf') {
    set(sign, 0, 0n);
    return;
  }
  if (ky === 'zero') {
    if (kx === 'zero') setIndefinite();
    else {
      arithFlags |= FSW_ZE;
      set(sign, EXP_MAX, INTEGER_BIT);
    }
    return;
  }
  if (kx === 'zero') {
    set(sign, 0, 0n);
    return;
  }
  // 130 quotient bits are plenty for 64 significant ones; a remainder becomes a sticky bit.
  const shift = 130;
  const numerator = x.significand << BigInt(shift);
  let q = numerator / y.significand;
  let exp2 = scale(x) - scale(y) - shift;
  if (q * y.significand !== numerator) {
    q = (q << 1n) | 1n;
    exp2 -= 1;
  }
  roundPack(sign, q, exp2, pc, rc);
}

function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt((bitLength(n) + 1) >> 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

export function squareRoot(x: Extended, rc: number, pc: number): void {
  if (!start(x, null)) return;
  const kx = kindOf(x);
  if (kx === 'zero') {
    set(x.sign, 0, 0n);
    return;
  }
  if (x.sign === 1) {
    arithFlags &= ~FSW_DE; // the invalid operation is reported alone
    setIndefinite();
    return;
  }
  if (kx === 'inf') {
    set(0, EXP_MAX, INTEGER_BIT);
    return;
  }
  let m = x.significand;
  let e = scale(x);
  if (e & 1) {
    m <<= 1n;
    e -= 1;
  }
  const extra = 140; // even: the root gains 70 bits
  const n = m << BigInt(extra);
  let root = isqrt(n);
  let exp2 = (e - extra) / 2;
  if (root * root !== n) {
    root = (root << 1n) | 1n;
    exp2 -= 1;
  }
  roundPack(0, root, exp2, pc, rc);
}

/** FSCALE: x · 2^trunc(y). Exact unless it overflows or underflows; PC does not apply. */
export function scaleBy(x: Extended, y: Extended, rc: number): void {
  if (!start(x, y)) return;
  const kx = kindOf(x);
  const ky = kindOf(y);
  if (ky === 'inf') {
    // 2^+∞ and 2^−∞: 0·2^+∞ and ∞·2^−∞ are invalid.
    if ((kx === 'zero' && y.sign === 0) || (kx === 'inf' && y.sign === 1)) setIndefinite();
    else if (y.sign === 0 || kx === 'inf')
      set(x.sign, kx === 'zero' ? 0 : EXP_MAX, kx === 'zero' ? 0n : INTEGER_BIT);
    else set(x.sign, 0, 0n);
    return;
  }
  if (kx === 'zero' || kx === 'inf') {
    set(x.sign, x.exponent, x.significand);
    return;
  }
  // trunc(y), clamped far beyond any exponent range (the result saturates the same way).
  let n = 0;
  if (ky === 'finite' && scale(y) > -64) {
    const magnitude = scale(y) >= 0 ? 1n << 20n : y.significand >> BigInt(-scale(y));
    const clamped = magnitude > 1n << 20n ? 1 << 20 : Number(magnitude);
    n = y.sign ? -clamped : clamped;
  }
  roundPack(x.sign, x.significand, scale(x) + n, 64, rc);
}

/** FPREM/FPREM1 outcome: the low three quotient bits, and whether the reduction is partial. */
export let remainderQuotient = 0;
export let remainderPartial = false;

/**
 * FPREM (truncating quotient) and FPREM1 (IEEE, quotient rounded to nearest even): the exact
 * remainder of x / y. When the exponents differ by D ≥ 64 only a partial reduction is done,
 * with N = 32 + (D mod 32): the SDM leaves N "implementation-dependent, between 32 and 63";
 * this choice matches the Intel host the differential tier ran on, bit for bit.
 */
export function partialRemainder(x: Extended, y: Extended, ieee: boolean, rc: number): void {
  remainderQuotient = 0;
  remainderPartial = false;
  if (!start(x, y)) return;
  const kx = kindOf(x);
  const ky = kindOf(y);
  if (kx === 'inf' || ky === 'zero') {
    arithFlags &= ~FSW_DE;
    setIndefinite();
    return;
  }
  if (kx === 'zero' || ky === 'inf') {
    set(x.sign, x.exponent, x.significand);
    return;
  }
  const top = (v: Extended) => scale(v) + bitLength(v.significand) - 1;
  const d = top(x) - top(y);
  const low = Math.min(scale(x), scale(y));
  const a = x.significand << BigInt(scale(x) - low);
  let b = y.significand << BigInt(scale(y) - low);
  if (d >= 64) {
    remainderPartial = true;
    b <<= BigInt(d - (32 + (d % 32)));
  }
  let q = a / b;
  let r = a - q * b;
  let sign = x.sign;
  if (ieee && !remainderPartial && (2n * r > b || (2n * r === b && (q & 1n) === 1n))) {
    q += 1n;
    r = b - r;
    sign ^= 1;
  }
  if (!remainderPartial) remainderQuotient = Number(q & 7n);
  if (r === 0n) set(x.sign, 0, 0n);
  else roundPack(sign, r, low, 64, rc);
}

/** FRNDINT: round to an integer per RC (precision control does not apply). */
export function roundToInteger(x: Extended, rc: number): void {
  if (!start(x, null)) return;
  const kx = kindOf(x);
  if (kx === 'zero' || kx === 'inf' || scale(x) >= 0) {
    set(x.sign, x.exponent, x.significand);
    return;
  }
  const r = roundArith(x.significand, -scale(x), rc, x.sign);
  if (r === 0n) set(x.sign, 0, 0n);
  else roundPack(x.sign, r, 0, 64, rc);
}

/** Compare results, as FCOM encodes them in C3/C2/C0. */
export const GREATER = 0;
export const LESS = 1;
export const EQUAL = 2;
export const UNORDERED = 3;

/**
 * Compares x with y. IE for any NaN when `signalling` (FCOM, FCOMI), only for SNaNs otherwise
 * (FUCOM, FUCOMI); invalid operands always raise IE and compare unordered.
 */
export function compare(x: Extended, y: Extended, signalling: boolean): number {
  arithFlags = 0;
  roundedUp = false;
  const kx = kindOf(x);
  const ky = kindOf(y);
  if (kx === 'invalid' || ky === 'invalid') {
    arithFlags |= FSW_IE;
    return UNORDERED;
  }
  const nan = (k: Kind) => k === 'qnan' || k === 'snan';
  if (nan(kx) || nan(ky)) {
    if (signalling || kx === 'snan' || ky === 'snan') arithFlags |= FSW_IE;
    return UNORDERED;
  }
  if ((x.exponent === 0 && x.significand !== 0n) || (y.exponent === 0 && y.significand !== 0n)) {
    arithFlags |= FSW_DE;
  }
  const value = (v: Extended, k: Kind): bigint => {
    if (k === 'zero') return 0n;
    return v.sign ? -1n : 1n;
  };
  if (kx === 'inf' || ky === 'inf' || kx === 'zero' || ky === 'zero') {
    // At least one is infinite or zero: signs and kinds decide.
    const rank = (v: Extended, k: Kind) => (k === 'inf' ? 2n : 1n) * value(v, k);
    const a = kx === 'finite' ? value(x, kx) : rank(x, kx);
    const b = ky === 'finite' ? value(y, ky) : rank(y, ky);
    return a > b ? GREATER : a < b ? LESS : EQUAL;
  }
  const low = Math.min(scale(x), scale(y));
  const a = x.significand << BigInt(scale(x) - low);
  const b = y.significand << BigInt(scale(y) - low);
  const diff = (x.sign ? -a : a) - (y.sign ? -b : b);
  return diff > 0n ? GREATER : diff < 0n ? LESS : EQUAL;
}
