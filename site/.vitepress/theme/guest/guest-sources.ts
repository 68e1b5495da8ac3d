// The guest sources the worker assembles, by path under solutions/guests/. Here, as Vite loads
// them (the dev server's tests); each chapter's published worker gets its own, as that chapter's
// reader may see them (site/.vitepress/workers.ts).

const GUEST_DIR = '../../../../solutions/guests/';

export const GUEST_SOURCES: Record<string, string> = Object.fromEntries(
  Object.entries(
    import.meta.glob<string>('../../../../solutions/guests/**/*.{asm,inc}', {
      query: '?raw',
      import: 'default',
      eager: true,
    }),
  ).map(([path, text]) => [path.slice(GUEST_DIR.length), text]),
);
