// xenlab: file from 11
import { describe, expect, it } from 'vitest';
import {
  decodeCall,
  decodeResponse,
  decodeValue,
  encodeCall,
  encodeValue,
  MAX_DEPTH,
  parseXml,
  XmlRpcDateTime,
  XmlRpcError,
} from './xmlrpc.ts';

const decode = (xml: string) => decodeValue(parseXml(xml));

describe('XML-RPC values (book §11.1)', () => {
  it('encodes each type as the specification spells it', () => {
    expect(encodeValue('a<b&c')).toBe('<value>a&lt;b&amp;c</value>');
    expect(encodeValue(true)).toBe('<value><boolean>1</boolean></value>');
    expect(encodeValue(-42)).toBe('<value><int>-42</int></value>');
    expect(encodeValue(2 ** 31)).toBe('<value><double>2147483648</double></value>');
    expect(encodeValue(1.5)).toBe('<value><double>1.5</double></value>');
    expect(encodeValue(new Uint8Array([1, 2, 255]))).toBe('<value><base64>AQL/</base64></value>');
    expect(encodeValue(new XmlRpcDateTime('19700101T00:00:00Z'))).toBe(
      '<value><dateTime.iso8601>19700101T00:00:00Z</dateTime.iso8601></value>',
    );
    expect(encodeValue(['x', 1])).toBe(
      '<value><array><data><value>x</value><value><int>1</int></value></data></array></value>',
    );
    expect(encodeValue({ Status: 'Success' })).toBe(
      '<value><struct><member><name>Status</name><value>Success</value></member></struct></value>',
    );
  });

  it('decodes what it encodes, and what other encoders write', () => {
    const v = { a: [1, 'two', false, 2.5, { b: '' }], 'c d': new Uint8Array([0, 9]) };
    expect(decode(encodeValue(v))).toEqual(v);
    expect(decode('<value>  bare text </value>')).toBe('  bare text ');
    expect(decode('<value><i4>7</i4></value>')).toBe(7);
    expect(decode('<value><i8>-9007199254740991</i8></value>')).toBe(-9007199254740991);
    expect(decode('<value>\n  <string>&#65;&#x42;&quot;</string>\n</value>')).toBe('AB"');
    expect(decode('<value><string/></value>')).toBe('');
    expect(decode('<value><array><data/></array></value>')).toEqual([]);
    const proto = decode(
      '<value><struct><member><name>__proto__</name><value>x</value></member></struct></value>',
    );
    expect(Object.getPrototypeOf(proto)).toBeNull();
    expect(Object.getOwnPropertyDescriptor(proto, '__proto__')?.value).toBe('x');
  });

  it('refuses what is not XML-RPC, saying what it expected', () => {
    const bad = [
      '<value><int>12x</int></value>',
      '<value><int>2147483648</int></value>',
      '<value><boolean>2</boolean></value>',
      '<value><double>1e</double></value>',
      '<value><float>1</float></value>',
      '<value><struct><member><value>1</value></member></struct></value>',
      '<value><array><value>1</value></array></value>',
      '<value><string>a</string><string>b</string></value>',
      '<value a="1">x</value>',
      '<value>&bogus;</value>',
      '<value>&#0;</value>',
      '<value><base64>A</base64></value>',
      '<value>x</valu>',
      '<value>x',
    ];
    for (const xml of bad) expect(() => decode(xml), xml).toThrow(XmlRpcError);
  });

  it('refuses nesting deeper than its limit without exhausting the stack', () => {
    const deep =
      '<value><array><data>'.repeat(MAX_DEPTH) + '</data></array></value>'.repeat(MAX_DEPTH);
    expect(() => decode(deep)).toThrow(/nested/);
    const huge = '<a>'.repeat(200_000);
    expect(() => parseXml(huge)).toThrow(XmlRpcError);
  });

  it('reads a method call with its parameters, and a response', () => {
    const text = encodeCall({
      methodName: 'VM.start',
      params: ['OpaqueRef:s', 'OpaqueRef:v', false, true],
    });
    expect(decodeCall(text)).toEqual({
      methodName: 'VM.start',
      params: ['OpaqueRef:s', 'OpaqueRef:v', false, true],
    });
    expect(
      decodeCall(
        '<?xml version="1.0"?><!-- hi --><methodCall><methodName>x.y</methodName></methodCall>',
      ),
    ).toEqual({
      methodName: 'x.y',
      params: [],
    });
    expect(() => decodeCall('<methodResponse/>')).toThrow(/methodCall/);
    expect(() =>
      decodeCall('<methodCall><methodName>a</methodName><params/><params/></methodCall>'),
    ).toThrow();
    expect(
      decodeResponse(
        '<methodResponse><params><param><value>ok</value></param></params></methodResponse>',
      ),
    ).toBe('ok');
  });
});
