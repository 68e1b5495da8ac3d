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
