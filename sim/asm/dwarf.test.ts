import { describe, expect, it } from 'vitest';
import { assemble } from './index.ts';

const MAIN = ['bits 32', 'section .text', 'start:', '  mov eax, 1', '%include "inc.asm"', '  ret'];
const INC = ['  nop', '  add eax, 2'];

/** The bytes of the ELF section called `name`. */
function section(elf: Uint8Array, name: string): Uint8Array {
  const v = new DataView(elf.buffer, elf.byteOffset);
  const shoff = v.getUint32(32, true);
  const shnum = v.getUint16(48, true);
  const strOff = v.getUint32(shoff + v.getUint16(50, true) * 40 + 16, true);
  for (let i = 0; i < shnum; i++) {
    const sh = shoff + i * 40;
    let n = strOff + v.getUint32(sh, true);
    let s = '';
    while (elf[n] !== 0) s += String.fromCharCode(elf[n++]!);
    if (s === name)
      return elf.subarray(
        v.getUint32(sh + 16, true),
        v.getUint32(sh + 16, true) + v.getUint32(sh + 20, true),
      );
  }
  throw new Error(`no ${name}`);
}

function uleb(b: Uint8Array, at: { i: number }): number {
  let v = 0;
  let shift = 0;
  for (;;) {
    const byte = b[at.i++]!;
    v |= (byte & 0x7f) << shift;
    shift += 7;
    if ((byte & 0x80) === 0) return v;
  }
}

function sleb(b: Uint8Array, at: { i: number }): number {
  let v = 0;
  let shift = 0;
  let byte: number;
  do {
    byte = b[at.i++]!;
    v |= (byte & 0x7f) << shift;
    shift += 7;
  } while ((byte & 0x80) !== 0);
  return (byte & 0x40) !== 0 ? v - (1 << shift) : v;
}

/** Runs the line program with the opcodes a line table needs: the rows it emits. */
function decodeLines(line: Uint8Array): { files: string[]; rows: string[] } {
  const v = new DataView(line.buffer, line.byteOffset);
  expect(v.getUint16(4, true)).toBe(2);
  const end = 4 + v.getUint32(0, true);
  const program = 10 + v.getUint32(6, true);
  const at = { i: 10 + 5 + 12 + 1 }; // fixed fields, opcode lengths, no include directories
  const files: string[] = [];
  while (line[at.i] !== 0) {
    let s = '';
    while (line[at.i] !== 0) s += String.fromCharCode(line[at.i++]!);
    at.i++;
    uleb(line, at);
    uleb(line, at);
    uleb(line, at);
    files.push(s);
  }
  at.i = program;
  const rows: string[] = [];
  let [file, row, address] = [1, 1, 0];
  while (at.i < end) {
    const op = line[at.i++]!;
    if (op === 1) rows.push(`${files[file - 1]}:${row} @${address}`);
    else if (op === 3) row += sleb(line, at);
    else if (op === 4) file = uleb(line, at);
    else if (op === 0) {
      const length = uleb(line, at);
      const sub = line[at.i]!;
      if (sub === 2) address = v.getUint32(at.i + 1, true);
      if (sub === 1) rows.push(`end @${address}`);
      at.i += length;
    } else throw new Error(`unexpected opcode ${op}`);
  }
  return { files, rows };
}

describe('ELF output: DWARF line information', () => {
  it('maps every instruction of .text to its file and line, includes too', () => {
    const r = assemble(MAIN.join('\n'), {
      fileName: 'main.asm',
      files: { 'inc.asm': INC.join('\n') },
      format: 'elf',
    });
    if (!r.ok) throw new Error('does not assemble');
    const { files, rows } = decodeLines(section(r.bytes, '.debug_line'));
    expect(files).toEqual(['main.asm', 'inc.asm']);
    const code = r.listing.filter((l) => l.size > 0);
    const last = code[code.length - 1]!;
    expect(rows).toEqual([
      ...code.map((l) => `${l.file}:${l.line} @${l.address}`),
      `end @${last.address + last.size}`,
    ]);
    expect(rows[0]).toBe(`main.asm:4 @${r.symbols.get('start')}`);
    expect(rows).toContain(`inc.asm:2 @${r.symbols.get('start')! + 6}`);
    // The compile unit points at the table and spans the code.
    const info = new DataView(section(r.bytes, '.debug_info').slice().buffer);
    expect(info.getUint32(12, true)).toBe(0);
    expect(info.getUint32(16, true)).toBe(r.symbols.get('start'));
    expect(info.getUint32(20, true)).toBe(last.address + last.size);
  });
});
