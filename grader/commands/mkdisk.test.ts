import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../exit-codes.ts';
import { parseSize } from './mkdisk.ts';

const bin = fileURLToPath(new URL('../../bin/xenlab.js', import.meta.url));

function xenlab(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('xenlab mkdisk', () => {
  it('makes a FAT image of a folder, subfolders included, at the size asked', () => {
    const dir = mkdtempSync(join(tmpdir(), 'xenlab-mkdisk-'));
    mkdirSync(join(dir, 'src/boot/grub'), { recursive: true });
    writeFileSync(join(dir, 'src/boot/grub/grub.cfg'), 'set timeout=0\n');
    const out = join(dir, 'disk.img');
    const r = xenlab('mkdisk', join(dir, 'src'), out, '--size', '2M', '--label', 'BOOT');
    expect(r.err).toBe(`mkdisk: ${out}: 2097152 bytes\n`);
    expect(r.code).toBe(EXIT.ok);
    const image = readFileSync(out);
    expect(image.length).toBe(2 << 20);
    expect(image.subarray(43, 54).toString('latin1')).toBe('BOOT       ');
    // The file's bytes are on the disk (the structure is tools/fat.test.ts's business).
    expect(image.indexOf('set timeout=0\n')).toBeGreaterThan(0);
  });

  it('says why it cannot, with the usage exit code', () => {
    const dir = mkdtempSync(join(tmpdir(), 'xenlab-mkdisk-'));
    writeFileSync(join(dir, 'big'), new Uint8Array(300_000));
    const r = xenlab('mkdisk', dir, join(dir, 'disk.img'), '--size', '256K');
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toMatch(/^xenlab mkdisk: the files need more than .* give a larger size\n$/);
    expect(xenlab('mkdisk', join(dir, 'none'), join(dir, 'x.img')).err).toMatch(/not a folder/);
  });

  it('reads sizes with units', () => {
    expect(parseSize('64M')).toBe(64 << 20);
    expect(parseSize('1440K')).toBe(1440 * 1024);
    expect(parseSize('4096')).toBe(4096);
    expect(() => parseSize('big')).toThrow(/64M/);
  });
});
