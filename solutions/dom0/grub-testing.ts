// Test support: Debian's GRUB for Xen (package grub-xen-host) driven at its prompt — booted in a
// domain, commands typed on its console, the screen read back between prompts — for the GRUB
// milestone tests (grub-prompt.test.ts, grub-disk.test.ts). Not staged.

import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { Domain } from '../xen/domain.ts';
import { RunOutcome, runDomains } from '../xen/schedule.ts';
import type { Xen } from '../xen/xen.ts';
import { Toolstack } from './toolstack.ts';

export const GRUB = '/usr/lib/grub-xen/grub-i386-xen.bin';
const PROMPT = 'grub> ';
/** Instructions between two looks at the console. */
export const STEP = 200_000;

/** GRUB's terminal escapes (colours, cursor moves): what a screen shows without them. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escapes start with ESC.
const ESCAPES = /\u001b\[[0-9;?]*[A-Za-z]/g;
export const screenText = (output: string) => output.replace(ESCAPES, '').replace(/\r/g, '');

export interface GrubMachine {
  xen: Xen;
  toolstack: Toolstack;
  grub: Domain;
  /** Guest instructions run so far. */
  instructions: number;
}

/** A GRUB domain of 32 MiB on `xen`, built and still paused: attach devices, then start it. */
export function createGrub(xen: Xen): GrubMachine {
  const toolstack = new Toolstack(xen);
  const image = new Uint8Array(readFileSync(GRUB));
  const grub = toolstack.create(image, { name: 'grub', memoryMiB: 32, cmdline: '' });
  return { xen, toolstack, grub, instructions: 0 };
}

/** The console after the `n`th prompt, or null while GRUB has not printed it yet. */
export function afterPrompt(m: GrubMachine, n: number): string | null {
  const parts = screenText(m.toolstack.console(m.grub)).split(PROMPT);
  return parts.length > n ? parts.slice(n).join(PROMPT) : null;
}

/**
 * Runs until GRUB has printed its `n`th prompt, for at most `fuel` more instructions; returns
 * the screen text, failing with what it shows so far when the prompt does not come.
 */
export function runToPrompt(m: GrubMachine, n: number, fuel: number): string {
  const limit = m.instructions + fuel;
  while (afterPrompt(m, n) === null && m.instructions < limit) {
    const r = runDomains(m.xen, STEP);
    m.instructions += r.instructions;
    if (r.outcome !== RunOutcome.FuelExhausted) break;
  }
  const screen = screenText(m.toolstack.console(m.grub));
  expect(afterPrompt(m, n), `prompt ${n} within ${fuel} instructions; screen:\n${screen}`).not.toBe(
    null,
  );
  return screen;
}

/** What GRUB printed in answer to `command`, typed at prompt `n`. */
export function answer(m: GrubMachine, n: number, command: string, fuel = 20_000_000): string {
  m.toolstack.type(m.grub, `${command}\r`);
  runToPrompt(m, n + 1, fuel);
  return afterPrompt(m, n)!.split(PROMPT)[0]!;
}
