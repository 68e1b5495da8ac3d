// The project's tests boot a test domain on the reference hypervisor with the grader's own
// helper (chapters/testing/boot.ts), as the chapter tests do on a graded tree. Not staged.

import { bootTestDomain as bootOn, type TestDomainConfig } from '../../../chapters/testing/boot.ts';
import { minimalKernel } from '../../../chapters/testing/elf.ts';
import { handleHostTrap } from '../traps.ts';
import { Xen } from '../xen.ts';

export { minimalKernel };

/** A fresh Xen with one 16 MiB domain built from `image`, paused at its entry. */
export function bootTestDomain(config: Partial<TestDomainConfig> = {}, image = minimalKernel()) {
  return bootOn({ Xen, handleHostTrap }, config, image);
}
