// xl, the command line of the toolstack, as a client of the Xen API: its domain config files
// and the tables it prints (list, vcpu-list, info): book §11.5 (xm, which xl replaced); Xen
// tools/xl (xl_list.c, xl_vcpu.c, xl_info.c), docs/man/xl.cfg.5.pod.
// xenlab: file from 11
//
// Our machine lives in the process that serves the Xen API, so xl asks it through the API, as
// xe does on a XenServer host; what it prints keeps xl's columns.

import type { XapiClient } from './xapi/client.ts';
import type { XmlRpcStruct } from './xapi/xmlrpc.ts';

/** A domain config file (xl.cfg): the keys our PV guests use. */
export interface XlConfig {
  name: string;
  kernel: string;
  /** MiB. */
  memory: number;
  vcpus: number;
  /** The kernel command line. */
  extra: string;
}

/** A config file's text is wrong: which line, and why. */
export class XlConfigError extends Error {}

/**
 * Parses xl.cfg: `key = value` lines, values quoted strings or integers, `#` comments. Keys it
 * does not use are allowed (xl ignores what a guest type does not need), malformed lines not.
 */
export function parseXlConfig(text: string): XlConfig {
  const values = new Map<string, string | number>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const m = /^([A-Za-z_][\w]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|(\d+)|(\[.*\]))\s*;?$/.exec(line);
    if (m === null)
      throw new XlConfigError(`line ${i + 1}: expected key = "string" or number: ${raw}`);
    values.set(m[1]!, m[4] !== undefined ? Number(m[4]) : (m[2] ?? m[3] ?? m[5]!));
  });
  const need = (key: string, type: 'string' | 'number', fallback?: string | number) => {
    const v = values.get(key) ?? fallback;
    if (typeof v !== type) throw new XlConfigError(`${key} must be a ${type} (xl.cfg)`);
    return v as never;
  };
  return {
    name: need('name', 'string'),
    kernel: need('kernel', 'string'),
    memory: need('memory', 'number', 32),
    vcpus: need('vcpus', 'number', 1),
    extra: need('extra', 'string', ''),
  };
}

/** A domain as xl list shows it. */
export interface XlDomain {
  name: string;
  domid: number;
  memMiB: number;
  vcpus: number;
  /** Six flags: r running, b blocked, p paused, s shutdown, c crashed, d dying; - when not. */
  state: string;
  cpuSeconds: number;
}

const pad = (s: string | number, n: number) => String(s).padStart(n);

/** `xl list`: the header, then a line per domain, in xl_list.c's columns. */
export function formatList(domains: XlDomain[]): string {
  const lines = ['Name                                        ID   Mem VCPUs\tState\tTime(s)'];
  for (const d of domains) {
    lines.push(
      `${d.name.padEnd(40)} ${pad(d.domid, 5)} ${pad(d.memMiB, 5)} ${pad(d.vcpus, 5)}     ${d.state}  ${pad(d.cpuSeconds.toFixed(1), 8)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** A vCPU as xl vcpu-list shows it. */
export interface XlVcpu {
  name: string;
  domid: number;
  vcpu: number;
  cpu: number;
  online: boolean;
  running: boolean;
  blocked: boolean;
  seconds: number;
}

/** `xl vcpu-list`, in xl_vcpu.c's columns (one physical CPU: every affinity is all). */
export function formatVcpuList(vcpus: XlVcpu[]): string {
  const lines = [
    `${'Name'.padEnd(32)} ${pad('ID', 5)} ${pad('VCPU', 5)} ${pad('CPU', 5)} ${pad('State', 5)} ${pad('Time(s)', 9)} Affinity (Hard / Soft)`,
  ];
  for (const v of vcpus) {
    const where = v.online
      ? `${pad(v.cpu, 5)} ${pad(v.running ? 'r' : '-', 3)}${v.blocked ? 'b' : '-'}- `
      : `${pad('-', 5)} ${pad('-', 3)}-p `;
    lines.push(
      `${v.name.padEnd(32)} ${pad(v.domid, 5)} ${pad(v.vcpu, 5)}${where}${pad(v.seconds.toFixed(1), 9)}  all / all`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** `xl info`: one `key : value` line each, keys padded as xl_info.c pads them. */
export function formatInfo(pairs: [string, string | number][]): string {
  return pairs.map(([k, v]) => `${k.padEnd(23)}: ${v}\n`).join('');
}

/** The xl state flags of a VM's record and metrics. */
function xlState(vm: XmlRpcStruct, metrics: XmlRpcStruct): string {
  const flags = Object.values((metrics.VCPUs_flags as XmlRpcStruct) ?? {}).flat() as string[];
  const r = flags.includes('running') ? 'r' : '-';
  const b = vm.power_state === 'Running' && r === '-' ? 'b' : '-';
  const p = vm.power_state === 'Paused' ? 'p' : '-';
  return `${r}${b}${p}---`;
}

/** The domains (VMs that have one), with their metrics, as xl list and vcpu-list need them. */
export async function xlDomains(
  client: XapiClient,
): Promise<{ vm: XmlRpcStruct; metrics: XmlRpcStruct }[]> {
  const vms = (await client.call('VM.get_all_records')) as Record<string, XmlRpcStruct>;
  const metrics = (await client.call('VM_metrics.get_all_records')) as Record<string, XmlRpcStruct>;
  return Object.values(vms)
    .filter((vm) => vm.power_state !== 'Halted')
    .map((vm) => ({ vm, metrics: metrics[vm.metrics as string]! }))
    .sort((a, b) => Number(a.vm.domid) - Number(b.vm.domid));
}

/** `xl list` over the API. */
export async function xlList(client: XapiClient): Promise<string> {
  const rows = (await xlDomains(client)).map(({ vm, metrics }) => ({
    name: vm.name_label as string,
    domid: Number(vm.domid),
    memMiB: Math.floor(Number(metrics.memory_actual) / (1 << 20)),
    vcpus: Number(metrics.VCPUs_number),
    state: xlState(vm, metrics),
    cpuSeconds: Number((metrics.other_config as XmlRpcStruct).cpu_time ?? 0),
  }));
  return formatList(rows);
}

/** `xl vcpu-list` over the API. */
export async function xlVcpuList(client: XapiClient): Promise<string> {
  const rows: XlVcpu[] = [];
  for (const { vm, metrics } of await xlDomains(client)) {
    const flags = (metrics.VCPUs_flags as Record<string, string[]>) ?? {};
    const seconds = Number((metrics.other_config as XmlRpcStruct).cpu_time ?? 0);
    for (const [id, f] of Object.entries(flags)) {
      rows.push({
        name: vm.name_label as string,
        domid: Number(vm.domid),
        vcpu: Number(id),
        cpu: 0,
        online: f.includes('online'),
        running: f.includes('running'),
        blocked: f.includes('blocked'),
        seconds,
      });
    }
  }
  return formatVcpuList(rows);
}

/** `xl info` over the API: the host's record and metrics. */
export async function xlInfo(client: XapiClient): Promise<string> {
  const [host] = (await client.call('host.get_all')) as string[];
  const record = (await client.call('host.get_record', host!)) as XmlRpcStruct;
  const metrics = (await client.call(
    'host_metrics.get_record',
    record.metrics as string,
  )) as XmlRpcStruct;
  const software = record.software_version as XmlRpcStruct;
  const [major = '', minor = ''] = String(software.xen).split('.');
  const MiB = 1 << 20;
  return formatInfo([
    ['host', record.hostname as string],
    ['machine', 'i686'],
    ['nr_cpus', 1],
    ['total_memory', Math.floor(Number(metrics.memory_total) / MiB)],
    ['free_memory', Math.floor(Number(metrics.memory_free) / MiB)],
    ['xen_major', major],
    ['xen_minor', minor],
    ['xen_version', String(software.xen)],
    ['xen_caps', 'xen-3.0-x86_32p'],
    ['xen_scheduler', 'credit'],
    ['xen_pagesize', 4096],
    ['xen_api', `${record.API_version_major}.${record.API_version_minor}`],
  ]);
}

/** The VM a name or domain id names (xl's domain-id argument). */
export async function findVm(client: XapiClient, nameOrId: string): Promise<string> {
  const vms = (await client.call('VM.get_all_records')) as Record<string, XmlRpcStruct>;
  for (const [ref, r] of Object.entries(vms)) {
    const live = r.power_state !== 'Halted';
    if (r.name_label === nameOrId || (live && String(r.domid) === nameOrId)) return ref;
  }
  throw new XlConfigError(`${nameOrId}: no such domain (a name, or the id xl list shows)`);
}

/** `xl create`: defines the VM of the config through the API and starts it. */
export async function xlCreate(
  client: XapiClient,
  config: XlConfig,
  paused = false,
): Promise<string> {
  const vm = (await client.call('VM.create', {
    name_label: config.name,
    PV_kernel: config.kernel,
    memory_static_max: String(config.memory * (1 << 20)),
    VCPUs_max: String(config.vcpus),
    PV_args: config.extra,
  })) as string;
  await client.call('VM.start', vm, paused, false);
  return vm;
}

/** xl's memory sizes: a number with an optional unit b, k, m (the default), g or t; in KiB. */
export function parseMemSizeKiB(text: string): number {
  const m = /^(\d+)([bkmgt]?)$/i.exec(text.trim());
  if (m === null) throw new XlConfigError(`${text}: expected a size such as 64m or 65536k`);
  const n = Number(m[1]);
  const unit = m[2]!.toLowerCase();
  if (unit === 'b') return Math.floor(n / 1024);
  return n * { k: 1, '': 1024, m: 1024, g: 1024 ** 2, t: 1024 ** 3 }[unit]!;
}
