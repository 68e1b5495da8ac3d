// Mutants of chapter 11's exercises (grader/mutants/index.ts).

import type { Mutant } from './mutant.ts';

export const MUTANTS_11: readonly Mutant[] = [
  // 11-xmlrpc-encode
  {
    name: 'xmlrpc-int-unbounded',
    exercise: '11-xmlrpc-encode',
    file: 'dom0/xapi/xmlrpc.ts',
    search: 'Number.isInteger(v) && v >= -0x8000_0000 && v <= 0x7fff_ffff',
    replace: 'Number.isInteger(v)',
    why: 'an integer beyond 32 bits is not an <int>: the receiver refuses it; send it as a <double>',
  },
  {
    name: 'xmlrpc-no-escape',
    exercise: '11-xmlrpc-encode',
    file: 'dom0/xapi/xmlrpc.ts',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the reference's template literal, as text
    search: "if (typeof v === 'string') return `<value>${escapeText(v)}</value>`;",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the reference's template literal, as text
    replace: "if (typeof v === 'string') return `<value>${v}</value>`;",
    why: 'text with <, > or & must be escaped, or a name like "a<b" breaks the document (or injects elements)',
  },
  // 11-xmlrpc-decode
  {
    name: 'xmlrpc-bool-any',
    exercise: '11-xmlrpc-decode',
    file: 'dom0/xapi/xmlrpc.ts',
    search: "if (s !== '0' && s !== '1')",
    replace: "if (s === '')",
    why: 'a <boolean> is 0 or 1; guessing at anything else lets a client steer the server with malformed input',
  },
  {
    name: 'xmlrpc-int-range',
    exercise: '11-xmlrpc-decode',
    file: 'dom0/xapi/xmlrpc.ts',
    search: "const bits = e.name === 'i8' ? 2 ** 63 : 2 ** 31;",
    replace: 'const bits = 2 ** 63;',
    why: '<int> and <i4> hold 32 bits: a larger number in them is not XML-RPC',
  },
  // 11-vm-record
  {
    name: 'record-domid-zero',
    exercise: '11-vm-record',
    file: 'dom0/xapi/objects.ts',
    search: 'domid: BigInt(d === null ? -1 : d.domid),',
    replace: 'domid: BigInt(d === null ? 0 : d.domid),',
    why: 'a Halted VM has no domain: its domid is -1; 0 is Domain-0',
  },
  {
    name: 'record-memory-mib',
    exercise: '11-vm-record',
    file: 'dom0/xapi/objects.ts',
    search: 'BigInt(vm.config.memoryMiB) * MiB',
    replace: 'BigInt(vm.config.memoryMiB)',
    why: 'the API gives memory in bytes, not MiB',
  },
  // 11-power-state
  {
    name: 'power-swapped',
    exercise: '11-power-state',
    file: 'dom0/vms.ts',
    search: '[vm.uuid, allowed[0]!.toLowerCase(), actual.toLowerCase()]',
    replace: '[vm.uuid, actual.toLowerCase(), allowed[0]!.toLowerCase()]',
    why: "VM_BAD_POWER_STATE's parameters are the VM, the expected state, then the actual one",
  },
  {
    name: 'power-dom0-driven',
    exercise: '11-power-state',
    file: 'dom0/vms.ts',
    search: "  if (vm.isControlDomain)\n    throw new VmError(\n      'OPERATION_NOT_ALLOWED',",
    replace:
      "  if (vm.isControlDomain && false)\n    throw new VmError(\n      'OPERATION_NOT_ALLOWED',",
    why: 'Domain-0 is the control domain: it is never started, paused or shut down through the API',
  },
  {
    name: 'power-first-only',
    exercise: '11-power-state',
    file: 'dom0/vms.ts',
    search: 'if (!allowed.includes(actual)) {',
    replace: 'if (allowed[0] !== actual) {',
    why: 'any of the allowed states will do, not only the first',
  },
  // 11-list-running
  {
    name: 'running-includes-paused',
    exercise: '11-list-running',
    file: 'dom0/xapi/client.ts',
    search: "r.power_state === 'Running' &&",
    replace: "r.power_state !== 'Halted' &&",
    why: 'a Paused VM is not running',
  },
  {
    name: 'running-includes-dom0',
    exercise: '11-list-running',
    file: 'dom0/xapi/client.ts',
    search: 'r.is_control_domain === false &&',
    replace: '',
    why: "the control domain is not one of the guests the book's client lists",
  },
  {
    name: 'running-unsorted',
    exercise: '11-list-running',
    file: 'dom0/xapi/client.ts',
    search: '.sort((a, b) => a.domid - b.domid);',
    replace: ';',
    why: 'the list is sorted by domain id; get_all_records has no order',
  },
  {
    name: 'running-domid-string',
    exercise: '11-list-running',
    file: 'dom0/xapi/client.ts',
    search: 'domid: Number(r.domid),',
    replace: 'domid: r.domid as unknown as number,',
    why: 'over XML-RPC API integers arrive as strings: convert them',
  },
];
