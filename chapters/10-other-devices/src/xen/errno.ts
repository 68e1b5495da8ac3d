// Your working copy for chapter 10, generated from solutions/xen/errno.ts by npx xenlab stage.
// Xen's errno values (the Linux/x86 numbers): book §2.3; Xen public/errno.h, docs/xen-abi.md §1.7.
// Hypercalls return 0 or a positive value on success and the negated errno on failure.

export const EPERM = 1;
export const ENOENT = 2;
export const ESRCH = 3;
export const EINTR = 4;
export const EIO = 5;
export const ENXIO = 6;
export const E2BIG = 7;
export const EBADF = 9;
export const EAGAIN = 11;
export const ENOMEM = 12;
export const EACCES = 13;
export const EFAULT = 14;
export const EBUSY = 16;
export const EEXIST = 17;
export const EXDEV = 18;
export const ENODEV = 19;
export const EINVAL = 22;
export const ENOSPC = 28;
export const EROFS = 30;
export const EDOM = 33;
export const ERANGE = 34;
export const ENOSYS = 38;
export const ENODATA = 61;
export const ETIME = 62;
export const EOVERFLOW = 75;
export const ERESTART = 85;
export const EOPNOTSUPP = 95;

/** Errno names by value, for traces and reports. */
export const ERRNO_NAMES: ReadonlyMap<number, string> = new Map([
  [EPERM, 'EPERM'],
  [ENOENT, 'ENOENT'],
  [ESRCH, 'ESRCH'],
  [EINTR, 'EINTR'],
  [EIO, 'EIO'],
  [ENXIO, 'ENXIO'],
  [E2BIG, 'E2BIG'],
  [EBADF, 'EBADF'],
  [EAGAIN, 'EAGAIN'],
  [ENOMEM, 'ENOMEM'],
  [EACCES, 'EACCES'],
  [EFAULT, 'EFAULT'],
  [EBUSY, 'EBUSY'],
  [EEXIST, 'EEXIST'],
  [EXDEV, 'EXDEV'],
  [ENODEV, 'ENODEV'],
  [EINVAL, 'EINVAL'],
  [ENOSPC, 'ENOSPC'],
  [EROFS, 'EROFS'],
  [EDOM, 'EDOM'],
  [ERANGE, 'ERANGE'],
  [ENOSYS, 'ENOSYS'],
  [ENODATA, 'ENODATA'],
  [ETIME, 'ETIME'],
  [EOVERFLOW, 'EOVERFLOW'],
  [ERESTART, 'ERESTART'],
  [EOPNOTSUPP, 'EOPNOTSUPP'],
]);

/** A hypercall result as a trace shows it: `0`, `4096`, or `-EINVAL`. */
export function formatResult(result: number): string {
  if (result >= 0) return String(result);
  const name = ERRNO_NAMES.get(-result);
  return name === undefined ? String(result) : `-${name}`;
}
