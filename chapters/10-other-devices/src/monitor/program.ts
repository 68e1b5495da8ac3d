// Your working copy for chapter 10, generated from solutions/monitor/program.ts by npx xenlab stage.
// Chapter 1's guests as programs: NASM source assembled into a flat binary at 0, optionally
// rewritten, and run on the monitor in one of three modes: book §1.4, §1.5.1.

import { assemble, formatAsmError } from '../../../../sim/host.ts';
import { type Patch, rewrite } from './rewrite.ts';
import { createVm, type MonitorMode, runVm, type Vm } from './vm.ts';

/** A guest assembled from NASM source: its image, where its code is, and its symbols. */
export interface Program {
  image: Uint8Array;
  /** The .text section: [codeStart, codeEnd). Data sections follow it. */
  codeStart: number;
  codeEnd: number;
  symbols: Map<string, number>;
}

/** Assembles guest `main` from `files` (path → source) as a flat 32-bit binary at 0. */
export function buildProgram(main: string, files: Record<string, string>): Program {
  const source = files[main];
  if (source === undefined) throw new Error(`buildProgram: no source ${main}`);
  const result = assemble(source, { fileName: main, files, format: 'bin' });
  if (!result.ok) throw new Error(result.errors.map((e) => formatAsmError(e)).join('\n'));
  const text = result.sections.find((s) => s.name === '.text');
  const codeStart = text?.address ?? 0;
  const codeEnd = codeStart + (text?.size ?? 0);
  return { image: result.bytes, codeStart, codeEnd, symbols: result.symbols };
}

/** The program with its code rewritten (data left alone) and the patch map. */
export function rewriteProgram(program: Program): {
  image: Uint8Array;
  patches: Map<number, Patch>;
} {
  const { codeStart, codeEnd } = program;
  const { code, patches } = rewrite(program.image.subarray(codeStart, codeEnd), codeStart);
  const image = Uint8Array.from(program.image);
  image.set(code, codeStart);
  return { image, patches };
}

/** A machine with `program` loaded for `mode` (rewritten first for 'rewrite'), not yet run. */
export function startProgram(
  program: Program,
  mode: MonitorMode,
  options: { timerPeriod?: number; ring?: 1 | 3 } = {},
): Vm {
  const ring = mode === 'bare' ? 0 : (options.ring ?? 1);
  const { image, patches } =
    mode === 'rewrite' ? rewriteProgram(program) : { image: program.image, patches: undefined };
  return createVm(image, { ring, patches, timerPeriod: options.timerPeriod });
}

/** Runs `program` in `mode` for at most `fuel` instructions; returns the machine it ran on. */
export function runProgram(
  program: Program,
  mode: MonitorMode,
  options: { fuel: number; timerPeriod?: number; ring?: 1 | 3 },
): Vm {
  const vm = startProgram(program, mode, options);
  runVm(vm, options.fuel);
  return vm;
}

/** Guest instructions between timer ticks for chapter 1's guests. */
export const GUEST_TIMER_PERIOD = 500;
/** Enough for any of chapter 1's guests to finish. */
export const GUEST_FUEL = 1_000_000;

/** Assembles chapter 1 guest `main` and runs it in `mode` with the guests' timer and fuel. */
export function runGuestProgram(
  main: string,
  mode: MonitorMode,
  files: Record<string, string>,
): Vm {
  const program = buildProgram(main, files);
  return runProgram(program, mode, { fuel: GUEST_FUEL, timerPeriod: GUEST_TIMER_PERIOD });
}
