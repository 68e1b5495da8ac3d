// Helpers for chapter tests (chapters/README.md). They may use sim/ and Node, never solutions/:
// a graded test reaches the hypervisor only through the graded tree's `../src/…`.

export { renderScreen, type ScreenSize } from '../../tools/screen.ts';
export { screenMismatch } from './screen.ts';
export { testRng, testSeed } from './seed.ts';
export { guestSources, srcRoot } from './src.ts';
