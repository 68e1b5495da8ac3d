// Your working copy for chapter 10, generated from solutions/xen/console.ts by npx xenlab stage.
// console_io: a guest writing to and reading from Xen's own console: book §2.3; Xen
// xen/drivers/char/console.c (do_console_io, guest_console_write), docs/xen-abi.md §8.4.
//
// Xen 4.1 built without VERBOSE refuses console_io to every domain but dom0 (-EPERM). xenlab
// behaves like a debug build: any domain may write, which is what early-boot guests rely on.

import { __HYPERVISOR_console_io, CONSOLEIO_read, CONSOLEIO_write } from './abi.ts';
import { EFAULT, ENOSYS } from './errno.ts';
import { copyFromGuest, copyToGuest } from './guest-access.ts';
import type { HypercallContext } from './hypercall.ts';
import type { Mechanism } from './mechanism.ts';

/** Xen copies guest output in chunks of this size, so a huge count cannot stall it. */
const CONSOLE_CHUNK = 127;

/** console_io(cmd, count, buffer). */
export function doConsoleIo(ctx: HypercallContext, args: Uint32Array): number {
  const cmd = args[0]!;
  const count = args[1]!;
  const buffer = args[2]!;
  switch (cmd) {
    case CONSOLEIO_write:
      return consoleWrite(ctx, count, buffer);
    case CONSOLEIO_read:
      return consoleRead(ctx, count, buffer);
    default:
      return -ENOSYS;
  }
}

/** CONSOLEIO_write: copies `count` bytes, chunk by chunk; a bad chunk stops it with -EFAULT. */
function consoleWrite(ctx: HypercallContext, count: number, buffer: number): number {
  for (let done = 0; done < count; done += CONSOLE_CHUNK) {
    const chunk = copyFromGuest(ctx.vcpu.cpu, buffer + done, Math.min(CONSOLE_CHUNK, count - done));
    if (typeof chunk === 'number') return -EFAULT;
    ctx.xen.consoleWrite(ctx.domain, chunk);
  }
  return 0;
}

/**
 * CONSOLEIO_read: up to `count` bytes of pending console input; returns how many. Input is
 * consumed only once it is in the guest's buffer, so -EFAULT loses nothing.
 */
function consoleRead(ctx: HypercallContext, count: number, buffer: number): number {
  const bytes = ctx.xen.consolePeek(count);
  if (bytes.length === 0) return 0;
  if (copyToGuest(ctx.vcpu.cpu, buffer, bytes) < 0) return -EFAULT;
  ctx.xen.consoleConsume(bytes.length);
  return bytes.length;
}

export const CONSOLE_MECHANISM: Mechanism = {
  name: 'console_io',
  hypercalls: {
    [__HYPERVISOR_console_io]: doConsoleIo,
  },
};
