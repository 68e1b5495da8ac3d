// `xenlab asm IN.asm -o OUT [--format bin|elf]`: the NASM-syntax assembler (sim/asm) on the
// command line. This module does the file I/O; sim/asm stays pure.

import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { assemble, formatAsmError, formatListing, formatSymbolMap } from '../../sim/host.ts';
import { EXIT } from '../exit-codes.ts';

export interface AsmOptions {
  output?: string;
  format: 'bin' | 'elf';
  map?: string;
  listing?: string;
  define: Record<string, string>;
}

/**
 * %include files for `main`: a read-only view of the disk, looked up lazily by path (the
 * preprocessor tries the including file's folder first, then the path as given).
 */
export function diskFiles(main: string): Record<string, string> {
  const cache: Record<string, string> = {};
  return new Proxy(cache, {
    get(target, key) {
      if (typeof key !== 'string') return undefined;
      if (!(key in target)) {
        const path = existsSync(key) ? key : join(dirname(main), key);
        if (!existsSync(path) || !statSync(path).isFile()) return undefined;
        target[key] = readFileSync(path, 'utf8');
      }
      return target[key];
    },
  });
}

/** Assembles `input` as the CLI does; returns the exit code. */
export function runAsm(input: string, options: AsmOptions): number {
  let source: string;
  try {
    source = readFileSync(input, 'utf8');
  } catch (e) {
    console.error(`xenlab asm: cannot read ${input}: ${e instanceof Error ? e.message : e}`);
    return EXIT.failed;
  }
  const result = assemble(source, {
    fileName: input,
    files: diskFiles(input),
    format: options.format,
    defines: options.define,
  });
  if (!result.ok) {
    for (const e of result.errors) console.error(formatAsmError(e));
    console.error(`${result.errors.length} error(s); nothing written`);
    return EXIT.failed;
  }
  for (const w of result.warnings) console.error(formatAsmError(w));
  const output =
    options.output ?? input.replace(/\.[^./]*$/, '') + (options.format === 'elf' ? '.elf' : '.bin');
  writeFileSync(output, result.bytes);
  if (options.map !== undefined) writeFileSync(options.map, `${formatSymbolMap(result.symbols)}\n`);
  if (options.listing !== undefined) {
    writeFileSync(options.listing, `${formatListing(result.listing)}\n`);
  }
  return EXIT.ok;
}

function collectDefine(value: string, previous: Record<string, string>): Record<string, string> {
  const m = /^([A-Za-z_.?][\w$#@~.?]*)(?:=(.*))?$/.exec(value);
  if (m === null) throw new InvalidArgumentError('expected NAME or NAME=VALUE');
  return { ...previous, [m[1]!]: m[2] ?? '' };
}

export function register(program: Command): void {
  program
    .command('asm')
    .description('assemble a NASM-syntax source file into a flat binary or an ELF32 executable')
    .argument('<input>', 'the .asm file')
    .option('-o, --output <file>', 'output file (default: input with .bin or .elf)')
    .addOption(
      new Option('-f, --format <format>', 'output format').choices(['bin', 'elf']).default('bin'),
    )
    .option('--map <file>', 'also write a symbol map: "address name" per line')
    .option('-l, --listing <file>', 'also write a listing: each line with its address and bytes')
    .option('-D, --define <name=value>', 'predefine a macro, like nasm -D', collectDefine, {})
    .action((input: string, options: AsmOptions) => {
      process.exitCode = runAsm(input, options);
    });
}
