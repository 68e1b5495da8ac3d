import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    // Chapter tests grade a chapter's src/ (`npx xenlab grade`, `npx xenlab invariants`); the
    // runner's fixtures are run by the runner's own test.
    exclude: [
      'node_modules/**',
      'site/.vitepress/**',
      'chapters/*/tests/**',
      'grader/runner/fixtures/**',
      '.xenlab/**',
    ],
    testTimeout: 60_000,
  },
});
