// Tests for dpif-netdev-emc: hits, misses, dead flows, probabilistic insertion.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Emc } from './dpif-netdev-emc.js';
import { FLOW_WORDS, W, flowHashRss } from './flow.js';

function keys(n: number): Uint32Array {
  const k = new Uint32Array(n * FLOW_WORDS);
  for (let i = 0; i < n; i++) {
    k[i * FLOW_WORDS + W.IN_PORT] = 1;
    k[i * FLOW_WORDS + W.NW_SRC] = i;
  }
  return k;
}

test('inserted keys hit, others miss, dead flows are dropped', () => {
  const dead = new Set<number>();
  const emc = new Emc((id) => !dead.has(id));
  const k = keys(100);
  for (let i = 0; i < 100; i++) emc.insert(k, i * FLOW_WORDS, flowHashRss(k, i * FLOW_WORDS), i);
  let hits = 0;
  for (let i = 0; i < 100; i++) if (emc.lookup(k, i * FLOW_WORDS, flowHashRss(k, i * FLOW_WORDS)) === i) hits++;
  assert.ok(hits >= 95, `hits ${hits}`); // two-way: a few may collide out
  dead.add(5);
  assert.equal(emc.lookup(k, 5 * FLOW_WORDS, flowHashRss(k, 5 * FLOW_WORDS)), -1);
  const other = keys(101);
  assert.equal(emc.lookup(other, 100 * FLOW_WORDS, flowHashRss(other, 100 * FLOW_WORDS)), -1);
  emc.clear();
  assert.equal(emc.lookup(k, 0, flowHashRss(k, 0)), -1);
});

test('insertion probability', () => {
  const emc = new Emc();
  const k = keys(1);
  const h = flowHashRss(k, 0);
  for (let i = 0; i < 99; i++) emc.probabilisticInsert(k, 0, h, 3);
  assert.equal(emc.lookup(k, 0, h), -1);
  emc.probabilisticInsert(k, 0, h, 3);
  assert.equal(emc.lookup(k, 0, h), 3);
  emc.insertInvProb = 0;
  emc.clear();
  emc.probabilisticInsert(k, 0, h, 3);
  assert.equal(emc.lookup(k, 0, h), -1);
});
