// NASM source statements (NASM manual ch. 3 and 7): `label: prefix mnemonic operands`,
// `times`, pseudo-instructions (db…, resb…, equ, incbin-less), and directives (bits, org,
// section, align, struc/istruc/at/iend, absolute). Parsed once; the passes only evaluate.

import { type Instruction, isMnemonic } from './encode.ts';
import type { SourceLine } from './errors.ts';
import { LineError } from './errors.ts';
import { type Expr, parseExpr, TokenStream } from './expr.ts';
import { tokenize } from './lexer.ts';
import { type Operand, parseOperand } from './operands.ts';

export type DataItem =
  | { k: 'expr'; e: Expr }
  | { k: 'str'; s: string }
  | { k: 'float'; v: number }
  | { k: 'undef' };

export type Body =
  | { k: 'none' }
  | { k: 'insn'; insn: Instruction }
  | { k: 'data'; unit: number; items: DataItem[] }
  | { k: 'res'; unit: number; count: Expr }
  | { k: 'equ'; e: Expr }
  | { k: 'bits'; bits: 16 | 32 }
  | { k: 'org'; e: Expr }
  | { k: 'section'; name: string; attrs: ReadonlyMap<string, string> }
  | { k: 'align'; n: Expr; fill: Expr | null; reserve: boolean }
  | { k: 'absolute'; e: Expr }
  | { k: 'struc'; name: string }
  | { k: 'endstruc' }
  | { k: 'istruc'; name: string }
  | { k: 'at'; field: Expr; data: Body }
  | { k: 'iend' };

export interface Statement {
  loc: SourceLine;
  label: { name: string; col: number } | null;
  times: Expr | null;
  body: Body;
  /** What NASM warns about on this line (the line still assembles). */
  warning?: { col: number; reason: string };
}

const DATA_UNITS: Readonly<Record<string, number>> = { db: 1, dw: 2, dd: 4, dq: 8 };
const RES_UNITS: Readonly<Record<string, number>> = {
  resb: 1,
  resw: 2,
  resd: 4,
  resq: 8,
  rest: 10,
};
const PREFIXES: Readonly<Record<string, number>> = {
  lock: 0xf0,
  rep: 0xf3,
  repe: 0xf3,
  repz: 0xf3,
  repne: 0xf2,
  repnz: 0xf2,
};
/** NASM's explicit operand- and address-size prefixes. */
const SIZE_PREFIXES: Readonly<Record<string, { kind: 'osize' | 'asize'; bits: 16 | 32 }>> = {
  o16: { kind: 'osize', bits: 16 },
  o32: { kind: 'osize', bits: 32 },
  a16: { kind: 'asize', bits: 16 },
  a32: { kind: 'asize', bits: 32 },
};
/** Directives accepted and ignored: they only matter to object formats or to listings. */
const IGNORED = new Set(['global', 'extern', 'common', 'cpu', 'default', 'list', 'nolist']);
const DIRECTIVES = new Set([
  'bits',
  'use16',
  'use32',
  'org',
  'section',
  'segment',
  'align',
  'alignb',
  'absolute',
  'struc',
  'endstruc',
  'istruc',
  'at',
  'iend',
  'times',
  'equ',
  'sectalign',
  ...IGNORED,
]);

function isKeyword(word: string): boolean {
  const w = word.toLowerCase();
  return (
    DIRECTIVES.has(w) ||
    DATA_UNITS[w] !== undefined ||
    RES_UNITS[w] !== undefined ||
    PREFIXES[w] !== undefined ||
    SIZE_PREFIXES[w] !== undefined ||
    isMnemonic(w)
  );
}

/**
 * NASM's orphan-label warning (-w+label-orphan, on by default): a label alone on a line without
 * a colon is most often a misspelled instruction, so the nearest mnemonic is suggested.
 */
export function orphanLabel(name: string): string {
  const reason = 'label alone on a line without a colon might be in error';
  const near = nearestMnemonic(name.toLowerCase());
  return near === undefined ? reason : `${reason} (a misspelled '${near}'?)`;
}

/** The mnemonic one edit away from `word` (a letter added, dropped, changed or swapped). */
function nearestMnemonic(word: string): string | undefined {
  const letters = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const edits = new Set<string>();
  for (let i = 0; i <= word.length; i++) {
    const head = word.slice(0, i);
    const tail = word.slice(i);
    if (tail !== '') edits.add(head + tail.slice(1));
    if (tail.length > 1) edits.add(head + tail[1] + tail[0] + tail.slice(2));
    for (const c of letters) {
      edits.add(head + c + tail);
      if (tail !== '') edits.add(head + c + tail.slice(1));
    }
  }
  edits.delete(word);
  return [...edits].filter(isMnemonic).sort()[0];
}

/** Parses statements, resolving `.local` labels against the last non-local label. */
export class StatementParser {
  private scope = '';

  parse(code: string, loc: SourceLine): Statement {
    let tokens = tokenize(code);
    // `[bits 32]`, `[section .data]`: the primitive directive forms.
    if (
      tokens[0]?.kind === 'op' &&
      tokens[0].text === '[' &&
      tokens[tokens.length - 1]?.text === ']'
    ) {
      tokens = tokens.slice(1, -1);
    }
    const ts = new TokenStream(tokens);
    const st: Statement = { loc, label: null, times: null, body: { k: 'none' } };
    if (ts.atEnd()) return st;
    const first = ts.peek()!;
    const second = ts.peek(1);
    const colon = second?.kind === 'op' && second.text === ':';
    if (first.kind === 'id' && (colon || !isKeyword(first.text))) {
      if (!colon && second !== undefined && !(second.kind === 'id' && isKeyword(second.text))) {
        throw new LineError(`unknown instruction '${first.text}'`, first.col);
      }
      st.label = { name: this.qualifyLabel(first.text), col: first.col };
      ts.pos += colon ? 2 : 1;
      if (!colon && ts.atEnd()) st.warning = { col: first.col, reason: orphanLabel(first.text) };
    }
    if (ts.acceptWord('times')) st.times = this.expr(ts);
    st.body = this.body(ts, st);
    if (!ts.atEnd()) throw new LineError(`unexpected '${ts.peek()!.text}'`, ts.col());
    return st;
  }

  /** `.x` after `foo:` is `foo.x`; `..@` labels neither take nor set the scope. */
  private qualifyLabel(name: string): string {
    const bare = name.startsWith('$') ? name.slice(1) : name;
    if (bare.startsWith('..')) return bare;
    if (bare.startsWith('.')) {
      if (this.scope === '')
        throw new LineError(`local label '${bare}' before any non-local label`);
      return this.scope + bare;
    }
    this.scope = bare;
    return bare;
  }

  private qualify(e: Expr): Expr {
    switch (e.k) {
      case 'sym':
        if (e.name.startsWith('.') && !e.name.startsWith('..')) {
          return { ...e, name: this.scope + e.name };
        }
        return e;
      case 'unary':
        return { ...e, a: this.qualify(e.a) };
      case 'binary':
        return { ...e, a: this.qualify(e.a), b: this.qualify(e.b) };
      case 'cond':
        return { k: 'cond', c: this.qualify(e.c), a: this.qualify(e.a), b: this.qualify(e.b) };
      default:
        return e;
    }
  }

  private expr(ts: TokenStream): Expr {
    return this.qualify(parseExpr(ts));
  }

  private operand(ts: TokenStream): Operand {
    const op = parseOperand(ts);
    switch (op.kind) {
      case 'mem':
        return { ...op, ea: this.qualify(op.ea) };
      case 'imm':
        return { ...op, expr: this.qualify(op.expr) };
      case 'far':
        return { ...op, seg: this.qualify(op.seg), off: this.qualify(op.off) };
      default:
        return op;
    }
  }

  private body(ts: TokenStream, st: Statement): Body {
    const t = ts.peek();
    if (t === undefined) return { k: 'none' };
    if (t.kind !== 'id') throw new LineError(`unexpected '${t.text}'`, t.col);
    const word = t.text.toLowerCase();
    ts.pos++;
    if (DATA_UNITS[word] !== undefined) return this.data(ts, DATA_UNITS[word]);
    if (RES_UNITS[word] !== undefined)
      return { k: 'res', unit: RES_UNITS[word], count: this.expr(ts) };
    if (PREFIXES[word] !== undefined || SIZE_PREFIXES[word] !== undefined || isMnemonic(word)) {
      return this.instruction(ts, word);
    }
    switch (word) {
      case 'equ':
        if (st.label === null) throw new LineError('equ needs a label', t.col);
        return { k: 'equ', e: this.expr(ts) };
      case 'bits': {
        const n = ts.next();
        if (n.text !== '16' && n.text !== '32') throw new LineError('only BITS 16 and 32', n.col);
        return { k: 'bits', bits: n.text === '16' ? 16 : 32 };
      }
      case 'use16':
      case 'use32':
        return { k: 'bits', bits: word === 'use16' ? 16 : 32 };
      case 'org':
        return { k: 'org', e: this.expr(ts) };
      case 'section':
      case 'segment':
        return this.section(ts);
      case 'align':
      case 'alignb': {
        const n = this.expr(ts);
        let fill: Expr | null = null;
        if (ts.accept(',')) {
          // `align 4, db 0xff` fills with the byte given; NASM allows any instruction here, we
          // take a one-byte `db`.
          if (!ts.acceptWord('db')) throw new LineError('align fill must be `db value`', ts.col());
          fill = this.expr(ts);
        }
        return { k: 'align', n, fill, reserve: word === 'alignb' };
      }
      case 'sectalign':
        this.expr(ts);
        return { k: 'none' };
      case 'absolute':
        return { k: 'absolute', e: this.expr(ts) };
      case 'struc':
      case 'istruc': {
        const name = ts.next();
        if (name.kind !== 'id') throw new LineError(`${word} needs a name`, name.col);
        if (word === 'struc') this.qualifyLabel(name.text);
        return word === 'struc'
          ? { k: 'struc', name: name.text }
          : { k: 'istruc', name: name.text };
      }
      case 'endstruc':
        return { k: 'endstruc' };
      case 'iend':
        return { k: 'iend' };
      case 'at': {
        const field = this.expr(ts);
        if (!ts.accept(',')) return { k: 'at', field, data: { k: 'none' } };
        return { k: 'at', field, data: this.body(ts, st) };
      }
      default:
        if (IGNORED.has(word)) {
          ts.pos = ts.tokens.length;
          return { k: 'none' };
        }
        throw new LineError(`'${t.text}' is not allowed here`, t.col);
    }
  }

  private data(ts: TokenStream, unit: number): Body {
    const items: DataItem[] = [];
    do {
      const t = ts.peek();
      const after = ts.peek(1);
      const alone = after === undefined || (after.kind === 'op' && after.text === ',');
      if (t?.kind === 'str' && alone) {
        items.push({ k: 'str', s: t.text });
        ts.pos++;
      } else if (t?.kind === 'float' || (t?.text === '-' && ts.peek(1)?.kind === 'float')) {
        const negative = t.kind === 'op';
        if (negative) ts.pos++;
        const v = Number(ts.next().text.replaceAll('_', ''));
        items.push({ k: 'float', v: negative ? -v : v });
      } else if (t?.kind === 'op' && t.text === '?' && alone) {
        items.push({ k: 'undef' });
        ts.pos++;
      } else {
        items.push({ k: 'expr', e: this.expr(ts) });
      }
    } while (ts.accept(','));
    return { k: 'data', unit, items };
  }

  private instruction(ts: TokenStream, first: string): Body {
    const prefixes: number[] = [];
    let word = first;
    let col = ts.tokens[ts.pos - 1]!.col;
    const sizes: { osize?: 16 | 32; asize?: 16 | 32 } = {};
    while (PREFIXES[word] !== undefined || SIZE_PREFIXES[word] !== undefined) {
      const size = SIZE_PREFIXES[word];
      if (size !== undefined) sizes[size.kind] = size.bits;
      else prefixes.push(PREFIXES[word]!);
      const t = ts.next();
      word = t.text.toLowerCase();
      col = t.col;
      if (!isMnemonic(word) && PREFIXES[word] === undefined && SIZE_PREFIXES[word] === undefined) {
        throw new LineError(`unknown instruction '${t.text}'`, t.col);
      }
    }
    const operands: Operand[] = [];
    if (!ts.atEnd()) {
      do operands.push(this.operand(ts));
      while (ts.accept(','));
    }
    return { k: 'insn', insn: { mnemonic: word, prefixes, operands, col, ...sizes } };
  }

  private section(ts: TokenStream): Body {
    const name = ts.next();
    const attrs = new Map<string, string>();
    while (!ts.atEnd()) {
      const key = ts.next();
      if (key.kind !== 'id') throw new LineError(`bad section attribute '${key.text}'`, key.col);
      if (ts.accept('=')) {
        const start = ts.pos;
        while (!ts.atEnd() && ts.peek()!.kind !== 'id') ts.pos++;
        attrs.set(
          key.text.toLowerCase(),
          ts.tokens
            .slice(start, ts.pos)
            .map((x) => x.text)
            .join(''),
        );
      } else {
        attrs.set(key.text.toLowerCase(), '');
      }
    }
    return { k: 'section', name: name.text, attrs };
  }
}
