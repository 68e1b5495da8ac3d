// Mutants of chapter 08's exercises (grader/mutants/index.ts).

import type { Mutant } from './mutant.ts';

export const MUTANTS_08: readonly Mutant[] = [
  // 08-perm-for-conn
  {
    name: 'perm-owner-not-special',
    exercise: '08-perm-for-conn',
    file: 'dom0/xenstored/permissions.ts',
    search: 'if (who.privileged || names(owner.id)) return all;',
    replace: 'if (who.privileged) return all;',
    why: 'the first entry names the node’s owner, who may do everything with it',
  },
  {
    name: 'perm-dom0-not-special',
    exercise: '08-perm-for-conn',
    file: 'dom0/xenstored/permissions.ts',
    search: 'if (who.privileged || names(owner.id)) return all;',
    replace: 'if (names(owner.id)) return all;',
    why: 'domain 0 (the toolstack) may do anything with any node',
  },
  {
    name: 'perm-last-entry-wins',
    exercise: '08-perm-for-conn',
    file: 'dom0/xenstored/permissions.ts',
    search: 'for (const p of perms.slice(1)) {',
    replace: 'for (const p of perms.slice(1).reverse()) {',
    why: 'the first entry naming the domain decides, not a later one',
  },
  {
    name: 'perm-default-everything',
    exercise: '08-perm-for-conn',
    file: 'dom0/xenstored/permissions.ts',
    search: 'return owner.perms & all;',
    replace: 'return XS_PERM_READ | XS_PERM_WRITE;',
    why: 'a domain no entry names gets the first entry’s rights, not everything',
  },
  {
    name: 'perm-target-ignored',
    exercise: '08-perm-for-conn',
    file: 'dom0/xenstored/permissions.ts',
    search: '(who.target !== undefined && id === who.target)',
    replace: 'false',
    why: 'a domain acting for another (SET_TARGET) has that domain’s rights',
  },
  // 08-watch-events
  {
    name: 'watch-prefix-not-component',
    exercise: '08-watch-events',
    file: 'dom0/xenstored/watch.ts',
    search: '(exact ? path === w.path : isChild(path, w.path))',
    replace: '(exact ? path === w.path : path.startsWith(w.path))',
    why: 'a watch on /a/b fires for /a/b/c but not for /a/bc: below means a whole path component',
  },
  {
    name: 'watch-exact-ignored',
    exercise: '08-watch-events',
    file: 'dom0/xenstored/watch.ts',
    search: '(exact ? path === w.path : isChild(path, w.path))',
    replace: 'isChild(path, w.path)',
    why: 'below a removed node only the watches on each removed node itself fire',
  },
  {
    name: 'watch-fires-for-parents',
    exercise: '08-watch-events',
    file: 'dom0/xenstored/watch.ts',
    search: '(exact ? path === w.path : isChild(path, w.path))',
    replace: '(exact ? path === w.path : isChild(path, w.path) || isChild(w.path, path))',
    why: 'a watch fires for changes at or below its path, not above it',
  },
  {
    name: 'watch-prefix-kept',
    exercise: '08-watch-events',
    file: 'dom0/xenstored/watch.ts',
    search: '.map((w) => ({ path: path.slice(w.prefixLength), token: w.token }));',
    replace: '.map((w) => ({ path, token: w.token }));',
    why: 'a watch set with a relative path reports paths relative to the domain’s home',
  },
  // 08-transaction-conflict
  {
    name: 'tx-never-conflicts',
    exercise: '08-transaction-conflict',
    file: 'dom0/xenstored/transaction.ts',
    search: 'if ((store.get(path)?.generation ?? NO_GENERATION) !== seen) return true;',
    replace: '',
    why: 'a transaction whose nodes changed meanwhile must fail with EAGAIN, or updates are lost',
  },
  {
    name: 'tx-missing-nodes-ignored',
    exercise: '08-transaction-conflict',
    file: 'dom0/xenstored/transaction.ts',
    search: 'if ((store.get(path)?.generation ?? NO_GENERATION) !== seen) return true;',
    replace:
      'const now = store.get(path);\n    if (now !== undefined && seen !== NO_GENERATION && now.generation !== seen) return true;',
    why: 'a node made or removed meanwhile is a change too',
  },
  {
    name: 'tx-first-node-only',
    exercise: '08-transaction-conflict',
    file: 'dom0/xenstored/transaction.ts',
    search: 'if ((store.get(path)?.generation ?? NO_GENERATION) !== seen) return true;',
    replace: 'return (store.get(path)?.generation ?? NO_GENERATION) !== seen;',
    why: 'every node the transaction used is checked, not only the first',
  },
  // 08-guest-read-name
  {
    name: 'guest-ring-index-unmasked',
    exercise: '08-guest-read-name',
    file: 'guests/lib/xenstore.asm',
    search: '  mov ebx, edx\n  and ebx, XENSTORE_RING_SIZE - 1\n  mov al, [esi]\n',
    replace: '  mov ebx, edx\n  mov al, [esi]\n',
    why: 'the ring indices run free: a byte goes to its index masked by the ring’s size',
  },
  {
    name: 'guest-no-notify',
    exercise: '08-guest-read-name',
    file: 'guests/lib/xenstore.asm',
    search: '  mov [edi + XS_IFACE_req_prod], edx\n  call xs_notify\n',
    replace: '  mov [edi + XS_IFACE_req_prod], edx\n',
    why: 'a published request is followed by an event on the store channel, or xenstored may sleep',
  },
  {
    name: 'guest-header-len-zero',
    exercise: '08-guest-read-name',
    file: 'guests/lib/xenstore.asm',
    search: '  mov [xs_header + 12], ecx\n',
    replace: '  mov dword [xs_header + 12], 0\n',
    why: 'the header’s len is the payload’s length, or xenstored reads the path as the next header',
  },
  {
    name: 'guest-prod-header-only',
    exercise: '08-guest-read-name',
    file: 'guests/lib/xenstore.asm',
    search: '  pop esi\n  pop ecx\n  call .copy\n',
    replace: '  pop esi\n  pop ecx\n',
    why: 'req_prod moves past the whole request, header and payload',
  },
];
