// Tests for shash-order.ts and hash.ts: orders observed in files written by
// Open vSwitch 3.1 (ovsdb-tool create / transact).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shashOrder, hmapOrder } from './shash-order.js';
import { hashString } from './hash.js';
import { jsonToStringHashOrder } from './json-shash.js';

test('schema record members come out as OVS writes them', () => {
  assert.deepEqual(shashOrder(['name', 'version', 'cksum', 'tables']), ['cksum', 'name', 'version', 'tables']);
});

test('transaction record members come out as OVS writes them', () => {
  assert.deepEqual(shashOrder(['Open_vSwitch', '_is_diff', '_date']), ['_date', 'Open_vSwitch', '_is_diff']);
  assert.deepEqual(shashOrder(['Open_vSwitch', '_comment', '_is_diff', '_date']), ['_date', '_is_diff', 'Open_vSwitch', '_comment']);
  assert.equal(
    jsonToStringHashOrder({ Open_vSwitch: { x: 1 }, _comment: 'hi', _is_diff: true, _date: 5 }),
    '{"_date":5,"_is_diff":true,"Open_vSwitch":{"x":1},"_comment":"hi"}');
});

test('hash values are stable and order handles collisions and growth', () => {
  assert.equal(hashString('', 0), hashString('', 0));
  assert.notEqual(hashString('a', 0), hashString('b', 0));
  // Same bucket: the later insertion goes first, then the resize at the
  // second insertion re-inserts the chain and so reverses it again.
  assert.deepEqual(hmapOrder([4, 4]), [0, 1]);
  assert.deepEqual(hmapOrder([4, 4, 4]), [2, 0, 1]);
  // Every index appears exactly once, across several resizes.
  const hashes = Array.from({ length: 1000 }, (_, i) => (i * 2654435761) >>> 0);
  const order = hmapOrder(hashes);
  assert.equal(order.length, 1000);
  assert.equal(new Set(order).size, 1000);
});
