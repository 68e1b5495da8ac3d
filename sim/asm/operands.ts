// Instruction operands in NASM syntax (NASM manual §3.2–3.3): registers, `[…]` memory
// references with size and segment overrides, immediates, `seg:offset` far pointers, and the
// `short`/`near`/`far`/`strict` modifiers.

import { LineError } from './errors.ts';
import { type Expr, parseExpr, type TokenStream } from './expr.ts';
import { lookupRegister, type Register } from './registers.ts';

export type JumpKind = 'short' | 'near' | 'far' | null;

export type Operand =
  | {
      kind: 'reg';
      reg: Register;
      col: number;
      /** NASM's `to` before an x87 stack register: the destination (`fadd to st1`). */
      to?: boolean;
    }
  | {
      kind: 'mem';
      /** Size in bytes from `byte`/`word`/…; 0 when not given. */
      size: number;
      /** Segment override register number, -1 when none. */
      seg: number;
      ea: Expr;
      /** `[byte …]` / `[dword …]`: forced displacement size, 0 when free. */
      dispSize: number;
      jump: JumpKind;
      col: number;
    }
  | { kind: 'imm'; expr: Expr; size: number; strict: boolean; jump: JumpKind; col: number }
  | { kind: 'far'; seg: Expr; off: Expr; size: number; col: number };

export const SIZE_KEYWORDS: Readonly<Record<string, number>> = {
  byte: 1,
  word: 2,
  dword: 4,
  fword: 6,
  qword: 8,
  tword: 10,
  oword: 16,
};

/** Parses one operand at the stream's position (up to the next top-level comma). */
export function parseOperand(ts: TokenStream): Operand {
  const col = ts.col();
  let size = 0;
  let strict = false;
  let jump: JumpKind = null;
  let to = false;
  for (;;) {
    const t = ts.peek();
    if (t?.kind !== 'id') break;
    const word = t.text.toLowerCase();
    if (SIZE_KEYWORDS[word] !== undefined) size = SIZE_KEYWORDS[word];
    else if (word === 'strict') strict = true;
    else if (word === 'short' || word === 'near' || word === 'far') jump = word;
    else if (word === 'to' && isStackRegisterAt(ts, 1)) to = true;
    else break;
    ts.pos++;
  }
  if (ts.accept('[')) return parseMemory(ts, size, jump, col);
  const stack = stackRegister(ts);
  if (stack !== undefined) return { kind: 'reg', reg: stack, col, ...(to && { to }) };
  const e = parseExpr(ts);
  if (e.k === 'reg' && !ts.accept(':')) {
    if (size !== 0 && size !== e.reg.size) {
      throw new LineError(`register ${e.reg.name} is not ${sizeName(size)}`, e.col);
    }
    return { kind: 'reg', reg: e.reg, col, ...(to && { to }) };
  }
  if (ts.accept(':')) {
    const off = parseExpr(ts);
    return { kind: 'far', seg: e, off, size, col };
  }
  return { kind: 'imm', expr: e, size, strict, jump, col };
}

/** Is an x87 stack register (`st1`, or `st(1)`) at `offset` tokens from the position? */
function isStackRegisterAt(ts: TokenStream, offset: number): boolean {
  const t = ts.peek(offset);
  if (t?.kind !== 'id') return false;
  return lookupRegister(t.text)?.cls === 'fpu' || stackIndexAt(ts, offset) >= 0;
}

/**
 * `st(0)`…`st(7)`, the SDM's (and MASM's) spelling, which NASM itself rejects: accepted as
 * st0…st7 so that code copied from the manual assembles. Returns the index, or -1.
 */
function stackIndexAt(ts: TokenStream, offset: number): number {
  const [st, open, n, close] = [0, 1, 2, 3].map((i) => ts.peek(offset + i));
  const ok =
    st?.kind === 'id' &&
    st.text.toLowerCase() === 'st' &&
    open?.kind === 'op' &&
    open.text === '(' &&
    n?.kind === 'num' &&
    n.value < 8n &&
    close?.kind === 'op' &&
    close.text === ')';
  return ok ? Number(n.value) : -1;
}

/** Consumes `st(i)` if it is next. */
function stackRegister(ts: TokenStream): Register | undefined {
  const i = stackIndexAt(ts, 0);
  if (i < 0) return undefined;
  ts.pos += 4;
  return lookupRegister(`st${i}`);
}

function parseMemory(ts: TokenStream, size: number, jump: JumpKind, col: number): Operand {
  let dispSize = 0;
  let seg = -1;
  for (;;) {
    const t = ts.peek();
    const next = ts.peek(1);
    if (t?.kind === 'id' && SIZE_KEYWORDS[t.text.toLowerCase()] !== undefined) {
      dispSize = SIZE_KEYWORDS[t.text.toLowerCase()]!;
      ts.pos++;
    } else if (t?.kind === 'id' && next?.kind === 'op' && next.text === ':') {
      const segName = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'].indexOf(t.text.toLowerCase());
      if (segName < 0) throw new LineError(`'${t.text}' is not a segment register`, t.col);
      seg = segName;
      ts.pos += 2;
    } else {
      break;
    }
  }
  const ea = parseExpr(ts);
  ts.expect(']');
  return { kind: 'mem', size, seg, ea, dispSize, jump, col };
}

export function sizeName(size: number): string {
  return Object.keys(SIZE_KEYWORDS).find((k) => SIZE_KEYWORDS[k] === size) ?? `${size} bytes`;
}
