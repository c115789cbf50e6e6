// Tests for atom.ts: JSON and string syntax, ordering, constraints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SymbolTable, atomCompare, atomFromJson, atomFromString, atomToBare, atomToJson, atomToString, stringNeedsQuotes,
  utf8Length, roundReal,
} from './atom.js';
import { OvsdbError } from './ovsdb-error.js';
import { baseTypeFromJson } from './types.js';

const base = (j: unknown) => baseTypeFromJson(j as never);

function err(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof OvsdbError);
    return e.toString();
  }
  assert.fail('no error');
}

test('integers from JSON, including 64-bit extremes', () => {
  const b = base('integer');
  assert.equal(atomFromJson(b, 5, null), 5);
  assert.equal(atomFromJson(b, 9223372036854775807n, null), 9223372036854775807n);
  assert.equal(atomFromJson(b, -9223372036854775808n, null), -9223372036854775808n);
  assert.equal(atomFromJson(b, 9007199254740991n, null), 9007199254740991);
  assert.equal(err(() => atomFromJson(b, 1.5, null)), 'syntax "1.5": syntax error: expected integer');
  assert.equal(err(() => atomFromJson(b, 9223372036854775808n, null)), 'syntax "9223372036854775808": syntax error: expected integer');
  assert.equal(err(() => atomFromJson(b, 'x', null)), 'syntax ""x"": syntax error: expected integer');
});

test('reals, booleans, strings, uuids from JSON', () => {
  assert.equal(atomFromJson(base('real'), 3, null), 3);
  assert.equal(atomFromJson(base('real'), -0, null), 0);
  assert.equal(atomFromJson(base('boolean'), true, null), true);
  assert.equal(err(() => atomFromJson(base('boolean'), 'true', null)), 'syntax ""true"": syntax error: expected boolean');
  assert.equal(atomFromJson(base('string'), '', null), '');
  assert.equal(atomFromJson(base('uuid'), ['uuid', '550E8400-e29b-41d4-a716-446655440000'], null),
    '550e8400-e29b-41d4-a716-446655440000');
  assert.equal(err(() => atomFromJson(base('uuid'), ['uuid', 'x'], null)),
    'syntax "["uuid","x"]": syntax error: "x" is not a valid UUID');
  assert.equal(err(() => atomFromJson(base('uuid'), ['named-uuid', 'x'], null)),
    'syntax "["named-uuid","x"]": syntax error: expected ["uuid", <string>]');
});

test('named-uuid goes through the symbol table and records the reference kind', () => {
  const st = new SymbolTable();
  const b = base({ type: 'uuid', refTable: 'T', refType: 'weak' });
  const u = atomFromJson(b, ['named-uuid', 'row1'], st);
  assert.equal(atomFromJson(b, ['named-uuid', 'row1'], st), u);
  assert.equal(st.get('row1')!.weakRef, true);
  assert.equal(st.get('row1')!.strongRef, false);
  assert.equal(err(() => atomFromJson(b, ['named-uuid', '1x'], st)),
    'syntax "["named-uuid","1x"]": syntax error: named-uuid string is not a valid <id>');
});

test('constraint violations', () => {
  assert.equal(err(() => atomFromJson(base({ type: 'integer', minInteger: 1 }), 0, null)),
    'constraint violation: 0 is less than minimum allowed value 1');
  assert.equal(err(() => atomFromJson(base({ type: 'integer', maxInteger: 10 }), 11, null)),
    'constraint violation: 11 is greater than maximum allowed value 10');
  assert.equal(err(() => atomFromJson(base({ type: 'integer', minInteger: -1, maxInteger: 1 }), 2, null)),
    'constraint violation: 2 is not in the valid range -1 to 1 (inclusive)');
  assert.equal(err(() => atomFromJson(base({ type: 'real', minReal: 0.5 }), 0.25, null)),
    'constraint violation: 0.25 is less than minimum allowed value 0.5');
  assert.equal(err(() => atomFromJson(base({ type: 'string', minLength: 2 }), 'é', null)),
    'constraint violation: "é" length 1 is less than minimum allowed length 2');
  assert.equal(err(() => atomFromJson(base({ type: 'string', enum: ['set', ['a', 'b c']] }), 'x', null)),
    'constraint violation: x is not one of the allowed values ([a, "b c"])');
  assert.equal(utf8Length('a\u{1F600}b'), 3);
});

test('ordering: numbers, booleans, strings bytewise, uuids as OVS compares words', () => {
  assert.ok(atomCompare(-1, 2, 'integer') < 0);
  assert.ok(atomCompare(9223372036854775807n, 5, 'integer') > 0);
  assert.ok(atomCompare(false, true, 'boolean') < 0);
  assert.ok(atomCompare('B', 'a', 'string') < 0);
  assert.ok(atomCompare('00000001-0000-0000-0000-000000000000', '00000000-ffff-0000-0000-000000000000', 'uuid') > 0);
});

test('string syntax: quoting decisions', () => {
  for (const s of ['', 'true', 'false', '1abc', 'a b', 'a"', '-x', 'é', '550e8400-e29b-41d4-a716-446655440000']) {
    assert.equal(stringNeedsQuotes(s), true, s);
  }
  for (const s of ['abc', 'a-b.c_d', '_x', 'True', 'br0', 'x550e8400-e29b-41d4-a716-446655440000']) {
    assert.equal(stringNeedsQuotes(s), false, s);
  }
  assert.equal(atomToString('a b', 'string'), '"a b"');
  assert.equal(atomToString('tab\there', 'string'), '"tab\\there"');
  assert.equal(atomToBare('a b', 'string'), 'a b');
  assert.equal(atomToString(1.5, 'real'), '1.5');
  assert.equal(atomToString(9223372036854775807n, 'integer'), '9223372036854775807');
  assert.deepEqual(atomToJson('550e8400-e29b-41d4-a716-446655440000', 'uuid'), ['uuid', '550e8400-e29b-41d4-a716-446655440000']);
});

test('string syntax: parsing', () => {
  const p = (t: unknown, s: string, range = false) => atomFromString(base(t), s, null, range);
  assert.deepEqual(p('integer', ' 12'), { atom: 12, rangeEnd: null });
  assert.deepEqual(p('integer', '1-5', true), { atom: 1, rangeEnd: 5 });
  assert.equal(p('integer', '1-5'), '"1-5" is not a valid integer or range');
  assert.equal(p('integer', '5-1', true), '"5-1" is not a valid range. Range end cannot be before start.');
  assert.equal(p('integer', '1-4097', true), 'constraint violation: Range "1-4097" is too big. Maximum allowed size is 4096.');
  assert.equal(p({ type: 'integer', enum: ['set', [1, 2, 4]] }, '1-4', true),
    'constraint violation: 3 is not one of the allowed values ([1, 2, 4])');
  assert.deepEqual(p('real', '1e3'), { atom: 1000, rangeEnd: null });
  assert.equal(p('real', '1e'), '"1e" is not a valid real number');
  assert.deepEqual(p('boolean', 'yes'), { atom: true, rangeEnd: null });
  assert.deepEqual(p('boolean', 'off'), { atom: false, rangeEnd: null });
  assert.equal(p('boolean', 'maybe'), '"maybe" is not a valid boolean (use "true" or "false")');
  assert.deepEqual(p('string', '"a\\u00e9\\n"'), { atom: 'aé\n', rangeEnd: null });
  assert.equal(p('string', ''), 'An empty string is not valid as input; use "" to represent the empty string');
  assert.equal(p('string', '"abc'), '"abc: missing quote at end of quoted string');
  assert.equal(p('string', '"a\\qb"'), '"a\\qb": bad escape \\q');
  assert.equal(p('uuid', 'xyz'), '"xyz" is not a valid UUID');
  const st = new SymbolTable();
  const r = atomFromString(base('uuid'), '@row', st);
  assert.ok(typeof r !== 'string' && r.atom === st.get('@row')!.uuid);
});

test('reals go out with the 15 significant digits OVS prints', () => {
  assert.equal(atomToJson(0.1 + 0.2, 'real'), 0.3);
  assert.equal(atomToJson(1 / 3, 'real'), 0.333333333333333);
  assert.equal(atomToJson(2, 'real'), 2);
  assert.equal(roundReal(123456.7890123456789), 123456.789012346);
});
