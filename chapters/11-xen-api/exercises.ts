// Chapter 11's exercises: XML-RPC values both ways, a VM's record, the power-state check before
// the toolstack acts, and the book's client listing running VMs (book §11.1, §11.7).

import type { Exercise } from '../exercise.ts';

export const EXERCISES: Exercise[] = [
  {
    id: '11-xmlrpc-encode',
    title: 'Write a value as its XML-RPC <value> element',
    points: 15,
    files: ['src/dom0/xapi/xmlrpc.ts'],
    section: '11.1',
    hints: [
      'One case per type. A string is bare text inside <value>, with <, > and & escaped ' +
        '(escapeText); a boolean is <boolean>1</boolean> or 0; null is <nil/>.',
      'A number that is an integer from -2³¹ to 2³¹ − 1 is an <int>; any other number is a ' +
        '<double> (refuse NaN and infinities: XML-RPC has no double for them).',
      'Arrays are <array><data> of values; any other object is a <struct> of ' +
        '<member><name>…</name><value>…</value></member>, the name escaped too. Recurse.',
    ],
    fuel: 1_000_000,
  },
  {
    id: '11-xmlrpc-decode',
    title: 'Read a <value> element back, refusing what is not XML-RPC',
    points: 20,
    files: ['src/dom0/xapi/xmlrpc.ts'],
    section: '11.1',
    hints: [
      'A <value> without a child element is a string: its text as written, spaces included. ' +
        'Otherwise it holds exactly one typed element (only() checks that).',
      '<int> and <i4> hold 32 bits, <i8> 64 (decodeInt); a <boolean> is exactly 0 or 1; a ' +
        '<double> must be a number. Anything else throws an XmlRpcError naming what was expected.',
      'A struct is built with Object.create(null), so a member named __proto__ is data; a ' +
        'member needs one <name> and one <value>, and an array its <data>.',
    ],
    fuel: 1_000_000,
  },
  {
    id: '11-vm-record',
    title: 'Build the record VM.get_record returns',
    points: 15,
    files: ['src/dom0/xapi/objects.ts'],
    section: '11.1',
    hints: [
      'powerState(vm) gives the state; a Halted VM has no domain: its domid is -1 and its ' +
        'resident_on is OpaqueRef:NULL.',
      'API integers are bigints: memory in bytes (MiB × 1 MiB while Halted, the domain’s ' +
        'maxPages × PAGE_SIZE while it runs), VCPUs_max from the config.',
      'allowed_operations comes from the power state (ALLOWED), empty for the control domain; ' +
        'metrics, consoles, VBDs and VIFs are references made with ctx.refs.ref(class, id).',
    ],
    fuel: 1_000_000,
  },
  {
    id: '11-power-state',
    title: 'Check a VM may be driven from its power state',
    points: 15,
    files: ['src/dom0/vms.ts'],
    section: '11.7',
    hints: [
      'Domain-0 first: the control domain is never driven, whatever its state ' +
        '(OPERATION_NOT_ALLOWED).',
      'Then any of the allowed states will do (allowed.includes), not only the first.',
      'VM_BAD_POWER_STATE’s parameters are, in this order: the VM’s uuid, the first allowed ' +
        'state, the actual state, both lower case ("halted", "running").',
    ],
    fuel: 1_000_000,
  },
  {
    id: '11-list-running',
    title: 'List the running VMs as a Xen API client',
    points: 15,
    files: ['src/dom0/xapi/client.ts'],
    section: '11.7',
    hints: [
      'One call: client.call("VM.get_all_records") returns a struct of records keyed by ' +
        'reference.',
      'Keep the records whose power_state is "Running" (a Paused VM is not running) and that ' +
        'are neither the control domain nor a template.',
      'Over XML-RPC, API integers arrive as strings: Number() the domid and memory_static_max ' +
        '(bytes; divide by 1 MiB), then sort by domid.',
    ],
    fuel: 1_000_000,
  },
];
