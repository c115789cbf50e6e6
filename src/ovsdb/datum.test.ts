// Tests for datum.ts: JSON and string syntax, set algebra, diffs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Datum, datumAddedRemoved, datumApplyDiff, datumCompare, datumDefault, datumDiff, datumEquals, datumExcludesAll,
  datumFromJson, datumFromString, datumIncludesAll, datumIsDefault, datumKey, datumSubtract, datumToBare, datumToJson,
  datumToString, datumUnion, tokenParse, datumToJsonWithRowNames,
} from './datum.js';
import { OvsdbError } from './ovsdb-error.js';
import { type Type, typeFromJson } from './types.js';

const T = (j: unknown): Type => typeFromJson(j as never);
const setInt = T({ key: 'integer', min: 0, max: 'unlimited' });
const mapSS = T({ key: 'string', value: 'string', min: 0, max: 'unlimited' });
const d = (t: Type, j: unknown) => datumFromJson(t, j as never, null);
const s = (t: Type, text: string) => {
  const r = datumFromString(t, text, null);
  if (typeof r === 'string') throw new Error(r);
  return datumToString(r, t);
};

test('JSON forms: bare atom, set, map; sorted output', () => {
  assert.deepEqual(datumToJson(d(setInt, ['set', [3, 1, 2]]), setInt), ['set', [1, 2, 3]]);
  assert.deepEqual(datumToJson(d(setInt, 5), setInt), 5);
  assert.deepEqual(datumToJson(d(setInt, ['set', []]), setInt), ['set', []]);
  assert.deepEqual(datumToJson(d(mapSS, ['map', [['b', 'x'], ['a', 'y']]]), mapSS), ['map', [['a', 'y'], ['b', 'x']]]);
});

test('JSON errors', () => {
  const e = (t: Type, j: unknown) => {
    try { d(t, j); } catch (x) { assert.ok(x instanceof OvsdbError); return x.toString(); }
    return 'no error';
  };
  assert.equal(e(setInt, ['set', [1, 1]]), 'ovsdb error: set contains duplicate');
  assert.equal(e(mapSS, ['map', [['a', 'x'], ['a', 'y']]]), 'ovsdb error: map contains duplicate key');
  assert.equal(e(mapSS, 'a'), 'syntax ""a"": syntax error: expected ["map", <array>]');
  assert.equal(e(mapSS, ['map', [['a']]]), 'syntax "["a"]": syntax error: expected 2-element array');
  assert.equal(e(T({ key: 'integer', min: 1, max: 2 }), ['set', []]),
    'syntax "["set",[]]": syntax error: set must have 1 to 2 members but 0 are present');
  assert.equal(e(T('integer'), ['set', [1, 2]]),
    'syntax "["set",[1,2]]": syntax error: set must have exactly one member but 2 are present');
});

test('string syntax round trips', () => {
  assert.equal(s(setInt, '[]'), '[]');
  assert.equal(s(setInt, '3, 1,2'), '[1, 2, 3]');
  assert.equal(s(setInt, '[1-3, 7]'), '[1, 2, 3, 7]');
  assert.equal(s(mapSS, '{b=1, a="x y"}'), '{a="x y", b="1"}');
  assert.equal(s(mapSS, 'k=v'), '{k=v}');
  assert.equal(s(T('string'), 'hello'), 'hello');
  assert.equal(s(T({ key: 'string', min: 0, max: 1 }), '[]'), '[]');
  assert.equal(s(T({ key: 'string', min: 0, max: 1 }), 'x'), 'x');
  assert.equal(s(mapSS, '{a\\=b="c"}'), '{"a=b"=c}');
});

test('string syntax errors', () => {
  const e = (t: Type, text: string) => datumFromString(t, text, null);
  assert.equal(e(setInt, ''), 'use "[]" to specify the empty set');
  assert.equal(e(mapSS, '  '), 'use "{}" to specify the empty map');
  assert.equal(e(setInt, '[1, 2'), '[1, 2: missing "]" at end of data');
  assert.equal(e(setInt, '[1] x'), '[1] x: trailing garbage after "]"');
  assert.equal(e(setInt, '1,1'), '1,1: set contains duplicate value');
  assert.equal(e(mapSS, 'a=1,a=2'), 'a=1,a=2: map contains duplicate key');
  assert.equal(e(mapSS, 'a'), 'a: syntax error at "');
  assert.equal(e(mapSS, 'a:b'), 'a:b: syntax error at ":" expecting "="');
  assert.equal(e(setInt, '[,1]'), '[,1]: unexpected "," parsing set of integers');
  assert.equal(e(T({ key: 'integer', min: 1, max: 2 }), '1,2,3'), '1,2,3: 3 value(s) specified but the maximum number is 2');
  assert.equal(e(T('string'), '"abc'), '"abc: quoted string extends past end of argument');
  assert.deepEqual(tokenParse('a\\', 0), { error: 'a\\: backslash at end of argument' });
});

test('bare output', () => {
  assert.equal(datumToBare(d(mapSS, ['map', [['a', 'x y'], ['b', '']]]), mapSS), 'a=x y b=');
});

test('defaults', () => {
  assert.ok(datumIsDefault(datumDefault(T('integer')), T('integer')));
  assert.deepEqual(datumDefault(T('uuid')).keys, ['00000000-0000-0000-0000-000000000000']);
  assert.equal(datumDefault(setInt).n, 0);
  assert.ok(!datumIsDefault(d(T('integer'), 1), T('integer')));
});

test('set algebra', () => {
  const a = d(setInt, ['set', [1, 2, 3]]), b = d(setInt, ['set', [2, 5]]);
  assert.deepEqual(datumUnion(a, b, setInt).keys, [1, 2, 3, 5]);
  assert.deepEqual(datumSubtract(a, setInt, b, setInt).keys, [1, 3]);
  assert.ok(datumIncludesAll(d(setInt, ['set', [1, 3]]), a, setInt));
  assert.ok(!datumIncludesAll(b, a, setInt));
  assert.ok(datumExcludesAll(d(setInt, ['set', [4, 5]]), a, setInt));
  const m = d(mapSS, ['map', [['a', '1'], ['b', '2']]]);
  assert.deepEqual(datumSubtract(m, mapSS, d(mapSS, ['map', [['a', '1'], ['b', 'x']]]), mapSS).keys, ['b']);
  assert.deepEqual(datumUnion(m, d(mapSS, ['map', [['a', 'new'], ['c', '3']]]), mapSS).values, ['1', '2', '3']);
});

test('comparison and keys', () => {
  const a = d(setInt, ['set', [1, 2]]), b = d(setInt, ['set', [1, 3]]), c = d(setInt, 9);
  assert.ok(datumCompare(a, b, setInt) < 0);
  assert.ok(datumCompare(c, a, setInt) < 0);
  assert.ok(datumEquals(a, d(setInt, ['set', [2, 1]]), setInt));
  assert.equal(datumKey(a, setInt), datumKey(d(setInt, ['set', [2, 1]]), setInt));
  assert.notEqual(datumKey(d(T('string'), '1'), T('string')), datumKey(d(T('integer'), 1), T('integer')) + 'x');
});

test('diffs as monitor_cond and the log use them', () => {
  const old = d(mapSS, ['map', [['a', '1'], ['b', '2'], ['c', '3']]]);
  const nw = d(mapSS, ['map', [['a', '1'], ['b', 'changed'], ['d', '4']]]);
  const diff = datumDiff(old, nw, mapSS);
  assert.deepEqual(datumToJson(diff, mapSS), ['map', [['b', 'changed'], ['c', '3'], ['d', '4']]]);
  assert.ok(datumEquals(datumApplyDiff(old, diff, mapSS), nw, mapSS));
  const { added, removed } = datumAddedRemoved(old, nw, mapSS);
  assert.deepEqual(added.keys, ['b', 'd']);
  assert.deepEqual(removed.keys, ['b', 'c']);
  // Scalars: the diff is the new value.
  assert.deepEqual(datumDiff(d(T('integer'), 1), d(T('integer'), 2), T('integer')).keys, [2]);
  const two = T({ key: 'integer', min: 0, max: 2 });
  assert.throws(() => datumApplyDiff(new Datum([1, 2], null), new Datum([3], null), two),
    (e: unknown) => e instanceof OvsdbError && e.details === 'Datum crated by diff has size error');
  assert.equal(datumApplyDiff(new Datum([1, 2], null), new Datum([1], null), two).n, 1);
});

test('row names for references', () => {
  const t = T({ key: { type: 'uuid', refTable: 'X' }, min: 0, max: 'unlimited' });
  const u = '550e8400-e29b-41d4-a716-446655440000';
  assert.deepEqual(datumToJsonWithRowNames(d(t, ['uuid', u]), t), ['named-uuid', 'row550e8400_e29b_41d4_a716_446655440000']);
  assert.deepEqual(datumToJsonWithRowNames(d(T('uuid'), ['uuid', u]), T('uuid')), ['uuid', u]);
});
