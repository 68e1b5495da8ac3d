// `xenlab disasm FILE [--bits 16|32] [--org ADDR]`: the disassembler (sim/asm/disasm.ts) on the
// command line, in ndisasm's layout. An ELF32 file is disassembled by its executable PT_LOAD
// segments, at their addresses and in 32-bit mode.

import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { disassemble } from '../../sim/host.ts';
import { EXIT } from '../exit-codes.ts';

export interface DisasmCliOptions {
  bits: '16' | '32';
  org: number;
}

const PT_LOAD = 1;
const PF_X = 1;
const SHT_SYMTAB = 2;

/** ndisasm's line layout: address, bytes, instruction. */
export function formatListing(bytes: Uint8Array, bits: 16 | 32, org: number): string[] {
  return disassemble(bytes, { bits, org }).map((l) => {
    const address = (l.address >>> 0).toString(16).toUpperCase().padStart(8, '0');
    const hex = Buffer.from(l.bytes).toString('hex').toUpperCase();
    return `${address}  ${hex.padEnd(18)}${l.text}`;
  });
}

/** Symbols of an ELF32 image's .symtab: address → names, to label the listing. */
export function elfSymbols(image: Uint8Array): Map<number, string[]> {
  const v = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const shoff = v.getUint32(32, true);
  const count = v.getUint16(48, true);
  const symbols = new Map<number, string[]>();
  for (let i = 0; i < count; i++) {
    const sh = shoff + 40 * i;
    if (v.getUint32(sh + 4, true) !== SHT_SYMTAB) continue;
    const strtab = shoff + 40 * v.getUint32(sh + 24, true);
    const names = v.getUint32(strtab + 16, true);
    const start = v.getUint32(sh + 16, true);
    const end = start + v.getUint32(sh + 20, true);
    for (let at = start + 16; at + 16 <= end; at += 16) {
      let name = '';
      for (let c = names + v.getUint32(at, true); image[c] !== 0; c++)
        name += String.fromCharCode(image[c]!);
      const address = v.getUint32(at + 4, true);
      symbols.set(address, [...(symbols.get(address) ?? []), name]);
    }
  }
  return symbols;
}

/** The executable PT_LOAD segments of an ELF32 image: address and file bytes. */
export function executableSegments(
  image: Uint8Array,
): Array<{ address: number; bytes: Uint8Array }> {
  const v = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const phoff = v.getUint32(28, true);
  const count = v.getUint16(44, true);
  const segments: Array<{ address: number; bytes: Uint8Array }> = [];
  for (let i = 0; i < count; i++) {
    const at = phoff + 32 * i;
    if (v.getUint32(at, true) !== PT_LOAD || (v.getUint32(at + 24, true) & PF_X) === 0) continue;
    const offset = v.getUint32(at + 4, true);
    const size = v.getUint32(at + 16, true);
    segments.push({
      address: v.getUint32(at + 8, true),
      bytes: image.subarray(offset, offset + size),
    });
  }
  return segments;
}

export function runDisasm(file: string, options: DisasmCliOptions): number {
  let image: Uint8Array;
  try {
    image = readFileSync(file);
  } catch (e) {
    console.error(`xenlab disasm: cannot read ${file}: ${e instanceof Error ? e.message : e}`);
    return EXIT.failed;
  }
  const isElf = image.length >= 52 && image[0] === 0x7f && image[1] === 0x45 && image[2] === 0x4c;
  if (isElf) {
    const symbols = elfSymbols(image);
    for (const segment of executableSegments(image)) {
      const lines = formatListing(segment.bytes, 32, segment.address);
      const labelled = lines.flatMap((line) => {
        const names = symbols.get(Number.parseInt(line.slice(0, 8), 16)) ?? [];
        return [...names.map((n) => `${n}:`), line];
      });
      console.log(labelled.join('\n'));
    }
  } else {
    console.log(formatListing(image, options.bits === '16' ? 16 : 32, options.org).join('\n'));
  }
  return EXIT.ok;
}

function parseAddress(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw new InvalidArgumentError('expected an address such as 0x7c00');
  }
  return n;
}

export function register(program: Command): void {
  program
    .command('disasm')
    .description('disassemble a flat binary (or an ELF32 kernel) into NASM syntax, like ndisasm')
    .argument('<file>', 'the binary')
    .addOption(
      new Option('-b, --bits <bits>', 'code size for flat binaries')
        .choices(['16', '32'])
        .default('32'),
    )
    .option('-o, --org <address>', 'address of the first byte', parseAddress, 0)
    .action((file: string, options: DisasmCliOptions) => {
      process.exitCode = runDisasm(file, options);
    });
}
