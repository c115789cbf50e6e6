/* Tests for mac-learning.ts: learning, moves, aging, eviction, static
 * entries and the fdb/show and fdb/stats-show texts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MacLearning, MAC_ENTRY_AGE_STATIC_ENTRY, ethToNumber, formatMac, macIsMulticast } from './mac-learning.js';

const M1 = 0x505400000001, M2 = 0x505400000002, M3 = 0x505400000003;

function table(idle?: number): { ml: MacLearning<string>; clock: { t: number } } {
  const clock = { t: 1000 };
  return { ml: new MacLearning<string>(idle, () => clock.t), clock };
}

test('MAC helpers', () => {
  assert.equal(ethToNumber(new Uint8Array([0x50, 0x54, 0, 0, 0, 1])), M1);
  assert.equal(formatMac(M1), '50:54:00:00:00:01');
  assert.ok(macIsMulticast(0xffffffffffff));
  assert.ok(macIsMulticast(0x01005e000001));
  assert.ok(!macIsMulticast(M1));
});

test('learn, lookup, refresh, move', () => {
  const { ml, clock } = table();
  assert.equal(ml.update(M1, 0, false, false, 'p1'), true);
  assert.equal(ml.lookup(M1, 0)?.port, 'p1');
  assert.equal(ml.lookup(M1, 10), null, 'per VLAN');
  /* Same port, same second: nothing to do. */
  assert.equal(ml.update(M1, 0, false, false, 'p1'), false);
  clock.t += 10;
  /* Same port later: refreshed but no revalidation needed. */
  assert.equal(ml.update(M1, 0, false, false, 'p1'), false);
  assert.equal(ml.entryAge(ml.lookup(M1, 0)!), 0);
  /* Move. */
  assert.equal(ml.update(M1, 0, false, false, 'p2'), true);
  assert.equal(ml.lookup(M1, 0)?.port, 'p2');
  assert.equal(ml.stats.moved, 1);
  assert.equal(ml.stats.learned, 1);
  /* Multicast sources are not learned. */
  assert.equal(ml.update(0x01005e000001, 0, false, false, 'p1'), false);
  assert.equal(ml.count, 1);
});

test('aging with the default 300 s and a settable idle time', () => {
  const { ml, clock } = table();
  assert.equal(ml.idleTime, 300);
  ml.update(M1, 0, false, false, 'p1');
  clock.t += 299;
  ml.run();
  assert.equal(ml.count, 1);
  clock.t += 1;
  ml.run();
  assert.equal(ml.count, 0);
  assert.equal(ml.stats.expired, 1);
  ml.update(M2, 0, false, false, 'p1');
  ml.setIdleTime(20);
  clock.t += 20;
  ml.run();
  assert.equal(ml.count, 0);
  ml.setIdleTime(1);
  assert.equal(ml.idleTime, 15, 'clamped');
});

test('eviction takes the LRU entry of the busiest port', () => {
  const { ml, clock } = table();
  ml.setMaxEntries(10);
  for (let i = 0; i < 7; i++) { ml.update(0x020000000000 + i, 0, false, false, 'busy'); clock.t++; }
  for (let i = 0; i < 3; i++) { ml.update(0x040000000000 + i, 0, false, false, 'quiet'); clock.t++; }
  assert.equal(ml.count, 10);
  ml.update(M3, 0, false, false, 'quiet');
  assert.equal(ml.count, 10);
  assert.equal(ml.stats.evicted, 1);
  assert.equal(ml.lookup(0x020000000000, 0), null, 'oldest entry of the busiest port went');
  assert.ok(ml.lookup(0x040000000000, 0));
});

test('static entries, flush, gratuitous ARP lock', () => {
  const { ml, clock } = table();
  ml.addStaticEntry(M1, 5, 'p1');
  ml.update(M2, 5, false, false, 'p2');
  assert.equal(ml.entryAge(ml.lookup(M1, 5)!), MAC_ENTRY_AGE_STATIC_ENTRY);
  assert.equal(ml.update(M1, 5, false, false, 'p3'), false, 'static entries do not move');
  clock.t += 1000;
  ml.run();
  assert.ok(ml.lookup(M1, 5));
  ml.update(M2, 5, false, false, 'p2');
  ml.flush();
  assert.equal(ml.count, 1);
  assert.equal(ml.delStaticEntry(M1, 5), true);
  assert.equal(ml.delStaticEntry(M1, 5), false);
  assert.equal(ml.staticEntries, 0);
  /* A gratuitous ARP on a non-bond port locks the entry against bond moves. */
  ml.update(M3, 0, true, false, 'p1');
  clock.t += 2;
  assert.equal(ml.update(M3, 0, true, true, 'bond'), false);
  clock.t += 5;
  assert.equal(ml.update(M3, 0, true, true, 'bond'), true);
});

test('flood VLANs disable learning and lookup', () => {
  const { ml } = table();
  assert.equal(ml.setFloodVlans(new Set([7])), true);
  assert.equal(ml.setFloodVlans(new Set([7])), false);
  assert.equal(ml.update(M1, 7, false, false, 'p1'), false);
  ml.update(M1, 8, false, false, 'p1');
  assert.ok(ml.lookup(M1, 8));
});

test('fdb/show and fdb/stats-show text', () => {
  const { ml, clock } = table();
  const ports: Record<string, string> = { p1: '1', p2: '2', local: 'LOCAL' };
  ml.update(M1, 0, false, false, 'p1');
  clock.t += 3;
  ml.update(M2, 10, false, false, 'p2');
  ml.addStaticEntry(M3, 4095, 'local');
  clock.t += 2;
  assert.equal(ml.formatFdbShow((p) => ports[p]!),
    ' port  VLAN  MAC                Age\n'
    + '    1     0  50:54:00:00:00:01    5\n'
    + '    2    10  50:54:00:00:00:02    2\n'
    + 'LOCAL  4095  50:54:00:00:00:03  static\n');
  assert.equal(ml.formatStats('br0'),
    'Statistics for bridge "br0":\n'
    + '  Current/maximum MAC entries in the table: 3/8192\n'
    + '  Current static MAC entries in the table : 1\n'
    + '  Total number of learned MAC entries     : 2\n'
    + '  Total number of expired MAC entries     : 0\n'
    + '  Total number of evicted MAC entries     : 0\n'
    + '  Total number of port moved MAC entries  : 0\n');
});
