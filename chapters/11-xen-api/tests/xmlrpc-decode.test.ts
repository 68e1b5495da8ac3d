// 11-xmlrpc-decode: a <value> element read back into a JavaScript value, and everything that is
// not XML-RPC refused with an XmlRpcError saying what was expected (book §11.1.1).

import { describe, expect, test } from 'vitest';
import { testRng } from '../../testing/seed.ts';
import { decodeValue, parseXml, XmlRpcDateTime, XmlRpcError } from '../src/dom0/xapi/xmlrpc.ts';

const SECTION = 'book §11.1.1';
const decode = (xml: string) => decodeValue(parseXml(xml));

describe('11-xmlrpc-decode', () => {
  test('reads each scalar as other encoders write it', () => {
    const rng = testRng('11-xmlrpc-decode scalars');
    const n = rng.below(0x7fff_ffff) - 0x3fff_ffff;
    expect(decode(`<value><int>${n}</int></value>`), `<int>${n}</int>`).toBe(n);
    expect(decode(`<value><i4> ${n} </i4></value>`), '<i4> is <int>, spaces around allowed').toBe(
      n,
    );
    expect(decode('<value><i8>-9007199254740991</i8></value>'), '<i8> holds 64 bits').toBe(
      -9007199254740991,
    );
    expect(decode(`<value>  VM ${n} </value>`), 'a <value> without a type is a string, as is').toBe(
      `  VM ${n} `,
    );
    expect(decode('<value><string>&#65;&#x42;&lt;&amp;</string></value>')).toBe('AB<&');
    expect(decode('<value><string/></value>')).toBe('');
    expect(decode('<value><boolean>1</boolean></value>')).toBe(true);
    expect(decode('<value><boolean>0</boolean></value>')).toBe(false);
    expect(decode('<value><double>-2.5e3</double></value>')).toBe(-2500);
    expect(decode('<value><nil/></value>')).toBe(null);
    expect(decode('<value><base64>AQL/</base64></value>')).toEqual(new Uint8Array([1, 2, 255]));
    expect(
      decode('<value><dateTime.iso8601>19700101T00:00:00Z</dateTime.iso8601></value>'),
    ).toEqual(new XmlRpcDateTime('19700101T00:00:00Z'));
  });

  test('reads arrays and structs; a member named __proto__ is data', () => {
    expect(
      decode(
        '<value><array><data><value>a</value><value><int>2</int></value>' +
          '<value><array><data/></array></value></data></array></value>',
      ),
    ).toEqual(['a', 2, []]);
    const s = decode(
      '<value><struct><member><name>Status</name><value>Success</value></member>' +
        '<member><name>Value</name><value><boolean>1</boolean></value></member></struct></value>',
    );
    expect({ ...(s as object) }).toEqual({ Status: 'Success', Value: true });
    const proto = decode(
      '<value><struct><member><name>__proto__</name><value>x</value></member></struct></value>',
    );
    expect(Object.getPrototypeOf(proto), 'a struct has no prototype a client could set').toBeNull();
    expect(Object.getOwnPropertyDescriptor(proto, '__proto__')?.value).toBe('x');
  });

  test('refuses what is not XML-RPC, with an XmlRpcError', () => {
    const bad: [string, string][] = [
      ['<value><int>12x</int></value>', 'an <int> must be digits'],
      ['<value><int>2147483648</int></value>', '2³¹ does not fit <int>’s 32 bits'],
      ['<value><i4>-2147483649</i4></value>', '−2³¹ − 1 does not fit <i4>’s 32 bits'],
      ['<value><boolean>2</boolean></value>', 'a <boolean> is 0 or 1, nothing else'],
      ['<value><boolean>true</boolean></value>', 'a <boolean> is 0 or 1, not "true"'],
      ['<value><boolean></boolean></value>', 'an empty <boolean> is not 0 or 1'],
      ['<value><double>1e</double></value>', 'a <double> must be a number'],
      ['<value><float>1</float></value>', 'XML-RPC has no <float>'],
      [
        '<value><struct><member><value>1</value></member></struct></value>',
        'a member needs a name',
      ],
      ['<value><array><value>1</value></array></value>', 'an array holds <data>'],
      ['<value><string>a</string><string>b</string></value>', 'one typed element per value'],
      ['<value><base64>A</base64></value>', 'base64 comes in groups of 4'],
    ];
    for (const [xml, why] of bad) {
      expect(() => decode(xml), `${why}: ${xml} must throw an XmlRpcError (${SECTION})`).toThrow(
        XmlRpcError,
      );
    }
  });
});
