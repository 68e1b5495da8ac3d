// 11-xmlrpc-encode: a JavaScript value as its XML-RPC <value> element — text escaped, integers of
// 32 bits as <int>, every other number a <double>, arrays and structs recursively (book §11.1.1).

import { describe, expect, test } from 'vitest';
import { testRng } from '../../testing/seed.ts';
import { encodeValue, XmlRpcDateTime } from '../src/dom0/xapi/xmlrpc.ts';

const SECTION = 'book §11.1.1';

describe('11-xmlrpc-encode', () => {
  test('strings are bare text with <, > and & escaped', () => {
    const rng = testRng('11-xmlrpc-encode strings');
    const n = rng.below(1000);
    const s = `VM ${n} <${n}> & "x"`;
    expect(encodeValue(s), `a string is text inside <value>, < > & escaped (${SECTION})`).toBe(
      `<value>VM ${n} &lt;${n}&gt; &amp; "x"</value>`,
    );
    expect(encodeValue(''), 'the empty string').toBe('<value></value>');
  });

  test('booleans are 1 or 0, null is <nil/>', () => {
    expect(encodeValue(true)).toBe('<value><boolean>1</boolean></value>');
    expect(encodeValue(false)).toBe('<value><boolean>0</boolean></value>');
    expect(encodeValue(null)).toBe('<value><nil/></value>');
  });

  test('integers within 32 bits are <int>; larger ones and fractions are <double>', () => {
    const rng = testRng('11-xmlrpc-encode numbers');
    const small = rng.below(0x7fff_ffff) - 0x3fff_ffff;
    expect(encodeValue(small), `${small} fits <int> (${SECTION})`).toBe(
      `<value><int>${small}</int></value>`,
    );
    expect(encodeValue(0x7fff_ffff), '2³¹ − 1 is the largest <int>').toBe(
      '<value><int>2147483647</int></value>',
    );
    expect(encodeValue(-0x8000_0000), '−2³¹ is the smallest <int>').toBe(
      '<value><int>-2147483648</int></value>',
    );
    const big = 2 ** 31 + rng.below(1_000_000);
    expect(
      encodeValue(big),
      `${big} does not fit <int>'s 32 bits: a receiver would refuse it`,
    ).toBe(`<value><double>${big}</double></value>`);
    expect(encodeValue(-(2 ** 31) - 1), '−2³¹ − 1 does not fit <int>').toBe(
      '<value><double>-2147483649</double></value>',
    );
    expect(encodeValue(1.5)).toBe('<value><double>1.5</double></value>');
    expect(() => encodeValue(Number.NaN), 'XML-RPC has no double for NaN').toThrow();
  });

  test('bytes, dates, arrays and structs, recursively, names escaped', () => {
    expect(encodeValue(new Uint8Array([1, 2, 255]))).toBe('<value><base64>AQL/</base64></value>');
    expect(encodeValue(new XmlRpcDateTime('19700101T00:00:00Z'))).toBe(
      '<value><dateTime.iso8601>19700101T00:00:00Z</dateTime.iso8601></value>',
    );
    expect(encodeValue(['x', 1, []])).toBe(
      '<value><array><data><value>x</value><value><int>1</int></value>' +
        '<value><array><data></data></array></value></data></array></value>',
    );
    expect(encodeValue({ Status: 'Success', 'a&b': { n: 2 } })).toBe(
      '<value><struct><member><name>Status</name><value>Success</value></member>' +
        '<member><name>a&amp;b</name><value><struct><member><name>n</name>' +
        '<value><int>2</int></value></member></struct></value></member></struct></value>',
    );
  });
});
