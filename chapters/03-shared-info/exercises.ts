// Chapter 03's exercises: the TSC scale, vcpu_time_info and the wall clock published with the
// version protocol, and the guest's side — system time and gettimeofday in assembly
// (book §3.3–3.4).

import type { Exercise } from '../exercise.ts';

export const EXERCISES: Exercise[] = [
  {
    id: '03-time-scale',
    title: 'Derive tsc_to_system_mul and tsc_shift',
    points: 10,
    files: ['src/xen/time.ts'],
    section: '3.3',
    hints: [
      'ns = ((ticks << shift) * mul) >> 32, with mul a 32-bit fraction. Choose shift first so ' +
        'that the shifted frequency, rate = hz · 2^shift, lies in (1e9, 2e9]; then ' +
        'mul = ⌊1e9 · 2^32 / rate⌋ lies in [2^31, 2^32).',
      'Halve the frequency (rate >>= 1, shift − 1) while it is above 2e9, then double it ' +
        '(rate <<= 1, shift + 1) while it is at most 1e9. Halving drops the low bit: that is ' +
        'what Xen does, and the test checks it exactly.',
      '1e9 · 2^32 = 1953125 · 2^41 fits a double exactly, but the quotient does not: the ' +
        'division rounds to nearest, and where the exact quotient lies just below an integer ' +
        '(1,523,979,174 Hz is one) Math.floor then gives one too many. Divide integers: ' +
        '(1_000_000_000n << 32n) / BigInt(rate), and return { mul: Number(mul), shift }. ' +
        'For 1 GHz: { mul 2^31, shift 1 }.',
    ],
    fuel: 100_000,
  },
  {
    id: '03-publish-time',
    title: 'Publish vcpu_time_info with the version protocol',
    points: 15,
    files: ['src/xen/time.ts'],
    section: '3.3',
    hints: [
      'The starter writes the fields but never touches the version, so a reader on another ' +
        'pCPU that copies the record while you write it cannot tell: it keeps half an old ' +
        'record and half a new one.',
      'Read the current version at ma + VCPU_TIME_INFO.version; store versionUpdateBegin(it) ' +
        '(odd) before the first field, then the fields, then versionUpdateEnd(odd one) (even, ' +
        'two past the start) after the last.',
      'Each store must come after the one before it, as Xen orders them with smp_wmb(): do not ' +
        'write the final version early, and write tsc_shift as a byte (t.shift & 0xff).',
    ],
    fuel: 200_000,
  },
  {
    id: '03-wallclock',
    title: 'Publish the wall clock with wc_version',
    points: 10,
    files: ['src/xen/time.ts'],
    section: '3.3',
    hints: [
      'The wall clock is shared_info’s wc_sec and wc_nsec: the time of day at system time 0. ' +
        'time.wcSec and time.wcNsec hold Xen’s copy; publish it in the domain’s shared_info.',
      'wc_version follows the same odd/even protocol as vcpu_time_info: read it at ' +
        'si + SHARED_INFO.wc_version, store versionUpdateBegin(v), then wc_sec and wc_nsec, ' +
        'then versionUpdateEnd.',
    ],
    fuel: 200_000,
  },
  {
    id: '03-system-time',
    title: 'Read Xen system time in the guest',
    points: 20,
    files: ['src/guests/lib/time.asm'],
    section: '3.4',
    hints: [
      'vCPU 0’s vcpu_time_info is at shared_info + VCPU_INFO_time. Read the version; if it is ' +
        'odd, Xen is mid-update: read it again. Then rdtsc, subtract tsc_timestamp (sub/sbb ' +
        'for the 64-bit difference), and at the end compare the version again: if it moved, ' +
        'start over.',
      'Shift the 64-bit delta by tsc_shift (a signed byte: movsx): shld/shl to the left, ' +
        'shrd/shr to the right when it is negative (neg it first).',
      '(hi:lo × mul) >> 32 = hi × mul + the high half of lo × mul: two `mul`s, keep EDX of the ' +
        'first and EAX:EDX of the second, add with adc. Add system_time (64-bit) and return ' +
        'EDX:EAX; preserve the other registers.',
    ],
    fuel: 1_500_000,
  },
  {
    id: '03-gettimeofday',
    title: 'gettimeofday() in assembly',
    points: 15,
    files: ['src/guests/lib/time.asm'],
    section: '3.4',
    hints: [
      'The time of day is (wc_sec, wc_nsec) + system time. Read wc_version first (retry while ' +
        'odd), call get_system_time, read wc_sec and wc_nsec, and start over if wc_version ' +
        'changed meanwhile.',
      'Add wc_nsec to the 64-bit ns count (add/adc), then `div` by 1_000_000_000: EAX is whole ' +
        'seconds, EDX the nanoseconds left. Add wc_sec to EAX; EDX / 1000 is the microseconds.',
    ],
    fuel: 1_000_000,
  },
];
