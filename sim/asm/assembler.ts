// The assembler's passes (after NASM's multi-pass optimiser): evaluate every statement with the
// symbol values of the previous pass until addresses stop changing, so forward jumps get
// their shortest encoding. Lays out sections as NASM's `-f bin` does.

import { type Encoding, encodeInstruction } from './encode.ts';
import type { AsmError } from './errors.ts';
import { LineError } from './errors.ts';
import {
  type EvalContext,
  type Expr,
  evaluate,
  type LinearAddress,
  linearize,
  scalar,
  type Value,
} from './expr.ts';
import { parseNumber } from './lexer.ts';
import type { Body, DataItem, Statement } from './parse.ts';

export interface Section {
  name: string;
  nobits: boolean;
  /** A `.note*` section: ELF output puts it in a PT_NOTE segment, outside the loaded image. */
  note: boolean;
  align: number;
  /** `start=` from the section directive, else null (follow the previous section). */
  start: bigint | null;
  bytes: number[];
  /** Size in bytes (for nobits sections, nothing is in `bytes`). */
  size: number;
  address: bigint;
}

/** What one source line put where: a listing entry. */
export interface Emitted {
  statement: Statement;
  section: number;
  /** Offsets in the section: [start, end). */
  start: number;
  end: number;
}

export interface Layout {
  sections: Section[];
  /** Statements that emitted or reserved bytes, in source order. */
  emitted: Emitted[];
  /** Every label and equ, with its final value. */
  symbols: Map<string, bigint>;
  /** Labels only (not equ constants): name → section index. */
  labelSections: Map<string, number>;
}

const MAX_PASSES = 40;
/** The largest section held in memory: a typo like `times 0x10000000 db 0` must not hang. */
const MAX_SECTION_BYTES = 16 << 20;
const DEFAULT_SECTION_ALIGN = 4;

/** A label (section and offset) or an `equ` (its value). */
type Definition = { sect: number; offset: bigint } | { value: Value };

/** State of one pass over the statements. */
class Pass {
  readonly sections: Section[];
  readonly symbols = new Map<string, Definition>();
  readonly errors: AsmError[] = [];
  /** A value was needed before it was known: another pass is required. */
  unresolved = false;
  current = 0;
  bits: 16 | 32;
  org: bigint | null = null;
  /** `absolute`/`struc` mode: the running address, else null. */
  absolute: bigint | null = null;
  strucName: string | null = null;
  savedSection = 0;
  istruc: { name: string; start: bigint } | null = null;
  readonly emitted: Emitted[] = [];
  /** The statement being assembled and its address, for `$` and error reports. */
  here: Value = scalar(0n);

  constructor(
    readonly previous: Pass | null,
    sectionsTemplate: readonly Section[],
    defaultBits: 16 | 32,
    readonly nearJumps: Set<number>,
  ) {
    this.sections = sectionsTemplate.map((s) => ({ ...s, bytes: [], size: 0 }));
    this.bits = defaultBits;
  }

  sectionAddress(i: number): bigint {
    return this.previous?.sections[i]?.address ?? 0n;
  }

  lookup(name: string, col: number): Value | undefined {
    const sym = this.symbols.get(name) ?? this.previous?.symbols.get(name);
    if (sym === undefined) {
      if (this.previous !== null) throw new LineError(`symbol '${name}' not defined`, col);
      this.unresolved = true;
      return undefined;
    }
    if ('value' in sym) {
      if (!sym.value.known) this.unresolved = true;
      return sym.value;
    }
    return { n: this.sectionAddress(sym.sect) + sym.offset, sect: sym.sect, known: true };
  }

  base(): Value {
    if (this.absolute !== null) return scalar(0n);
    return { n: this.sectionAddress(this.current), sect: this.current, known: true };
  }

  /** The address of the next byte emitted. */
  position(): Value {
    if (this.absolute !== null) return scalar(this.absolute);
    const s = this.sections[this.current]!;
    return {
      n: this.sectionAddress(this.current) + BigInt(s.size),
      sect: this.current,
      known: true,
    };
  }

  private readonly context: EvalContext = {
    lookup: (name, col) => this.lookup(name, col),
    here: () => this.here,
    base: () => this.base(),
  };

  value(e: Expr): Value {
    const v = evaluate(e, this.context);
    if (!v.known) this.unresolved = true;
    return v;
  }

  linear(e: Expr): LinearAddress {
    return linearize(e, this.context);
  }

  /** A number that must be known now (counts, alignments); 0 while unresolved. */
  count(e: Expr, what: string): number {
    const v = this.value(e);
    if (!v.known) return 0;
    if (v.n < 0n || v.n > 0x10000000n) throw new LineError(`${what} ${v.n} is out of range`);
    return Number(v.n);
  }

  emit(bytes: readonly number[]): void {
    if (this.absolute !== null)
      throw new LineError('cannot emit data in an absolute section or struc');
    const s = this.sections[this.current]!;
    this.checkRoom(s, bytes.length);
    if (s.nobits) {
      if (bytes.some((b) => b !== 0)) throw new LineError(`data in nobits section '${s.name}'`);
    } else {
      for (const b of bytes) s.bytes.push(b);
    }
    s.size += bytes.length;
  }

  reserve(n: number): void {
    if (this.absolute !== null) {
      this.absolute += BigInt(n);
      return;
    }
    const s = this.sections[this.current]!;
    this.checkRoom(s, n);
    if (!s.nobits) for (let i = 0; i < n; i++) s.bytes.push(0);
    s.size += n;
  }

  /** Emits `n` copies of `byte`. */
  fill(n: number, byte: number): void {
    this.checkRoom(this.sections[this.current]!, n);
    this.emit(new Array<number>(n).fill(byte));
  }

  checkRoom(s: Section, more: number): void {
    if (!s.nobits && s.size + more > MAX_SECTION_BYTES) {
      throw new LineError(`section '${s.name}' would exceed ${MAX_SECTION_BYTES >> 20} MiB`);
    }
  }

  defineLabel(name: string): void {
    if (this.symbols.has(name)) throw new LineError(`symbol '${name}' redefined`);
    if (this.absolute !== null) this.symbols.set(name, { value: scalar(this.absolute) });
    else
      this.symbols.set(name, {
        sect: this.current,
        offset: BigInt(this.sections[this.current]!.size),
      });
  }
}

export interface AssembleOptions {
  defaultBits: 16 | 32;
  /** ELF: `.note*` sections go to a PT_NOTE outside the image; bin: they are data like any. */
  notesApart: boolean;
}

/** Runs passes until symbol values are stable; returns the layout or the last pass's errors. */
export function runPasses(
  statements: readonly Statement[],
  options: AssembleOptions,
): Layout | AsmError[] {
  let template: Section[] = [defaultSection('.text')];
  let previous: Pass | null = null as Pass | null;
  const nearJumps = new Set<number>();
  for (let n = 0; n < MAX_PASSES; n++) {
    const pass: Pass = new Pass(previous, template, options.defaultBits, nearJumps);
    runPass(pass, statements);
    layoutSections(pass, options.notesApart);
    template = pass.sections;
    const stable = previous !== null && !pass.unresolved && sameLayout(previous, pass);
    if (pass.errors.length > 0 && (stable || previous !== null)) return pass.errors;
    if (stable) return finish(pass);
    previous = pass;
  }
  return [{ file: '', line: 0, col: 1, reason: 'symbol values did not settle', source: '' }];
}

function defaultSection(name: string): Section {
  return {
    name,
    nobits: name === '.bss' || name.startsWith('.bss.'),
    note: name.startsWith('.note'),
    align: name === '.text' ? 1 : DEFAULT_SECTION_ALIGN,
    start: null,
    bytes: [],
    size: 0,
    address: 0n,
  };
}

function runPass(pass: Pass, statements: readonly Statement[]): void {
  statements.forEach((st, index) => {
    try {
      pass.here = pass.position();
      if (st.label !== null && st.body.k !== 'equ' && st.body.k !== 'struc')
        pass.defineLabel(st.label.name);
      const times = st.times === null ? 1 : pass.count(st.times, 'times count');
      const section = pass.current;
      const start = pass.sections[section]!.size;
      if (times > 1 && st.body.k === 'data' && !st.body.items.some(usesHere)) {
        // `times 4096 db 0`: the same bytes each time, computed once.
        const bytes = dataBytes(pass, st.body.unit, st.body.items);
        pass.checkRoom(pass.sections[section]!, bytes.length * times);
        for (let i = 0; i < times; i++) pass.emit(bytes);
      } else {
        for (let i = 0; i < times; i++) {
          pass.here = pass.position();
          statement(pass, st, st.body, index);
        }
      }
      const end = pass.sections[section]!.size;
      if (pass.current === section && end > start && pass.absolute === null) {
        pass.emitted.push({ statement: st, section, start, end });
      }
    } catch (e) {
      if (!(e instanceof LineError)) throw e;
      const where = st.loc.expandedFrom?.length
        ? ` (in a macro called from ${st.loc.expandedFrom[0]})`
        : '';
      pass.errors.push({
        file: st.loc.file,
        line: st.loc.line,
        col: e.col,
        reason: e.reason + where,
        source: st.loc.text,
      });
    }
  });
}

function statement(pass: Pass, st: Statement, body: Body, index: number): void {
  switch (body.k) {
    case 'none':
      return;
    case 'insn': {
      const enc: Encoding = encodeInstruction(body.insn, {
        bits: pass.bits,
        value: (e) => pass.value(e),
        linear: (e) => pass.linear(e),
        here: pass.here,
        forceNear: pass.nearJumps.has(index),
      });
      if (
        !enc.shortJump &&
        body.insn.operands.length === 1 &&
        body.insn.operands[0]!.kind === 'imm'
      ) {
        // A jump that needed the near form once keeps it: sizes only grow, so passes converge.
        if (/^(j|call)/.test(body.insn.mnemonic)) pass.nearJumps.add(index);
      }
      pass.emit(enc.bytes);
      return;
    }
    case 'data':
      pass.emit(dataBytes(pass, body.unit, body.items));
      return;
    case 'res':
      pass.reserve(body.unit * pass.count(body.count, 'reserve count'));
      return;
    case 'equ':
      if (pass.symbols.has(st.label!.name))
        throw new LineError(`symbol '${st.label!.name}' redefined`);
      pass.symbols.set(st.label!.name, { value: pass.value(body.e) });
      return;
    case 'bits':
      pass.bits = body.bits;
      return;
    case 'org': {
      if (pass.org !== null) throw new LineError('org given twice');
      pass.org = pass.value(body.e).n;
      return;
    }
    case 'section':
      section(pass, body.name, body.attrs);
      return;
    case 'align':
      align(pass, body);
      return;
    case 'absolute':
      pass.absolute = pass.value(body.e).n;
      return;
    case 'struc':
      pass.strucName = body.name;
      pass.savedSection = pass.absolute === null ? pass.current : -1;
      pass.symbols.set(body.name, { value: scalar(0n) });
      pass.absolute = 0n;
      return;
    case 'endstruc':
      if (pass.strucName === null || pass.absolute === null)
        throw new LineError('endstruc without struc');
      pass.symbols.set(`${pass.strucName}_size`, { value: scalar(pass.absolute) });
      pass.strucName = null;
      pass.absolute = null;
      if (pass.savedSection >= 0) pass.current = pass.savedSection;
      return;
    case 'istruc':
      pass.istruc = { name: body.name, start: pass.position().n };
      return;
    case 'at': {
      if (pass.istruc === null) throw new LineError('at outside istruc');
      const field = pass.value(body.field);
      const gap = field.n - (pass.position().n - pass.istruc.start);
      if (field.known && gap < 0n) throw new LineError('at: field is behind the current position');
      pass.fill(Number(field.known ? gap : 0n), 0);
      pass.here = pass.position();
      statement(pass, st, body.data, index);
      return;
    }
    case 'iend': {
      if (pass.istruc === null) throw new LineError('iend without istruc');
      const size = pass.lookup(`${pass.istruc.name}_size`, 1);
      const gap = (size?.n ?? 0n) - (pass.position().n - pass.istruc.start);
      if (gap > 0n) pass.fill(Number(gap), 0);
      pass.istruc = null;
      return;
    }
  }
}

/** Does a data item's value depend on where it is (`$`, `$$`)? */
function usesHere(item: DataItem): boolean {
  const walk = (e: Expr): boolean => {
    switch (e.k) {
      case 'here':
      case 'base':
        return true;
      case 'unary':
        return walk(e.a);
      case 'binary':
        return walk(e.a) || walk(e.b);
      case 'cond':
        return walk(e.c) || walk(e.a) || walk(e.b);
      default:
        return false;
    }
  };
  return item.k === 'expr' && walk(item.e);
}

function dataBytes(pass: Pass, unit: number, items: readonly DataItem[]): number[] {
  const out: number[] = [];
  for (const item of items) {
    if (item.k === 'float') {
      if (unit !== 4 && unit !== 8) throw new LineError('floating-point data needs dd or dq');
      const view = new DataView(new ArrayBuffer(unit));
      if (unit === 4) view.setFloat32(0, item.v, true);
      else view.setFloat64(0, item.v, true);
      out.push(...new Uint8Array(view.buffer));
    } else if (item.k === 'str') {
      const start = out.length;
      for (let i = 0; i < item.s.length; i++) out.push(item.s.charCodeAt(i) & 0xff);
      while ((out.length - start) % unit !== 0) out.push(0);
    } else {
      let v = item.k === 'undef' ? 0n : pass.value(item.e).n;
      v = BigInt.asUintN(unit * 8, v);
      for (let i = 0; i < unit; i++) {
        out.push(Number(v & 0xffn));
        v >>= 8n;
      }
    }
  }
  return out;
}

function section(pass: Pass, name: string, attrs: ReadonlyMap<string, string>): void {
  pass.absolute = null;
  let index = pass.sections.findIndex((s) => s.name === name);
  if (index < 0) {
    pass.sections.push(defaultSection(name));
    index = pass.sections.length - 1;
  }
  const s = pass.sections[index]!;
  for (const [key, value] of attrs) {
    if (key === 'nobits') s.nobits = true;
    else if (key === 'progbits') s.nobits = false;
    else if (key === 'note') s.note = true;
    else if (key === 'align') s.align = Math.max(s.align, Number(parseNumber(value, 1)));
    else if (key === 'start') s.start = parseNumber(value, 1);
  }
  pass.current = index;
}

function align(pass: Pass, body: Extract<Body, { k: 'align' }>): void {
  const n = pass.count(body.n, 'alignment');
  if (n === 0) return;
  if ((n & (n - 1)) !== 0) throw new LineError(`alignment ${n} is not a power of two`);
  const s = pass.sections[pass.current]!;
  // Like NASM's ALIGN, relative to the section start, and the section itself is aligned at least
  // as much (NASM's default SECTALIGN ON).
  const offset = pass.absolute !== null ? Number(pass.absolute) : s.size;
  const pad = (n - (offset % n)) % n;
  if (pass.absolute === null) s.align = Math.max(s.align, n);
  if (body.reserve || pass.absolute !== null || s.nobits) pass.reserve(pad);
  else pass.fill(pad, body.fill === null ? 0x90 : Number(pass.value(body.fill).n & 0xffn));
}

/** NASM `-f bin` order: .text first, then other progbits in order, then nobits. */
export function sectionOrder(sections: readonly Section[], notesApart: boolean): Section[] {
  const kept = notesApart ? sections.filter((s) => !s.note) : sections;
  const text = kept.filter((s) => s.name === '.text');
  const progbits = kept.filter((s) => s.name !== '.text' && !s.nobits);
  const nobits = kept.filter((s) => s.nobits);
  return [...text, ...progbits, ...nobits];
}

function layoutSections(pass: Pass, notesApart: boolean): void {
  let address = pass.org ?? 0n;
  for (const s of sectionOrder(pass.sections, notesApart)) {
    const a = BigInt(s.align);
    if (s.start !== null) address = s.start;
    else address = ((address + a - 1n) / a) * a;
    s.address = address;
    address += BigInt(s.size);
  }
  // Apart from the image, each note section has its own addresses from 0.
  if (notesApart) for (const s of pass.sections) if (s.note) s.address = 0n;
}

function sameLayout(a: Pass, b: Pass): boolean {
  if (a.sections.length !== b.sections.length) return false;
  for (let i = 0; i < a.sections.length; i++) {
    if (
      a.sections[i]!.address !== b.sections[i]!.address ||
      a.sections[i]!.size !== b.sections[i]!.size
    ) {
      return false;
    }
  }
  if (a.symbols.size !== b.symbols.size) return false;
  for (const [name, sym] of b.symbols) {
    const old = a.symbols.get(name);
    if (old === undefined) return false;
    if ('value' in sym) {
      if (!('value' in old) || old.value.n !== sym.value.n || old.value.sect !== sym.value.sect)
        return false;
    } else if ('value' in old || old.sect !== sym.sect || old.offset !== sym.offset) {
      return false;
    }
  }
  return true;
}

function finish(pass: Pass): Layout {
  const symbols = new Map<string, bigint>();
  const labelSections = new Map<string, number>();
  for (const [name, sym] of pass.symbols) {
    if (name.startsWith('..@')) continue;
    if ('value' in sym) symbols.set(name, sym.value.n);
    else {
      symbols.set(name, pass.sections[sym.sect]!.address + sym.offset);
      labelSections.set(name, sym.sect);
    }
  }
  return { sections: pass.sections, emitted: pass.emitted, symbols, labelSections };
}
