// `<<< console:GUEST` at build time: each guest boots on the reference hypervisor and its
// console, with Xen's log lines, is rendered through a headless terminal (tools/screen.ts), so
// the book shows what `xenlab run GUEST` shows in a terminal, never hand-typed output.
// Node-only.

import { join } from 'node:path';
import { asmSourcesUnder } from '../../tools/asm-sources.ts';
import { renderScreen } from '../../tools/screen.ts';
import { guestNames, startGuest } from './theme/guest/session.ts';

/** Runs guest `name` to its end (or the fuel); returns its console bytes and its host's lines. */
export function terminalBytes(name: string, files: Record<string, string>): Uint8Array {
  const chunks: number[] = [];
  const session = startGuest(name, files, { output: (bytes) => chunks.push(...bytes) });
  session.run(session.budget);
  return Uint8Array.from(chunks);
}

/**
 * The bytes as a terminal receives them from `xenlab run`: the tty's line discipline (onlcr)
 * turns each LF into CR LF, as <GuestConsole>'s xterm.js does with convertEol.
 */
function throughTty(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes).replace(/\r?\n/g, '\r\n');
}

/** Every guest's screen, by guest name. */
export async function renderConsoles(root: string): Promise<Map<string, string[]>> {
  const files = asmSourcesUnder(join(root, 'solutions/guests'));
  const screens = new Map<string, string[]>();
  for (const name of guestNames())
    screens.set(name, await renderScreen(throughTty(terminalBytes(name, files))));
  return screens;
}
