// Tests for json.ts: OVS number formatting, serialization flags, big integers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareStrings, formatReal, formatNumber, jsonParse, jsonToString, jsonToWireString, quoteString } from './json.js';

test('reals print as C "%.15g"', () => {
  const cases: [number, string][] = [
    [0, '0'], [-0, '-0'], [1, '1'], [-1.25, '-1.25'], [1000, '1000'], [1e37, '1e+37'],
    [0.00390625, '0.00390625'], [1 / 3, '0.333333333333333'], [1e-7, '1e-07'], [123456789012345, '123456789012345'],
    [1234567890123456, '1.23456789012346e+15'], [1.5e-5, '1.5e-05'], [0.0001, '0.0001'], [-1e99, '-1e+99'],
    [Number.MAX_VALUE, '1.79769313486232e+308'], [Infinity, 'inf'], [-Infinity, '-inf'], [0.1, '0.1'],
  ];
  for (const [x, s] of cases) assert.equal(formatReal(x), s, String(x));
});

test('integers print in full, non-integers as reals', () => {
  assert.equal(formatNumber(42), '42');
  assert.equal(formatNumber(-0), '0');
  assert.equal(formatNumber(2 ** 60), '1152921504606846976');
  assert.equal(formatNumber(2.5), '2.5');
  assert.equal(jsonToString(9223372036854775807n), '9223372036854775807');
});

test('serialization: compact, sorted, pretty', () => {
  const v = { b: [1, 'x', null, true], a: { z: false, y: 1.5 } };
  assert.equal(jsonToString(v), '{"b":[1,"x",null,true],"a":{"z":false,"y":1.5}}');
  assert.equal(jsonToString(v, { sort: true }), '{"a":{"y":1.5,"z":false},"b":[1,"x",null,true]}');
  assert.equal(jsonToString({ a: [1, 2], b: {} }, { pretty: true, sort: true }),
    '{\n  "a": [\n    1,\n    2],\n  "b": {\n    }}');
  assert.equal(jsonToString([]), '[]');
});

test('strings are escaped as OVS does', () => {
  assert.equal(quoteString('"\\/\b\f\n\r\t\u0001\u007f'), '"\\"\\\\/\\b\\f\\n\\r\\t\\u0001\u007f"');
  assert.equal(quoteString('é'), '"é"');
});

test('parsing keeps 64-bit integers exact', () => {
  assert.deepEqual(jsonParse('[9223372036854775807, -9223372036854775808, 12, 1.5]'),
    [9223372036854775807n, -9223372036854775808n, 12, 1.5]);
  assert.deepEqual(jsonParse('{"a": 1234567890123456789}'), { a: 1234567890123456789n });
  assert.equal(jsonParse('-0'), 0);
  assert.deepEqual(jsonParse('[1e3]'), [1000]);
  assert.throws(() => jsonParse('[1, 2'));
  assert.throws(() => jsonParse('[12345678901234567890, '));
});

test('string comparison follows UTF-8 byte order', () => {
  assert.ok(compareStrings('a', 'b') < 0);
  assert.ok(compareStrings('ab', 'a') > 0);
  assert.equal(compareStrings('x', 'x'), 0);
  // U+10000 (surrogate pair in UTF-16) sorts after U+FFFD in UTF-8.
  assert.ok(compareStrings('\u{10000}', '\ufffd') > 0);
  assert.ok(compareStrings('\ufffd', '\u{10000}') < 0);
});

test('wire serialization: native speed, bigints handled', () => {
  const v = { a: [1, 'x', null, true, { b: 2.5 }] };
  assert.equal(jsonToWireString(v), jsonToString(v));
  assert.equal(jsonToWireString([9223372036854775807n, 1]), '[9223372036854775807,1]');
});
