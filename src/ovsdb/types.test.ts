// Tests for types.ts: parsing, printing, English names, validity.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonToString } from '../lib/json.js';
import { OvsdbError } from './ovsdb-error.js';
import { UINT_MAX, baseTypeFromJson, typeFromJson } from './types.js';

const round = (j: unknown) => jsonToString(typeFromJson(j as never).toJson(), { sort: true });
const err = (j: unknown) => {
  try { typeFromJson(j as never); } catch (e) { assert.ok(e instanceof OvsdbError); return e.toString(); }
  return 'no error';
};

test('types print back in canonical form', () => {
  assert.equal(round('integer'), '"integer"');
  assert.equal(round({ key: 'string' }), '"string"');
  assert.equal(round({ key: 'string', min: 0 }), '{"key":"string","min":0}');
  assert.equal(round({ key: 'uuid', max: 'unlimited', min: 0 }), '{"key":"uuid","max":"unlimited","min":0}');
  assert.equal(round({ key: { type: 'uuid', refTable: 'T', refType: 'strong' } }), '{"key":{"refTable":"T","type":"uuid"}}');
  assert.equal(round({ key: { type: 'integer', minInteger: 0, maxInteger: 4095 }, min: 0, max: 4096 }),
    '{"key":{"maxInteger":4095,"minInteger":0,"type":"integer"},"max":4096,"min":0}');
  assert.equal(round({ key: 'string', value: { type: 'string', enum: ['set', ['b', 'a']] } }),
    '{"key":"string","value":{"enum":["set",["a","b"]],"type":"string"}}');
});

test('English names', () => {
  const e = (j: unknown) => typeFromJson(j as never).toEnglish();
  assert.equal(e('real'), 'real');
  assert.equal(e({ key: 'integer', min: 0, max: 1 }), 'set of up to 1 integers');
  assert.equal(e({ key: 'integer', min: 0, max: 'unlimited' }), 'set of integers');
  assert.equal(e({ key: 'integer', min: 1, max: 'unlimited' }), 'set of 1 or more integers');
  assert.equal(e({ key: 'integer', min: 1, max: 3 }), 'set of 1 to 3 integers');
  assert.equal(e({ key: 'string', value: 'uuid', min: 0, max: 'unlimited' }), 'map of (string, uuid) pairs');
});

test('errors', () => {
  assert.equal(err('int'), 'syntax ""int"": syntax error: "int" is not an atomic-type');
  assert.equal(err(5), 'syntax "5": syntax error: ovsdb type expected');
  assert.equal(err({ key: 'integer', min: 2 }), 'syntax "{"key":"integer","min":2}": syntax error: ovsdb type fails constraint checks');
  assert.equal(err({ key: 'integer', max: 'lots' }), 'syntax ""lots"": syntax error: bad min or max value');
  assert.equal(err({ key: 'integer', max: UINT_MAX }), `syntax "${UINT_MAX}": syntax error: bad min or max value`);
  assert.equal(err({ key: 'integer', extra: 1 }),
    'syntax "{"extra":1,"key":"integer"}": syntax error: Parsing ovsdb type failed: Member \'extra\' is present but not allowed here.');
  assert.equal(err({ key: { type: 'integer', minInteger: 5, maxInteger: 1 } }),
    'syntax "{"maxInteger":1,"minInteger":5,"type":"integer"}": syntax error: minInteger exceeds maxInteger');
  assert.equal(err({ key: { type: 'uuid', refTable: 'T', refType: 'soft' } }),
    'syntax "{"refTable":"T","refType":"soft","type":"uuid"}": syntax error: refType must be "strong" or "weak" (not "soft")');
  assert.equal(err({ key: { type: 'string', minLength: -1 } }), 'syntax "-1": syntax error: minLength out of valid range 0 to 4294967295');
  assert.equal(err({ key: { type: 'integer', minLength: 1 } }),
    'syntax "{"minLength":1,"type":"integer"}": syntax error: Parsing ovsdb type failed: Member \'minLength\' is present but not allowed here.');
});

test('predicates', () => {
  const t = typeFromJson({ key: 'string', value: 'string', min: 0, max: 'unlimited' });
  assert.ok(t.isMap() && t.isComposite() && !t.isSet() && t.isOptional());
  const o = typeFromJson({ key: 'integer', min: 0, max: 1 });
  assert.ok(o.isOptionalScalar() && o.isSet() && !o.isScalar());
  assert.ok(baseTypeFromJson({ type: 'uuid', refTable: 'X', refType: 'weak' }).isWeakRef());
});
