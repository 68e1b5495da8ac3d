// Rounding a binary significand to fewer bits under the x87 rounding control (Intel SDM vol. 1
// §4.8.4, FCW.RC): shared by the arithmetic (fpu-arith.ts) and the stores (fpu.ts).

export const RC_NEAREST = 0;
export const RC_DOWN = 1;
export const RC_UP = 2;

/** Number of significant bits of a non-negative big integer (0 for 0). */
export function bitLength(m: bigint): number {
  return m === 0n ? 0 : m.toString(2).length;
}

/** What the last roundShift did: whether bits were lost, and if so whether it rounded up. */
export const rounding = { inexact: false, up: false };

/**
 * m >> shift (m << -shift when shift ≤ 0), rounded per `rc` for a value of sign `sign`
 * (1 = negative, so "down" rounds its magnitude up). Records the outcome in `rounding`.
 */
export function roundShift(m: bigint, shift: number, rc: number, sign: number): bigint {
  rounding.inexact = false;
  if (shift <= 0) return m << BigInt(-shift);
  const q = m >> BigInt(shift);
  const rem = m - (q << BigInt(shift));
  if (rem === 0n) return q;
  const half = 1n << BigInt(shift - 1);
  let up: boolean;
  if (rc === RC_NEAREST) up = rem > half || (rem === half && (q & 1n) === 1n);
  else if (rc === RC_DOWN) up = sign === 1;
  else if (rc === RC_UP) up = sign === 0;
  else up = false;
  rounding.inexact = true;
  rounding.up = up;
  return up ? q + 1n : q;
}
