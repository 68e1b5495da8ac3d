// xenlab: file from 11
import { describe, expect, it } from 'vitest';
import { XapiClient } from './xapi/client.ts';
import { CREDENTIALS, testServer, vmConfig } from './xapi/testing.ts';
import {
  findVm,
  formatList,
  parseMemSizeKiB,
  parseXlConfig,
  XlConfigError,
  xlCreate,
  xlInfo,
  xlList,
  xlVcpuList,
} from './xl.ts';

/** A client of a test machine's server, through the portable core (no sockets). */
async function connected() {
  const machine = testServer([vmConfig('spin')]);
  machine.server.ctx.kernel = (name) => (name === 'spin' ? vmConfig('spin').image : undefined);
  const client = new XapiClient(
    async (body) => machine.server.handle({ method: 'POST', url: '/', body }).body,
  );
  await client.login(CREDENTIALS.username, CREDENTIALS.password);
  return { ...machine, client };
}

describe('xl over the Xen API (book §11.5)', () => {
  it('parses xl.cfg, refusing what it cannot read', () => {
    expect(
      parseXlConfig(
        '# guest\nname = "a"\nkernel = \'spin\'\nmemory = 24\nextra = "x=1"\nvif = [ ]\n',
      ),
    ).toEqual({
      name: 'a',
      kernel: 'spin',
      memory: 24,
      vcpus: 1,
      extra: 'x=1',
    });
    expect(() => parseXlConfig('name = a\n')).toThrow(/line 1/);
    expect(() => parseXlConfig('name = "a"\n')).toThrow(/kernel must be a string/);
    expect(() => parseXlConfig('name = "a"\nkernel = "k"\nmemory = "big"\n')).toThrow(
      XlConfigError,
    );
  });

  it('reads sizes as xl does: MiB without a unit', () => {
    expect(parseMemSizeKiB('64')).toBe(65536);
    expect(parseMemSizeKiB('64m')).toBe(65536);
    expect(parseMemSizeKiB('2048k')).toBe(2048);
    expect(parseMemSizeKiB('1G')).toBe(1 << 20);
    expect(parseMemSizeKiB('4096b')).toBe(4);
    expect(() => parseMemSizeKiB('12q')).toThrow(XlConfigError);
  });

  it('prints xl list in xl_list.c’s columns', () => {
    expect(
      formatList([
        { name: 'Domain-0', domid: 0, memMiB: 1024, vcpus: 2, state: 'r-----', cpuSeconds: 21.94 },
      ]),
    ).toBe(
      'Name                                        ID   Mem VCPUs\tState\tTime(s)\n' +
        'Domain-0                                     0  1024     2     r-----      21.9\n',
    );
  });

  it('creates, lists, pauses and destroys a domain', async () => {
    const { client, vms } = await connected();
    await xlCreate(client, parseXlConfig('name = "web"\nkernel = "spin"\nmemory = 16\n'));
    vms.run(50_000);
    const listed = (await xlList(client)).split('\n');
    expect(listed[2]).toBe(`${'web'.padEnd(40)}     1    16     1     r-----       0.0`);
    const vm = await findVm(client, '1');
    expect(await findVm(client, 'web')).toBe(vm);
    await client.call('VM.pause', vm);
    expect(await xlList(client)).toContain('--p---');
    expect(await xlVcpuList(client)).toContain(
      `${'web'.padEnd(32)}     1     0    0   --- ${'0.0'.padStart(9)}  all / all`,
    );
    await client.call('VM.hard_shutdown', vm);
    expect((await xlList(client)).split('\n').filter((l) => l !== '')).toHaveLength(2);
    await expect(findVm(client, '1')).rejects.toThrow(/no such domain/);
    await expect(
      xlCreate(client, parseXlConfig('name = "x"\nkernel = "nope"\n')),
    ).rejects.toMatchObject({
      code: 'INVALID_VALUE',
      params: ['PV_kernel', 'nope'],
    });
  });

  it('prints xl info from the host’s record and metrics', async () => {
    const { client } = await connected();
    const info = await xlInfo(client);
    expect(info).toContain('host                   : xenlab\n');
    expect(info).toContain('total_memory           : 128\n');
    expect(info).toMatch(/free_memory {12}: \d+\n/);
  });
});
