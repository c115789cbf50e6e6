// Tests for monitor.ts beyond the recorded real-server scenarios
// (tests/ovsdb/real-server.test.ts): merging of changes between flushes,
// select flags, cancel, and monitor_cond_since with a transaction history.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Json } from '../lib/json.js';
import { DatabaseSchema } from './schema.js';
import { Database } from './database.js';
import { transact } from './execution.js';
import { Monitor } from './monitor.js';
import { OvsdbError } from './ovsdb-error.js';

function fresh(): Database {
  return new Database(DatabaseSchema.fromJson({
    name: 'db', tables: { T: { columns: { n: { type: 'integer' }, s: { type: { key: 'string', min: 0, max: 'unlimited' } } } } },
  }));
}
const U1 = '00000000-0000-4000-8000-000000000001';
const U2 = '00000000-0000-4000-8000-000000000002';

function tx(db: Database, ...ops: Json[]): ReturnType<typeof transact> {
  return transact(db, ['db', ...ops]);
}

test('changes between flushes are merged as OVS merges them', () => {
  const db = fresh();
  const m = Monitor.create(db, 2, { T: [{ columns: ['n', 's'] }] });
  assert.deepEqual(m.initialReply(), {});
  tx(db, { op: 'insert', table: 'T', uuid: U1, row: { n: 1 } });
  tx(db, { op: 'update', table: 'T', where: [], row: { n: 2 } });
  tx(db, { op: 'insert', table: 'T', uuid: U2, row: { n: 5 } });
  tx(db, { op: 'delete', table: 'T', where: [['n', '==', 5]] });
  assert.ok(m.hasPending());
  // Insert then modify is one insert with the latest contents; insert then delete is nothing.
  assert.deepEqual(m.flush(), { T: { [U1]: { insert: { n: 2 } } } });
  assert.equal(m.flush(), null);
  // Modify then modify back: nothing to send.
  tx(db, { op: 'update', table: 'T', where: [], row: { n: 3 } });
  tx(db, { op: 'update', table: 'T', where: [], row: { n: 2 } });
  assert.equal(m.flush(), null);
  tx(db, { op: 'mutate', table: 'T', where: [], mutations: [['s', 'insert', ['set', ['a', 'b']]]] });
  tx(db, { op: 'mutate', table: 'T', where: [], mutations: [['s', 'delete', ['set', ['a']]]] });
  assert.deepEqual(m.flush(), { T: { [U1]: { modify: { s: 'b' } } } });
  m.cancel();
  tx(db, { op: 'delete', table: 'T', where: [] });
  assert.equal(m.flush(), null);
});

test('select flags and v1 old/new contents', () => {
  const db = fresh();
  tx(db, { op: 'insert', table: 'T', uuid: U1, row: { n: 1 } });
  const m = Monitor.create(db, 1, { T: { columns: ['n'], select: { initial: false, modify: false } } });
  assert.deepEqual(m.initialReply(), {});
  tx(db, { op: 'update', table: 'T', where: [], row: { n: 2 } });
  assert.equal(m.flush(), null);
  tx(db, { op: 'delete', table: 'T', where: [] });
  assert.deepEqual(m.flushNotification('id'), { method: 'update', params: ['id', { T: { [U1]: { old: { n: 2 } } } }] });
});

test('a [false] condition matches nothing; an empty one everything', () => {
  const db = fresh();
  tx(db, { op: 'insert', table: 'T', uuid: U1, row: { n: 1 } });
  const none = Monitor.create(db, 2, { T: [{ columns: ['n'], where: [false] }] });
  const all = Monitor.create(db, 2, { T: [{ columns: ['n'], where: [] }] });
  assert.deepEqual(none.initialReply(), {});
  assert.deepEqual(all.initialReply(), { T: { [U1]: { initial: { n: 1 } } } });
  const ups = none.condChange({ T: [{ where: [true] }] });
  assert.deepEqual(ups, [{ T: { [U1]: { insert: { n: 1 } } } }]);
  assert.throws(() => none.condChange({ T: [{ where: [['x', '==', 1]] }] }),
    (e: unknown) => e instanceof OvsdbError && e.tag === 'unknown column');
});

test('monitor_cond_since: found in the history, or a fresh snapshot', () => {
  const db = fresh();
  db.setHistoryEnabled(true);
  // History is trimmed once it holds more atoms than the database: make the
  // database big enough to keep a few small transactions.
  tx(db, { op: 'insert', table: 'T', row: { n: 100, s: ['set', Array.from({ length: 50 }, (_, i) => `x${i}`)] } });
  const r1 = tx(db, { op: 'insert', table: 'T', uuid: U1, row: { n: 1 } });
  assert.ok(r1.status === 'done' && r1.change);
  const since = r1.change.txnId;
  tx(db, { op: 'update', table: 'T', where: [['n', '==', 1]], row: { n: 2 } });
  const r3 = tx(db, { op: 'insert', table: 'T', uuid: U2, row: { n: 3 } });
  assert.ok(r3.status === 'done' && r3.change);
  const m = Monitor.create(db, 3, { T: [{ columns: ['n'], where: [['n', '<', 50]] }] }, since);
  assert.deepEqual(m.initialReply(), [true, r3.change.txnId, { T: { [U1]: { modify: { n: 2 } }, [U2]: { insert: { n: 3 } } } }]);
  const up = Monitor.create(db, 3, { T: [{ columns: ['n'] }] }, r3.change.txnId);
  assert.deepEqual(up.initialReply(), [true, r3.change.txnId, {}]);
  const unknown = Monitor.create(db, 3, { T: [{ columns: ['n'], where: [['n', '<', 50]] }] }, U2);
  assert.deepEqual(unknown.initialReply(), [false, r3.change.txnId, { T: { [U1]: { initial: { n: 2 } }, [U2]: { initial: { n: 3 } } } }]);
  const r4 = tx(db, { op: 'delete', table: 'T', where: [['n', '==', 3]] });
  assert.ok(r4.status === 'done' && r4.change);
  assert.deepEqual(m.flushNotification(['id']), { method: 'update3', params: [['id'], r4.change.txnId, { T: { [U2]: { delete: null } } }] });
});
