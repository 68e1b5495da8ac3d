// Where xenlab keeps what it can always rebuild: cached grading results, progress, builds.

import { fileURLToPath } from 'node:url';

/** The repository root (the folder holding package.json). */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The cache folder: $XENLAB_CACHE if set, else .xenlab/ at the repository root. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.XENLAB_CACHE || `${REPO_ROOT}.xenlab`;
}
