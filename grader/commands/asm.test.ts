import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../exit-codes.ts';

const bin = fileURLToPath(new URL('../../bin/xenlab.js', import.meta.url));

function xenlab(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function workdir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'xenlab-asm-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

describe('xenlab asm', () => {
  it('assembles a flat binary with %include beside the input, a symbol map and a listing', () => {
    const dir = workdir({
      'src/main.asm':
        'bits 32\norg 0x1000\n%include "inc/defs.inc"\nstart: mov eax, VALUE\njmp start\n',
      'src/inc/defs.inc': 'VALUE equ 0x2a\n',
    });
    const out = join(dir, 'out.bin');
    const map = join(dir, 'out.map');
    const listing = join(dir, 'out.lst');
    const r = xenlab('asm', join(dir, 'src/main.asm'), '-o', out, '--map', map, '-l', listing);
    expect(r.err).toBe('');
    expect(r.code).toBe(EXIT.ok);
    expect(readFileSync(out).toString('hex')).toBe('b82a000000ebf9');
    expect(readFileSync(map, 'utf8')).toBe('0000002a VALUE\n00001000 start\n');
    const lines = readFileSync(listing, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/main\.asm:4 +00001000 B82A000000 +start: mov eax, VALUE$/);
    expect(lines[1]).toMatch(/main\.asm:5 +00001005 EBF9 +jmp start$/);
  });

  it('writes ELF with --format elf and takes -D defines', () => {
    const dir = workdir({ 'k.asm': '_start: dd X\n' });
    const r = xenlab('asm', join(dir, 'k.asm'), '-f', 'elf', '-D', 'X=7');
    expect(r.code).toBe(EXIT.ok);
    const elf = readFileSync(join(dir, 'k.elf'));
    expect(elf.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
  });

  it('reports errors as file:line:col with the line, and exits 1', () => {
    const dir = workdir({ 'bad.asm': 'bits 32\nmov eax, [ebx+ecx+edx]\n' });
    const r = xenlab('asm', join(dir, 'bad.asm'));
    expect(r.code).toBe(EXIT.failed);
    expect(r.err).toContain(`${join(dir, 'bad.asm')}:2:10: invalid effective address`);
    expect(r.err).toContain('    mov eax, [ebx+ecx+edx]');
    expect(r.err).not.toMatch(/at .*\.ts:\d+/);
  });

  it('is a usage error without an input or with an unknown format', () => {
    expect(xenlab('asm').code).toBe(EXIT.usage);
    expect(xenlab('asm', 'x.asm', '-f', 'coff').code).toBe(EXIT.usage);
  });
});
