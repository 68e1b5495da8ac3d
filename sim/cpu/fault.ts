// How a fault leaves an instruction: the detecting code records vector and error code in the
// CPU and throws the one preallocated FAULT token; the run loop catches it and delivers the
// exception. Nothing is allocated, and the instruction's partial work is abandoned (instructions
// check before they write, so state is as it was at the start of the instruction).

import type { Cpu } from './cpu.ts';

/** The token thrown for every CPU fault. Compare by identity. */
export const FAULT = Object.freeze({ fault: true });

/** Marks "this vector pushes no error code". */
export const NO_ERROR_CODE = -1;

/** Raises exception `vector` with `errorCode` (or NO_ERROR_CODE). Never returns. */
export function raiseFault(cpu: Cpu, vector: number, errorCode: number = NO_ERROR_CODE): never {
  cpu.faultVector = vector;
  cpu.faultErrorCode = errorCode;
  throw FAULT;
}
