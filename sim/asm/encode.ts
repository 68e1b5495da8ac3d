// The instruction encoder (Intel SDM Vol. 2A ch. 2: prefixes, opcode, ModRM, SIB,
// displacement, immediate). Tries every form of a mnemonic and keeps the shortest encoding,
// which is how NASM selects `83 /0 ib` over `81 /0 id` and a short jump over a near one.

import { encodeMemory, fitsInt8, littleEndian, type MemoryEncoding } from './address.ts';
import { LineError } from './errors.ts';
import type { Expr, LinearAddress, Value } from './expr.ts';
import { FORMS, type Form } from './forms.ts';
import type { Operand } from './operands.ts';
import { type Register, SEGMENT_PREFIX } from './registers.ts';

export interface Instruction {
  mnemonic: string;
  /** Explicit prefix bytes (lock, rep…, o16/o32/a16/a32 applied as sizes), in source order. */
  prefixes: readonly number[];
  operands: readonly Operand[];
  /** Column of the mnemonic, for errors about the instruction as a whole. */
  col: number;
  /** `o16`/`o32` and `a16`/`a32` prefixes: forced operand and address sizes. */
  osize?: 16 | 32;
  asize?: 16 | 32;
}

export interface EncodeContext {
  bits: 16 | 32;
  value(e: Expr): Value;
  linear(e: Expr): LinearAddress;
  /** The address of the instruction's first byte. */
  here: Value;
  /** An earlier pass found this jump out of short range: do not go back to the short form. */
  forceNear: boolean;
}

/** The context with the instruction's forced sizes, as the form matchers see it. */
type Ctx = EncodeContext & { forcedOsize?: 16 | 32; forcedAsize?: 16 | 32 };

export interface Encoding {
  bytes: number[];
  /** The encoding is a short (rel8) jump whose target was not yet known. */
  shortJump: boolean;
}

/** Is there an instruction called `mnemonic` (lower case)? */
export function isMnemonic(mnemonic: string): boolean {
  return FORMS.has(mnemonic);
}

export function encodeInstruction(insn: Instruction, context: EncodeContext): Encoding {
  const ctx: Ctx = { ...context, forcedOsize: insn.osize, forcedAsize: insn.asize };
  const forms = FORMS.get(insn.mnemonic);
  if (forms === undefined) throw new LineError(`unknown instruction '${insn.mnemonic}'`, insn.col);
  let operands = insn.operands;
  // NASM's shorthand: `imul eax, 5` is `imul eax, eax, 5`.
  if (insn.mnemonic === 'imul' && operands.length === 2 && operands[1]!.kind === 'imm') {
    operands = [operands[0]!, operands[0]!, operands[1]!];
  }
  let best: Encoding | undefined;
  let bestRank = Number.POSITIVE_INFINITY;
  let sizeMissing = false;
  let outOfRange = false;
  // `to` marks the first operand of an x87 form whose destination is ST(i) (`fadd to st1`).
  const to = operands.findIndex((op) => op.kind === 'reg' && op.to === true);
  for (const form of forms) {
    if (form.operands.length !== operands.length || to !== (form.to ? 0 : -1)) continue;
    const attempt = tryForm(form, operands, ctx, forms);
    if (attempt === 'size' || attempt === 'range') {
      sizeMissing ||= attempt === 'size';
      outOfRange ||= attempt === 'range';
      continue;
    }
    if (attempt === undefined) continue;
    // Shortest wins; at equal length NASM prefers the sign-extended imm8 form (`and ax, 3` is
    // 66 83 E0 03, not 66 25 03 00), then table order.
    const rank = attempt.bytes.length * 2 + (form.operands.includes('Ibs') ? 0 : 1);
    if (rank < bestRank) {
      best = attempt;
      bestRank = rank;
    }
  }
  if (best !== undefined) {
    best.bytes.unshift(...insn.prefixes);
    return best;
  }
  if (sizeMissing)
    throw new LineError(
      'operation size not specified: write byte, word or dword before the memory operand',
      insn.col,
    );
  if (outOfRange) throw new LineError('short jump is out of range', insn.col);
  throw new LineError(
    `invalid combination of opcode and operands for '${insn.mnemonic}'`,
    insn.col,
  );
}

/** Operands whose size follows the operand size (register names eAX…eDI included). */
const OSIZE_DEPENDENT = /^[EGRIJMO][vz]$|^e[A-Z]{2}$|^Ibs$|^[MA][pa]$/;

/** The operand size a form is used with, or undefined if the operands disagree. */
function operandSize(
  form: Form,
  ops: readonly Operand[],
  bits: 16 | 32,
  forced: 16 | 32 | undefined,
): number | 'size' | undefined {
  if (form.osize !== undefined) {
    return forced !== undefined && form.opsize && forced !== form.osize ? undefined : form.osize;
  }
  let size = form.opsize ? (forced ?? 0) : 0;
  let unsizedMemory = false;
  for (let i = 0; i < ops.length; i++) {
    const spec = form.operands[i]!;
    if (!OSIZE_DEPENDENT.test(spec)) continue;
    const op = ops[i]!;
    let s = 0;
    if (op.kind === 'reg' && (op.reg.cls === 'r16' || op.reg.cls === 'r32')) s = op.reg.size * 8;
    else if (op.kind === 'mem' && spec !== 'Mp') {
      if (op.size === 2 || op.size === 4) s = op.size * 8;
      else if (op.size === 0) unsizedMemory = true;
      else return undefined;
    } else if ((op.kind === 'imm' || op.kind === 'far') && (op.size === 2 || op.size === 4)) {
      s = op.size * 8;
    }
    if (s !== 0) {
      if (size !== 0 && size !== s) return undefined;
      size = s;
    }
  }
  if (size === 0 && unsizedMemory && !form.sizeFromMode) return 'size';
  return size === 0 ? bits : size;
}

/** Encodes `ops` with `form`, or returns undefined if they do not fit it. */
function tryForm(
  form: Form,
  ops: readonly Operand[],
  ctx: Ctx,
  siblings: readonly Form[],
): Encoding | undefined | 'size' | 'range' {
  const osize = operandSize(form, ops, ctx.bits, ctx.forcedOsize);
  if (osize === undefined || osize === 'size') {
    return osize === 'size' && ops.every((op, i) => matches(form.operands[i]!, op, 0, ctx))
      ? 'size'
      : undefined;
  }
  for (let i = 0; i < ops.length; i++) {
    if (!matches(form.operands[i]!, ops[i]!, osize, ctx)) return undefined;
  }
  if (!memorySizeImplied(form, ops, siblings)) return 'size';
  try {
    // NASM picks rel8 for an automatic jump only to a label of the same section; a jump that
    // can only be short (loop, jcxz, `jmp short`) takes any target in range.
    const shortOnly =
      ops.some((op) => op.kind === 'imm' && op.jump === 'short') ||
      !siblings.some((f) => f.operands.includes('Jz'));
    return build(form, ops, osize, ctx, shortOnly);
  } catch (e) {
    if (e instanceof FormMismatch) return 'range';
    throw e;
  }
}

/** The size letter of a specifier: `Eb` → b, `AL` → b, `eAX` → v, `Sw` → w. */
function sizeLetter(spec: string): string {
  if (/^[A-D]L$/.test(spec)) return 'b';
  if (SIZED_REGISTER.test(spec)) return 'v';
  return /^[A-Z][a-z]$/.test(spec) ? spec[1]! : '';
}

/**
 * An unsized memory operand is fine when a register operand of the same size letter fixes its
 * size (`xchg [ebx], al`), or when the mnemonic has only one memory size at that position
 * (`setz [ebx]`, `lldt [ebx]`); otherwise NASM says "operation size not specified".
 */
function memorySizeImplied(
  form: Form,
  ops: readonly Operand[],
  siblings: readonly Form[],
): boolean {
  return ops.every((op, i) => {
    const spec = form.operands[i]!;
    if (op.kind !== 'mem' || op.size !== 0 || !/^[EMO][bwdqtv]$/.test(spec)) return true;
    const letter = sizeLetter(spec);
    const fixedBy = ops.some(
      (other, j) => other.kind === 'reg' && j !== i && sizeLetter(form.operands[j]!) === letter,
    );
    if (fixedBy || form.sizeFromMode) return true;
    if (letter === 'v') return false;
    return siblings.every((s) => {
      const other = s.operands[i];
      return (
        s.operands.length !== ops.length || !/^[EMO]/.test(other!) || sizeLetter(other!) === letter
      );
    });
  });
}

/** Operands fixed by the form itself (AL, DX, ES, the 1 of `shl eax, 1`): nothing to encode. */
function isFixed(spec: string): boolean {
  return FIXED_REGISTER.test(spec) || SIZED_REGISTER.test(spec) || spec === '1';
}

/** A register named by the form itself: AL…BH, AX…DI, EAX…EDI, ES…GS, ST0 (also ST, ST(0)). */
const FIXED_REGISTER = /^[A-Z]{2,3}$|^ST\(?0\)?$/;
/** An x87 stack register in ModRM.rm: ST(i). */
const isFpuStack = (spec: string) => spec === 'STi' || spec === 'ST(i)';

function fixedName(spec: string): string {
  return /^ST/.test(spec) ? 'st0' : spec.toLowerCase();
}
/** A general register whose width is the operand size: eAX…eDI. */
const SIZED_REGISTER = /^e([A-Z]{2})$/;
const REGISTER_ORDER = ['AX', 'CX', 'DX', 'BX', 'SP', 'BP', 'SI', 'DI'];

function isGeneral(r: Register, bytes: number): boolean {
  return (r.cls === 'r8' || r.cls === 'r16' || r.cls === 'r32') && r.size === bytes;
}

/**
 * A constant as an `osize`-bit operand takes it, sign-extended: NASM truncates an immediate to
 * the operand size before choosing the short form, so `and bx, 0xFFFF` is `and bx, byte -1`.
 */
function truncated(v: Value, osize: number): Value {
  if (!v.known || v.sect >= 0 || (osize !== 16 && osize !== 32)) return v;
  return { ...v, n: BigInt.asIntN(osize, v.n) };
}

/** Does operand `op` fit specifier `spec` at operand size `osize` (0 when being probed)? */
function matches(spec: string, op: Operand, osize: number, ctx: Ctx): boolean {
  if (isFpuStack(spec)) return op.kind === 'reg' && op.reg.cls === 'fpu';
  if (FIXED_REGISTER.test(spec)) return op.kind === 'reg' && op.reg.name === fixedName(spec);
  const sized = SIZED_REGISTER.exec(spec);
  if (sized !== null) {
    const num = REGISTER_ORDER.indexOf(sized[1]!);
    return op.kind === 'reg' && isGeneral(op.reg, osize / 8) && op.reg.num === num;
  }
  const width = specWidth(spec, osize);
  const kind = spec[0];
  switch (spec) {
    case '1':
      return op.kind === 'imm' && op.size === 0 && isConstant(ctx.value(op.expr), 1n);
    case 'Sw':
      return op.kind === 'reg' && op.reg.cls === 'sreg';
    case 'Cd':
      return op.kind === 'reg' && op.reg.cls === 'creg';
    case 'Dd':
      return op.kind === 'reg' && op.reg.cls === 'dreg';
    case 'Ap':
      return op.kind === 'far';
    case 'Mp':
      return (
        op.kind === 'mem' &&
        (op.jump === 'far' || (op.jump === null && op.size === 0) || op.size === 6)
      );
    case 'M':
      return op.kind === 'mem' && op.jump === null;
    case 'Ibs':
      return (
        op.kind === 'imm' &&
        op.jump === null &&
        !(op.strict && op.size > 1) &&
        fitsInt8(truncated(ctx.value(op.expr), osize))
      );
    case 'Jb':
      return (
        op.kind === 'imm' &&
        op.jump !== 'near' &&
        op.jump !== 'far' &&
        op.size <= 1 &&
        !ctx.forceNear
      );
    case 'Jz':
      return op.kind === 'imm' && op.jump !== 'short' && op.jump !== 'far';
    default:
      break;
  }
  switch (kind) {
    case 'E':
      if (op.kind === 'mem') return op.jump === null && (op.size === 0 || op.size * 8 === width);
      // `mov ds, eax` is accepted and encoded without an operand-size prefix.
      if (spec === 'Ew' && op.kind === 'reg' && isGeneral(op.reg, 4)) return true;
      return op.kind === 'reg' && isGeneral(op.reg, width / 8);
    case 'G':
    case 'R':
      return op.kind === 'reg' && isGeneral(op.reg, width / 8);
    case 'M':
      return op.kind === 'mem' && op.jump === null && (op.size === 0 || op.size * 8 === width);
    case 'I':
      return (
        op.kind === 'imm' &&
        op.jump === null &&
        (op.size === 0 || op.size * 8 === width || !op.strict)
      );
    case 'O':
      return (
        op.kind === 'mem' &&
        (op.size === 0 || op.size * 8 === width) &&
        ctx.linear(op.ea).regs.size === 0
      );
    default:
      throw new LineError(`internal: unknown operand specifier ${spec}`);
  }
}

/** Width in bits of a sized specifier: b w d q t (x87's 80-bit), v/z the operand size. */
export function specWidth(spec: string, osize: number): number {
  switch (spec[spec.length - 1]) {
    case 'b':
      return 8;
    case 'w':
      return 16;
    case 'd':
      return 32;
    case 'q':
      return 64;
    case 't':
      return 80;
    default:
      return osize;
  }
}

function isConstant(v: Value, n: bigint): boolean {
  return v.known && v.sect < 0 && v.n === n;
}

/** An immediate-like field after ModRM: its width and how to compute it. */
interface Field {
  width: number;
  /** `length` is the whole instruction's, for relative jumps. */
  emit(length: number): number[];
}

/** Lays out prefixes, opcode, ModRM/SIB/displacement and immediates. */
function build(
  form: Form,
  ops: readonly Operand[],
  osize: number,
  ctx: Ctx,
  shortOnly: boolean,
): Encoding {
  const bytes: number[] = [];
  let segment = -1;
  let mem: MemoryEncoding | undefined;
  let reg = form.ext ?? 0;
  let rm = -1;
  let hasModrm = form.ext !== undefined;
  const fields: Field[] = [];
  let shortJump = false;
  form.operands.forEach((spec, i) => {
    const op = ops[i]!;
    if (isFixed(spec)) return;
    const kind = spec[0];
    if (isFpuStack(spec) && op.kind === 'reg') {
      hasModrm = true;
      rm = op.reg.num;
    } else if (kind === 'G' || kind === 'S' || kind === 'C' || kind === 'D') {
      hasModrm = true;
      if (op.kind === 'reg') reg = op.reg.num;
    } else if ((kind === 'E' || kind === 'R' || kind === 'M') && op.kind !== 'mem') {
      hasModrm = true;
      if (op.kind === 'reg') rm = op.reg.num;
    } else if (op.kind === 'mem') {
      segment = op.seg;
      if (kind === 'O') {
        const disp = ctx.linear(op.ea).disp.n;
        mem = {
          mod: -1,
          rm: -1,
          sib: null,
          disp: littleEndian(disp, (ctx.forcedAsize ?? ctx.bits) / 8),
          asize: ctx.forcedAsize ?? ctx.bits,
        };
      } else {
        hasModrm = true;
        mem = encodeMemory(op, ctx);
      }
    } else if (op.kind === 'far') {
      const off = ctx.value(op.off).n;
      const seg = ctx.value(op.seg).n;
      fields.push({
        width: osize / 8 + 2,
        emit: () => [...littleEndian(off, osize / 8), ...littleEndian(seg, 2)],
      });
    } else if (op.kind === 'imm') {
      const v = ctx.value(op.expr);
      if (spec === 'Jb' || spec === 'Jz') {
        fields.push(relative(spec, v, osize, ctx, shortOnly));
        shortJump = spec === 'Jb';
      } else {
        const width = spec === 'Ib' || spec === 'Ibs' ? 1 : specWidth(spec, osize) / 8;
        fields.push({ width, emit: () => littleEndian(v.n, width) });
      }
    }
  });
  if (form.wait) bytes.push(0x9b);
  if (form.asize !== undefined && form.asize !== ctx.bits) bytes.push(0x67);
  if (segment >= 0) bytes.push(SEGMENT_PREFIX[segment]!);
  const dependsOnSize = form.osize !== undefined || form.opsize;
  // o16/o32 on an instruction whose size does not depend on it still emit the prefix, as NASM.
  const operandPrefix = dependsOnSize ? osize : (ctx.forcedOsize ?? ctx.bits);
  if (operandPrefix !== ctx.bits) bytes.push(0x66);
  const m = mem as MemoryEncoding | undefined;
  const addressSize = m?.asize ?? (form.asize === undefined ? ctx.forcedAsize : undefined);
  if (addressSize !== undefined && addressSize !== ctx.bits) bytes.push(0x67);
  if (form.prefix !== undefined) bytes.push(form.prefix);
  if (form.opcode > 0xff) bytes.push(form.opcode >> 8, form.opcode & 0xff);
  else bytes.push(form.opcode);
  if (form.modrm !== undefined) bytes.push(form.modrm);
  else if (m !== undefined && m.mod >= 0) {
    bytes.push((m.mod << 6) | (reg << 3) | m.rm);
    if (m.sib !== null) bytes.push(m.sib);
    bytes.push(...m.disp);
  } else if (m !== undefined) {
    bytes.push(...m.disp);
  } else if (hasModrm) {
    bytes.push(0xc0 | (reg << 3) | Math.max(rm, 0));
  }
  const length = fields.reduce((n, field) => n + field.width, bytes.length);
  for (const field of fields) bytes.push(...field.emit(length));
  return { bytes, shortJump };
}

/** A rel8/rel16/rel32 jump displacement; rel8 only to a known target in range, same section. */
function relative(spec: string, target: Value, osize: number, ctx: Ctx, shortOnly: boolean): Field {
  const width = spec === 'Jb' ? 1 : osize / 8;
  const here = ctx.here;
  const sameSection = target.sect === here.sect && here.known;
  if (spec === 'Jb' && target.known && !sameSection && !shortOnly) fail();
  return {
    width,
    emit: (length) => {
      // EIP/IP arithmetic wraps: `jmp short 0xffffff82` at 0 is a jump back by 0x80.
      const rel = BigInt.asIntN(
        spec === 'Jb' ? ctx.bits : osize,
        target.n - (here.n + BigInt(length)),
      );
      if (spec === 'Jb' && target.known && here.known && (rel < -128n || rel > 127n)) fail();
      return littleEndian(rel, width);
    },
  };
}

/** Thrown while building when the operands turn out not to fit the form (a jump out of range). */
class FormMismatch extends Error {}

function fail(): never {
  throw new FormMismatch();
}
