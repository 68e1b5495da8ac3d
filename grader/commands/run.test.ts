import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { minimalKernel } from '../../chapters/testing/elf.ts';
import { buildFat } from '../../tools/fat.ts';
import { decodeInput, RUN_EXIT, runTree } from './run.ts';

const bin = fileURLToPath(new URL('../../bin/xenlab.js', import.meta.url));

function xenlab(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function kernelFile(code: number[]): string {
  const path = join(mkdtempSync(join(tmpdir(), 'xenlab-run-')), 'kernel.elf');
  writeFileSync(path, minimalKernel(code));
  return path;
}

describe('xenlab run', () => {
  it('boots hello, streams its console and exits 0 on poweroff', () => {
    const r = xenlab('run', 'hello');
    expect(r.out).toBe(
      'Hello from a PV guest on xenlab!\r\n' +
        'Running on Xen 4.1.0-xenlab\r\n' +
        'start_info: xen-3.0-x86_32p, 8192 pages\r\n',
    );
    expect(r.err).toMatch(/\(XEN\) domain 1 \(hello\) shut down: poweroff/);
    expect(r.code).toBe(RUN_EXIT.poweroff);
  });

  it('--input types at the guest’s console ring; its echo comes back through the back end', () => {
    const r = xenlab('run', 'console', '--input', 'one\\rtwo\\x04');
    expect(r.out).toBe(
      'Hello over the console ring! Type, and Ctrl-D ends.\r\none\r\ntwo\r\nbye\r\n',
    );
    expect(r.code).toBe(RUN_EXIT.poweroff);
  });

  it('without a terminal or --input, types what the book types at that guest', () => {
    const r = xenlab('run', 'console');
    expect(r.out).toMatch(/Hello, ring!\r\n\r\nbye\r\n$/);
    expect(r.code).toBe(RUN_EXIT.poweroff);
  });

  const GRUB = '/usr/lib/grub-xen/grub-i386-xen.bin';
  it.skipIf(!existsSync(GRUB))(
    'boots Debian’s GRUB for Xen to its prompt; it answers ls, and halt powers it off',
    () => {
      const r = xenlab('run', GRUB, '--input', 'ls\\rhalt\\r');
      // What a terminal shows: GRUB's escapes (colours, cursor moves) and carriage returns out.
      // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escapes start with ESC.
      const screen = r.out.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
      expect(screen).toMatch(/GNU GRUB {2}version 2\.\d+/);
      expect(screen).toContain('grub> ls\n(memdisk) (proc) \ngrub> halt\n');
      expect(r.err).toMatch(/shut down: poweroff/);
      expect(r.code).toBe(RUN_EXIT.poweroff);
    },
    // About 27 million guest instructions: seconds alone, longer on a busy machine.
    240_000,
  );

  it('boots a scenario as the book does: grant-share with the grant-map peer it names', () => {
    const r = xenlab('run', 'grant-share');
    expect(r.out).toContain('granted ref 8 to domain 2\r\nmapping ref 8 of domain 1\r\n');
    expect(r.out).toContain('reply: Hello back from the mapping domain!');
    expect(r.err).toMatch(/domain 2 \(grant-map\) shut down: poweroff/);
    expect(r.code).toBe(RUN_EXIT.poweroff);
  });

  it('--disk attaches an image read-write; with ",cow" the file is left as it was', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'xenlab-run-')), 'disk.img');
    const data = new TextEncoder().encode('Hello, disk!\n');
    writeFileSync(path, buildFat([{ path: '/HELLO.TXT', data }], { size: 1 << 20 }));
    const original = readFileSync(path);
    const cow = xenlab('run', 'disk', '--disk', `${path},cow`);
    expect(cow.out).toContain('disk: HELLO.TXT at sector 49: Hello, disk!');
    expect(cow.out).toContain('disk: wrote sector 2047, read it back: same');
    expect(cow.code).toBe(RUN_EXIT.poweroff);
    expect(readFileSync(path).equals(original), 'copy-on-write: the file is unchanged').toBe(true);
    const rw = xenlab('run', 'disk', '--disk', path);
    expect(rw.code).toBe(RUN_EXIT.poweroff);
    const after = readFileSync(path);
    expect(after.subarray(0, 2047 * 512).equals(original.subarray(0, 2047 * 512))).toBe(true);
    expect(after.subarray(2047 * 512).equals(original.subarray(2047 * 512)), 'sector 2047').toBe(
      false,
    );
    const bad = xenlab('run', 'disk', '--disk', `${path},sparkly`);
    expect(bad.err).toContain('--disk');
    expect(bad.code).toBe(2);
  });

  it('decodes the escapes of --input', () => {
    expect(decodeInput('ls\\r\\x04\\\\n\\e[A\\t')).toBe('ls\r\x04\\n\x1b[A\t');
  });

  it('--trace prints each hypercall with decoded arguments', () => {
    const r = xenlab('run', 'hello', '--trace', '--memory', '16');
    expect(r.err).toMatch(/^d1v0 xen_version\(cmd=XENVER_version, arg=0x0\) = 262145$/m);
    expect(r.err).toMatch(/^d1v0 sched_op\(cmd=SCHEDOP_shutdown, arg=0x[0-9a-f]+\) = 0$/m);
    expect(r.out).toMatch(/4096 pages/);
  });

  it('runs an ELF kernel from a file; its shutdown reason is the exit code', () => {
    // sched_op_compat(SCHEDOP_shutdown, SHUTDOWN_reboot) inline.
    const reboot = [0xb8, 6, 0, 0, 0, 0xbb, 2, 0, 0, 0, 0xb9, 1, 0, 0, 0, 0xcd, 0x82, 0xeb, 0xfe];
    const r = xenlab('run', kernelFile(reboot));
    expect(r.err).toMatch(/shut down: reboot/);
    expect(r.code).toBe(RUN_EXIT.reboot);
  });

  it('prints the crash report of a faulting guest and exits 1', () => {
    const r = xenlab('run', kernelFile([0xa3, 0, 0, 0x40, 0, 0xeb, 0xfe]));
    expect(r.err).toMatch(/crashed/);
    expect(r.err).toMatch(/#PF, page fault.*CR2 0x00400000/);
    expect(r.err).toMatch(/instruction at 0x00000000: mov \[0x400000\],eax \(a3 00 00 40 00\)$/m);
    expect(r.code).toBe(RUN_EXIT.crash);
  });

  it('stops at the fuel budget', () => {
    const r = xenlab('run', kernelFile([0xeb, 0xfe]), '--fuel', '5000');
    expect(r.err).toMatch(/fuel exhausted after 5000 instructions/);
    expect(r.code).toBe(RUN_EXIT.fuelExhausted);
  });

  it('explains what it cannot load', () => {
    const missing = xenlab('run', 'no-such-guest');
    expect(missing.err).toMatch(
      /cannot load "no-such-guest" \(guests: [^)]*\bhello\b[^)]*\bcrash\b/,
    );
    expect(missing.code).toBe(1);
    const notXen = join(mkdtempSync(join(tmpdir(), 'xenlab-run-')), 'x.elf');
    writeFileSync(notXen, new Uint8Array(64));
    const refused = xenlab('run', notXen);
    expect(refused.err).toMatch(/domain builder refused .*not an ELF image/);
    expect(refused.code).toBe(1);
  });

  it('boots on another hypervisor tree with --src', () => {
    const tree = fileURLToPath(new URL('../../solutions', import.meta.url));
    const r = xenlab('run', 'hello', '--src', tree, '--memory', '16');
    expect(r.out).toMatch(/^Hello from a PV guest on xenlab!\r\n/);
    expect(r.code).toBe(RUN_EXIT.poweroff);
  });

  it('says so when the reference is not there (a student handout)', async () => {
    await expect(runTree({}, join(tmpdir(), 'no-such-reference'))).rejects.toThrow(
      /reference hypervisor \(solutions\/\) is not included in this handout.*--chapter NN/,
    );
  });
});
