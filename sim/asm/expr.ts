// NASM expressions (NASM manual §3.5): the operator precedence table, `$` and `$$`, and
// values that remember whether they are addresses (relocatable) or plain numbers (scalars).

import { LineError } from './errors.ts';
import type { Token } from './lexer.ts';
import { lookupRegister, type Register } from './registers.ts';

export type Expr =
  | { k: 'num'; v: bigint }
  | { k: 'sym'; name: string; col: number }
  | { k: 'here' }
  | { k: 'base' }
  | { k: 'reg'; reg: Register; col: number }
  | { k: 'unary'; op: string; a: Expr; col: number }
  | { k: 'binary'; op: string; a: Expr; b: Expr; col: number }
  | { k: 'cond'; c: Expr; a: Expr; b: Expr };

/**
 * A value: `sect` is -1 for a scalar, else the index of the section the address lies in.
 * NASM never shortens a relocatable value to an 8-bit immediate or displacement, even in flat
 * binaries, so the encoder needs to know. `known` is false while a forward reference is unresolved.
 */
export interface Value {
  n: bigint;
  sect: number;
  known: boolean;
}

export const scalar = (n: bigint): Value => ({ n, sect: -1, known: true });
export const UNKNOWN: Value = { n: 0n, sect: -1, known: false };

export interface EvalContext {
  /** The value of a symbol; undefined if it is not (yet) defined. */
  lookup(name: string, col: number): Value | undefined;
  here(): Value;
  base(): Value;
}

/** Binary operators by precedence level, lowest first (NASM manual §3.5.1–3.5.6). */
const LEVELS: readonly (readonly string[])[] = [
  ['||'],
  ['^^'],
  ['&&'],
  ['=', '==', '<>', '!=', '<', '<=', '>', '>=', '<=>'],
  ['|'],
  ['^'],
  ['&'],
  ['<<', '>>', '<<<', '>>>'],
  ['+', '-'],
  ['*', '/', '//', '%', '%%'],
];

/** A cursor over one line's tokens, shared by the expression and statement parsers. */
export class TokenStream {
  pos = 0;
  constructor(readonly tokens: readonly Token[]) {}

  peek(offset = 0): Token | undefined {
    return this.tokens[this.pos + offset];
  }
  atEnd(): boolean {
    return this.pos >= this.tokens.length;
  }
  next(): Token {
    const t = this.tokens[this.pos];
    if (t === undefined) throw new LineError('unexpected end of line', this.endCol());
    this.pos++;
    return t;
  }
  /** Consumes the operator `op` if it is next. */
  accept(op: string): boolean {
    const t = this.peek();
    if (t !== undefined && t.kind === 'op' && t.text === op) {
      this.pos++;
      return true;
    }
    return false;
  }
  /** Consumes the identifier `word` (case-insensitive) if it is next. */
  acceptWord(word: string): boolean {
    const t = this.peek();
    if (t !== undefined && t.kind === 'id' && t.text.toLowerCase() === word) {
      this.pos++;
      return true;
    }
    return false;
  }
  expect(op: string): void {
    if (!this.accept(op)) {
      const t = this.peek();
      throw new LineError(`expected '${op}'`, t?.col ?? this.endCol());
    }
  }
  col(): number {
    return this.peek()?.col ?? this.endCol();
  }
  endCol(): number {
    const last = this.tokens[this.tokens.length - 1];
    return last === undefined ? 1 : last.col + last.text.length;
  }
}

/** Parses an expression; registers are accepted as leaves (effective addresses need them). */
export function parseExpr(ts: TokenStream): Expr {
  const c = parseBinary(ts, 0);
  if (ts.accept('?')) {
    const a = parseExpr(ts);
    ts.expect(':');
    const b = parseExpr(ts);
    return { k: 'cond', c, a, b };
  }
  return c;
}

function parseBinary(ts: TokenStream, level: number): Expr {
  if (level >= LEVELS.length) return parseUnary(ts);
  let a = parseBinary(ts, level + 1);
  for (;;) {
    const t = ts.peek();
    if (t === undefined || t.kind !== 'op' || !LEVELS[level]!.includes(t.text)) return a;
    ts.pos++;
    const b = parseBinary(ts, level + 1);
    a = { k: 'binary', op: t.text, a, b, col: t.col };
  }
}

function parseUnary(ts: TokenStream): Expr {
  const t = ts.next();
  if (t.kind === 'op') {
    if (t.text === '-' || t.text === '+' || t.text === '~' || t.text === '!') {
      return { k: 'unary', op: t.text, a: parseUnary(ts), col: t.col };
    }
    if (t.text === '(') {
      const e = parseExpr(ts);
      ts.expect(')');
      return e;
    }
    if (t.text === '$') return { k: 'here' };
    if (t.text === '$$') return { k: 'base' };
  } else if (t.kind === 'float') {
    throw new LineError('a floating-point constant is only allowed as dd/dq data', t.col);
  } else if (t.kind === 'num' || t.kind === 'str') {
    return { k: 'num', v: t.value };
  } else {
    const reg = lookupRegister(t.text);
    if (reg !== undefined) return { k: 'reg', reg, col: t.col };
    const name = t.text.startsWith('$') ? t.text.slice(1) : t.text;
    return { k: 'sym', name, col: t.col };
  }
  throw new LineError(`expected an expression, found '${t.text}'`, t.col);
}

const U64 = (n: bigint) => BigInt.asUintN(64, n);
const S64 = (n: bigint) => BigInt.asIntN(64, n);
const bool = (b: boolean) => (b ? 1n : 0n);

/** Evaluates an expression that must not contain registers. */
export function evaluate(e: Expr, ctx: EvalContext): Value {
  switch (e.k) {
    case 'num':
      return scalar(e.v);
    case 'here':
      return ctx.here();
    case 'base':
      return ctx.base();
    case 'sym':
      return ctx.lookup(e.name, e.col) ?? UNKNOWN;
    case 'reg':
      throw new LineError(`register ${e.reg.name} is not allowed here`, e.col);
    case 'cond': {
      const c = evaluate(e.c, ctx);
      const a = evaluate(e.a, ctx);
      const b = evaluate(e.b, ctx);
      if (!c.known) return UNKNOWN;
      return c.n !== 0n ? a : b;
    }
    case 'unary': {
      const a = evaluate(e.a, ctx);
      const n = { '-': -a.n, '+': a.n, '~': ~a.n, '!': bool(a.n === 0n) }[e.op]!;
      return { n: S64(n), sect: e.op === '+' ? a.sect : -1, known: a.known };
    }
    case 'binary':
      return binary(e.op, evaluate(e.a, ctx), evaluate(e.b, ctx), e.col);
  }
}

function binary(op: string, a: Value, b: Value, col: number): Value {
  const known = a.known && b.known;
  if ((op === '/' || op === '//' || op === '%' || op === '%%') && b.n === 0n) {
    if (!known) return UNKNOWN;
    throw new LineError('division by zero', col);
  }
  // An address stays an address through arithmetic (so it is never shortened), except that
  // the difference of two addresses in one section is a plain number.
  let sect = a.sect >= 0 ? a.sect : b.sect;
  if ((op === '-' && a.sect === b.sect) || LEVELS[3]!.includes(op)) sect = -1;
  let n: bigint;
  switch (op) {
    case '+':
      n = a.n + b.n;
      break;
    case '-':
      n = a.n - b.n;
      break;
    case '*':
      n = a.n * b.n;
      break;
    case '/':
      n = U64(a.n) / U64(b.n);
      break;
    case '//':
      n = a.n / b.n;
      break;
    case '%':
      n = U64(a.n) % U64(b.n);
      break;
    case '%%':
      n = a.n % b.n;
      break;
    case '<<':
    case '<<<':
      n = a.n << (b.n & 63n);
      break;
    case '>>':
      n = U64(a.n) >> (b.n & 63n);
      break;
    case '>>>':
      n = S64(a.n) >> (b.n & 63n);
      break;
    case '&':
      n = a.n & b.n;
      break;
    case '|':
      n = a.n | b.n;
      break;
    case '^':
      n = a.n ^ b.n;
      break;
    case '&&':
      n = bool(a.n !== 0n && b.n !== 0n);
      break;
    case '||':
      n = bool(a.n !== 0n || b.n !== 0n);
      break;
    case '^^':
      n = bool((a.n !== 0n) !== (b.n !== 0n));
      break;
    case '=':
    case '==':
      n = bool(a.n === b.n);
      break;
    case '<>':
    case '!=':
      n = bool(a.n !== b.n);
      break;
    case '<':
      n = bool(a.n < b.n);
      break;
    case '<=':
      n = bool(a.n <= b.n);
      break;
    case '>':
      n = bool(a.n > b.n);
      break;
    case '>=':
      n = bool(a.n >= b.n);
      break;
    default:
      n = a.n < b.n ? -1n : bool(a.n > b.n);
  }
  return { n: S64(n), sect, known };
}

/** An effective address as a sum: register → coefficient, plus a displacement. */
export interface LinearAddress {
  regs: Map<Register, bigint>;
  disp: Value;
}

/** Splits `[ebx + esi*4 + label - 8]` into registers with scales and a displacement. */
export function linearize(e: Expr, ctx: EvalContext): LinearAddress {
  if (!containsRegister(e)) return { regs: new Map(), disp: evaluate(e, ctx) };
  switch (e.k) {
    case 'reg':
      return { regs: new Map([[e.reg, 1n]]), disp: scalar(0n) };
    case 'unary':
      if (e.op === '+') return linearize(e.a, ctx);
      if (e.op === '-') return scaleLinear(linearize(e.a, ctx), -1n);
      break;
    case 'binary':
      if (e.op === '+' || e.op === '-') {
        const a = linearize(e.a, ctx);
        if (!containsRegister(e.b)) {
          return { regs: a.regs, disp: binary(e.op, a.disp, evaluate(e.b, ctx), e.col) };
        }
        const b = linearize(e.b, ctx);
        return addLinear(a, e.op === '-' ? scaleLinear(b, -1n) : b, e.col);
      }
      if (e.op === '*') {
        const aHasReg = containsRegister(e.a);
        const factor = evaluate(aHasReg ? e.b : e.a, ctx);
        if (aHasReg && containsRegister(e.b)) break;
        return scaleLinear(linearize(aHasReg ? e.a : e.b, ctx), factor.n);
      }
      break;
    default:
      break;
  }
  throw new LineError('invalid effective address', 'col' in e ? e.col : 1);
}

function containsRegister(e: Expr): boolean {
  switch (e.k) {
    case 'reg':
      return true;
    case 'unary':
      return containsRegister(e.a);
    case 'binary':
      return containsRegister(e.a) || containsRegister(e.b);
    case 'cond':
      return containsRegister(e.c) || containsRegister(e.a) || containsRegister(e.b);
    default:
      return false;
  }
}

function scaleLinear(l: LinearAddress, f: bigint): LinearAddress {
  const regs = new Map<Register, bigint>();
  for (const [r, c] of l.regs) regs.set(r, c * f);
  const d = l.disp;
  return { regs, disp: { n: d.n * f, sect: f === 1n ? d.sect : -1, known: d.known } };
}

function addLinear(a: LinearAddress, b: LinearAddress, col: number): LinearAddress {
  const regs = new Map(a.regs);
  for (const [r, c] of b.regs) regs.set(r, (regs.get(r) ?? 0n) + c);
  return { regs, disp: binary('+', a.disp, b.disp, col) };
}
