// NASM's lexical syntax (NASM manual §3.1–3.4): identifiers, numbers in every radix notation,
// strings, and the operator characters of expressions.

import { LineError } from './errors.ts';

export type TokenKind = 'id' | 'num' | 'float' | 'str' | 'op';

export interface Token {
  kind: TokenKind;
  /** The identifier, operator or string contents (escapes already applied). */
  text: string;
  /** Numbers and character constants. */
  value: bigint;
  /** 1-based column in the line. */
  col: number;
}

const ID_START = /[A-Za-z_.?@]/;
/** Decimal floating-point constants (NASM manual §3.4.6), for `dd`/`dq`. */
const FLOAT = /^[0-9_]+\.[0-9_]*(e[+-]?[0-9]+)?$/i;
const ID_CHAR = /[A-Za-z0-9_$#@~.?]/;
/** Longest operators first so that `<<` wins over `<`. */
const OPERATORS = [
  '<<<',
  '>>>',
  '<=>',
  '//',
  '%%',
  '<<',
  '>>',
  '==',
  '!=',
  '<>',
  '<=',
  '>=',
  '&&',
  '||',
  '^^',
  '$$',
  '+',
  '-',
  '*',
  '/',
  '%',
  '&',
  '|',
  '^',
  '~',
  '!',
  '(',
  ')',
  '[',
  ']',
  ',',
  ':',
  '<',
  '>',
  '=',
  '?',
  '$',
  '{',
  '}',
];

export function isIdStart(c: string): boolean {
  return ID_START.test(c);
}

export function isIdChar(c: string): boolean {
  return ID_CHAR.test(c);
}

/** Splits one source line into tokens; a `;` outside strings starts a comment. */
export function tokenize(line: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === ';') break;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f') {
      i++;
      continue;
    }
    const col = i + 1;
    if (c === '$' && i + 1 < line.length && isIdStart(line[i + 1]!)) {
      // `$name` escapes an identifier that would otherwise be a keyword or register.
      let j = i + 1;
      while (j < line.length && isIdChar(line[j]!)) j++;
      tokens.push({ kind: 'id', text: `$${line.slice(i + 1, j)}`, value: 0n, col });
      i = j;
    } else if (/[0-9]/.test(c) || (c === '$' && /[0-9]/.test(line[i + 1] ?? ''))) {
      let j = i + 1;
      while (j < line.length && /[0-9A-Za-z_.]/.test(line[j]!)) j++;
      // A decimal float's exponent may carry a sign: 1.5e-3.
      if (/^[0-9_]+\.[0-9_]*e$/i.test(line.slice(i, j)) && /[+-]/.test(line[j] ?? '')) {
        j++;
        while (j < line.length && /[0-9]/.test(line[j]!)) j++;
      }
      const text = line.slice(i, j);
      if (FLOAT.test(text)) tokens.push({ kind: 'float', text, value: 0n, col });
      else tokens.push({ kind: 'num', text, value: parseNumber(text, col), col });
      i = j;
    } else if (isIdStart(c) && !(c === '?' && !isIdChar(line[i + 1] ?? ' '))) {
      let j = i + 1;
      while (j < line.length && isIdChar(line[j]!)) j++;
      tokens.push({ kind: 'id', text: line.slice(i, j), value: 0n, col });
      i = j;
    } else if (c === "'" || c === '"' || c === '`') {
      const { text, end } = readString(line, i);
      tokens.push({ kind: 'str', text, value: charConstant(text), col });
      i = end;
    } else {
      const op = OPERATORS.find((o) => line.startsWith(o, i));
      if (op === undefined) throw new LineError(`unexpected character '${c}'`, col);
      tokens.push({ kind: 'op', text: op, value: 0n, col });
      i += op.length;
    }
  }
  return tokens;
}

/** Reads a quoted string starting at `start`; backquoted strings take C-style escapes. */
export function readString(line: string, start: number): { text: string; end: number } {
  const quote = line[start]!;
  let i = start + 1;
  let text = '';
  while (i < line.length && line[i] !== quote) {
    if (quote === '`' && line[i] === '\\' && i + 1 < line.length) {
      const { ch, len } = readEscape(line, i + 1);
      text += ch;
      i += 1 + len;
    } else {
      // Strings hold bytes: a non-ASCII character becomes its UTF-8 bytes, as NASM emits it.
      const ch = String.fromCodePoint(line.codePointAt(i)!);
      text += ch.charCodeAt(0) < 0x80 ? ch : utf8Bytes(ch);
      i += ch.length;
    }
  }
  if (i >= line.length) throw new LineError('unterminated string', start + 1);
  return { text, end: i + 1 };
}

const UTF8 = new TextEncoder();

function utf8Bytes(ch: string): string {
  return String.fromCharCode(...UTF8.encode(ch));
}

const SIMPLE_ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '0': '\0',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
  e: '\x1b',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '`': '`',
  '?': '?',
};

function readEscape(line: string, i: number): { ch: string; len: number } {
  const c = line[i]!;
  if (c === 'x') {
    const m = /^[0-9A-Fa-f]{1,2}/.exec(line.slice(i + 1));
    if (m === null) throw new LineError('\\x needs hex digits', i + 1);
    return { ch: String.fromCharCode(Number.parseInt(m[0], 16)), len: 1 + m[0].length };
  }
  const octal = /^[0-7]{1,3}/.exec(line.slice(i));
  if (octal !== null) {
    return { ch: String.fromCharCode(Number.parseInt(octal[0], 8) & 0xff), len: octal[0].length };
  }
  const simple = SIMPLE_ESCAPES[c];
  if (simple === undefined) throw new LineError(`unknown escape '\\${c}'`, i);
  return { ch: simple, len: 1 };
}

/** A string used as a number is its bytes in little-endian order (NASM §3.4.3). */
function charConstant(text: string): bigint {
  let v = 0n;
  for (let k = Math.min(text.length, 8) - 1; k >= 0; k--) {
    v = (v << 8n) | BigInt(text.charCodeAt(k) & 0xff);
  }
  return v;
}

const RADIX_PREFIX: Record<string, number> = {
  '0x': 16,
  '0h': 16,
  '0b': 2,
  '0y': 2,
  '0o': 8,
  '0q': 8,
  '0d': 10,
  '0t': 10,
};
const RADIX_SUFFIX: Record<string, number> = {
  h: 16,
  x: 16,
  b: 2,
  y: 2,
  o: 8,
  q: 8,
  d: 10,
  t: 10,
};

/** NASM numeric constants: 0x1F, 1Fh, $1F, 0b101, 101b, 17q, 0o17, 99d, with `_` separators. */
export function parseNumber(raw: string, col: number): bigint {
  const s = raw.replaceAll('_', '').toLowerCase();
  let digits = s;
  let radix = 10;
  if (s.startsWith('$')) {
    digits = s.slice(1);
    radix = 16;
  } else if (s.length > 2 && RADIX_PREFIX[s.slice(0, 2)] !== undefined) {
    radix = RADIX_PREFIX[s.slice(0, 2)]!;
    digits = s.slice(2);
  } else if (s.length > 1 && RADIX_SUFFIX[s[s.length - 1]!] !== undefined) {
    radix = RADIX_SUFFIX[s[s.length - 1]!]!;
    digits = s.slice(0, -1);
  }
  const valid = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^[0-9]+$/, 16: /^[0-9a-f]+$/ }[radix];
  if (valid === undefined || !valid.test(digits)) {
    throw new LineError(`invalid number '${raw}'`, col);
  }
  let v = 0n;
  const r = BigInt(radix);
  for (const d of digits) v = v * r + BigInt(Number.parseInt(d, 16));
  return v;
}
