// Tests for the OpenFlow stream framer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OfpFramer } from './ofp-framer.js';

const hello = Uint8Array.from([4, 0, 0, 8, 0, 0, 0, 1]);
const echo = Uint8Array.from([4, 2, 0, 12, 0, 0, 0, 2, 1, 2, 3, 4]);

test('splits concatenated messages', () => {
  const f = new OfpFramer();
  const both = new Uint8Array(20);
  both.set(hello);
  both.set(echo, 8);
  const out = f.push(both);
  assert.equal(out.messages.length, 2);
  assert.deepEqual([...out.messages[1]!], [...echo]);
  assert.equal(f.pending, 0);
});

test('keeps partial tails across pushes, byte by byte', () => {
  const f = new OfpFramer();
  const got: Uint8Array[] = [];
  for (const b of [...hello, ...echo]) got.push(...f.push(Uint8Array.of(b)).messages);
  assert.equal(got.length, 2);
  assert.deepEqual([...got[0]!], [...hello]);
  assert.deepEqual([...got[1]!], [...echo]);
});

test('rejects lengths below 8 and stays broken', () => {
  const f = new OfpFramer();
  const out = f.push(Uint8Array.from([1, 0, 0, 4, 0, 0, 0, 0]));
  assert.equal(out.messages.length, 0);
  assert.match(out.error!, /too-short/);
  assert.ok(f.push(hello).error);
});
