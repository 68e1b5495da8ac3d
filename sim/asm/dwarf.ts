// DWARF version 2 line information for ELF output (DWARF 2 standard §6.2, §7.5, §7.21): one
// compile unit whose line table maps every instruction of the executable sections to its source
// file and line, so a debugger shows the assembly source and breaks on `file:line`.

/** A row of the line table: an instruction's address, size and where it came from. */
export interface LineRow {
  file: string;
  line: number;
  address: number;
  size: number;
}

/** A non-allocated section for the ELF file: its name and bytes. */
export interface DebugSection {
  name: string;
  bytes: Uint8Array;
}

const DW_TAG_compile_unit = 0x11;
const DW_AT_name = 0x03;
const DW_AT_stmt_list = 0x10;
const DW_AT_low_pc = 0x11;
const DW_AT_high_pc = 0x12;
const DW_AT_language = 0x13;
const DW_AT_producer = 0x25;
const DW_FORM_addr = 0x01;
const DW_FORM_data2 = 0x05;
const DW_FORM_data4 = 0x06;
const DW_FORM_string = 0x08;
const DW_LANG_Mips_Assembler = 0x8001;

const DW_LNS_copy = 1;
const DW_LNS_advance_line = 3;
const DW_LNS_set_file = 4;
const DW_LNE_end_sequence = 1;
const DW_LNE_set_address = 2;
/** Standard opcodes 1–12 and how many ULEB operands each takes. */
const OPCODE_BASE = 13;
const STANDARD_OPCODE_LENGTHS = [0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1];

class Bytes {
  readonly out: number[] = [];
  u8(v: number): this {
    this.out.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    return this.u8(v).u8(v >>> 8);
  }
  u32(v: number): this {
    return this.u16(v & 0xffff).u16(v >>> 16);
  }
  uleb(v: number): this {
    do {
      const byte = v & 0x7f;
      v >>>= 7;
      this.u8(v !== 0 ? byte | 0x80 : byte);
    } while (v !== 0);
    return this;
  }
  sleb(v: number): this {
    for (;;) {
      const byte = v & 0x7f;
      v >>= 7;
      const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
      this.u8(done ? byte : byte | 0x80);
      if (done) return this;
    }
  }
  string(s: string): this {
    for (const c of s) this.u8(c.charCodeAt(0));
    return this.u8(0);
  }
  bytes(b: readonly number[]): this {
    for (const v of b) this.u8(v);
    return this;
  }
}

/** A unit: its 32-bit length, then its body. */
function unit(body: Bytes): number[] {
  return new Bytes().u32(body.out.length).bytes(body.out).out;
}

function setAddress(program: Bytes, address: number): void {
  program
    .u8(0)
    .uleb(5)
    .u8(DW_LNE_set_address)
    .u32(address >>> 0);
}

/** .debug_line: a header naming the files, then one sequence over the rows by address. */
function lineTable(rows: readonly LineRow[], files: readonly string[]): number[] {
  const header = new Bytes().u8(1).u8(1).u8(-5).u8(14).u8(OPCODE_BASE);
  header.bytes(STANDARD_OPCODE_LENGTHS).u8(0); // no include directories
  for (const f of files) header.string(f).uleb(0).uleb(0).uleb(0);
  header.u8(0);
  const program = new Bytes();
  let file = 1;
  let line = 1;
  for (const row of rows) {
    const index = files.indexOf(row.file) + 1;
    if (index !== file) program.u8(DW_LNS_set_file).uleb(index);
    file = index;
    if (row.line !== line) program.u8(DW_LNS_advance_line).sleb(row.line - line);
    line = row.line;
    setAddress(program, row.address);
    program.u8(DW_LNS_copy);
  }
  const last = rows[rows.length - 1]!;
  setAddress(program, last.address + last.size);
  program.u8(0).uleb(1).u8(DW_LNE_end_sequence);
  const body = new Bytes().u16(2).u32(header.out.length).bytes(header.out).bytes(program.out);
  return unit(body);
}

/**
 * The DWARF sections for `rows` (the instructions, in any order) of a program assembled from
 * `mainFile`: .debug_abbrev, .debug_info (one compile unit) and .debug_line. None for no rows.
 */
export function debugSections(rows: readonly LineRow[], mainFile: string): DebugSection[] {
  const sorted = rows.filter((r) => r.size > 0).sort((a, b) => a.address - b.address);
  if (sorted.length === 0) return [];
  const files = [mainFile, ...new Set(sorted.map((r) => r.file).filter((f) => f !== mainFile))];
  const abbrev = new Bytes().uleb(1).uleb(DW_TAG_compile_unit).u8(0);
  abbrev.uleb(DW_AT_stmt_list).uleb(DW_FORM_data4).uleb(DW_AT_low_pc).uleb(DW_FORM_addr);
  abbrev.uleb(DW_AT_high_pc).uleb(DW_FORM_addr).uleb(DW_AT_name).uleb(DW_FORM_string);
  abbrev.uleb(DW_AT_producer).uleb(DW_FORM_string).uleb(DW_AT_language).uleb(DW_FORM_data2);
  abbrev.u8(0).u8(0).u8(0);
  const last = sorted[sorted.length - 1]!;
  const info = new Bytes().u16(2).u32(0).u8(4).uleb(1).u32(0);
  info.u32(sorted[0]!.address).u32(last.address + last.size);
  info.string(mainFile).string('xenlab asm').u16(DW_LANG_Mips_Assembler);
  return [
    { name: '.debug_abbrev', bytes: Uint8Array.from(abbrev.out) },
    { name: '.debug_info', bytes: Uint8Array.from(unit(info)) },
    { name: '.debug_line', bytes: Uint8Array.from(lineTable(sorted, files)) },
  ];
}
