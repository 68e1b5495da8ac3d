// Tests for assemble(): whole programs checked against digests of NASM 2.16's output,
// preprocessor features, ELF output with Xen notes, and error reports.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type AssembleResult,
  assemble,
  formatAsmError,
  formatListing,
  formatSymbolMap,
} from './index.ts';

const testdata = (name: string) =>
  readFileSync(new URL(`testdata/${name}`, import.meta.url), 'utf8');

function bytesOf(result: AssembleResult): Uint8Array {
  if (!result.ok) throw new Error(result.errors.map(formatAsmError).join('\n'));
  return result.bytes;
}

const hex = (r: AssembleResult) => Buffer.from(bytesOf(r)).toString('hex');
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('whole programs match NASM byte for byte', () => {
  // sha256 and size of `nasm -f bin testdata/NAME`.
  const programs: ReadonlyArray<[string, string, number]> = [
    ['jumps.asm', '8d13abd0378d03f3b6f7afe4687a62982dcfa3822f6a03fb23332d8c91087e37', 323],
    ['data.asm', 'd2de6a123c515230ee391e724df9b81d62535a4853836a5b767776e1fc5a76c9', 116],
    ['bootsector.asm', '397b412aac6074bb70bc911d39909a41b60ed1ae957036830ffb21b80aa84067', 512],
    ['macros.asm', '3d5f914db8baaa92ca44848b7412d12aa43f6c2b810af0f01a36d7b1aa35384e', 19],
    ['context.asm', '57e31349e7f7d94c6b2210755e4c209381e26fae91669c547db7703e581df100', 45],
    ['common32.asm', 'b1512b8f7ff1cffcf9bd90b1ad92e4a1c89dfa9ec5d76d79cac3808d04b11afb', 359],
  ];
  it.each(programs)('%s', (name, digest, size) => {
    const bytes = bytesOf(assemble(testdata(name), { fileName: name }));
    expect(bytes.length).toBe(size);
    expect(sha256(bytes)).toBe(digest);
  });

  it('lays out data, expressions, strings, align and sections like NASM', () => {
    expect(hex(assemble(testdata('data.asm')))).toBe(
      '686900610a41060061626300000000000c0000000000000013000000faffffff03000000fdffffff0100' +
        '0000050000000e0000000500000008000000ffffffff010000000100000000000000aaaaaa9001cccc' +
        'cc0000ffffffffffffffffb870000000bb74000000b91000000000000044332211',
    );
  });
});

describe('floating-point data', () => {
  it('encodes dd as binary32 and dq as binary64, as NASM does', () => {
    const src = [
      'dd 1.5, -0.25, 3.0e2, 1.5e-3, 1_000.5',
      'dq 3.141592653589793, -1.0e+10, 0.1',
      'dd 1., 0.0',
    ].join('\n');
    expect(hex(assemble(src))).toBe(
      '0000c03f000080be00009643a69bc43a00207a44182d4454fb210940000000205fa002c29a999999' +
        '9999b93f0000803f00000000' +
        '',
    );
  });

  it('refuses floats in expressions and in db', () => {
    expect(assemble('db 1.5').ok).toBe(false);
    expect(assemble('mov eax, 1.5').ok).toBe(false);
  });
});

describe('jump size selection', () => {
  it('uses short jumps forward and backward when in range, near ones otherwise', () => {
    // As NASM: the jz must be near (130 bytes away), which pushes the jmp out of rel8 range.
    const src = 'bits 32\na: jmp b\njz b\ntimes 130 nop\nb: jmp a\njmp c\nc:\n';
    const bytes = bytesOf(assemble(src));
    expect([...bytes.slice(0, 11)]).toEqual([0xe9, 0x88, 0, 0, 0, 0x0f, 0x84, 0x82, 0, 0, 0]);
    expect([...bytes.slice(141)]).toEqual([0xe9, 0x6e, 0xff, 0xff, 0xff, 0xeb, 0x00]);
    const near = bytesOf(assemble('bits 32\na: jmp b\ntimes 10 nop\nb: jz a\n'));
    expect([...near.slice(0, 2)]).toEqual([0xeb, 0x0a]);
    expect([...near.slice(12)]).toEqual([0x74, 0xf2]);
  });

  it('rejects an explicit short jump out of range', () => {
    const r = assemble('bits 32\njmp short x\ntimes 200 nop\nx:\n', { fileName: 'j.asm' });
    expect(r.ok === false && formatAsmError(r.errors[0]!)).toMatch(
      /^j\.asm:2:1: short jump is out of range/,
    );
  });
});

describe('preprocessor', () => {
  it('expands %define with parameters, %assign and %if/%elif/%else', () => {
    const src = [
      '%define SQ(x) ((x) * (x))',
      '%assign n SQ(3)',
      '%if n == 9',
      'db n',
      '%elif n == 4',
      'db 4',
      '%else',
      'db 0',
      '%endif',
      '%ifndef NOPE',
      'db 1',
      '%endif',
      '%ifidni a, A',
      'db 2',
      '%endif',
    ].join('\n');
    expect(hex(assemble(src))).toBe('090102');
  });

  it('expands %macro with %0, defaults, greedy parameters and unique %% labels', () => {
    const src = [
      'bits 32',
      '%macro emit 1-2 7',
      '  db %0, %1, %2',
      '%endmacro',
      '%macro spin 0',
      '%%again: jmp %%again',
      '%endmacro',
      '%macro all 1+',
      '  db %1',
      '%endmacro',
      'emit 1',
      'emit 1, 2',
      'spin',
      'spin',
      'all 4, 5, 6',
    ].join('\n');
    expect(hex(assemble(src))).toBe('020107020102ebfeebfe040506');
  });

  it('repeats with %rep and rotates parameters', () => {
    const src = [
      '%macro rev 3',
      '%rep 3',
      '  db %1',
      '  %rotate 1',
      '%endrep',
      '%endmacro',
      'rev 1, 2, 3',
    ];
    expect(hex(assemble(src.join('\n')))).toBe('010203');
  });

  it('includes files from the virtual file system, relative to the including file', () => {
    const files = { 'lib/a.inc': '%include "b.inc"\nVALUE equ 5', 'lib/b.inc': 'db 9' };
    const r = assemble('%include "lib/a.inc"\ndb VALUE', { files });
    expect(hex(r)).toBe('0905');
  });

  it('does not expand a macro inside its own expansion (NASM: %define a a+1 is a+1)', () => {
    expect(hex(assemble('a equ 3\n%define a a+1\ndd a\n'))).toBe('04000000');
  });

  it('measures and stringifies with %strlen and %defstr', () => {
    expect(hex(assemble("%strlen n 'abcd'\n%defstr s hi\ndb n, s"))).toBe('046869');
  });

  it('takes defines from the options, like nasm -D', () => {
    expect(hex(assemble('db X', { defines: { X: '42' } }))).toBe('2a');
  });
});

describe('sections', () => {
  it('aligns in nobits sections by reserving, and places .bss after the data', () => {
    const r = assemble('bits 32\ndb 1\nsection .bss\nresb 1\nalign 16\ny: resb 4\n');
    // As NASM's map file: .bss is aligned to 16 by its align (SECTALIGN), y at 0x20.
    expect(r.ok && [r.symbols.get('y'), r.bytes.length]).toEqual([0x20, 1]);
  });
});

describe('struc and istruc', () => {
  it('defines field offsets and the size, and fills instances', () => {
    const src = [
      'struc hdr',
      '  .magic: resd 1',
      '  .len: resw 1',
      'endstruc',
      'istruc hdr',
      '  at hdr.len, dw 3',
      'iend',
      'db hdr_size, hdr.len',
    ].join('\n');
    expect(hex(assemble(src))).toBe('00000000030006' + '04');
  });
});

/** Reads the ELF32 fields the tests look at. */
function parseElf(b: Uint8Array) {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const phoff = v.getUint32(28, true);
  const phdrs = Array.from({ length: v.getUint16(44, true) }, (_, i) => {
    const o = phoff + 32 * i;
    return {
      type: v.getUint32(o, true),
      offset: v.getUint32(o + 4, true),
      vaddr: v.getUint32(o + 8, true),
      filesz: v.getUint32(o + 16, true),
      memsz: v.getUint32(o + 20, true),
    };
  });
  return {
    type: v.getUint16(16, true),
    machine: v.getUint16(18, true),
    entry: v.getUint32(24, true),
    phdrs,
  };
}

describe('ELF output', () => {
  const kernel = [
    'org 0xC0000000',
    'section .text',
    '_start: mov eax, hypercall_page',
    '  jmp $',
    'section .data',
    'value: dd 1',
    'section .bss',
    'stack: resb 4096',
    'section .note.Xen',
    '  dd 4, 8, 5                 ; namesz, descsz, XEN_ELFNOTE_XEN_VERSION',
    '  db "Xen", 0',
    '  db "xen-3.0", 0',
    'section .text',
    'align 4096',
    'hypercall_page: times 4096 db 0',
  ].join('\n');

  it('writes an i386 ET_EXEC with PT_LOAD per section and a PT_NOTE for .note sections', () => {
    const r = assemble(kernel, { format: 'elf' });
    const elf = parseElf(bytesOf(r));
    expect(elf.type).toBe(2);
    expect(elf.machine).toBe(3);
    expect(elf.entry).toBe(0xc0000000);
    const loads = elf.phdrs.filter((p) => p.type === 1);
    expect(loads.map((p) => p.vaddr)).toEqual([0xc0000000, 0xc0002000, 0xc0002004]);
    expect(loads[2]).toMatchObject({ filesz: 0, memsz: 4096 });
    for (const p of loads) expect(p.offset % 4096).toBe(p.vaddr % 4096);
    const note = elf.phdrs.find((p) => p.type === 4)!;
    const bytes = bytesOf(r).slice(note.offset, note.offset + note.filesz);
    expect(Buffer.from(bytes).toString('latin1')).toBe(
      '\x04\0\0\0\x08\0\0\0\x05\0\0\0Xen\0xen-3.0\0',
    );
  });

  it('reports symbols at their final addresses', () => {
    const r = assemble(kernel, { format: 'elf' });
    if (!r.ok) throw new Error('assembly failed');
    expect(r.symbols.get('hypercall_page')).toBe(0xc0001000);
    expect(r.symbols.get('stack')).toBe(0xc0002004);
    expect(formatSymbolMap(r.symbols).split('\n')[0]).toBe('c0000000 _start');
  });
});

describe('listing', () => {
  it('gives each line that emitted or reserved its address and bytes', () => {
    const src = 'bits 32\norg 0x100\nnop\ntimes 2 db 7\nsection .bss\nbuf: resd 2\n';
    const r = assemble(src, { fileName: 'l.asm' });
    if (!r.ok) throw new Error('assembly failed');
    expect(
      r.listing.map((l) => [l.line, l.address, l.size, Buffer.from(l.bytes).toString('hex')]),
    ).toEqual([
      [3, 0x100, 1, '90'],
      [4, 0x101, 2, '0707'],
      [6, 0x104, 8, ''],
    ]);
    expect(formatListing(r.listing).split('\n')[2]).toMatch(
      /^l\.asm:6 +00000104 <res 8> +buf: resd 2$/,
    );
  });
});

describe('errors', () => {
  function errors(src: string, options = {}) {
    const r = assemble(src, { fileName: 'k.asm', ...options });
    if (r.ok) throw new Error('expected errors');
    return r.errors.map(formatAsmError);
  }

  it('names file, line and column, and shows the line', () => {
    expect(errors('bits 32\n  mov eax, nothere\n')).toEqual([
      "k.asm:2:12: symbol 'nothere' not defined\n      mov eax, nothere",
    ]);
  });

  it('reports every bad line, not only the first', () => {
    const e = errors('bits 32\nfrob eax\nmov eax\nmov [eax], 1\nadd al, bx\n');
    expect(e).toHaveLength(4);
    expect(e[0]).toMatch(/^k\.asm:2:1: unknown instruction 'frob'/);
    expect(e[2]).toMatch(/^k\.asm:4:1: operation size not specified/);
    expect(e[3]).toMatch(/invalid combination of opcode and operands/);
  });

  it('reports errors in included files and macros where they are', () => {
    expect(errors('%include "x.inc"', { files: { 'x.inc': 'db 1\nbad!\n' } })[0]).toMatch(
      /^x\.inc:2:/,
    );
    expect(errors('%macro m 0\nmov eax, [eax+ebx+ecx]\n%endmacro\nbits 32\nm\n')[0]).toMatch(
      /^k\.asm:2:.*in a macro called from k\.asm:5/,
    );
    expect(errors('%include "none.inc"')[0]).toMatch(/cannot find include file/);
    expect(errors('%if 1\ndb 1\n')[0]).toMatch(/missing %endif/);
    expect(errors('x: db 1\nx: db 2\n')[0]).toMatch(/redefined/);
  });

  it('never throws on malformed input', () => {
    const junk = [
      '[',
      'mov [',
      'db "open',
      '%macro',
      '%endif',
      'times -1 db 0',
      'dd 1/0',
      '$$$$',
      'mov eax, ,',
    ];
    for (const line of junk) {
      const r = assemble(`bits 32\n${line}\n`);
      expect(r.ok, line).toBe(false);
    }
  });
});

describe('warnings', () => {
  it('a label alone on a line without a colon: NASM’s warning, with the mnemonic it misspells', () => {
    const r = assemble('bits 32\nrdtscx\nfoo\nbar:\nrdtsc\n', { fileName: 'g.asm' });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.warnings.map((w) => [w.line, w.col, w.reason])).toEqual([
      [
        2,
        1,
        "warning: label alone on a line without a colon might be in error (a misspelled 'rdtsc'?)",
      ],
      [3, 1, 'warning: label alone on a line without a colon might be in error'],
    ]);
    expect(Buffer.from(r.bytes).toString('hex')).toBe('0f31');
  });
});
