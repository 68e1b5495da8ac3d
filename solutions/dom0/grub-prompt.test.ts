// Debian's GRUB for Xen (package grub-xen-host) at its prompt, the milestone of chapters 06–08
// (book §6.7, §7.4, §8.4): it asks XenStore for its disks, prints its banner through the console
// ring, notifies both back ends on its event channels, and answers commands typed into the
// ring's `in` half. The test runs only where the package is installed;
// every mechanism it exercises has its own tests.
// xenlab: file from 08
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PhysMemory } from '../../sim/host.ts';
import { formatTrace, type HypercallTrace } from '../xen/hypercall.ts';
import { Xen } from '../xen/xen.ts';
import {
  afterPrompt,
  answer,
  createGrub,
  GRUB,
  type GrubMachine,
  runToPrompt,
} from './grub-testing.ts';

interface Machine extends GrubMachine {
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
  const m = createGrub(xen);
  m.toolstack.start(m.grub);
  return { ...m, eventOps };
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
      const helpOut = answer(m, 1, 'help', 10_000_000);
      expect(helpOut).toMatch(/^help\n/);
      for (const command of ['ls [-l|-h|-a] [FILE ...]', 'xen_cat [DIR]', 'xen_ls [DIR]']) {
        expect(helpOut).toContain(command);
      }

      // No disks: GRUB's own memdisk and its (proc) device.
      expect(answer(m, 2, 'ls', 10_000_000)).toBe('ls\n(memdisk) (proc) \n');

      // xen_cat reads a XenStore key relative to the domain's home: the toolstack wrote domid.
      expect(answer(m, 3, 'xen_cat domid', 10_000_000)).toBe(`xen_cat domid\n${m.grub.domid}\n`);
      // xen_ls lists the domain's home: the entries the toolstack wrote for it, as libxl does.
      const home = answer(m, 4, 'xen_ls', 10_000_000).split('\n');
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
