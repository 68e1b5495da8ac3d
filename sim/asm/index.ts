// sim/asm: a NASM-compatible assembler for 16/32-bit x86, pure TypeScript (no node:*), used at
// run time in Node and in the browser to build xenlab's guests.
//
// API (stable; other modules depend on it):
//
//   assemble(source, {
//     fileName?: string,                 // names the main file in errors (default 'input.asm')
//     files?: Record<string, string>,    // virtual file system for %include
//     format?: 'bin' | 'elf',            // flat binary (NASM -f bin) or ELF32 ET_EXEC (i386)
//     defines?: Record<string, string>,  // like nasm -D NAME=VALUE
//   }): AssembleResult
//
//   AssembleResult =
//     | { ok: true, bytes, symbols, sections, entry }
//         bytes:    the output file's contents
//         symbols:  every label and equ → its value (labels are absolute addresses)
//         sections: name, address, size and kind of every non-empty section
//         entry:    `_start`, else `start`, else the first section's address
//         listing:  per source line that emitted or reserved: file, line, address, bytes
//         warnings: what NASM warns about (a label alone on a line without a colon), as AsmErrors
//     | { ok: false, errors: AsmError[] }  // file, line, col, reason, source line
//
//   formatAsmError(e) → "file:line:col: reason\n    source line"
//   formatSymbolMap(symbols) → "address name" lines sorted by address, for traces.
//   formatListing(listing) → one line per listing entry: file:line, address, bytes, source.
//
// Output formats: `bin` lays sections out as NASM's -f bin does (.text first at `org`, other
// progbits sections after it aligned to 4 or their align=, nobits last). `elf` uses the same
// addresses and writes one PT_LOAD per section; a section whose name starts with `.note` goes
// into a PT_NOTE segment instead (write Xen's ELF notes there as NASM users do: namesz, descsz,
// type, "Xen\0", desc, each padded to 4 bytes). Default BITS: 16 for bin, 32 for elf.
//
// assemble() never throws for bad input: any problem is an AsmError.

import { runPasses, type Section, sectionOrder } from './assembler.ts';
import { debugSections, type LineRow } from './dwarf.ts';
import { buildElf, type ElfSymbol } from './elf.ts';
import { type AsmError, formatAsmError, LineError } from './errors.ts';
import { type Statement, StatementParser } from './parse.ts';
import { preprocess } from './preprocess.ts';

export type { AsmError } from './errors.ts';
export { formatAsmError };

export interface AssembleOptions {
  fileName?: string;
  files?: Record<string, string>;
  format?: 'bin' | 'elf';
  defines?: Record<string, string>;
}

/** One source line's output: where it went and its bytes (none for reserved space). */
export interface ListingLine {
  file: string;
  line: number;
  address: number;
  size: number;
  bytes: Uint8Array;
  source: string;
}

export interface SectionInfo {
  name: string;
  address: number;
  size: number;
  kind: 'progbits' | 'nobits' | 'note';
}

export type AssembleResult =
  | {
      ok: true;
      bytes: Uint8Array;
      symbols: Map<string, number>;
      sections: SectionInfo[];
      entry: number;
      listing: ListingLine[];
      warnings: AsmError[];
    }
  | { ok: false; errors: AsmError[] };

export function assemble(source: string, options: AssembleOptions = {}): AssembleResult {
  const fileName = options.fileName ?? 'input.asm';
  try {
    return assembleOrFail(source, fileName, options);
  } catch (e) {
    // A bug in the assembler: still an error report, never a stack trace for the user.
    const why = e instanceof Error ? e.message : String(e);
    const reason = `internal assembler error: ${why}`;
    return { ok: false, errors: [{ file: fileName, line: 1, col: 1, reason, source: '' }] };
  }
}

function assembleOrFail(
  source: string,
  fileName: string,
  options: AssembleOptions,
): AssembleResult {
  const format = options.format ?? 'bin';
  const pp = preprocess(source, {
    fileName,
    files: options.files ?? {},
    defines: options.defines ?? {},
  });
  const errors: AsmError[] = [...pp.errors];
  const parser = new StatementParser();
  const statements: Statement[] = [];
  for (const line of pp.lines) {
    try {
      statements.push(parser.parse(line.code, line.loc));
    } catch (e) {
      if (!(e instanceof LineError)) throw e;
      const { file, line: n, text } = line.loc;
      errors.push({ file, line: n, col: e.col, reason: e.reason, source: text });
    }
  }
  const elf = format === 'elf';
  const layout = runPasses(statements, { defaultBits: elf ? 32 : 16, notesApart: elf });
  if (Array.isArray(layout) || errors.length > 0) {
    // Report syntax and assembly errors together, in source order.
    const order = new Map(pp.lines.map((l, i) => [`${l.loc.file}:${l.loc.line}`, i]));
    const at = (e: AsmError) => order.get(`${e.file}:${e.line}`) ?? -1;
    const all = [...errors, ...(Array.isArray(layout) ? layout : [])];
    return { ok: false, errors: all.sort((a, b) => at(a) - at(b)) };
  }

  const warnings = statements.flatMap((st): AsmError[] => {
    if (st.warning === undefined) return [];
    const { file, line, text } = st.loc;
    return [
      { file, line, col: st.warning.col, reason: `warning: ${st.warning.reason}`, source: text },
    ];
  });
  const symbols = new Map<string, number>();
  for (const [name, v] of layout.symbols) symbols.set(name, Number(BigInt.asUintN(32, v)));
  const ordered = sectionOrder(layout.sections, elf);
  const entry = symbols.get('_start') ?? symbols.get('start') ?? Number(ordered[0]?.address ?? 0n);
  const sections: SectionInfo[] = layout.sections
    .filter((s) => s.size > 0)
    .map((s) => ({
      name: s.name,
      address: Number(BigInt.asUintN(32, s.address)),
      size: s.size,
      kind: s.note ? 'note' : s.nobits ? 'nobits' : 'progbits',
    }));
  const listing = layout.emitted.map((e): ListingLine => {
    const s = layout.sections[e.section]!;
    return {
      file: e.statement.loc.file,
      line: e.statement.loc.line,
      address: Number(BigInt.asUintN(32, s.address + BigInt(e.start))),
      size: e.end - e.start,
      bytes: Uint8Array.from(s.bytes.slice(e.start, e.end)),
      source: e.statement.loc.text,
    };
  });
  if (elf) {
    const elfSymbols: ElfSymbol[] = [...layout.symbols.keys()].map((name) => ({
      name,
      value: symbols.get(name)!,
      section: layout.labelSections.get(name) ?? -1,
    }));
    const bytes = buildElf(
      ordered.concat(layout.sections.filter((s) => s.note)),
      elfSymbols,
      entry,
      debugSections(codeRows(layout.emitted, layout.sections), fileName),
    );
    return { ok: true, bytes, symbols, sections, entry, listing, warnings };
  }
  return { ok: true, bytes: flatBinary(ordered), symbols, sections, entry, listing, warnings };
}

/** The instructions' rows for the line table: what was emitted into .text, by source line. */
function codeRows(
  emitted: readonly { section: number; start: number; end: number; statement: Statement }[],
  sections: readonly Section[],
): LineRow[] {
  return emitted
    .filter((e) => sections[e.section]!.name === '.text' && e.end > e.start)
    .map((e) => ({
      file: e.statement.loc.file,
      line: e.statement.loc.line,
      address: Number(BigInt.asUintN(32, sections[e.section]!.address + BigInt(e.start))),
      size: e.end - e.start,
    }));
}

/** NASM -f bin: the progbits sections from the first one's address, gaps zero-filled. */
function flatBinary(ordered: readonly Section[]): Uint8Array {
  const loaded = ordered.filter((s) => !s.nobits);
  if (loaded.length === 0) return new Uint8Array(0);
  const origin = loaded[0]!.address;
  const last = loaded[loaded.length - 1]!;
  const out = new Uint8Array(Number(last.address - origin) + last.size);
  for (const s of loaded) out.set(s.bytes, Number(s.address - origin));
  return out;
}

/** A listing like NASM's -l: address, bytes (up to 8 per line shown) and the source line. */
export function formatListing(listing: readonly ListingLine[]): string {
  return listing
    .map((l) => {
      const address = l.address.toString(16).toUpperCase().padStart(8, '0');
      const shown = Array.from(l.bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0'));
      const more = l.bytes.length > 8 ? '…' : l.bytes.length === 0 ? `<res ${l.size}>` : '';
      const hex = shown.join('').toUpperCase() + more;
      const where = `${l.file}:${l.line}`.padEnd(24);
      return `${where} ${address} ${hex.padEnd(18)} ${l.source.trim()}`;
    })
    .join('\n');
}

/** `address name` lines, sorted by address: the symbol map traces use to name addresses. */
export function formatSymbolMap(symbols: ReadonlyMap<string, number>): string {
  return [...symbols]
    .sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1))
    .map(([name, v]) => `${v.toString(16).padStart(8, '0')} ${name}`)
    .join('\n');
}
