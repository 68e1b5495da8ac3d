// Your working copy for chapter 10, generated from solutions/xen/guest-access.ts by npx xenlab stage.
// Reading and writing guest memory from a hypercall: copy_from_guest / copy_to_guest: book §2.3;
// Xen xen/include/asm-x86/guest_access.h, xen/arch/x86/usercopy.c (access_ok + __copy_*_user).
//
// A PV guest passes virtual addresses. Xen runs on the guest's own page tables, so it resolves
// them exactly as the CPU would for a supervisor access with CR0.WP set: a read-only page cannot
// be written even by Xen. Addresses in the hypervisor hole are refused before any walk
// (access_ok), and a copy is resolved page by page, because consecutive virtual pages need not
// be consecutive machine frames. Every failure is -EFAULT; a failed copy_to_guest may have
// written the pages before the bad one, as Xen's does.

import { type Cpu, PAGE_SIZE, translateForHost } from '../../../../sim/host.ts';
import { HYPERVISOR_VIRT_START } from './abi.ts';
import { EFAULT } from './errno.ts';

/** access_ok: [va, va+length) lies below the hypervisor hole. */
export function accessOk(va: number, length: number): boolean {
  return va >= 0 && length >= 0 && va + length <= HYPERVISOR_VIRT_START;
}

/** Copies `length` bytes at guest `va` into a new array, or returns -EFAULT. */
export function copyFromGuest(cpu: Cpu, va: number, length: number): Uint8Array | number {
  va >>>= 0;
  if (!accessOk(va, length)) return -EFAULT;
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const chunk = Math.min(length - done, PAGE_SIZE - ((va + done) % PAGE_SIZE));
    const pa = translateForHost(cpu, va + done, false);
    if (pa < 0) return -EFAULT;
    out.set(cpu.mem.readBytes(pa, chunk), done);
    done += chunk;
  }
  return out;
}

/** Copies `bytes` to guest `va`; returns 0 or -EFAULT. */
export function copyToGuest(cpu: Cpu, va: number, bytes: Uint8Array): number {
  va >>>= 0;
  if (!accessOk(va, bytes.length)) return -EFAULT;
  let done = 0;
  while (done < bytes.length) {
    const chunk = Math.min(bytes.length - done, PAGE_SIZE - ((va + done) % PAGE_SIZE));
    const pa = translateForHost(cpu, va + done, true);
    if (pa < 0) return -EFAULT;
    cpu.mem.writeBytes(pa, bytes.subarray(done, done + chunk));
    done += chunk;
  }
  return 0;
}

/** Reads a guest u32, or returns null on a bad pointer. */
export function readGuestU32(cpu: Cpu, va: number): number | null {
  const b = copyFromGuest(cpu, va, 4);
  if (typeof b === 'number') return null;
  return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
}

/** Writes a guest u32; returns 0 or -EFAULT. */
export function writeGuestU32(cpu: Cpu, va: number, value: number): number {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, value >>> 0, true);
  return copyToGuest(cpu, va, b);
}

/** A NUL-padded fixed-size char array (Xen's xen_extraversion_t etc.) holding `text`. */
export function charArray(text: string, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < Math.min(text.length, size - 1); i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}
