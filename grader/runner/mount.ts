// The grader's mount (docs/architecture.md §8): the tree being graded is mounted at every
// chapters/*/src, so a chapter's tests (`../src/xen/index.ts`) run against a learner's src/, a
// submission or a solved snapshot, wherever it lies on disk. A Vite plugin for the test runner's
// child process.

import { existsSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Vite } from 'vitest/node';

export interface MountOptions {
  /** The repository root: where chapters/, sim/ and node_modules/ are. */
  repoRoot: string;
  /** The source tree to mount (absolute). */
  src: string;
  /** Folders of test files (absolute); each acts as if it were chapters/<its parent's name>/tests. */
  testDirs: string[];
}

/** Where a snapshot's files think they are: the depth of every chapters/NN-slug/src. */
const MOUNT_SLUG = '.mounted';

/** True when `file` is `dir` or lies inside it. */
export function isInside(dir: string, file: string): boolean {
  const rel = relative(dir, file);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

export function createMount({ repoRoot, src, testDirs }: MountOptions) {
  const chapters = join(repoRoot, 'chapters');
  const virtualSrc = join(chapters, MOUNT_SLUG, 'src');

  /** Where `file` stands in for a repository path (a mounted file), or undefined. */
  function virtualPath(file: string): string | undefined {
    if (isInside(src, file)) return join(virtualSrc, relative(src, file));
    for (const dir of testDirs) {
      if (isInside(dir, file)) {
        return join(chapters, basename(dirname(dir)), 'tests', relative(dir, file));
      }
    }
    return undefined;
  }

  /** A repository path under chapters/<any>/src maps into the mounted tree. */
  function realPath(file: string): string {
    if (!isInside(chapters, file)) return file;
    const parts = relative(chapters, file).split(sep);
    if (parts.length < 2 || parts[1] !== 'src' || parts[0] === 'testing') return file;
    return join(src, ...parts.slice(2));
  }

  return { virtualPath, realPath };
}

/** The Vite plugin: rewrites module resolution for imports into and out of the mounted tree. */
export function mountPlugin(options: MountOptions): Vite.Plugin {
  const mount = createMount(options);
  return {
    name: 'xenlab-mount',
    enforce: 'pre',
    // A module's transform holds the paths its imports resolve to, which depend on the mount: a
    // module cached on disk (RunTestsOptions.moduleCache) is cached per mount.
    configureVitest(context) {
      const mounted = JSON.stringify({ src: options.src, testDirs: options.testDirs });
      context.experimental_defineCacheKeyGenerator(() => mounted);
    },
    async resolveId(source, importer, resolveOptions) {
      if (importer === undefined || source.startsWith('\0')) return null;
      const importerFile = importer.replace(/[?#].*$/, '');
      const virtualImporter = mount.virtualPath(importerFile);
      const relativeImport = source.startsWith('./') || source.startsWith('../');
      if (relativeImport || isAbsolute(source)) {
        const target = resolve(dirname(virtualImporter ?? importerFile), source);
        const real = mount.realPath(target);
        if (virtualImporter === undefined && real === target) return null;
        if (real === target && !existsSync(real)) return null;
        return real;
      }
      // A bare import (a package) from a mounted file resolves as from its repository stand-in.
      if (virtualImporter === undefined) return null;
      return this.resolve(source, virtualImporter, { ...resolveOptions, skipSelf: true });
    },
  };
}
