// xenlab: file from 11
// Ten thousand seeded malformed requests, on both wire formats: every one gets an answer in its
// protocol (a fault, an envelope failure, a JSON-RPC error), none throws, and the server still
// serves a well-formed client afterwards.
import { describe, expect, it } from 'vitest';
import { Prng } from '../../../sim/host.ts';
import { login, testServer, vmConfig, xmlCall } from './testing.ts';
import { encodeCall, parseXml, type XmlRpcValue } from './xmlrpc.ts';

const TOKENS = [
  '<value>',
  '</value>',
  '<struct>',
  '</member>',
  '<array><data>',
  '<int>',
  '</i4>',
  '&amp;',
  '&#xD800;',
  '&',
  '<',
  '>',
  '"',
  '{',
  '}',
  '[',
  ']',
  ',',
  ':',
  'null',
  '\u0000',
  '\uFFFF',
  '9'.repeat(30),
  '-',
  'e9',
  '<?xml',
  '<!--',
  '__proto__',
  'OpaqueRef:NULL',
  '<nil/>',
  '<boolean>',
  'true',
];

function mutate(prng: Prng, text: string): string {
  let s = text;
  const edits = 1 + prng.below(4);
  for (let i = 0; i < edits; i++) {
    const at = prng.below(s.length + 1);
    switch (prng.below(5)) {
      case 0:
        s = s.slice(0, at) + TOKENS[prng.below(TOKENS.length)]! + s.slice(at);
        break;
      case 1:
        s = s.slice(0, at) + s.slice(at + 1 + prng.below(12));
        break;
      case 2:
        s = s.slice(0, at) + String.fromCharCode(prng.below(128)) + s.slice(at + 1);
        break;
      case 3:
        s = s.slice(0, at);
        break;
      default: {
        const from = prng.below(s.length + 1);
        s = s.slice(0, at) + s.slice(from, from + prng.below(40)) + s.slice(at);
      }
    }
  }
  return s;
}

/** A value of a random type, to put where a call expects another. */
function anyValue(prng: Prng, depth = 0): XmlRpcValue {
  switch (prng.below(depth > 2 ? 4 : 6)) {
    case 0:
      return prng.below(2) === 1;
    case 1:
      return prng.below(1 << 30) - (1 << 29);
    case 2:
      return prng.nextFloat() * 1e9;
    case 3:
      return TOKENS[prng.below(TOKENS.length)]!;
    case 4:
      return Array.from({ length: prng.below(4) }, () => anyValue(prng, depth + 1));
    default:
      return { [TOKENS[prng.below(TOKENS.length)]!]: anyValue(prng, depth + 1) };
  }
}

describe('the Xen API under malformed requests', () => {
  it('answers 10,000 seeded malformed requests in protocol, and keeps serving', () => {
    const { server, vms } = testServer([vmConfig('a'), vmConfig('b')]);
    const s = login(server);
    const [vm] = (xmlCall(server, 'VM.get_all', s) as { Value: string[] }).Value.slice(1);
    const calls: [string, XmlRpcValue[]][] = [
      ['session.login_with_password', ['root', 'xenlab']],
      ['VM.start', [s, vm!, false, false]],
      ['VM.get_all_records', [s]],
      ['VM.get_record', [s, vm!]],
      ['event.from', [s, ['vm', 'host'], '', 1.5]],
      ['VM.hard_shutdown', [s, vm!]],
    ];
    const prng = new Prng(2026);
    const seen = { fault: 0, failure: 0, success: 0, jsonError: 0, jsonResult: 0 };
    for (let i = 0; i < 10_000; i++) {
      const [method, params] = calls[prng.below(calls.length)]!;
      const typed = params.map((p) => (prng.below(4) === 0 ? anyValue(prng) : p));
      const json = prng.below(2) === 0;
      const base = json
        ? JSON.stringify({ jsonrpc: '2.0', method, params: typed, id: i })
        : encodeCall({ methodName: method, params: typed });
      const body = prng.below(5) === 0 ? base : mutate(prng, base);
      const res = server.handle({ method: 'POST', url: json ? '/jsonrpc' : '/', body });
      expect(res.status, body).toBe(200);
      // A call's bug would show as INTERNAL_ERROR: bad input must be named, never crash a call.
      expect(res.body, body).not.toContain('INTERNAL_ERROR');
      if (json) {
        const answer = JSON.parse(res.body);
        if (answer.error) seen.jsonError++;
        else seen.jsonResult++;
      } else {
        const root = parseXml(res.body);
        expect(root.name).toBe('methodResponse');
        if (res.body.includes('<fault>')) seen.fault++;
        else if (res.body.includes('<name>Status</name><value>Failure')) seen.failure++;
        else seen.success++;
      }
      if (i % 1000 === 999) vms.run(100_000);
    }
    // The fuzz reached every layer: the parsers, the checks of the call table, and the calls.
    for (const [kind, n] of Object.entries(seen)) expect(n, kind).toBeGreaterThan(100);
    expect(vms.toolstack.xen.panicReport).toBeNull();
    const again = login(server);
    expect((xmlCall(server, 'VM.get_all', again) as { Status: string }).Status).toBe('Success');
  });
});
