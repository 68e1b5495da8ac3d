import { describe, expect, it } from 'vitest';
import { debouncedRuns } from './watch.ts';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('xenlab watch', () => {
  it('grades once at the start, once per burst of saves, never two runs at once', async () => {
    const finish: (() => void)[] = [];
    let running = 0;
    let overlapped = false;
    let change: () => void = () => {};
    debouncedRuns(
      () => {
        running++;
        if (running > 1) overlapped = true;
        return new Promise<void>((resolve) =>
          finish.push(() => {
            running--;
            resolve();
          }),
        );
      },
      (onChange) => {
        change = onChange;
      },
      5,
    );
    expect(finish).toHaveLength(1); // the first grade starts at once
    for (let i = 0; i < 3; i++) change(); // saves during it …
    await tick(40);
    expect(finish).toHaveLength(1);
    finish[0]!();
    await tick(0);
    expect(finish).toHaveLength(2); // … make exactly one more grade after it
    finish[1]!();
    await tick(40);
    expect(finish).toHaveLength(2);
    for (let i = 0; i < 5; i++) change(); // a burst of saves while idle: one grade
    await tick(40);
    expect(finish).toHaveLength(3);
    expect(overlapped).toBe(false);
  });
});
