import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadChapter } from '../grader/chapters.ts';
import { exerciseSolutions, type MarkedTree } from '../grader/stage/generate.ts';
import { readMarkedTree } from '../grader/stage/index.ts';
import { spoilersInBundle } from '../grader/stage/spoilers.ts';
import { writeSnapshot } from '../grader/starter.ts';
import { GUESTS } from '../solutions/guests/index.ts';
import { asmSourcesUnder } from '../tools/asm-sources.ts';
import { guestEntries, writtenChapters } from './.vitepress/book.ts';
import type { FromWorker, GuestState, RequestMessage } from './.vitepress/theme/guest/protocol.ts';
import { startGuest } from './.vitepress/theme/guest/session.ts';
import {
  buildTreeWorker,
  buildWorker,
  type WorkerBundle,
  workerSpoilers,
} from './.vitepress/workers.ts';

// The guest workers the site publishes, one per written chapter (site/.vitepress/workers.ts):
// none holds the solution of an exercise of its chapter or a later one, the search for them
// finds them where they are, and each runs in Node as the browser runs it: a chapter's own
// guests stop where they need an exercise of its reader's, and run to their end in the worker
// of the next written chapter (the one the guests page and the home page use).

const root = join(import.meta.dirname, '..');
const chapters = writtenChapters(root).map((c) => c.id);
let tree: MarkedTree;
const bundles = new Map<string, WorkerBundle>();
const dir = mkdtempSync(join(tmpdir(), 'xenlab-workers-'));
const sources = asmSourcesUnder(join(root, 'solutions/guests'));
let runs = 0;

beforeAll(async () => {
  tree = await readMarkedTree(root);
  for (const id of chapters) bundles.set(id, await buildWorker(root, tree, id));
}, 120_000);

/** Boots `guest` in a chapter's worker (the module run with a stand-in for its global scope). */
async function runIn(
  chapter: string,
  guest: string,
): Promise<{ error?: string; state?: GuestState; output: string }> {
  // A module is evaluated once per URL: a file per run.
  const file = join(dir, `${chapter}-${guest}-${++runs}.mjs`);
  writeFileSync(file, bundles.get(chapter)!.code);
  const posted: FromWorker[] = [];
  const scope = { postMessage: (m: FromWorker) => posted.push(m) } as {
    postMessage(m: FromWorker): void;
    onmessage?: (e: { data: RequestMessage }) => void;
  };
  (globalThis as { self?: unknown }).self = scope;
  await import(pathToFileURL(file).href);
  scope.onmessage!({ data: { kind: 'boot', guest, generation: 1, id: 1 } });
  scope.onmessage!({ data: { kind: 'step', count: 50_000_000, stop: {}, id: 2 } });
  const output = new TextDecoder().decode(
    Uint8Array.from(posted.flatMap((m) => (m.kind === 'output' ? [...m.bytes] : []))),
  );
  for (const m of posted) {
    if (m.kind === 'reply' && !m.reply.ok) return { error: m.reply.error, output };
  }
  const last = posted.filter((m) => m.kind === 'reply').at(-1);
  return {
    state: last?.kind === 'reply' && last.reply.ok ? (last.reply.value as GuestState) : undefined,
    output,
  };
}

describe('the site’s guest workers', () => {
  it('hold no solution of an exercise of their chapter or a later one', () => {
    expect(chapters.length).toBeGreaterThan(0);
    for (const [id, bundle] of bundles) {
      expect(bundle.hiddenFrom).toBe(id);
      expect(workerSpoilers(tree, bundle), `workers/${id}.js`).toEqual([]);
    }
  });

  it('the search finds every solution in a worker that holds them all', async () => {
    const last = chapters.at(-1)!;
    const all = await buildWorker(root, tree, last, { hiddenFrom: tree.chapters.at(-1)! });
    const open = { ...all, hiddenFrom: chapters[0]! };
    const written = exerciseSolutions(tree).filter(
      (s) => chapters.includes(s.chapter) && all.modules[s.file] !== undefined,
    );
    expect(written.length).toBeGreaterThanOrEqual(30);
    // Its inputs, line for line: every exercise of the written chapters in a file it holds.
    const found = new Set(workerSpoilers(tree, open).map((s) => s.id));
    expect(written.filter((s) => !found.has(s.id)).map((s) => s.id)).toEqual([]);
    // The minified code alone: most TypeScript bodies by their tokens, every assembly body.
    const inCode = spoilersInBundle(tree, chapters[0], all.code).map((s) => s.id);
    expect(inCode.length).toBeGreaterThanOrEqual(25);
  }, 60_000);

  it('run a chapter’s own guests until they need its reader’s exercises, and to their end a chapter later', async () => {
    const entries = guestEntries(root);
    for (const id of chapters) {
      const slug = writtenChapters(root).find((c) => c.id === id)!.slug;
      const page = readFileSync(join(root, 'chapters', slug, 'README.md'), 'utf8');
      const onPage = new Set(
        [...page.matchAll(/<GuestConsole guest="([^"]+)"/g)].map((m) => m[1]!),
      );
      for (const guest of GUESTS.filter((g) => g.chapter === id || onPage.has(g.name))) {
        const reference = referenceRun(guest.name);
        const own = await runIn(id, guest.name);
        // Stopped where an exercise of the chapter is missing: not implemented (at boot, or
        // during the run as Xen's panic), or the assembly stub's ud2 crashing the guest.
        const stopped =
          own.error?.includes('is not implemented yet') === true ||
          own.state?.outcome.includes('is not implemented yet') === true ||
          (own.state?.outcome.includes('crash') === true && !reference.outcome.includes('crash'));
        const what = `${guest.name} in workers/${id}.js: ${own.error ?? own.state?.outcome}`;
        // A console on the chapter's page never shows the finished chapter's run.
        const finished = !stopped && guestLines(own.output) === guestLines(reference.output);
        if (onPage.has(guest.name)) expect(finished, what).toBe(false);
        const next = entries.find((e) => e.name === guest.name)?.worker;
        if (next === null || next === undefined || guest.chapter !== id) continue;
        const later = await runIn(next, guest.name);
        expect(later.error, `${guest.name} in workers/${next}.js`).toBeUndefined();
        // To its end, or to where the reference waits for its reader (paused, nothing to run).
        const status = reference.ended ? 'ended' : 'paused';
        expect(later.state?.status, `${guest.name} in workers/${next}.js`).toBe(status);
        expect(later.state?.outcome, `${guest.name} in workers/${next}.js`).toBe(reference.outcome);
        // The guest's own console, numbers aside: a chapter's Xen allocates other machine frames.
        expect(guestLines(later.output), guest.name).toBe(guestLines(reference.output));
      }
    }
  }, 300_000);
});

describe('a worker built from a reader’s tree (npm start)', () => {
  it('runs the reader’s code: the starter stops, the finished chapter runs to its end', async () => {
    const chapter = await loadChapter('02');
    const reference = referenceRun('hello');
    for (const solved of [false, true]) {
      const src = mkdtempSync(join(tmpdir(), 'xenlab-reader-tree-'));
      await writeSnapshot(chapter, src, solved);
      bundles.set('tree', await buildTreeWorker(root, '02', src));
      const run = await runIn('tree', 'hello');
      if (solved) {
        expect(run.error).toBeUndefined();
        expect(run.state?.outcome).toBe(reference.outcome);
        expect(guestLines(run.output)).toBe(guestLines(reference.output));
      } else {
        expect(run.error).toMatch(/exercise 02-[a-z-]+ is not implemented yet/);
      }
    }
  }, 120_000);
});

/** The guest's console without the host's dimmed lines (Xen's log, the console daemon's), numbers as #. */
function guestLines(output: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the terminal's dim and reset
  return output.replace(/\x1b\[2m[\s\S]*?\x1b\[0m\n?/g, '').replace(/\d+/g, '#');
}

/** A guest as the whole reference runs it (the book's build-time screens). */
/** The guest on the reference; `ended` false when it waits for its reader (fb, for keys). */
function referenceRun(name: string): { ended: boolean; outcome: string; output: string } {
  const chunks: number[] = [];
  const session = startGuest(name, sources, { output: (b) => chunks.push(...b) });
  session.run(session.budget);
  const output = new TextDecoder().decode(Uint8Array.from(chunks));
  return { ended: session.ended, outcome: session.outcome, output };
}
