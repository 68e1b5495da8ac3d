// xenlab: file from 02
import { describe, expect, it } from 'vitest';
import { parseElf } from './elf.ts';
import { runAsmGuest } from './testing/guest.ts';

const guest = (symtabNote: string) => `XEN_ELFNOTE_BSD_SYMTAB equ 11
%include "lib/head.asm"
section .note.Xen
${symtabNote}
section .text
main:
  mov eax, [start_info]
  mov [start_info_at], eax
  ret
section .data
start_info_at: dd 0
`;

/** The blob's place: the first 4-byte boundary after the image's last segment. */
function blobStart(image: Uint8Array): number {
  const elf = parseElf(image);
  const pend = Math.max(...elf.segments.map((s) => s.paddr + s.memsz));
  return (pend + 3) & ~3;
}

describe('XEN_ELFNOTE_BSD_SYMTAB', () => {
  it('loads the ELF header, section headers and symbol tables after the image', () => {
    const g = runAsmGuest(guest('  ELFNOTE XEN_ELFNOTE_BSD_SYMTAB, {db "yes", 0}'));
    expect(g.domain.shutdownReason, g.xen.logLines.join('\n')).toBe(0);
    const at = blobStart(g.image);
    const word = (offset: number) => g.readVa32(at + offset);
    const size = word(0);
    expect(word(4), 'an ELF header').toBe(0x464c457f);
    const ehdr = at + 4;
    const u16 = (va: number) => g.readVa32(va) & 0xffff;
    expect(g.readVa32(ehdr + 28), 'e_phoff 0').toBe(0);
    expect(g.readVa32(ehdr + 32), 'e_shoff = e_ehsize').toBe(52);
    expect(u16(ehdr + 44), 'e_phnum 0').toBe(0);
    const [shentsize, shnum] = [u16(ehdr + 46), u16(ehdr + 48)];
    // Find the symbol table among the copied section headers, then `main` in it.
    let found = -1;
    for (let i = 0; i < shnum; i++) {
      const sh = ehdr + 52 + i * shentsize;
      if (g.readVa32(sh + 4) !== 2) continue;
      const [offset, length, link] = [
        g.readVa32(sh + 16),
        g.readVa32(sh + 20),
        g.readVa32(sh + 24),
      ];
      expect(offset + length, 'the table lies inside the block').toBeLessThanOrEqual(size);
      const strtab = g.readVa32(ehdr + 52 + link * shentsize + 16);
      for (let s = 0; s < length; s += 16) {
        const name = ehdr + strtab + g.readVa32(ehdr + offset + s);
        const text = [0, 1, 2, 3, 4].map((k) => g.readVa32(name + k) & 0xff);
        if (String.fromCharCode(...text) === 'main\0') found = g.readVa32(ehdr + offset + s + 4);
      }
    }
    expect(found, "main's value in the loaded symbol table").toBe(g.symbol('main'));
    expect(g.read32('start_info_at'), 'start_info comes after the block').toBeGreaterThanOrEqual(
      at + 4 + size,
    );
  });

  it('loads nothing after the image without the note', () => {
    const g = runAsmGuest(guest(''));
    expect(g.domain.shutdownReason).toBe(0);
    expect(g.readVa32(blobStart(g.image) + 4)).not.toBe(0x464c457f);
    const withTables = runAsmGuest(guest('  ELFNOTE XEN_ELFNOTE_BSD_SYMTAB, {db "yes", 0}'));
    expect(
      withTables.read32('start_info_at'),
      'the bootstrap region moves up over the tables',
    ).toBeGreaterThan(g.read32('start_info_at'));
  });
});
