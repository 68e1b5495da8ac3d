// xenlab: file from 02
import { describe, expect, it } from 'vitest';
import { EFAULT } from './errno.ts';
import {
  accessOk,
  copyFromGuest,
  copyToGuest,
  readGuestU32,
  writeGuestU32,
} from './guest-access.ts';
import { bootTestDomain } from './testing/boot.ts';

describe('copy_from_guest / copy_to_guest', () => {
  it('copies across a page boundary into frames that are not adjacent', () => {
    const { cpu, domain, peek } = bootTestDomain({ seed: 5 });
    expect(domain.p2m[0x31]).not.toBe(domain.p2m[0x30]! + 1);
    const data = Uint8Array.from({ length: 100 }, (_, i) => i + 1);
    expect(copyToGuest(cpu, 0x31000 - 50, data)).toBe(0);
    expect(peek(0x31000 - 50, 100)).toEqual([...data]);
    expect(copyFromGuest(cpu, 0x31000 - 50, 100)).toEqual(data);
  });

  it('fails with -EFAULT when any page of the range is unmapped or read-only', () => {
    const { cpu, layout } = bootTestDomain();
    const end = layout.virtPgtabEnd;
    expect(copyFromGuest(cpu, end - 2, 4)).toBe(-EFAULT);
    const ptBase = layout.pgtablesPfn * 4096;
    expect(copyFromGuest(cpu, ptBase, 8)).toBeInstanceOf(Uint8Array); // readable
    expect(copyToGuest(cpu, ptBase - 2, new Uint8Array(4))).toBe(-EFAULT); // 2nd page read-only
    expect(writeGuestU32(cpu, ptBase, 1)).toBe(-EFAULT);
    expect(readGuestU32(cpu, end)).toBeNull();
  });

  it('refuses Xen’s hole before walking any table (access_ok)', () => {
    expect(accessOk(0xf57ffffc, 4)).toBe(true);
    expect(accessOk(0xf57ffffd, 4)).toBe(false);
    expect(accessOk(0xff000000, 1)).toBe(false);
    const { cpu } = bootTestDomain();
    expect(copyFromGuest(cpu, 0xff000000, 8)).toBe(-EFAULT); // Xen's GDT: mapped, but not yours
  });

  it('reads and writes u32 values little-endian', () => {
    const { cpu, peek } = bootTestDomain();
    expect(writeGuestU32(cpu, 0x20000, 0x12345678)).toBe(0);
    expect(peek(0x20000, 4)).toEqual([0x78, 0x56, 0x34, 0x12]);
    expect(readGuestU32(cpu, 0x20000)).toBe(0x12345678);
  });
});
