// Helpers for chapter tests (chapters/README.md). They may use sim/ and Node, never solutions/:
// a graded test reaches the hypervisor only through the graded tree's `../src/…`.

export { renderScreen, type ScreenSize } from '../../tools/screen.ts';
export {
  auditEventChannels,
  auditFrameTable,
  auditGrantPins,
  auditHeap,
  checkInvariants,
  PGT,
} from './invariants.ts';
export { entryMfn, l1eAddressOf } from './page-tables.ts';
export { screenMismatch } from './screen.ts';
export { testRng, testSeed } from './seed.ts';
export { guestSources, srcRoot } from './src.ts';
