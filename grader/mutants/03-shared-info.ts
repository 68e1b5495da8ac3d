// Mutants of chapter 03's exercises (grader/mutants/index.ts).

import type { Mutant } from './mutant.ts';

export const MUTANTS_03: readonly Mutant[] = [
  // 03-time-scale
  {
    name: 'time-scale-floating-point',
    exercise: '03-time-scale',
    file: 'xen/time.ts',
    search: 'const mul = (BigInt(NS_PER_SEC) << 32n) / rate;',
    replace: 'const mul = BigInt(Math.floor((NS_PER_SEC * 2 ** 32) / Number(rate)));',
    why: 'the double quotient is rounded to nearest before the floor: one too high at e.g. 1,523,979,174 Hz',
  },
  {
    name: 'time-scale-rounded-quotient',
    exercise: '03-time-scale',
    file: 'xen/time.ts',
    search: 'const mul = (BigInt(NS_PER_SEC) << 32n) / rate;',
    replace: 'const mul = ((BigInt(NS_PER_SEC) << 32n) + rate / 2n) / rate;',
    why: 'Xen truncates the quotient; rounding it makes mul one too high for half the frequencies',
  },
  {
    name: 'time-scale-no-right-shift',
    exercise: '03-time-scale',
    file: 'xen/time.ts',
    search: 'while (rate > 2n * BigInt(NS_PER_SEC)) {',
    replace: 'while (false) {',
    why: 'a TSC faster than 2 GHz is shifted right (a negative tsc_shift) so that mul keeps 32 bits of precision',
  },
  {
    name: 'time-scale-left-loop-strict',
    exercise: '03-time-scale',
    file: 'xen/time.ts',
    search: 'while (rate <= BigInt(NS_PER_SEC)) {',
    replace: 'while (rate < BigInt(NS_PER_SEC)) {',
    why: 'a rate of exactly 1 GHz × 2^k must be shifted once more: mul must stay below 2^32',
  },
  // 03-publish-time
  {
    name: 'publish-time-no-odd-version',
    exercise: '03-publish-time',
    file: 'xen/time.ts',
    search:
      'const version = versionUpdateBegin(mem.read32(ma + VCPU_TIME_INFO.version));\n' +
      '  mem.write32(ma + VCPU_TIME_INFO.version, version);\n',
    replace: 'const version = versionUpdateBegin(mem.read32(ma + VCPU_TIME_INFO.version));\n',
    why: 'a reader must see an odd version while the fields change, or it takes a torn record',
  },
  {
    name: 'publish-time-version-bumped-late',
    exercise: '03-publish-time',
    file: 'xen/time.ts',
    search:
      '  mem.write32(ma + VCPU_TIME_INFO.version, version);\n' +
      '  write64(mem, ma + VCPU_TIME_INFO.tsc_timestamp, t.tscTimestamp);\n',
    replace:
      '  write64(mem, ma + VCPU_TIME_INFO.tsc_timestamp, t.tscTimestamp);\n' +
      '  mem.write32(ma + VCPU_TIME_INFO.version, version);\n',
    why: 'the version goes odd before the first field changes',
  },
  {
    name: 'publish-time-version-back-to-old',
    exercise: '03-publish-time',
    file: 'xen/time.ts',
    search: 'mem.write32(ma + VCPU_TIME_INFO.version, versionUpdateEnd(version));',
    replace: 'mem.write32(ma + VCPU_TIME_INFO.version, version - 1);',
    why: 'the version must end different from where it began, or a reader cannot tell the record changed',
  },
  {
    name: 'publish-time-no-flags',
    exercise: '03-publish-time',
    file: 'xen/time.ts',
    search:
      '  mem.write8(ma + VCPU_TIME_INFO.flags, t.flags);\n  mem.write32(ma + VCPU_TIME_INFO.version, versionUpdateEnd',
    replace: '  mem.write32(ma + VCPU_TIME_INFO.version, versionUpdateEnd',
    why: 'flags (XEN_PVCLOCK_TSC_STABLE_BIT) are part of the record',
  },
  // 03-wallclock
  {
    name: 'wallclock-no-odd-version',
    exercise: '03-wallclock',
    file: 'xen/time.ts',
    search:
      'const version = versionUpdateBegin(mem.read32(si + SHARED_INFO.wc_version));\n' +
      '  mem.write32(si + SHARED_INFO.wc_version, version);\n',
    replace: 'const version = versionUpdateBegin(mem.read32(si + SHARED_INFO.wc_version));\n',
    why: 'wc_version is odd while wc_sec and wc_nsec change',
  },
  {
    name: 'wallclock-version-after-fields',
    exercise: '03-wallclock',
    file: 'xen/time.ts',
    search:
      '  mem.write32(si + SHARED_INFO.wc_version, version);\n' +
      '  mem.write32(si + SHARED_INFO.wc_sec, time.wcSec);\n' +
      '  mem.write32(si + SHARED_INFO.wc_nsec, time.wcNsec);\n',
    replace:
      '  mem.write32(si + SHARED_INFO.wc_sec, time.wcSec);\n' +
      '  mem.write32(si + SHARED_INFO.wc_nsec, time.wcNsec);\n' +
      '  mem.write32(si + SHARED_INFO.wc_version, version);\n',
    why: 'the fields change while wc_version is still even',
  },
  {
    name: 'wallclock-version-back-to-old',
    exercise: '03-wallclock',
    file: 'xen/time.ts',
    search: 'mem.write32(si + SHARED_INFO.wc_version, versionUpdateEnd(version));',
    replace: 'mem.write32(si + SHARED_INFO.wc_version, version - 1);',
    why: 'wc_version must end two past where it began',
  },
  // 03-system-time
  {
    name: 'system-time-movzx-shift',
    exercise: '03-system-time',
    file: 'guests/lib/time.asm',
    search: 'movsx ecx, byte [ebp + VCPU_TIME_tsc_shift]',
    replace: 'movzx ecx, byte [ebp + VCPU_TIME_tsc_shift]',
    why: 'tsc_shift is signed: a negative shift read with movzx shifts left by 250-odd bits',
  },
  {
    name: 'system-time-high-product-dropped',
    exercise: '03-system-time',
    file: 'guests/lib/time.asm',
    search: '  mov eax, edi\n  mul ebx\n  add eax, ecx\n  adc edx, 0\n',
    replace: '  mov eax, ecx\n  xor edx, edx\n',
    why: 'a delta of 2^32 ticks or more has a high half that must be scaled too',
  },
  {
    name: 'system-time-carry-dropped',
    exercise: '03-system-time',
    file: 'guests/lib/time.asm',
    search: '  add eax, ecx\n  adc edx, 0\n',
    replace: '  add eax, ecx\n',
    why: 'the carry out of the low half belongs in the high half',
  },
  {
    name: 'system-time-borrow-dropped',
    exercise: '03-system-time',
    file: 'guests/lib/time.asm',
    search: 'sbb edx, [ebp + VCPU_TIME_tsc_timestamp + 4]',
    replace: 'sub edx, [ebp + VCPU_TIME_tsc_timestamp + 4]',
    why: 'the 64-bit subtraction borrows from the high half',
  },
  {
    name: 'system-time-no-odd-retry',
    exercise: '03-system-time',
    file: 'guests/lib/time.asm',
    search:
      '  test esi, 1\n  jnz .retry                    ; odd: Xen is in the middle of an update\n',
    replace: '',
    why: 'an odd version means Xen is writing the record: wait for it to be even',
  },
  {
    name: 'system-time-no-version-recheck',
    exercise: '03-system-time',
    file: 'guests/lib/time.asm',
    search: '  cmp esi, [ebp + VCPU_TIME_version]\n  jne .retry',
    replace: '',
    why: 'the record may change while it is read: read the version again and retry if it moved',
  },
  // 03-gettimeofday
  {
    name: 'gettimeofday-no-version-recheck',
    exercise: '03-gettimeofday',
    file: 'guests/lib/time.asm',
    search: '  cmp esi, [shared_info + SHARED_INFO_wc_version]\n  jne .retry\n',
    replace: '',
    why: 'the wall clock may change while it is read: re-check wc_version',
  },
  {
    name: 'gettimeofday-no-odd-retry',
    exercise: '03-gettimeofday',
    file: 'guests/lib/time.asm',
    search: '  test esi, 1\n  jnz .retry\n  call get_system_time',
    replace: '  call get_system_time',
    why: 'an odd wc_version means Xen is writing the wall clock',
  },
  {
    name: 'gettimeofday-carry-dropped',
    exercise: '03-gettimeofday',
    file: 'guests/lib/time.asm',
    search: '  adc edx, 0\n  mov ecx, 1000000000\n',
    replace: '  mov ecx, 1000000000\n',
    why: 'system time plus wc_nsec can carry into the high half',
  },
  {
    name: 'gettimeofday-nsec-ignored',
    exercise: '03-gettimeofday',
    file: 'guests/lib/time.asm',
    search: '  add eax, [shared_info + SHARED_INFO_wc_nsec]\n',
    replace: '',
    why: 'the wall clock at boot is wc_sec plus wc_nsec',
  },
];
