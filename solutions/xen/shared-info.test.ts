// xenlab: file from 03
import { describe, expect, it } from 'vitest';
import { translateForHost } from '../../sim/host.ts';
import { __HYPERVISOR_update_va_mapping, START_INFO } from './abi.ts';
import { EINVAL } from './errno.ts';
import { sharedInfoMa, vcpuInfoMa, vcpuTimeInfoMa } from './shared-info.ts';
import { bootTestDomain } from './testing/boot.ts';

const VA = 0x20000; // a page of the test domain's bootstrap region
const UVMF_INVLPG = 2;

describe('the shared info page', () => {
  it('is where start_info.shared_info says, with vcpu_info n at 64·n and its time at +32', () => {
    const { xen, domain, layout } = bootTestDomain();
    const si = domain.p2m[layout.startInfoPfn]! * 4096;
    expect(xen.mem.read32(si + START_INFO.shared_info)).toBe(sharedInfoMa(domain));
    expect(vcpuInfoMa(domain, 3) - sharedInfoMa(domain)).toBe(192);
    expect(vcpuTimeInfoMa(domain, 3) - sharedInfoMa(domain)).toBe(224);
  });

  it('is mapped into the guest by update_va_mapping, as a guest kernel does at boot', () => {
    const { domain, cpu, hypercall } = bootTestDomain();
    translateForHost(cpu, VA, false); // the old mapping, now in the TLB
    expect(
      hypercall(__HYPERVISOR_update_va_mapping, [VA, sharedInfoMa(domain) | 7, 0, UVMF_INVLPG]),
    ).toBe(0);
    expect(translateForHost(cpu, VA + 0x904, false)).toBe(sharedInfoMa(domain) + 0x904);
  });

  it('refuses a mapping in Xen’s hole or with a cache-control bit', () => {
    const { domain, hypercall } = bootTestDomain();
    const ma = sharedInfoMa(domain);
    expect(
      hypercall(__HYPERVISOR_update_va_mapping, [0xf5800000, ma | 7, 0, UVMF_INVLPG]) | 0,
    ).toBe(-EINVAL);
    expect(hypercall(__HYPERVISOR_update_va_mapping, [VA, ma | 0x17, 0, UVMF_INVLPG]) | 0).toBe(
      -EINVAL,
    );
  });
});
