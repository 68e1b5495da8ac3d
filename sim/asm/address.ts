// Effective addresses (Intel SDM Vol. 2A §2.1.5, tables 2-1 to 2-3): a memory operand's
// ModRM.mod/rm, SIB byte and displacement, in 16- and 32-bit addressing, as NASM chooses them.

import { LineError } from './errors.ts';
import type { Expr, LinearAddress, Value } from './expr.ts';
import type { Operand } from './operands.ts';
import type { Register } from './registers.ts';

/** What the address encoder needs to know about the instruction being assembled. */
export interface AddressContext {
  bits: 16 | 32;
  /** `a16`/`a32` given on the instruction. */
  forcedAsize?: 16 | 32;
  linear(e: Expr): LinearAddress;
}

/** An unknown value is assumed to fit: a later pass will widen the encoding if it does not. */
export function fitsInt8(v: Value): boolean {
  return !v.known || (v.sect < 0 && v.n >= -128n && v.n <= 127n);
}

export function littleEndian(n: bigint, bytes: number): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(bytes * 8, n);
  for (let i = 0; i < bytes; i++) {
    out.push(Number(v & 0xffn));
    v >>= 8n;
  }
  return out;
}

export interface MemoryEncoding {
  mod: number;
  rm: number;
  sib: number | null;
  disp: number[];
  asize: 16 | 32;
}

const RM16: Readonly<Record<string, number>> = {
  'bx+si': 0,
  'bx+di': 1,
  'bp+si': 2,
  'bp+di': 3,
  si: 4,
  di: 5,
  bp: 6,
  bx: 7,
};

/** ModRM.mod/rm, SIB and displacement for a memory operand (SDM tables 2-1 and 2-2). */
export function encodeMemory(
  op: Extract<Operand, { kind: 'mem' }>,
  ctx: AddressContext,
): MemoryEncoding {
  const lin = ctx.linear(op.ea);
  const regs = [...lin.regs].filter(([, c]) => c !== 0n);
  const disp = lin.disp;
  const sizes = new Set(regs.map(([r]) => r.cls));
  for (const [r] of regs) {
    if (r.cls !== 'r16' && r.cls !== 'r32')
      throw new LineError(`register ${r.name} cannot address memory`, op.col);
  }
  if (sizes.size > 1) throw new LineError('mixed 16- and 32-bit registers in an address', op.col);
  const asize: 16 | 32 = sizes.has('r16')
    ? 16
    : sizes.has('r32')
      ? 32
      : (ctx.forcedAsize ?? ctx.bits);
  if (ctx.forcedAsize !== undefined && ctx.forcedAsize !== asize) {
    throw new LineError(`a${ctx.forcedAsize} conflicts with the address registers`, op.col);
  }
  const dispKind = (): 0 | 1 | 2 => {
    if (op.dispSize === 1) return 1;
    if (op.dispSize >= 2) return 2;
    if (disp.known && disp.sect < 0 && disp.n === 0n) return 0;
    return fitsInt8(disp) ? 1 : 2;
  };
  const dispBytes = (kind: 0 | 1 | 2) =>
    kind === 0 ? [] : littleEndian(disp.n, kind === 1 ? 1 : asize / 8);
  if (asize === 16) {
    const key = regs
      .map(([r]) => r.name)
      .sort((a, b) => (a === 'bx' || a === 'bp' ? -1 : b === 'bx' || b === 'bp' ? 1 : 0))
      .join('+');
    if (regs.some(([, c]) => c !== 1n) || (regs.length > 0 && RM16[key] === undefined)) {
      throw new LineError('invalid 16-bit effective address', op.col);
    }
    if (regs.length === 0)
      return { mod: 0, rm: 6, sib: null, disp: littleEndian(disp.n, 2), asize };
    let kind = dispKind();
    if (kind === 0 && key === 'bp') kind = 1;
    return { mod: kind, rm: RM16[key]!, sib: null, disp: dispBytes(kind), asize };
  }
  let base: Register | undefined;
  let index: Register | undefined;
  let scale = 1n;
  if (regs.length === 1) {
    const [r, c] = regs[0]!;
    if (c === 1n) base = r;
    else if (c === 2n || c === 3n || c === 5n || c === 9n) {
      // NASM splits [eax*2] into [eax+eax]: shorter than a SIB with a 32-bit displacement.
      base = r;
      index = r;
      scale = c - 1n;
    } else {
      index = r;
      scale = c;
    }
  } else if (regs.length === 2) {
    const [[r1, c1], [r2, c2]] = regs as [[Register, bigint], [Register, bigint]];
    if (c1 === 1n) {
      base = r1;
      index = r2;
      scale = c2;
    } else if (c2 === 1n) {
      base = r2;
      index = r1;
      scale = c1;
    } else {
      throw new LineError('invalid effective address: two scaled registers', op.col);
    }
    if (index.num === 4 && scale === 1n) [base, index] = [index, base];
  } else if (regs.length > 2) {
    throw new LineError('invalid effective address: too many registers', op.col);
  }
  if (index !== undefined && (index.num === 4 || ![1n, 2n, 4n, 8n].includes(scale))) {
    throw new LineError('invalid effective address: bad index register or scale', op.col);
  }
  if (base === undefined && index === undefined) {
    return { mod: 0, rm: 5, sib: null, disp: littleEndian(disp.n, 4), asize };
  }
  const ss = [1n, 2n, 4n, 8n].indexOf(scale);
  if (base === undefined) {
    return {
      mod: 0,
      rm: 4,
      sib: (ss << 6) | (index!.num << 3) | 5,
      disp: littleEndian(disp.n, 4),
      asize,
    };
  }
  let kind = dispKind();
  if (kind === 0 && base.num === 5) kind = 1;
  const sib =
    index !== undefined ? (ss << 6) | (index.num << 3) | base.num : base.num === 4 ? 0x24 : null;
  return { mod: kind, rm: sib === null ? base.num : 4, sib, disp: dispBytes(kind), asize };
}
