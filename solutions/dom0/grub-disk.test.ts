// Debian's GRUB for Xen (package grub-xen-host) on a virtual disk, the milestone of chapter 09
// (book §9.1): its xen disk driver reads device/vbd from XenStore, grants a ring and a buffer,
// does the XenBus handshake with our blkback and reads sectors over blkif. It then sees
// (xen/xvda), finds /boot/grub/grub.cfg on the FAT volume and runs it, and `cat`s a file; and,
// told to, loads a xenlab guest kernel from the disk and boots it in its place. The
// test runs only where the package is installed; blkback's own tests (blkback.test.ts, chapter
// 09's) do not need it.
// xenlab: file from 09
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PhysMemory } from '../../sim/host.ts';
import { asmSourcesUnder } from '../../tools/asm-sources.ts';
import { buildFat } from '../../tools/fat.ts';
import { buildGuest } from '../guests/index.ts';
import { RunOutcome, runDomains } from '../xen/schedule.ts';
import { Xen } from '../xen/xen.ts';
import { MemoryDisk } from './disk.ts';
import {
  answer,
  createGrub,
  GRUB,
  type GrubMachine,
  runToPrompt,
  STEP,
  screenText,
} from './grub-testing.ts';

const text = (s: string) => new TextEncoder().encode(s);

interface Machine extends GrubMachine {
  disk: MemoryDisk;
}

function bootGrubWithDisk(files: { path: string; data: Uint8Array }[]): Machine {
  const m = createGrub(new Xen(new PhysMemory(40 << 20)));
  const disk = new MemoryDisk(buildFat(files, { size: 4 << 20 }));
  m.toolstack.attachDisk(m.grub, disk);
  m.toolstack.start(m.grub);
  return { ...m, disk };
}

describe('Debian GRUB i386-xen on a virtual disk (book §9.1)', () => {
  it.skipIf(!existsSync(GRUB))(
    'sees (xen/xvda), runs /boot/grub/grub.cfg from it and reads a file with cat',
    () => {
      const hello = 'Hello from a FAT volume served by blkback\n';
      const m = bootGrubWithDisk([
        { path: '/boot/grub/grub.cfg', data: text('echo grub.cfg found on xvda\n') },
        { path: '/HELLO.TXT', data: text(hello) },
      ]);
      const boot = runToPrompt(m, 1, 60_000_000);
      // The embedded config found the disk's grub.cfg and ran it (it has no menu entry, so
      // GRUB then gives its prompt).
      expect(boot).toContain('grub.cfg found on xvda');
      expect(boot).not.toContain('no such device: /boot/grub/grub.cfg');

      expect(answer(m, 1, 'ls')).toBe('ls\n(memdisk) (proc) (xen/xvda) \n');
      // GRUB shows its progress bar for the file ([ HELLO.TXT 42B 100% … ]), then the text.
      const cat = answer(m, 2, 'cat (xen/xvda)/HELLO.TXT');
      expect(cat).toMatch(/^cat \(xen\/xvda\)\/HELLO\.TXT\n/);
      expect(cat).toContain(hello);

      // Both ends say Connected in XenStore, and the back end served without an error.
      const be = `/local/domain/0/backend/vbd/${m.grub.domid}/51712`;
      const fe = `/local/domain/${m.grub.domid}/device/vbd/51712`;
      expect(m.toolstack.xs.read(`${be}/state`)).toBe('4');
      expect(m.toolstack.xs.read(`${fe}/ring-ref`)).toMatch(/^\d+$/);
      const conn = [...m.toolstack.vbds.blkback.bus.devices.values()][0]!.conn!;
      expect(conn.served).toBeGreaterThan(0);
      expect(conn.errors).toBe(0);
      expect(m.xen.panicReport).toBe(null);
    },
    // Some 60 million guest instructions: tens of seconds on a busy machine.
    400_000,
  );

  it.skipIf(!existsSync(GRUB))(
    'boots a xenlab guest kernel it reads from the disk (linux, boot), which then runs in its place',
    () => {
      const files = asmSourcesUnder(new URL('../guests', import.meta.url).pathname);
      const cfg = 'echo loading hello\nlinux (xen/xvda)/hello.elf\nboot\n';
      const m = bootGrubWithDisk([
        { path: '/boot/grub/grub.cfg', data: text(cfg) },
        { path: '/hello.elf', data: buildGuest('hello.asm', files) },
      ]);
      let r = { outcome: RunOutcome.FuelExhausted as string, instructions: 0 };
      while (r.outcome === RunOutcome.FuelExhausted && m.instructions < 80_000_000) {
        r = runDomains(m.xen, STEP);
        m.instructions += r.instructions;
      }
      const screen = screenText(m.toolstack.console(m.grub));
      expect(screen, 'GRUB ran the disk’s grub.cfg').toContain('loading hello');
      // hello prints through console_io, in the same domain GRUB ran in, then powers off.
      expect(m.xen.consoleOutput.get(m.grub.domid) ?? '').toContain(
        'Hello from a PV guest on xenlab!',
      );
      expect(m.grub.shutdownReason, `poweroff; screen:\n${screen}`).toBe(0);
      expect(m.xen.panicReport).toBe(null);
    },
    400_000,
  );
});
