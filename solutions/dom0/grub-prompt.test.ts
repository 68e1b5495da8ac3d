// Debian's GRUB for Xen (package grub-xen-host) at its prompt, the milestone of chapters 06–08
// (book §6.7, §7.4, §8.4): it asks XenStore for its disks, prints its banner through the console
// ring, notifies both back ends on its event channels, and answers commands typed into the
// ring's `in` half. The test runs only where the package is installed;
// every mechanism it exercises has its own tests.
// xenlab: file from 08
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PhysMemory } from '../../sim/host.ts';
import type { Domain } from '../xen/domain.ts';
import { formatTrace, type HypercallTrace } from '../xen/hypercall.ts';
import { RunOutcome, runDomains } from '../xen/schedule.ts';
import { Xen } from '../xen/xen.ts';
import { Toolstack } from './toolstack.ts';

const GRUB = '/usr/lib/grub-xen/grub-i386-xen.bin';
const PROMPT = 'grub> ';
/** Instructions between two looks at the console. */
const STEP = 200_000;

/** GRUB's terminal escapes (colours, cursor moves): what a screen shows without them. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escapes start with ESC.
const ESCAPES = /\u001b\[[0-9;?]*[A-Za-z]/g;
const screenText = (output: string) => output.replace(ESCAPES, '').replace(/\r/g, '');

interface Machine {
  xen: Xen;
  toolstack: Toolstack;
  grub: Domain;
  /** Guest instructions run so far. */
  instructions: number;
  /** Every event_channel_op traced. */
  eventOps: HypercallTrace[];
}

function bootGrub(): Machine {
  const eventOps: HypercallTrace[] = [];
  const xen = new Xen(new PhysMemory(36 << 20), {
    trace: (t) => {
      if (t.name === 'event_channel_op') eventOps.push(t);
    },
  });
  const toolstack = new Toolstack(xen);
  const image = new Uint8Array(readFileSync(GRUB));
  const grub = toolstack.create(image, { name: 'grub', memoryMiB: 32, cmdline: '' });
  toolstack.start(grub);
  return { xen, toolstack, grub, instructions: 0, eventOps };
}

/** The console after the `n`th prompt, or null while GRUB has not printed it yet. */
function afterPrompt(m: Machine, n: number): string | null {
  const parts = screenText(m.toolstack.console(m.grub)).split(PROMPT);
  return parts.length > n ? parts.slice(n).join(PROMPT) : null;
}

/**
 * Runs until GRUB has printed its `n`th prompt, for at most `fuel` more instructions; returns
 * the screen text, failing with what it shows so far when the prompt does not come.
 */
function runToPrompt(m: Machine, n: number, fuel: number): string {
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

describe('Debian GRUB i386-xen at its prompt (book §6.7, §8.4)', () => {
  it.skipIf(!existsSync(GRUB))(
    'prints its banner and prompt, and answers help, ls, xen_cat and xen_ls typed on its console',
    () => {
      const m = bootGrub();
      const boot = runToPrompt(m, 1, 30_000_000);
      expect(boot).toContain('Welcome to GRUB!');
      expect(boot).toMatch(/GNU GRUB {2}version 2\.\d+/);
      // The embedded grub.cfg looks for a disk to boot from; this domain has none.
      expect(boot).toContain('error: no such device: /boot/grub/grub.cfg.');

      // Nothing typed yet: the prompt is the last thing on the screen.
      expect(afterPrompt(m, 1)).toBe('');
      m.toolstack.type(m.grub, 'help\r');
      runToPrompt(m, 2, 10_000_000);
      const helpOut = afterPrompt(m, 1)!.split(PROMPT)[0]!;
      expect(helpOut).toMatch(/^help\n/);
      for (const command of ['ls [-l|-h|-a] [FILE ...]', 'xen_cat [DIR]', 'xen_ls [DIR]']) {
        expect(helpOut).toContain(command);
      }

      m.toolstack.type(m.grub, 'ls\r');
      runToPrompt(m, 3, 10_000_000);
      // No disks: GRUB's own memdisk and its (proc) device.
      expect(afterPrompt(m, 2)!.split(PROMPT)[0]).toBe('ls\n(memdisk) (proc) \n');

      // xen_cat reads a XenStore key relative to the domain's home: the toolstack wrote domid.
      m.toolstack.type(m.grub, 'xen_cat domid\r');
      runToPrompt(m, 4, 10_000_000);
      expect(afterPrompt(m, 3)!.split(PROMPT)[0]).toBe(`xen_cat domid\n${m.grub.domid}\n`);
      // xen_ls lists the domain's home: the entries the toolstack wrote for it, as libxl does.
      m.toolstack.type(m.grub, 'xen_ls\r');
      runToPrompt(m, 5, 10_000_000);
      const home = afterPrompt(m, 4)!.split(PROMPT)[0]!.split('\n');
      expect(home[0]).toBe('xen_ls');
      expect(home).toEqual(expect.arrayContaining(['name', 'domid', 'store', 'console']));

      // Every EVTCHNOP_send it made, on its store and console ports, succeeded: the toolstack
      // allocated both ports for domain 0's back ends (a port it lacks answers -EINVAL).
      const sent = m.eventOps.filter((t) => t.domid === m.grub.domid);
      expect(sent.length).toBeGreaterThan(0);
      expect(sent.filter((t) => t.result !== 0).map(formatTrace)).toEqual([]);

      expect(m.grub.shutdownReason).toBe(-1);
      expect(m.xen.panicReport).toBe(null);
    },
    // About 28 million guest instructions: seconds alone, longer on a busy machine.
    240_000,
  );
});
