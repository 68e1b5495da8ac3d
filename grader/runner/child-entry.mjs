// The runner's child process starts here: vitest is loaded before TypeScript support is turned
// on, so its hundreds of modules do not pass through tsx's loader hooks (on Node 20 each module
// would cross to the hooks' thread and back, about half a second in all); then child.ts runs.

await import('vitest/node');
const { register } = await import('tsx/esm/api');
register();
await import('./child.ts');
