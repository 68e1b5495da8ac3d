// Mutants of chapter 04's exercises (grader/mutants/index.ts).

import type { Mutant } from './mutant.ts';

export const MUTANTS_04: readonly Mutant[] = [
  // 04-grant-permission
  {
    name: 'permission-any-domain',
    exercise: '04-grant-permission',
    file: 'xen/grant-map.ts',
    search: 'if ((sha.flags & mask) !== GTF_permit_access || sha.domid !== ldomid) {',
    replace: 'if ((sha.flags & mask) !== GTF_permit_access) {',
    why: 'a grant is for the one domain its entry names',
  },
  {
    name: 'permission-readonly-ignored',
    exercise: '04-grant-permission',
    file: 'xen/grant-map.ts',
    search: 'if (!readonly && (sha.flags & GTF_readonly) !== 0) return GNTST_general_error;',
    replace: '',
    why: 'a GTF_readonly grant cannot be used for writing',
  },
  {
    name: 'permission-frame-owner-unchecked',
    exercise: '04-grant-permission',
    file: 'xen/grant-map.ts',
    search:
      'if (frame >= heap.owner.length || heap.owner[frame] !== rd.domid) return GNTST_general_error;',
    replace: '',
    why: 'a domain can only grant frames it owns, or it hands out another domain’s memory',
  },
  {
    name: 'permission-sub-page-mappable',
    exercise: '04-grant-permission',
    file: 'xen/grant-map.ts',
    search: 'const mask = mapping ? GTF_type_mask | GTF_sub_page : GTF_type_mask;',
    replace: 'const mask = GTF_type_mask;',
    why: 'a sub-page grant is for copying only: mapping it would expose the whole frame',
  },
  {
    name: 'permission-no-writing-flag',
    exercise: '04-grant-permission',
    file: 'xen/grant-map.ts',
    search: 'sha.flags | GTF_reading | (readonly ? 0 : GTF_writing)',
    replace: 'sha.flags | GTF_reading',
    why: 'GTF_writing tells the granter a writable use is in progress',
  },
  // 04-map-grant-ref
  {
    name: 'map-no-pin-overflow-check',
    exercise: '04-map-grant-ref',
    file: 'xen/grant-map.ts',
    search: '(act.domid !== ld.domid || (act.pin & GNTPIN_overflow) !== 0)',
    replace: 'act.domid !== ld.domid',
    why: 'a pin counter about to overflow refuses further maps',
  },
  {
    name: 'map-pinned-by-other-domain',
    exercise: '04-map-grant-ref',
    file: 'xen/grant-map.ts',
    search: '(act.domid !== ld.domid || (act.pin & GNTPIN_overflow) !== 0)',
    replace: '(act.pin & GNTPIN_overflow) !== 0',
    why: 'once pinned, a grant is in use by one domain: another domain must not map it',
  },
  {
    name: 'map-writable-skips-permission',
    exercise: '04-map-grant-ref',
    file: 'xen/grant-map.ts',
    search: 'if (act.pin === 0 || (!readonly && writers === 0)) {',
    replace: 'if (act.pin === 0) {',
    why: 'a first writable map of a grant pinned read-only must check GTF_readonly',
  },
  {
    name: 'map-dev-bus-addr-frame',
    exercise: '04-map-grant-ref',
    file: 'xen/grant-map.ts',
    search: 'return { status: GNTST_okay, handle, devBusAddr: act.frame * PAGE_SIZE };',
    replace: 'return { status: GNTST_okay, handle, devBusAddr: act.frame };',
    why: 'dev_bus_addr is the machine address of the frame, for host mappings too',
  },
  {
    name: 'map-pin-kept-on-failure',
    exercise: '04-map-grant-ref',
    file: 'xen/grant-map.ts',
    search: '      act.pin -= inc;\n      clearStatusFlags',
    replace: '      clearStatusFlags',
    why: 'a map that fails leaves the grant unpinned',
  },
  {
    name: 'map-ref-bound-off-by-one',
    exercise: '04-map-grant-ref',
    file: 'xen/grant-map.ts',
    search: 'if (op.ref >= nrGrantEntries(rgt)) return fail(GNTST_bad_gntref);',
    replace: 'if (op.ref > nrGrantEntries(rgt)) return fail(GNTST_bad_gntref);',
    why: 'refs run from 0 to nr_grant_entries - 1',
  },
  // 04-unmap-grant-ref
  {
    name: 'unmap-dev-bus-addr-unchecked',
    exercise: '04-unmap-grant-ref',
    file: 'xen/grant-map.ts',
    search:
      'if (unmapDevice && op.devBusAddr !== act.frame * PAGE_SIZE) return GNTST_general_error;',
    replace: '',
    why: 'a device unmap names the mapping’s dev_bus_addr',
  },
  {
    name: 'unmap-handle-freed-early',
    exercise: '04-unmap-grant-ref',
    file: 'xen/grant-map.ts',
    search:
      'if ((map.flags & (GNTMAP_device_map | GNTMAP_host_map)) === 0) putMaptrackHandle(lgt, op.handle);',
    replace: 'putMaptrackHandle(lgt, op.handle);',
    why: 'a handle with a mapping left (host or device) stays allocated',
  },
  {
    name: 'unmap-status-kept',
    exercise: '04-unmap-grant-ref',
    file: 'xen/grant-map.ts',
    search: '  clearStatusFlags(heap, rd, rgt, map.ref);\n  if (act.pin === 0) releaseOrphanFrame',
    replace: '  if (act.pin === 0) releaseOrphanFrame',
    why: 'the granter sees GTF_reading/GTF_writing clear once the last map is gone',
  },
  {
    name: 'unmap-wrong-pin-counter',
    exercise: '04-unmap-grant-ref',
    file: 'xen/grant-map.ts',
    search:
      'act.pin -= readonly ? GNTPIN_hstr_inc : GNTPIN_hstw_inc;\n    map.flags &= ~GNTMAP_host_map;',
    replace: 'act.pin -= GNTPIN_hstr_inc;\n    map.flags &= ~GNTMAP_host_map;',
    why: 'a writable host mapping drops a writer pin',
  },
  {
    name: 'unmap-device-drops-host-pin',
    exercise: '04-unmap-grant-ref',
    file: 'xen/grant-map.ts',
    search:
      'act.pin -= readonly ? GNTPIN_devr_inc : GNTPIN_devw_inc;\n    map.flags &= ~GNTMAP_device_map;',
    replace:
      'act.pin -= readonly ? GNTPIN_hstr_inc : GNTPIN_hstw_inc;\n    map.flags &= ~GNTMAP_device_map;',
    why: 'a device unmap drops a device pin, not a host one',
  },
  // 04-grant-copy
  {
    name: 'copy-source-bound-unchecked',
    exercise: '04-grant-copy',
    file: 'xen/grant-copy.ts',
    search: 'op.source.offset + op.len > PAGE_SIZE || ',
    replace: '',
    why: 'a copy that runs past the source frame reads the next frame, another domain’s',
  },
  {
    name: 'copy-dest-bound-unchecked',
    exercise: '04-grant-copy',
    file: 'xen/grant-copy.ts',
    search: ' || op.dest.offset + op.len > PAGE_SIZE) {',
    replace: ') {',
    why: 'a copy that runs past the destination frame writes the next frame, another domain’s',
  },
  {
    name: 'copy-source-gmfn-of-other-domain',
    exercise: '04-grant-copy',
    file: 'xen/grant-copy.ts',
    search: '(op.source.domid !== DOMID_SELF && !srcIsGref) ||',
    replace: 'false ||',
    why: 'only a grant reference reaches another domain’s memory: a frame number is for DOMID_SELF',
  },
  {
    name: 'copy-dest-gmfn-of-other-domain',
    exercise: '04-grant-copy',
    file: 'xen/grant-copy.ts',
    search: '(op.dest.domid !== DOMID_SELF && !destIsGref)',
    replace: 'false',
    why: 'only a grant reference reaches another domain’s memory: a frame number is for DOMID_SELF',
  },
  {
    name: 'copy-grants-never-released',
    exercise: '04-grant-copy',
    file: 'xen/grant-copy.ts',
    search: 'for (const g of held) releaseGrantForCopy(xen.heap, g);',
    replace: '',
    why: 'a copy holds its grants only while it copies',
  },
  // 04-guest-map
  {
    name: 'guest-map-wrong-domain',
    exercise: '04-guest-map',
    file: 'guests/grant-map.asm',
    search: '  mov eax, [granter]\n  mov [map_op + MAP_dom], ax\n',
    replace: '  mov word [map_op + MAP_dom], 0\n',
    why: 'the map names the granting domain',
  },
  {
    name: 'guest-map-readonly',
    exercise: '04-guest-map',
    file: 'guests/grant-map.asm',
    search: 'mov dword [map_op + MAP_flags], GNTMAP_host_map',
    replace: 'mov dword [map_op + MAP_flags], GNTMAP_host_map | GNTMAP_readonly',
    why: 'the guest writes through its window: the map must be writable',
  },
  {
    name: 'guest-map-ref-zero',
    exercise: '04-guest-map',
    file: 'guests/grant-map.asm',
    search: '  mov eax, [ref]\n  mov [map_op + MAP_ref], eax\n',
    replace: '  mov dword [map_op + MAP_ref], 0\n',
    why: 'the map names the reference the granter gave',
  },
  // 04-guest-grant
  {
    name: 'grant-flags-written-first',
    exercise: '04-guest-grant',
    file: 'guests/lib/gnttab.asm',
    search:
      '  mov [eax + GRANT_ENTRY_domid], cx\n' +
      '  mov [eax + GRANT_ENTRY_frame], edx\n' +
      '  push ecx\n' +
      '  mov ecx, GTF_permit_access\n' +
      '  test esi, esi\n' +
      '  jz .flags\n' +
      '  or ecx, GTF_readonly\n' +
      '.flags:\n' +
      '  mov [eax + GRANT_ENTRY_flags], cx\n' +
      '  pop ecx\n',
    replace:
      '  push ecx\n' +
      '  mov ecx, GTF_permit_access\n' +
      '  test esi, esi\n' +
      '  jz .flags\n' +
      '  or ecx, GTF_readonly\n' +
      '.flags:\n' +
      '  mov [eax + GRANT_ENTRY_flags], cx\n' +
      '  pop ecx\n' +
      '  mov [eax + GRANT_ENTRY_domid], cx\n' +
      '  mov [eax + GRANT_ENTRY_frame], edx\n',
    why: 'GTF_permit_access makes the entry live: frame and domid must be in place before it',
  },
  {
    name: 'grant-readonly-ignored',
    exercise: '04-guest-grant',
    file: 'guests/lib/gnttab.asm',
    search: '  or ecx, GTF_readonly\n',
    replace: '',
    why: 'a read-only grant carries GTF_readonly',
  },
  {
    name: 'grant-readonly-inverted',
    exercise: '04-guest-grant',
    file: 'guests/lib/gnttab.asm',
    search: '  jz .flags\n  or ecx, GTF_readonly',
    replace: '  jnz .flags\n  or ecx, GTF_readonly',
    why: 'ESI non-zero asks for a read-only grant',
  },
];
