import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMarkdownRenderer, disposeMdItInstance } from 'vitepress';
import { describe, expect, it } from 'vitest';
import { renderConsoles } from './.vitepress/consoles.ts';
import { linkPlugin } from './.vitepress/links.ts';
import { quotePlugin } from './.vitepress/quotes.ts';
import { type Region, regionsOfFile, regionsUnder } from './.vitepress/regions.ts';

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

describe('regions of solutions/', () => {
  it('keeps a region’s code without marker lines or the starter body, dedented', () => {
    const regions = regionsOfFile('solutions/xen/builder.ts', BUILDER);
    expect(regions.map((r) => r.name)).toEqual(['start-info', 'inner-part']);
    expect(regions[0]).toEqual({
      name: 'start-info',
      file: 'solutions/xen/builder.ts',
      lang: 'ts',
      code: [
        'export function writeStartInfo(d: Domain): void {',
        "  d.magic = 'xen-3.0-x86_32p';",
        '}',
      ].join('\n'),
    });
    expect(regions[1]!.code).toBe('const answer = 42;');
  });

  it('reads assembly regions, marked with ;', () => {
    const [exit] = regionsOfFile('solutions/guests/lib/exit.asm', ASM);
    expect(exit).toMatchObject({ name: 'guest-exit', lang: 'asm' });
    expect(exit!.code).toBe('exit:\n  mov ebx, SCHEDOP_shutdown');
  });

  it('rejects a region that is never ended, and an end that closes nothing', () => {
    expect(() => regionsOfFile('a.ts', '// xenlab: region open from 02\nx;\n')).toThrow(
      /a\.ts: region open is never ended/,
    );
    expect(() => regionsOfFile('a.ts', 'x;\n// xenlab: end nothing\n')).toThrow(
      /a\.ts:2: "xenlab: end nothing" closes nothing/,
    );
  });

  it('parses every region in the repository’s solutions/', () => {
    expect(() => regionsUnder(root)).not.toThrow();
  });
});

const consoles = renderConsoles(root);

async function renderer(regions: Region[]) {
  const screens = await consoles;
  disposeMdItInstance(); // VitePress keeps one renderer; each test wants its own regions
  const md = await createMarkdownRenderer(root, {
    config(m) {
      quotePlugin(m, {
        root,
        regions: new Map(regions.map((r) => [r.name, r])),
        consoles: screens,
      });
      linkPlugin(m, {
        root,
        pages: new Map([['chapters/01-virtualization/README.md', '/01-virtualization/']]),
      });
    },
  });
  // As VitePress renders a chapter: its file, and the path it is rewritten to.
  const env = {
    realPath: join(root, 'chapters/02-architecture/README.md'),
    path: join(root, '02-architecture/index.md'),
    relativePath: '02-architecture/index.md',
  };
  return (src: string) => md.render(src, env);
}

describe('quoting in a page', () => {
  it('replaces <<< region:NAME with the region’s highlighted code and its file', async () => {
    const render = await renderer(regionsOfFile('solutions/xen/builder.ts', BUILDER));
    const html = render('Before.\n\n<<< region:start-info\n\nAfter.\n');
    expect(html).toContain(
      '<code>solutions/xen/builder.ts</code> · region <code>start-info</code>',
    );
    expect(html).toContain('language-ts');
    expect(html).toMatch(/writeStartInfo/);
    expect(html).not.toMatch(/xenlab:|TODO/);
    expect(html).toMatch(/<p>After\.<\/p>/);
  });

  it('highlights guest assembly as asm', async () => {
    const render = await renderer(regionsOfFile('solutions/guests/lib/exit.asm', ASM));
    const html = render('<<< region:guest-exit\n');
    expect(html).toContain('language-asm');
    expect(html).toContain('SCHEDOP_shutdown');
  });

  it('fails on a region that does not exist, naming the page, line and region', async () => {
    const render = await renderer([]);
    expect(() => render('# Title\n\n<<< region:no-such-thing\n')).toThrow(
      'chapters/02-architecture/README.md:3: no region "no-such-thing" in solutions/',
    );
  });

  it('replaces <<< console:GUEST with the guest’s screen from a real run', async () => {
    const render = await renderer([]);
    const html = render('<<< console:hello\n');
    expect(html).toContain('<code>npx xenlab run hello</code>');
    expect(html).toContain('Hello from a PV guest on xenlab!');
    expect(html).toMatch(/start_info: xen-3\.0-x86_32p, \d+ pages/);
    // Xen's log, as `xenlab run` shows it on the terminal beside the console.
    expect(html).toContain('(XEN) domain 1 (hello) shut down: poweroff');
  });

  it('fails on a guest that does not exist', async () => {
    const render = await renderer([]);
    expect(() => render('<<< console:nobody\n')).toThrow(
      /README\.md:1: no guest "nobody" \(guests: .*hello/,
    );
  });

  it('leaves an indented or decorated <<< line alone', async () => {
    const render = await renderer([]);
    expect(render('    <<< region:x\n')).toContain('&lt;&lt;&lt; region:x');
  });
});

describe('links in a chapter', () => {
  it('sends a link to a written chapter to its page, keeping the anchor', async () => {
    const render = await renderer([]);
    expect(render('[one](../01-virtualization/README.md#1-4-the-problem)')).toContain(
      'href="/01-virtualization/#1-4-the-problem"',
    );
  });

  it('keeps the text of links to repository files and unwritten chapters, unlinked', async () => {
    const render = await renderer([]);
    const html = render('[b](../../solutions/xen/xen.ts) and [c](../07-nowhere/README.md)');
    expect(html).toContain(
      '<span class="repo-path" title="solutions/xen/xen.ts in the repository">b</span>',
    );
    expect(html).toContain('title="chapters/07-nowhere/README.md (not written yet)">c</span>');
    expect(html).not.toContain('<a ');
  });
});
