import { describe, expect, it } from 'vitest';
import { runSelfTest } from './selftest.ts';

describe('sim self-test', () => {
  it('passes, with the exact sum, output and instruction count', () => {
    const result = runSelfTest();
    expect(result.detail).toBe('sum 1..100 = 5050, console "ok", 308 instructions');
    expect(result.ok).toBe(true);
  });
});
