// Tests for uuid.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UUID_ZERO, uuidFromString, uuidGenerate, uuidIsPrefix, uuidIsValid, uuidRowName } from './uuid.js';

test('generated UUIDs are distinct version-4 UUIDs', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 1000; i++) {
    const u = uuidGenerate();
    assert.match(u, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    seen.add(u);
  }
  assert.equal(seen.size, 1000);
});

test('parsing accepts either case and returns lowercase', () => {
  assert.equal(uuidFromString('550E8400-E29B-41D4-A716-446655440000'), '550e8400-e29b-41d4-a716-446655440000');
  assert.equal(uuidFromString('550e8400-e29b-41d4-a716-44665544000'), null);
  assert.equal(uuidFromString('550e8400-e29b-41d4-a716-4466554400000'), null);
  assert.equal(uuidFromString('550e8400xe29b-41d4-a716-446655440000'), null);
  assert.equal(uuidFromString('g50e8400-e29b-41d4-a716-446655440000'), null);
  assert.ok(uuidIsPrefix('550e8400-e29b-41d4-a716-446655440000xyz'));
  assert.ok(uuidIsValid(UUID_ZERO));
});

test('row names for named-uuid output', () => {
  assert.equal(uuidRowName('550e8400-e29b-41d4-a716-446655440000'), 'row550e8400_e29b_41d4_a716_446655440000');
});
