// A guest's console as a terminal shows it: bytes rendered through @xterm/headless, so carriage
// returns, escape sequences and line wrapping count exactly as a learner would see them.

import xterm from '@xterm/headless';

export interface ScreenSize {
  cols: number;
  rows: number;
}

/** Renders `bytes` on a fresh terminal; returns its lines, trailing blanks trimmed. */
export async function renderScreen(
  bytes: Uint8Array | string,
  size: ScreenSize = { cols: 80, rows: 25 },
): Promise<string[]> {
  const term = new xterm.Terminal({ ...size, scrollback: 1000, allowProposedApi: true });
  const data = typeof bytes === 'string' ? bytes : Uint8Array.from(bytes);
  // A bare LF moves down without returning, as on a serial line; guests send CR LF when they
  // mean a new line, and the test sees what they sent.
  await new Promise<void>((resolve) => term.write(data, resolve));
  const buffer = term.buffer.active;
  const lines: string[] = [];
  for (let i = 0; i < buffer.length; i++)
    lines.push(buffer.getLine(i)?.translateToString(true) ?? '');
  term.dispose();
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

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
