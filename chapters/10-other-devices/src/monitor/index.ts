// Your working copy for chapter 10, generated from solutions/monitor/index.ts by npx xenlab stage.
// Chapter 1's virtual machine monitor, the one that comes before Xen (book ch. 1). Reading order:
//   sensitive   the x86 problem: sensitive-but-unprivileged instructions, found by disassembly
//   rewrite     binary rewriting: each one patched to trap (INT3 + NOPs), with a patch map
//   vm          the monitor: a deprivileged guest, its virtual CPU, the run loop and the timer
//   emulate     trap and emulate: privileged and patched instructions against the virtual CPU
//   program     a guest assembled, rewritten and run in one of three modes

export * from './emulate.ts';
export * from './program.ts';
export * from './rewrite.ts';
export * from './sensitive.ts';
export * from './vm.ts';
