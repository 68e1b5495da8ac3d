import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { assemble } from '../../sim/host.ts';
import { EXIT } from '../exit-codes.ts';

const bin = fileURLToPath(new URL('../../bin/xenlab.js', import.meta.url));

function xenlab(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function file(name: string, bytes: Uint8Array): string {
  const path = join(mkdtempSync(join(tmpdir(), 'xenlab-disasm-')), name);
  writeFileSync(path, bytes);
  return path;
}

describe('xenlab disasm', () => {
  it('lists a flat binary as ndisasm does, at --org in --bits', () => {
    const path = file('boot.bin', Uint8Array.from([0xb8, 0x34, 0x12, 0xcd, 0x10, 0xeb, 0xfe]));
    const r = xenlab('disasm', path, '--bits', '16', '--org', '0x7c00');
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toBe(
      '00007C00  B83412            mov ax,0x1234\n' +
        '00007C03  CD10              int 0x10\n' +
        '00007C05  EBFE              jmp short 0x7c05\n',
    );
  });

  it('disassembles an ELF kernel by executable segment, labelled from its symbols', () => {
    const src = 'org 0xC0000000\n_start: mov eax, 1\n.spin: jmp .spin\nsection .data\ndd 5\n';
    const r = assemble(src, { format: 'elf' });
    if (!r.ok) throw new Error('assembly failed');
    const out = xenlab('disasm', file('k.elf', r.bytes)).out;
    expect(out).toBe(
      '_start:\n' +
        'C0000000  B801000000        mov eax,0x1\n' +
        '_start.spin:\n' +
        'C0000005  EBFE              jmp short 0xc0000005\n',
    );
  });

  it('is a usage error for a bad --bits or --org', () => {
    const path = file('x.bin', Uint8Array.from([0x90]));
    expect(xenlab('disasm', path, '--bits', '64').code).toBe(EXIT.usage);
    expect(xenlab('disasm', path, '--org', 'zz').code).toBe(EXIT.usage);
    expect(xenlab('disasm', '/nonexistent/x.bin').code).toBe(EXIT.failed);
  });
});
