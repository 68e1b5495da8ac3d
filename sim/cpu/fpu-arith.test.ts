// Vectors checked against a real x87 by the host-differential tier (sim/cpu/differential), pinned
// here so that they also run where nasm and gcc -m32 are missing.

import { describe, expect, it } from 'vitest';
import {
  add,
  arithFlags,
  compare,
  divide,
  EQUAL,
  type Extended,
  GREATER,
  LESS,
  multiply,
  partialRemainder,
  remainderPartial,
  remainderQuotient,
  result,
  roundedUp,
  roundToInteger,
  squareRoot,
  UNORDERED,
} from './fpu-arith.ts';
import { FSW_DE, FSW_IE, FSW_PE, FSW_UE, FSW_ZE } from './fpu-state.ts';

/** An extended value from its 80-bit image as hex "SEEE MMMMMMMMMMMMMMMM". */
function ext(hex: string): Extended {
  const [se, m] = hex.split(' ') as [string, string];
  const signExp = Number.parseInt(se, 16);
  return { sign: signExp >>> 15, exponent: signExp & 0x7fff, significand: BigInt(`0x${m}`) };
}

function image(): string {
  const se = ((result.sign << 15) | result.exponent).toString(16).padStart(4, '0');
  return `${se} ${result.significand.toString(16).padStart(16, '0')}`;
}

const ONE = ext('3fff 8000000000000000');
const THREE = ext('4000 c000000000000000');
const TWO = ext('4000 8000000000000000');
const ZERO = ext('0000 0000000000000000');
const INF = ext('7fff 8000000000000000');
const NEAREST = 0;
const DOWN = 1;
const UP = 2;
const CHOP = 3;

describe('x87 arithmetic rounding', () => {
  it('1/3 rounds per precision control and RC', () => {
    divide(ONE, THREE, NEAREST, 64);
    expect(image()).toBe('3ffd aaaaaaaaaaaaaaab');
    expect(arithFlags).toBe(FSW_PE);
    expect(roundedUp).toBe(true);
    divide(ONE, THREE, CHOP, 64);
    expect(image()).toBe('3ffd aaaaaaaaaaaaaaaa');
    divide(ONE, THREE, NEAREST, 53);
    expect(image()).toBe('3ffd aaaaaaaaaaaaa800');
    divide(ONE, THREE, UP, 24);
    expect(image()).toBe('3ffd aaaaab0000000000');
  });

  it('√2 to 64 bits, and an exact square root raises nothing', () => {
    squareRoot(TWO, NEAREST, 64);
    expect(image()).toBe('3fff b504f333f9de6484');
    squareRoot(ext('4001 9000000000000000'), NEAREST, 64); // √4.5 is inexact
    expect(arithFlags & FSW_PE).toBe(FSW_PE);
    squareRoot(ext('4001 8000000000000000'), NEAREST, 64); // √4 = 2
    expect(image()).toBe('4000 8000000000000000');
    expect(arithFlags).toBe(0);
  });

  it('a tiny product is rounded at the precision-control position of the significand', () => {
    // Pseudo-denormal × double with RC = chop, PC = 53: the host stores 0000 0b1a9900bed57000.
    const double = ext('3ffa fe65b2fb59f65800');
    multiply(ext('0000 b2c81a4f7fa87ab8'), double, CHOP, 53);
    expect(image()).toBe('0000 0b1a9900bed57000');
    expect(arithFlags).toBe(FSW_DE | FSW_UE | FSW_PE);
  });

  it('x − x is +0, or −0 when rounding down; 1 + (−1) likewise', () => {
    add(ONE, ONE, true, NEAREST, 64);
    expect(image()).toBe('0000 0000000000000000');
    add(ONE, ONE, true, DOWN, 64);
    expect(image()).toBe('8000 0000000000000000');
  });

  it('invalid operations give the indefinite QNaN; x/0 raises ZE', () => {
    add(INF, INF, true, NEAREST, 64);
    expect(image()).toBe('ffff c000000000000000');
    expect(arithFlags).toBe(FSW_IE);
    multiply(INF, ZERO, NEAREST, 64);
    expect(arithFlags).toBe(FSW_IE);
    divide(ONE, ZERO, NEAREST, 64);
    expect(image()).toBe('7fff 8000000000000000');
    expect(arithFlags).toBe(FSW_ZE);
    squareRoot(ext('bfff 8000000000000000'), NEAREST, 64);
    expect(arithFlags).toBe(FSW_IE);
  });

  it('NaN operands: an SNaN is quieted with IE, a QNaN beats an SNaN', () => {
    const snan = ext('7fff a000000000000000');
    const qnan = ext('ffff c000000000000001');
    add(snan, ONE, false, NEAREST, 64);
    expect(image()).toBe('7fff e000000000000000');
    expect(arithFlags).toBe(FSW_IE);
    add(snan, qnan, false, NEAREST, 64);
    expect(image()).toBe('ffff c000000000000001');
  });

  it('FPREM truncates the quotient, FPREM1 rounds it; both report its low bits', () => {
    const seven = ext('4001 e000000000000000');
    partialRemainder(seven, TWO, false, NEAREST);
    expect(image()).toBe('3fff 8000000000000000'); // 7 = 3·2 + 1
    expect(remainderQuotient).toBe(3);
    partialRemainder(ext('3ffe c000000000000000'), ONE, true, NEAREST); // 0.75 = 1·1 − 0.25
    expect(image()).toBe('bffd 8000000000000000');
    expect(remainderQuotient).toBe(1);
    partialRemainder(ext('40ff 8000000000000001'), THREE, false, NEAREST);
    expect(remainderPartial).toBe(true);
  });

  it('FRNDINT rounds per RC', () => {
    const twoAndHalf = ext('4000 a000000000000000');
    roundToInteger(twoAndHalf, NEAREST);
    expect(image()).toBe('4000 8000000000000000');
    roundToInteger(twoAndHalf, UP);
    expect(image()).toBe('4000 c000000000000000');
    expect(arithFlags).toBe(FSW_PE);
  });
});

describe('x87 compares', () => {
  it('orders finite, zero and infinite values, and NaNs as unordered', () => {
    expect(compare(ONE, TWO, true)).toBe(LESS);
    expect(compare(TWO, ONE, true)).toBe(GREATER);
    expect(compare(ZERO, ext('8000 0000000000000000'), true)).toBe(EQUAL);
    expect(compare(INF, TWO, true)).toBe(GREATER);
    expect(compare(ext('ffff 8000000000000000'), ZERO, true)).toBe(LESS);
    const qnan = ext('7fff c000000000000000');
    expect(compare(qnan, ONE, false)).toBe(UNORDERED);
    expect(arithFlags).toBe(0); // FUCOM: a QNaN is quiet
    expect(compare(qnan, ONE, true)).toBe(UNORDERED);
    expect(arithFlags).toBe(FSW_IE); // FCOM: any NaN is invalid
  });
});
