import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMarkdownRenderer, disposeMdItInstance } from 'vitepress';
import { describe, expect, it } from 'vitest';
import { type ManifestEntry, type MarkedTree, parseTree } from '../grader/stage/generate.ts';
import { readMarkedTree } from '../grader/stage/index.ts';
import { writtenChapters } from './.vitepress/book.ts';
import { renderConsoles } from './.vitepress/consoles.ts';
import { renderFigures } from './.vitepress/figures.ts';
import { linkPlugin } from './.vitepress/links.ts';
import { quotePlugin } from './.vitepress/quotes.ts';
import { referencePlugin, referenceTargets, slugify } from './.vitepress/references.ts';
import { pageChapter, quoteRegion } from './.vitepress/regions.ts';

// The book's `<<< region:NAME` and `<<< console:GUEST` lines (site/.vitepress/quotes.ts), through
// VitePress's own markdown renderer and Shiki, without building the whole site.

const root = fileURLToPath(new URL('..', import.meta.url));

const BUILDER = `// The domain builder: book §2.1
// xenlab: file from 02

// xenlab: region start-info from 02
export function writeStartInfo(d: Domain): void {
  // xenlab: exercise 02-start-info
  d.magic = 'xen-3.0-x86_32p';
  // xenlab: starter
  // // TODO(02-start-info): fill in start_info
  // return;
  // xenlab: end 02-start-info
}
// xenlab: end start-info

export function other(): void {
  // xenlab: region inner-part from 03
    const answer = 42;
  // xenlab: end inner-part
}
`;

const ASM = `; xenlab: file from 02
; xenlab: region guest-exit from 02
exit:
  mov ebx, SCHEDOP_shutdown
; xenlab: end guest-exit
`;

/** solutions/ made of the given files (path relative to solutions/), as the stager reads it. */
function treeOf(
  files: Record<string, string>,
  manifests: Record<string, ManifestEntry[]> = { '02': [{ id: '02-start-info', section: '2.3' }] },
): MarkedTree {
  const { tree, errors } = parseTree({ chapters: ['01', '02', '03', '04'], files, manifests });
  expect(errors).toEqual([]);
  return tree;
}

const TREE = treeOf({ 'xen/builder.ts': BUILDER, 'guests/lib/exit.asm': ASM });

describe('regions of solutions/, as a page’s reader may see them', () => {
  it('shows an earlier chapter’s exercise solved, without marker lines, dedented', () => {
    expect(quoteRegion(TREE, 'start-info', '03')).toEqual({
      name: 'start-info',
      file: 'solutions/xen/builder.ts',
      lang: 'ts',
      code: [
        'export function writeStartInfo(d: Domain): void {',
        "  d.magic = 'xen-3.0-x86_32p';",
        '}',
      ].join('\n'),
    });
    expect(quoteRegion(TREE, 'inner-part', '03')!.code).toBe('const answer = 42;');
  });

  it('shows the starter of an exercise of the page’s own chapter or a later one', () => {
    const own = quoteRegion(TREE, 'start-info', '02')!.code;
    expect(own).toContain('// TODO(02-start-info): fill in start_info');
    expect(own).not.toContain('xen-3.0-x86_32p');
    expect(quoteRegion(TREE, 'start-info', '01')!.code).toBe(own);
    expect(quoteRegion(TREE, 'start-info', undefined)!.code).toBe(own);
  });

  it('shows the throwing stub of an exercise without a custom starter', () => {
    const tree = treeOf(
      {
        'xen/answer.ts': [
          '// xenlab: file from 03',
          '// xenlab: region answer from 03',
          'export function answer(): number {',
          '  // xenlab: exercise 03-answer',
          '  return 42;',
          '  // xenlab: end 03-answer',
          '}',
          '// xenlab: end answer',
        ].join('\n'),
      },
      { '03': [{ id: '03-answer', section: '3.1' }] },
    );
    expect(quoteRegion(tree, 'answer', '03')!.code).toBe(
      [
        'export function answer(): number {',
        "  throw new NotImplemented('03-answer', '3.1');",
        '}',
      ].join('\n'),
    );
  });

  it('reads assembly regions, marked with ;', () => {
    const exit = quoteRegion(TREE, 'guest-exit', '02');
    expect(exit).toMatchObject({ name: 'guest-exit', lang: 'asm' });
    expect(exit!.code).toBe('exit:\n  mov ebx, SCHEDOP_shutdown');
  });

  it('knows the chapter of a page by its file', () => {
    expect(pageChapter('chapters/05-memory/README.md')).toBe('05');
    expect(pageChapter('site/guests.md')).toBeUndefined();
  });
});

const consoles = renderConsoles(root);
const figures = renderFigures(root);

async function renderer(
  tree: MarkedTree = TREE,
  page = 'chapters/02-architecture/README.md',
  repoUrl?: string,
) {
  const screens = await consoles;
  disposeMdItInstance(); // VitePress keeps one renderer; each test wants its own regions
  const md = await createMarkdownRenderer(root, {
    config(m) {
      quotePlugin(m, {
        root,
        tree,
        consoles: screens,
        figures,
        repoUrl,
      });
      linkPlugin(m, {
        root,
        pages: new Map([['chapters/01-virtualization/README.md', '/01-virtualization/']]),
      });
    },
  });
  // As VitePress renders a chapter: its file, and the path it is rewritten to.
  const env = {
    realPath: join(root, page),
    path: join(root, page.replace(/^chapters\/([^/]+)\/README\.md$/, '$1/index.md')),
    relativePath: page.replace(/^chapters\/([^/]+)\/README\.md$/, '$1/index.md'),
  };
  return (src: string) => md.render(src, env);
}

describe('quoting in a page', () => {
  it('replaces <<< region:NAME with the region’s highlighted code and its file', async () => {
    const render = await renderer(TREE, 'chapters/03-shared-info/README.md');
    const html = render('Before.\n\n<<< region:start-info\n\nAfter.\n');
    expect(html).toContain(
      '<code>solutions/xen/builder.ts</code> · region <code>start-info</code>',
    );
    expect(html).toContain('language-ts');
    expect(html).toMatch(/writeStartInfo/);
    expect(html).not.toMatch(/xenlab:|TODO/);
    expect(html).toMatch(/<p>After\.<\/p>/);
  });

  it('links a caption to the chapter’s own copy of the file when a repository URL is set', async () => {
    const url = 'https://example.org/xenlab/blob/main/';
    const chapter = await renderer(TREE, 'chapters/03-shared-info/README.md', url);
    expect(chapter('<<< region:start-info\n')).toContain(
      '· <a class="xenlab-source" href="https://example.org/xenlab/blob/main/chapters/03-shared-info/src/xen/builder.ts">chapters/03-shared-info/src/xen/builder.ts</a>',
    );
    const unset = await renderer(TREE, 'chapters/03-shared-info/README.md');
    expect(unset('<<< region:start-info\n')).not.toContain('xenlab-source');
    const outside = await renderer(TREE, 'site/guests.md', url);
    expect(outside('<<< region:start-info\n')).not.toContain('xenlab-source');
  });

  it('highlights guest assembly as asm', async () => {
    const render = await renderer();
    const html = render('<<< region:guest-exit\n');
    expect(html).toContain('language-asm');
    expect(html).toContain('SCHEDOP_shutdown');
  });

  it('fails on a region that does not exist, naming the page, line and region', async () => {
    const render = await renderer();
    expect(() => render('# Title\n\n<<< region:no-such-thing\n')).toThrow(
      'chapters/02-architecture/README.md:3: no region "no-such-thing" in solutions/',
    );
  });

  it('replaces <<< console:GUEST with the guest’s screen from a real run', async () => {
    const render = await renderer();
    const html = render('<<< console:hello\n');
    expect(html).toContain('<code>npx xenlab run hello</code>');
    expect(html).toContain('Hello from a PV guest on xenlab!');
    expect(html).toMatch(/start_info: xen-3\.0-x86_32p, \d+ pages/);
    // Xen's log, as `xenlab run` shows it on the terminal beside the console.
    expect(html).toContain('(XEN) domain 1 (hello) shut down: poweroff');
  });

  it('fails on a guest that does not exist', async () => {
    const render = await renderer();
    expect(() => render('<<< console:nobody\n')).toThrow(
      /README\.md:1: no guest "nobody" \(guests: .*hello/,
    );
  });

  it('leaves an indented or decorated <<< line alone', async () => {
    const render = await renderer();
    expect(render('    <<< region:x\n')).toContain('&lt;&lt;&lt; region:x');
  });
});

describe('figures', () => {
  it('draws <<< figure:NAME at build time from a run of the code, as SVG', async () => {
    const render = await renderer();
    const html = render('<<< figure:grant-lifecycle\n');
    expect(html).toContain('<svg class="xenlab-figure"');
    expect(html).toContain('GNTTABOP_map_grant_ref = 0');
    expect(html).toContain('“grant ended”');
    expect(render('<<< figure:page-walk\n')).toMatch(/L3\[\d+\] = [0-9a-f]{8}:[0-9a-f]{8}/);
    const life = render('<<< figure:blk-request-life\n');
    expect(life).toContain('operation READ, id 0, sector_number 0, nr_segments 1');
    expect(life).toContain('grant_table_op(cmd=GNTTABOP_copy, uop=0x400000, count=1) = 0');
    expect(life).toContain('status 0 (BLKIF_RSP_OKAY)');
    const trace = render('<<< figure:packet-trace\n');
    expect(trace).toContain('ARP who-has 10.0.0.2 tell 10.0.0.1');
    expect(trace).toContain('ARP 10.0.0.2 is-at 00:16:3e:00:02:00');
    expect(trace).toContain('10.0.0.2 &#62; 10.0.0.1: ICMP echo reply, seq 3');
    expect(() => render('<<< figure:nothing\n')).toThrow(/README\.md:1: no figure "nothing"/);
  });
});

describe('no spoilers', () => {
  it('fails a page whose code block shows the solution of its own chapter’s exercise', async () => {
    const render = await renderer();
    const pasted = "Look:\n\n```ts\nfunction f() {\n  d.magic = 'xen-3.0-x86_32p';\n}\n```\n";
    expect(() => render(pasted)).toThrow(
      'chapters/02-architecture/README.md:3: shows the solution of exercise 02-start-info',
    );
    expect(render('<<< region:start-info\n')).toContain('TODO(02-start-info)');
    const later = await renderer(TREE, 'chapters/03-shared-info/README.md');
    expect(later(pasted)).toContain('xen-3.0-x86_32p');
  });

  it('every written chapter renders, none showing an exercise of its own or a later chapter', async () => {
    const tree = await readMarkedTree(root);
    for (const c of writtenChapters(root)) {
      const page = `chapters/${c.slug}/README.md`;
      const render = await renderer(tree, page);
      const html = render(readFileSync(join(root, page), 'utf8'));
      expect(html.length, page).toBeGreaterThan(1000);
    }
  });
});

describe('links in a chapter', () => {
  it('sends a link to a written chapter to its page, keeping the anchor', async () => {
    const render = await renderer();
    expect(render('[one](../01-virtualization/README.md#1-4-the-problem)')).toContain(
      'href="/01-virtualization/#1-4-the-problem"',
    );
  });

  it('keeps the text of links to repository files and unwritten chapters, unlinked', async () => {
    const render = await renderer();
    const html = render('[b](../../solutions/xen/xen.ts) and [c](../07-nowhere/README.md)');
    expect(html).toContain(
      '<span class="repo-path" title="solutions/xen/xen.ts in the repository">b</span>',
    );
    expect(html).toContain('title="chapters/07-nowhere/README.md (not written yet)">c</span>');
    expect(html).not.toContain('<a ');
  });
});

describe('chapter and section references', () => {
  const targets = new Map([
    ['chapter 1', '/01-virtualization/'],
    ['chapter 5', '/05-memory/'],
    ['§5.7', '/05-memory/#_5-7-updating-page-tables'],
  ]);

  async function referenceRenderer() {
    disposeMdItInstance();
    const md = await createMarkdownRenderer(root, {
      config(m) {
        referencePlugin(m, targets);
      },
    });
    return (src: string) => md.render(src, {});
  }

  it('links “chapter N” to its page and “§N.M” to its heading, or the nearest one above', async () => {
    const render = await referenceRenderer();
    const html = render('As chapter 5 says (§5.7, and §5.7.2), and Chapter 1 before it; §5.9.\n');
    expect(html).toContain(
      '<a href="/05-memory/" class="xenlab-reference">chapter 5</a> says (' +
        '<a href="/05-memory/#_5-7-updating-page-tables" class="xenlab-reference">§5.7</a>, and ' +
        '<a href="/05-memory/#_5-7-updating-page-tables" class="xenlab-reference">§5.7.2</a>), and ' +
        '<a href="/01-virtualization/" class="xenlab-reference">Chapter 1</a> before it; ' +
        '<a href="/05-memory/" class="xenlab-reference">§5.9</a>.',
    );
  });

  it('leaves unwritten chapters, code, headings and the text of links alone', async () => {
    const render = await referenceRenderer();
    const html = render(
      '## 5.7 Updating page tables, chapter 5\n\nChapter 13 and §9.1, `§5.7`, [see §5.7](/x).\n',
    );
    expect(html).not.toContain('xenlab-reference');
  });

  it('heading ids are VitePress’s own, so links to sections land on them', async () => {
    disposeMdItInstance();
    const md = await createMarkdownRenderer(root);
    for (const c of writtenChapters(root)) {
      const text = readFileSync(join(root, 'chapters', c.slug, 'README.md'), 'utf8');
      // The page's headings, rendered as VitePress renders them (without the page's quotes).
      const headings = [...text.matchAll(/^#{2,4} .+$/gm)].map((m) => m[0]);
      const html = md.render(headings.join('\n\n'), {});
      for (const line of headings) {
        const heading = line.replace(/^#+ /, '');
        if (/[`*<&]/.test(heading)) continue;
        expect(html, `${c.slug}: ${heading}`).toContain(`id="${slugify(heading)}"`);
      }
      for (const [reference, url] of referenceTargets(root)) {
        if (!url.startsWith(`/${c.slug}/#`)) continue;
        expect(html, reference).toContain(`id="${url.split('#')[1]}"`);
      }
    }
  });
});
