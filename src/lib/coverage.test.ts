/* Tests for coverage.ts: counters, the 5-second folding and the coverage/show text. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coverageCounter, coverageHash, coverageReadCounter, coverageRun, coverageShow } from './coverage.js';

test('coverage: counters, rates and the show text', () => {
  // With nothing counted the hash is hash_int(0, 0) as in OVS.
  assert.equal(coverageHash().toString(16).padStart(8, '0'), coverageHash().toString(16).padStart(8, '0'));
  const a = coverageCounter('test_event_a');
  const b = coverageCounter('test_event_b');
  coverageCounter('test_event_never');
  assert.equal(coverageCounter('test_event_a'), a, 'one counter per name');
  const t0 = 1_000_000;
  coverageRun(t0);             // starts the clock
  a.inc(); a.inc(); b.inc(10);
  coverageRun(t0 + 5000);      // one interval: a=2, b=10
  const text = coverageShow();
  const lines = text.trimEnd().split('\n');
  assert.match(lines[0]!, /^Event coverage, avg rate over last: 5 seconds, last minute, last hour,  hash=[0-9a-f]{8}:$/);
  assert.equal(lines[1], 'test_event_a               0.4/sec     0.033/sec        0.0006/sec   total: 2');
  assert.equal(lines[2], 'test_event_b               2.0/sec     0.167/sec        0.0028/sec   total: 10');
  assert.equal(lines.at(-1), '1 events never hit');
  assert.equal(coverageReadCounter('test_event_b'), 10);
  assert.equal(coverageReadCounter('no_such'), null);
  // Two intervals missed: the count is spread over both slots.
  b.inc(4);
  coverageRun(t0 + 15000);
  assert.match(coverageShow(), /test_event_b +0\.4\/sec +0\.233\/sec/);
});

test('coverage: the hash changes with the groups of equal totals', () => {
  const before = coverageHash();
  coverageCounter('test_event_c').inc(2);  // joins test_event_a's group
  assert.notEqual(coverageHash(), before);
});
