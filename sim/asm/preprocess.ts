// NASM's preprocessor (NASM manual ch. 4): %define/%xdefine/%assign/%undef, %macro with
// parameters, defaults and %% labels, %rep, %if/%ifdef/%ifidn/%elif/%else/%endif, %include
// through a virtual file system, %error. Produces the lines the assembler proper sees.

import { isMnemonic } from './encode.ts';
import { type AsmError, LineError, type SourceLine } from './errors.ts';
import { evaluate, parseExpr, TokenStream } from './expr.ts';
import { isIdChar, isIdStart, tokenize } from './lexer.ts';

/** One line for the assembler: the expanded code and where it came from. */
export interface PpLine {
  code: string;
  loc: SourceLine;
}

export interface PreprocessOptions {
  fileName: string;
  files: Readonly<Record<string, string>>;
  defines: Readonly<Record<string, string>>;
}

interface SingleLineMacro {
  params: readonly string[] | null;
  body: string;
}

interface MultiLineMacro {
  name: string;
  minParams: number;
  maxParams: number;
  greedy: boolean;
  defaults: readonly string[];
  body: readonly SourceLine[];
}

/** A source of lines: a file, a macro expansion or a %rep body. */
interface Frame {
  lines: readonly SourceLine[];
  next: number;
  /** Set for macro expansions: the actual parameters and the %% label number. */
  macro?: { name: string; params: string[]; unique: number; calledFrom: string };
  depth: number;
}

/** Conditional assembly state: is this branch live, and has a branch already been taken? */
interface Cond {
  live: boolean;
  taken: boolean;
  parentLive: boolean;
  sawElse: boolean;
}

const MAX_DEPTH = 64;
const MAX_EXPANSION = 100;

export function preprocess(
  source: string,
  options: PreprocessOptions,
): {
  lines: PpLine[];
  errors: AsmError[];
} {
  return new Preprocessor(options).run(source);
}

class Preprocessor {
  private readonly defines = new Map<string, SingleLineMacro>();
  private readonly macros = new Map<string, MultiLineMacro[]>();
  private readonly frames: Frame[] = [];
  private readonly conds: Cond[] = [];
  private readonly out: PpLine[] = [];
  private readonly errors: AsmError[] = [];
  private uniqueCounter = 0;
  /** NASM's context stack (%push/%pop): `%$name` is local to the top context. */
  private readonly contexts: Array<{ name: string; id: number }> = [];
  /** The line being processed, for __FILE__ and __LINE__. */
  private location: SourceLine | null = null;

  constructor(private readonly options: PreprocessOptions) {
    for (const [name, body] of Object.entries(options.defines)) {
      this.defines.set(name, { params: null, body });
    }
  }

  run(source: string): { lines: PpLine[]; errors: AsmError[] } {
    this.pushFile(this.options.fileName, source, 0);
    for (;;) {
      const line = this.nextLine();
      if (line === undefined) break;
      try {
        this.processLine(line);
      } catch (e) {
        if (!(e instanceof LineError)) throw e;
        this.error(line.loc, e.reason, e.col);
      }
    }
    if (this.conds.length > 0) {
      const loc = { file: this.options.fileName, line: 1, text: '' };
      this.error(loc, 'missing %endif');
    }
    return { lines: this.out, errors: this.errors };
  }

  private error(loc: SourceLine, reason: string, col = 1): void {
    const where = loc.expandedFrom?.length
      ? ` (in a macro called from ${loc.expandedFrom[0]})`
      : '';
    this.errors.push({
      file: loc.file,
      line: loc.line,
      col,
      reason: reason + where,
      source: loc.text,
    });
  }

  private pushFile(file: string, text: string, depth: number): void {
    const raw = text.split('\n');
    const lines: SourceLine[] = [];
    for (let i = 0; i < raw.length; i++) {
      // A backslash at the end of a line continues it on the next.
      let joined = raw[i]!.replace(/\r$/, '');
      const first = i;
      while (joined.endsWith('\\') && i + 1 < raw.length) {
        joined = joined.slice(0, -1) + raw[++i]!.replace(/\r$/, '');
      }
      lines.push({ file, line: first + 1, text: joined });
    }
    this.frames.push({ lines, next: 0, depth });
  }

  /** The next raw line with macro parameters substituted, or undefined at the end of input. */
  private nextLine(): PpLine | undefined {
    while (this.frames.length > 0) {
      const frame = this.frames[this.frames.length - 1]!;
      if (frame.next >= frame.lines.length) {
        this.frames.pop();
        continue;
      }
      const loc = frame.lines[frame.next++]!;
      if (frame.macro === undefined) return { code: loc.text, loc };
      const from = [frame.macro.calledFrom, ...(loc.expandedFrom ?? [])];
      const at = { ...loc, expandedFrom: from };
      try {
        return { code: substituteParams(loc.text, frame.macro), loc: at };
      } catch (e) {
        if (!(e instanceof LineError)) throw e;
        this.error(at, e.reason, e.col);
      }
    }
    return undefined;
  }

  private get live(): boolean {
    return this.conds.length === 0 || this.conds[this.conds.length - 1]!.live;
  }

  private processLine(raw: PpLine): void {
    this.location = raw.loc;
    const line = this.live ? { ...raw, code: this.contextLocals(raw.code) } : raw;
    const directive = /^\s*(%[a-z]+)\b\s*(.*)$/i.exec(line.code);
    if (directive !== null) {
      const name = directive[1]!.toLowerCase();
      const rest = stripComment(directive[2]!);
      if (this.conditional(name, rest, line)) return;
      if (!this.live) return;
      this.directive(name, rest, line);
      return;
    }
    if (!this.live) return;
    const code = this.expandDefines(stripComment(line.code));
    if (this.invokeMacro(code, line)) return;
    this.out.push({ code, loc: line.loc });
  }

  /** `%$name` → the top context's own label; `%$$name` the one below it, and so on. */
  private contextLocals(code: string): string {
    return code.replace(
      /%(\$+)([A-Za-z_.?@][\w$#@~.?]*)/g,
      (_whole, dollars: string, name: string) => {
        const context = this.contexts[this.contexts.length - dollars.length];
        if (context === undefined)
          throw new LineError(`%${dollars}${name} outside a %push context`);
        return `..@c${context.id}.${name}`;
      },
    );
  }

  /** Handles the %if family; returns false for other directives. */
  private conditional(name: string, rest: string, line: PpLine): boolean {
    const m = /^%(el)?if(n)?(def|idni|idn|macro|empty|num|str|id|ctx)?$/.exec(name);
    if (m !== null) {
      const isElif = m[1] !== undefined;
      const evaluateNow = () => (m[2] !== undefined) !== this.condition(m[3] ?? '', rest);
      if (!isElif) {
        const parentLive = this.live;
        const live = parentLive && evaluateNow();
        this.conds.push({ live, taken: live, parentLive, sawElse: false });
        return true;
      }
      const top = this.topCond(name);
      if (top.sawElse) throw new LineError('%elif after %else');
      top.live = top.parentLive && !top.taken && evaluateNow();
      top.taken ||= top.live;
      return true;
    }
    if (name === '%else') {
      const top = this.topCond(name);
      if (top.sawElse) throw new LineError('second %else');
      top.sawElse = true;
      top.live = top.parentLive && !top.taken;
      top.taken = true;
      return true;
    }
    if (name === '%endif') {
      this.topCond(name);
      this.conds.pop();
      return true;
    }
    void line;
    return false;
  }

  private topCond(name: string): Cond {
    const top = this.conds[this.conds.length - 1];
    if (top === undefined) throw new LineError(`${name} without %if`);
    return top;
  }

  private condition(kind: string, rest: string): boolean {
    switch (kind) {
      case '':
        return this.evaluate(rest) !== 0n;
      case 'def':
        return this.defines.has(rest.trim());
      case 'macro':
        return this.macros.has(rest.trim().split(/\s+/)[0]!);
      case 'ctx':
        return this.contexts[this.contexts.length - 1]?.name === rest.trim();
      case 'empty':
        return this.expandDefines(rest).trim() === '';
      case 'idn':
      case 'idni': {
        const [a = '', b = ''] = splitParams(this.expandDefines(rest)).map(normalizeSpaces);
        return kind === 'idn' ? a === b : a.toLowerCase() === b.toLowerCase();
      }
      default: {
        const tokens = tokenize(this.expandDefines(rest));
        if (tokens.length !== 1) return false;
        const t = tokens[0]!;
        return kind === 'num'
          ? t.kind === 'num'
          : kind === 'str'
            ? t.kind === 'str'
            : t.kind === 'id';
      }
    }
  }

  /** Evaluates a preprocessor expression: numbers and defines only, no labels. */
  private evaluate(text: string): bigint {
    const ts = new TokenStream(tokenize(this.expandDefines(text)));
    const e = parseExpr(ts);
    if (!ts.atEnd()) throw new LineError('junk after expression', ts.col());
    const v = evaluate(e, {
      lookup: (name, col) => {
        throw new LineError(`'${name}' is not a number the preprocessor knows`, col);
      },
      here: () => {
        throw new LineError('$ is not allowed in a preprocessor expression');
      },
      base: () => {
        throw new LineError('$$ is not allowed in a preprocessor expression');
      },
    });
    return v.n;
  }

  private directive(name: string, rest: string, line: PpLine): void {
    switch (name) {
      case '%define':
      case '%xdefine':
      case '%idefine':
      case '%xidefine':
        this.define(rest, name.startsWith('%x'));
        return;
      case '%undef':
        this.defines.delete(rest.trim());
        return;
      case '%assign':
      case '%iassign': {
        const m = /^([A-Za-z_.?@$][\w$#@~.?]*)\s+(.*)$/.exec(rest);
        if (m === null) throw new LineError('%assign needs a name and an expression');
        this.defines.set(m[1]!, { params: null, body: this.evaluate(m[2]!).toString() });
        return;
      }
      case '%defstr': {
        const m = /^([A-Za-z_.?@$][\w$#@~.?]*)\s*(.*)$/.exec(rest);
        if (m === null) throw new LineError('%defstr needs a name');
        const text = this.expandDefines(m[2]!).trim();
        this.defines.set(m[1]!, { params: null, body: `'${text.replaceAll("'", '')}'` });
        return;
      }
      case '%strlen': {
        const m = /^([A-Za-z_.?@$][\w$#@~.?]*)\s+(.*)$/.exec(rest);
        const str = m === null ? undefined : tokenize(this.expandDefines(m[2]!))[0];
        if (m === null || str?.kind !== 'str')
          throw new LineError('%strlen needs a name and a string');
        this.defines.set(m[1]!, { params: null, body: String(str.text.length) });
        return;
      }
      case '%macro':
      case '%imacro':
        this.defineMacro(rest);
        return;
      case '%endmacro':
      case '%endm':
        throw new LineError('%endmacro without %macro');
      case '%rep':
        this.repeat(rest);
        return;
      case '%endrep':
        throw new LineError('%endrep without %rep');
      case '%push':
        this.contexts.push({ name: rest.trim(), id: ++this.uniqueCounter });
        return;
      case '%pop':
      case '%repl': {
        const top = this.contexts[this.contexts.length - 1];
        if (top === undefined) throw new LineError(`${name} with no context pushed`);
        if (name === '%repl') top.name = rest.trim();
        else this.contexts.pop();
        return;
      }
      case '%rotate':
        this.rotate(rest);
        return;
      case '%include':
        this.include(rest, line);
        return;
      case '%error':
      case '%fatal':
        throw new LineError(this.expandDefines(rest).trim() || 'error');
      case '%warning':
        return;
      default:
        throw new LineError(`unknown preprocessor directive ${name}`);
    }
  }

  private define(rest: string, expandNow: boolean): void {
    const m = /^([A-Za-z_.?@$][\w$#@~.?]*)(\(([^)]*)\))?\s*(.*)$/.exec(rest);
    if (m === null) throw new LineError('%define needs a name');
    const params = m[2] === undefined ? null : m[3]!.split(',').map((p) => p.trim());
    const body = expandNow ? this.expandDefines(m[4]!) : m[4]!;
    this.defines.set(m[1]!, {
      params: params?.length === 1 && params[0] === '' ? [] : params,
      body,
    });
  }

  /** Reads a body up to the matching end directive, nesting on the start directive. */
  private captureBody(start: RegExp, end: RegExp, what: string): SourceLine[] {
    const body: SourceLine[] = [];
    let depth = 1;
    for (;;) {
      const frame = this.frames[this.frames.length - 1];
      if (frame === undefined || frame.next >= frame.lines.length) {
        throw new LineError(`${what} has no matching end`);
      }
      const loc = frame.lines[frame.next++]!;
      if (start.test(loc.text)) depth++;
      else if (end.test(loc.text) && --depth === 0) return body;
      body.push(loc);
    }
  }

  private defineMacro(rest: string): void {
    const m = /^(\S+)\s+(\d+)(?:-(\d+|\*))?(\+)?(?:\s+\.nolist)?\s*(.*)$/.exec(rest);
    if (m === null) throw new LineError('%macro needs a name and a parameter count');
    const minParams = Number(m[2]);
    const maxParams = m[3] === undefined ? minParams : m[3] === '*' ? 1e9 : Number(m[3]);
    const body = this.captureBody(/^\s*%i?macro\b/i, /^\s*%endm(acro)?\b/i, '%macro');
    const def: MultiLineMacro = {
      name: m[1]!,
      minParams,
      maxParams,
      greedy: m[4] !== undefined,
      defaults: m[5]!.trim() === '' ? [] : splitParams(m[5]!),
      body,
    };
    const list = (this.macros.get(def.name) ?? []).filter(
      (d) => d.minParams !== def.minParams || d.maxParams !== def.maxParams,
    );
    list.push(def);
    this.macros.set(def.name, list);
  }

  private repeat(rest: string): void {
    const count = this.evaluate(rest);
    const body = this.captureBody(/^\s*%rep\b/i, /^\s*%endrep\b/i, '%rep');
    if (count < 0n || count > 1_000_000n) throw new LineError(`bad %rep count ${count}`);
    const lines: SourceLine[] = [];
    for (let i = 0n; i < count; i++) lines.push(...body);
    // Inside a macro the repeated lines still see its (possibly %rotate-d) parameters.
    const macro = this.frames[this.frames.length - 1]?.macro;
    this.pushFrame({ lines, next: 0, depth: this.depth() + 1, ...(macro && { macro }) });
  }

  private rotate(rest: string): void {
    const frame = [...this.frames].reverse().find((f) => f.macro !== undefined);
    if (frame?.macro === undefined) throw new LineError('%rotate outside a macro');
    const params = frame.macro.params;
    const n = Number(this.evaluate(rest));
    if (params.length === 0) return;
    const k = ((n % params.length) + params.length) % params.length;
    params.push(...params.splice(0, k));
  }

  private include(rest: string, line: PpLine): void {
    const m = /^\s*["'<]([^"'>]+)["'>]\s*$/.exec(this.expandDefines(rest));
    if (m === null) throw new LineError('%include needs a quoted file name');
    const name = m[1]!;
    const dir = line.loc.file.includes('/') ? line.loc.file.replace(/\/[^/]*$/, '/') : '';
    const candidates = [normalizePath(dir + name), normalizePath(name)];
    const found = candidates.find((c) => this.options.files[c] !== undefined);
    if (found === undefined) throw new LineError(`cannot find include file '${name}'`);
    this.pushFile(found, this.options.files[found]!, this.depth() + 1);
    if (this.depth() > MAX_DEPTH) throw new LineError('%include nested too deeply');
  }

  private depth(): number {
    return this.frames[this.frames.length - 1]?.depth ?? 0;
  }

  private pushFrame(frame: Frame): void {
    if (frame.depth > MAX_DEPTH) throw new LineError('macros nested too deeply');
    this.frames.push(frame);
  }

  /** If `code` invokes a multi-line macro, pushes its expansion and returns true. */
  private invokeMacro(code: string, line: PpLine): boolean {
    const m = /^\s*(?:([A-Za-z_.?@$][\w$#@~.?]*)(:)\s*)?([A-Za-z_.?@$][\w$#@~.?]*)(.*)$/.exec(code);
    if (m === null) return false;
    const candidates = this.macros.get(m[3]!);
    if (candidates === undefined) return false;
    // Not inside its own expansion (NASM needs %rmacro for that): `push` in a `push` macro is
    // the instruction.
    if (this.frames.some((f) => f.macro?.name === m[3])) return false;
    const argText = m[4]!.trim();
    let args = argText === '' ? [] : splitParams(argText);
    const def = candidates.find(
      (d) => args.length >= d.minParams && (args.length <= d.maxParams || d.greedy),
    );
    if (def === undefined) {
      // A macro named like an instruction, called with another parameter count, is the
      // instruction (NASM does the same, with a warning).
      if (isMnemonic(m[3]!.toLowerCase())) return false;
      throw new LineError(`macro '${m[3]}' does not take ${args.length} parameter(s)`);
    }
    if (def.greedy && args.length > def.maxParams) {
      const fixed = Math.max(def.maxParams - 1, 0);
      args = [...args.slice(0, fixed), splitParams(argText, fixed)[fixed] ?? ''];
    }
    for (let i = args.length; i < def.maxParams && i - def.minParams < def.defaults.length; i++) {
      args.push(def.defaults[i - def.minParams]!);
    }
    if (m[1] !== undefined) this.out.push({ code: `${m[1]}:`, loc: line.loc });
    this.pushFrame({
      lines: def.body,
      next: 0,
      depth: this.depth() + 1,
      macro: {
        name: def.name,
        params: args,
        unique: ++this.uniqueCounter,
        calledFrom: `${line.loc.file}:${line.loc.line}`,
      },
    });
    return true;
  }

  /** NASM's standard macros that depend on where we are. */
  private builtin(name: string): SingleLineMacro | undefined {
    const at = this.location;
    if (at === null) return undefined;
    if (name === '__FILE__' || name === '__?FILE?__') return { params: null, body: `'${at.file}'` };
    if (name === '__LINE__' || name === '__?LINE?__')
      return { params: null, body: String(at.line) };
    return undefined;
  }

  /**
   * Replaces single-line macros in `text`, outside strings. A macro's expansion is expanded
   * again, except for the macros it came from (`%define a a+1` expands once, as in NASM).
   */
  private expandDefines(text: string, active: ReadonlySet<string> = new Set()): string {
    if (active.size > MAX_EXPANSION) throw new LineError('%define expansion nested too deeply');
    let out = '';
    let i = 0;
    while (i < text.length) {
      const c = text[i]!;
      if (c === "'" || c === '"' || c === '`') {
        const close = text.indexOf(c, i + 1);
        const end = close < 0 ? text.length : close + 1;
        out += text.slice(i, end);
        i = end;
        continue;
      }
      if (!isIdStart(c) || (i > 0 && (isIdChar(text[i - 1]!) || text[i - 1] === '%'))) {
        out += c;
        i++;
        continue;
      }
      let j = i + 1;
      while (j < text.length && isIdChar(text[j]!)) j++;
      const name = text.slice(i, j);
      const def = active.has(name) ? undefined : (this.defines.get(name) ?? this.builtin(name));
      const call = def?.params ? readCallArgs(text, j) : undefined;
      if (def === undefined || (def.params !== null && call?.args.length !== def.params.length)) {
        out += name;
        i = j;
        continue;
      }
      const body =
        def.params === null ? def.body : substituteWords(def.body, def.params, call!.args);
      out += this.expandDefines(paste(body), new Set([...active, name]));
      i = call?.end ?? j;
    }
    return out;
  }
}

/** Removes a `;` comment, leaving strings intact. */
function stripComment(text: string): string {
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote !== '') {
      if (c === quote) quote = '';
    } else if (c === "'" || c === '"' || c === '`') {
      quote = c;
    } else if (c === ';') {
      return text.slice(0, i);
    }
  }
  return text;
}

function normalizeSpaces(s: string): string {
  return s.trim().replace(/\s+/g, ' ');
}

function normalizePath(p: string): string {
  const parts: string[] = [];
  for (const part of p.split('/')) {
    if (part === '..') parts.pop();
    else if (part !== '.' && part !== '') parts.push(part);
  }
  return (p.startsWith('/') ? '/' : '') + parts.join('/');
}

/**
 * Splits macro arguments on top-level commas; `{…}` groups an argument containing commas.
 * With `limit`, everything after the limit-th comma stays in the last argument.
 */
export function splitParams(text: string, limit = Number.POSITIVE_INFINITY): string[] {
  const args: string[] = [];
  let current = '';
  let braces = 0;
  let quote = '';
  for (const c of stripComment(text)) {
    if (quote !== '') {
      if (c === quote) quote = '';
    } else if (c === "'" || c === '"' || c === '`') {
      quote = c;
    } else if (c === '{') {
      braces++;
    } else if (c === '}') {
      braces--;
    } else if (c === ',' && braces === 0 && args.length < limit) {
      args.push(current.trim());
      current = '';
      continue;
    }
    current += c;
  }
  args.push(current.trim());
  return args.map((a) => (/^\{.*\}$/s.test(a) ? a.slice(1, -1) : a));
}

function readCallArgs(text: string, start: number): { args: string[]; end: number } | undefined {
  let i = start;
  while (text[i] === ' ') i++;
  if (text[i] !== '(') return undefined;
  let depth = 0;
  for (let j = i; j < text.length; j++) {
    if (text[j] === '(') depth++;
    else if (text[j] === ')' && --depth === 0) {
      const inner = text.slice(i + 1, j);
      return { args: inner.trim() === '' ? [] : splitParams(inner), end: j + 1 };
    }
  }
  return undefined;
}

/** Replaces whole-word occurrences of `params` in `body` by `args` (one pass, no rescans). */
function substituteWords(body: string, params: readonly string[], args: readonly string[]): string {
  let out = '';
  let i = 0;
  while (i < body.length) {
    if (isIdStart(body[i]!) && (i === 0 || !isIdChar(body[i - 1]!))) {
      let j = i + 1;
      while (j < body.length && isIdChar(body[j]!)) j++;
      const word = body.slice(i, j);
      const k = params.indexOf(word);
      out += k < 0 ? word : args[k];
      i = j;
    } else {
      out += body[i++];
    }
  }
  return out;
}

/** Substitutes %1…%n, %{n}, %0, %%label and %+ in one line of a macro body. */
function substituteParams(
  text: string,
  macro: { name: string; params: string[]; unique: number },
): string {
  const replaced = text.replace(
    /%%([A-Za-z_.?@$][\w$#@~.?]*)|%\{(\d+)\}|%(\d+)/g,
    (_whole, label: string | undefined, braced: string | undefined, plain: string | undefined) => {
      if (label !== undefined) return `..@${macro.unique}.${label}`;
      const n = Number(braced ?? plain);
      if (n === 0) return String(macro.params.length);
      return macro.params[n - 1] ?? '';
    },
  );
  return paste(replaced);
}

/** `%+` joins the tokens either side of it. */
function paste(text: string): string {
  return text.replace(/\s*%\+\s*/g, '');
}
