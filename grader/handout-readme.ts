// A chapter's README as a handout ships it, complete without the site: each `<<< region:NAME`
// becomes the region's code as the chapter's reader may see it (the body of an exercise of that
// chapter or a later one shows its starter, never its solution), each `<<< console:GUEST` and
// each <GuestConsole guest="…"> the guest's screen as `xenlab run` shows it, and the site's other
// Vue components and its figures (`<<< figure:NAME`, drawn when the site is built) are left out.

import { type MarkedTree, regionForReader } from './stage/generate.ts';

/** The screen of each guest the README shows, one string per line. */
export type Screens = ReadonlyMap<string, readonly string[]>;

const REGION = /^<<< region:(\S+)$/;
const CONSOLE = /^<<< console:(\S+)$/;
const FIGURE = /^<<< figure:\S+$/;
/** A Vue component at the start of a line: `<Name …/>` or `<Name …>` up to `</Name>`. */
const COMPONENT = /^<([A-Z][A-Za-z]*)\b([^>]*?)(\/?)>\s*$/;

function dedent(lines: readonly string[]): string[] {
  const indents = lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)![0].length);
  const cut = indents.length === 0 ? 0 : Math.min(...indents);
  return lines.map((l) => l.slice(cut));
}

function screenBlock(guest: string, chapter: string, screens: Screens): string[] {
  const screen = screens.get(guest);
  if (screen === undefined) throw new Error(`no screen of guest "${guest}" for the handout`);
  const run = `npx xenlab run ${guest} --chapter ${chapter}`;
  return [`\`${run}\` shows, once the chapter is done:`, '', '```text', ...screen, '```'];
}

/** The guests a README shows (`<<< console:` and <GuestConsole guest="…">). */
export function guestsShown(text: string): string[] {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const quoted = CONSOLE.exec(line)?.[1];
    const component = /^<GuestConsole\b[^>]*\bguest="([^"]+)"/.exec(line)?.[1];
    for (const name of [quoted, component]) if (name !== undefined) names.add(name);
  }
  return [...names];
}

/** `text`, the README of chapter `chapter`, with every quote filled in and no Vue component. */
export function fillReadme(
  text: string,
  chapter: string,
  tree: MarkedTree,
  screens: Screens,
): string {
  const lines = text.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const region = REGION.exec(line)?.[1];
    const guest = CONSOLE.exec(line)?.[1];
    const component = COMPONENT.exec(line);
    if (region !== undefined) {
      const found = regionForReader(tree, region, chapter);
      if (found === undefined) throw new Error(`no region "${region}" in solutions/`);
      const lang = found.file.path.endsWith('.ts') ? 'ts' : 'asm';
      out.push(
        `From \`src/${found.file.path}\`:`,
        '',
        `\`\`\`${lang}`,
        ...dedent(found.lines),
        '```',
      );
    } else if (guest !== undefined) {
      out.push(...screenBlock(guest, chapter, screens));
    } else if (FIGURE.test(line)) {
      // A figure of the book's site: nothing to show in a plain README.
    } else if (component !== null) {
      // Its whole element: to the matching close tag unless it closes itself.
      const name = component[1]!;
      if (component[3] !== '/') {
        while (i < lines.length && !lines[i]!.includes(`</${name}>`)) i++;
      }
      const shown = /\bguest="([^"]+)"/.exec(component[2]!)?.[1];
      if (shown !== undefined) out.push(...screenBlock(shown, chapter, screens));
    } else out.push(line);
  }
  return out.join('\n');
}
