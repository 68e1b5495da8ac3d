// Comparing a guest's console, as a terminal renders it (tools/screen.ts), with the screen a
// test expects.

/**
 * Compares a rendered screen with the expected lines. In `expected`, `{{name}}` matches a run of
 * characters that legitimately varies (a version, an address); the message shows both screens.
 */
export function screenMismatch(actual: string[], expected: string[]): string | undefined {
  const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = (line: string) =>
    new RegExp(
      `^${line
        .split(/\{\{\w+\}\}/)
        .map(escapeRegExp)
        .join('.+?')}$`,
    );
  const rows = Math.max(actual.length, expected.length);
  for (let i = 0; i < rows; i++) {
    const want = expected[i];
    const got = actual[i];
    if (want === undefined || got === undefined || !pattern(want).test(got)) {
      return [
        `the console differs at line ${i + 1}:`,
        `  expected: ${want === undefined ? '(nothing)' : JSON.stringify(want)}`,
        `  actual:   ${got === undefined ? '(nothing)' : JSON.stringify(got)}`,
        'expected screen:',
        ...expected.map((l) => `  | ${l}`),
        'actual screen:',
        ...actual.map((l) => `  | ${l}`),
      ].join('\n');
    }
  }
  return undefined;
}
