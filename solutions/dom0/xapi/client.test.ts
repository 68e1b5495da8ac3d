// xenlab: file from 11
import { describe, expect, it } from 'vitest';
import { listRunningVms, XapiClient } from './client.ts';
import { CREDENTIALS, testServer, vmConfig } from './testing.ts';
import { XapiFailure } from './values.ts';

function client(server: ReturnType<typeof testServer>['server']) {
  return new XapiClient(async (body) => server.handle({ method: 'POST', url: '/', body }).body);
}

describe('a Xen API client: the book’s running VMs (book §11.7)', () => {
  it('lists the running VMs only, without Domain-0, by domain id, with numbers for numbers', async () => {
    const { server, vms } = testServer([
      vmConfig('c'),
      vmConfig('a'),
      vmConfig('b'),
      vmConfig('off'),
    ]);
    const api = client(server);
    await api.login(CREDENTIALS.username, CREDENTIALS.password);
    expect(await listRunningVms(api)).toEqual([]);
    for (const name of ['b', 'a', 'c']) vms.start(vms.byName(name)!);
    vms.pause(vms.byName('c')!);
    expect(await listRunningVms(api)).toEqual([
      { name: 'b', uuid: vms.byName('b')!.uuid, domid: 1, memoryMiB: 16 },
      { name: 'a', uuid: vms.byName('a')!.uuid, domid: 2, memoryMiB: 16 },
    ]);
    vms.unpause(vms.byName('c')!);
    expect((await listRunningVms(api)).map((v) => v.name)).toEqual(['b', 'a', 'c']);
  });

  it('a failure comes back as an XapiFailure with the code and parameters', async () => {
    const { server } = testServer();
    const api = client(server);
    await expect(api.login('root', 'nope')).rejects.toEqual(
      new XapiFailure('SESSION_AUTHENTICATION_FAILED', ['root', 'Authentication failure']),
    );
    await api.login(CREDENTIALS.username, CREDENTIALS.password);
    await api.logout();
    await expect(api.call('VM.get_all')).rejects.toMatchObject({ code: 'SESSION_INVALID' });
  });
});
