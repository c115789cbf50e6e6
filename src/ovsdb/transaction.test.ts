// Tests for transaction.ts (through database.ts/execution.ts): references,
// garbage collection, weak references, abort, change records, log replay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Json } from '../lib/json.js';
import { DatabaseSchema } from './schema.js';
import { Database } from './database.js';
import { transact } from './execution.js';
import { CommitChange } from './transaction.js';
import { OvsdbError } from './ovsdb-error.js';

const SCHEMA = {
  name: 'db', version: '1.0.0',
  tables: {
    Root: {
      isRoot: true,
      columns: {
        name: { type: 'string' },
        kids: { type: { key: { type: 'uuid', refTable: 'Kid' }, min: 0, max: 'unlimited' } },
        fav: { type: { key: { type: 'uuid', refTable: 'Kid', refType: 'weak' }, min: 0, max: 1 } },
        tmp: { type: 'integer', ephemeral: true },
        other: { type: { key: 'string', value: 'string', min: 0, max: 'unlimited' } },
      },
      indexes: [['name']],
    },
    Kid: {
      columns: {
        n: { type: 'integer' },
        self: { type: { key: { type: 'uuid', refTable: 'Kid' }, min: 0, max: 1 } },
      },
    },
  },
};

function fresh(): Database {
  return new Database(DatabaseSchema.fromJson(SCHEMA as unknown as Json));
}

function tx(db: Database, ...ops: Json[]): Json[] {
  const r = transact(db, ['db', ...ops]);
  assert.equal(r.status, 'done');
  return (r as { result: Json[] }).result;
}

function lastError(result: Json[]): string | null {
  const e = result[result.length - 1] as { error?: string; details?: string } | null;
  return e && e.error ? `${e.error}: ${e.details}` : null;
}

const K1 = '00000000-0000-4000-8000-000000000001';
const K2 = '00000000-0000-4000-8000-000000000002';
const R1 = '00000000-0000-4000-8000-0000000000a1';

test('strong references: missing targets, remaining references, garbage collection', () => {
  const db = fresh();
  assert.match(lastError(tx(db, { op: 'insert', table: 'Root', row: { name: 'r', kids: ['uuid', K1] } }))!,
    /^referential integrity violation: Table Root column kids row [-0-9a-f]{36} references nonexistent row/);
  const r = tx(db, { op: 'insert', table: 'Kid', uuid: K1, row: { n: 1 } },
                   { op: 'insert', table: 'Kid', uuid: K2, row: { n: 2, self: ['uuid', K2] } },
                   { op: 'insert', table: 'Root', uuid: R1, row: { name: 'r', kids: ['set', [['uuid', K1], ['uuid', K2]]] } });
  assert.equal(lastError(r), null);
  assert.equal(db.getTable('Kid')!.rows.size, 2);
  assert.equal(db.getTable('Kid')!.rows.get(K1)!.nRefs, 1);
  // Self-references do not count: K2 has one reference (from the root).
  assert.equal(db.getTable('Kid')!.rows.get(K2)!.nRefs, 1);
  assert.equal(lastError(tx(db, { op: 'delete', table: 'Kid', where: [['n', '==', 1]] })),
    `referential integrity violation: cannot delete Kid row ${K1} because of 1 remaining reference(s)`);
  // Dropping the reference collects the unreferenced child.
  tx(db, { op: 'mutate', table: 'Root', where: [], mutations: [['kids', 'delete', ['uuid', K1]]] });
  assert.deepEqual([...db.getTable('Kid')!.rows.keys()], [K2]);
  // Deleting the root collects the rest.
  tx(db, { op: 'delete', table: 'Root', where: [] });
  assert.equal(db.getTable('Kid')!.rows.size, 0);
  // A child inserted without any reference is collected at once.
  const ins = tx(db, { op: 'insert', table: 'Kid', row: { n: 9 } });
  assert.ok((ins[0] as { uuid: Json }).uuid);
  assert.equal(db.getTable('Kid')!.rows.size, 0);
});

test('referential integrity error text', () => {
  const db = fresh();
  const r = tx(db, { op: 'insert', table: 'Root', uuid: R1, row: { name: 'r', kids: ['uuid', K1] } });
  assert.equal(lastError(r), `referential integrity violation: Table Root column kids row ${R1} references nonexistent row ${K1} in table Kid.`);
});

test('weak references are dropped when their target goes away', () => {
  const db = fresh();
  tx(db, { op: 'insert', table: 'Kid', uuid: K1, row: { n: 1 } },
         { op: 'insert', table: 'Root', uuid: R1, row: { name: 'r', kids: ['uuid', K1], fav: ['uuid', K1] } });
  const root = () => db.getTable('Root')!.rows.get(R1)!;
  assert.deepEqual(root().fields[root().table.schema.columns.get('fav')!.index]!.keys, [K1]);
  tx(db, { op: 'update', table: 'Root', where: [], row: { kids: ['set', []] } });
  assert.equal(db.getTable('Kid')!.rows.size, 0);
  assert.deepEqual(root().fields[root().table.schema.columns.get('fav')!.index]!.keys, []);
  // A weak reference to a row that does not exist is dropped on insert.
  tx(db, { op: 'update', table: 'Root', where: [], row: { fav: ['uuid', K2] } });
  assert.deepEqual(root().fields[root().table.schema.columns.get('fav')!.index]!.keys, []);
});

test('a failed transaction leaves the database as it was', () => {
  const db = fresh();
  tx(db, { op: 'insert', table: 'Kid', uuid: K1, row: { n: 1 } },
         { op: 'insert', table: 'Root', uuid: R1, row: { name: 'r', kids: ['uuid', K1] } });
  const before = JSON.stringify(tx(db, { op: 'select', table: 'Root', where: [] }, { op: 'select', table: 'Kid', where: [] }));
  const r = tx(db, { op: 'update', table: 'Root', where: [], row: { name: 'changed', kids: ['set', []] } },
                   { op: 'insert', table: 'Root', row: { name: 'r2' } },
                   { op: 'delete', table: 'Kid', where: [] },
                   { op: 'abort' });
  assert.equal(lastError(r), 'aborted: aborted by request');
  assert.equal(JSON.stringify(tx(db, { op: 'select', table: 'Root', where: [] }, { op: 'select', table: 'Kid', where: [] })), before);
  assert.equal(db.getTable('Kid')!.rows.get(K1)!.nRefs, 1);
  assert.equal(db.getTable('Root')!.indexes[0]!.size, 1);
});

test('change records and the on-disk form', () => {
  const db = fresh();
  const changes: CommitChange[] = [];
  db.setStorageHook((c) => { changes.push(c); return null; });
  tx(db, { op: 'insert', table: 'Root', uuid: R1, row: { name: 'r', tmp: 5, other: ['map', [['a', '1'], ['b', '2']]] } },
         { op: 'comment', comment: 'first' });
  assert.equal(changes.length, 1);
  assert.deepEqual(changes[0]!.toFileJson(), { Root: { [R1]: { name: 'r', other: ['map', [['a', '1'], ['b', '2']]] } } });
  assert.deepEqual(changes[0]!.toFileRecord(1234), {
    Root: { [R1]: { name: 'r', other: ['map', [['a', '1'], ['b', '2']]] } }, _comment: 'first', _is_diff: true, _date: 1234,
  });
  tx(db, { op: 'update', table: 'Root', where: [], row: { other: ['map', [['a', '1'], ['c', '3']]] } });
  assert.deepEqual(changes[1]!.toFileJson(), { Root: { [R1]: { other: ['map', [['b', '2'], ['c', '3']]] } } });
  assert.deepEqual(changes[1]!.toFileJson(false), { Root: { [R1]: { other: ['map', [['a', '1'], ['c', '3']]] } } });
  // Only an ephemeral column changes: nothing to write.
  tx(db, { op: 'update', table: 'Root', where: [], row: { tmp: 6 } });
  assert.equal(changes[2]!.toFileJson(), null);
  // No change at all: no commit record.
  tx(db, { op: 'update', table: 'Root', where: [], row: { tmp: 6 } });
  assert.equal(changes.length, 3);
  tx(db, { op: 'delete', table: 'Root', where: [] });
  assert.deepEqual(changes[3]!.toFileJson(), { Root: { [R1]: null } });
  const rc = changes[1]!.rows[0]!;
  assert.ok(rc.oldRow && rc.newRow && rc.oldRow !== rc.newRow);
  assert.notEqual(rc.oldRow.version, rc.newRow.version);
});

test('replaying on-disk records', () => {
  const db = fresh();
  assert.equal(db.replay({ Root: { [R1]: { name: 'r', other: ['map', [['a', '1']]] } }, _date: 1, _is_diff: true }), null);
  assert.equal(db.replay({ Root: { [R1]: { other: ['map', [['a', '1'], ['b', '2']]] } }, _is_diff: true }), null);
  const row = db.getTable('Root')!.rows.get(R1)!;
  assert.deepEqual(row.fields[row.table.schema.columns.get('other')!.index]!.keys, ['b']);
  assert.equal(db.replay({ Root: { [R1]: { other: ['map', [['z', '9']]] } } }), null);
  assert.deepEqual(row.table.rows.get(R1)!.fields[row.table.schema.columns.get('other')!.index]!.keys, ['z']);
  const e1 = db.replay({ Nope: {} });
  assert.ok(e1 instanceof OvsdbError && e1.tag === 'unknown table' && e1.details === 'No table named Nope.');
  assert.equal(db.replay({ Nope: {} }, true), null);
  const e2 = db.replay({ Root: { [K1]: null } });
  assert.ok(e2 instanceof OvsdbError && e2.details === `transaction deletes row ${K1} that does not exist`);
  const e3 = db.replay({ Root: { 'not-a-uuid': {} } });
  assert.ok(e3 instanceof OvsdbError && e3.details === '"not-a-uuid" is not a valid UUID');
  assert.equal(db.replay({ Root: { [R1]: null } }), null);
  assert.equal(db.getTable('Root')!.rows.size, 0);
});

test('a storage error aborts the commit and is reported after the results', () => {
  const db = fresh();
  db.setStorageHook(() => new OvsdbError('I/O error', 'disk full'));
  const r = tx(db, { op: 'insert', table: 'Root', row: { name: 'x' } });
  assert.equal(r.length, 2);
  assert.deepEqual(r[1], { error: 'I/O error', details: 'disk full' });
  assert.equal(db.getTable('Root')!.rows.size, 0);
});

test('converting to a new schema', () => {
  const db = fresh();
  tx(db, { op: 'insert', table: 'Root', row: { name: 'r', tmp: 3 } });
  const s2 = JSON.parse(JSON.stringify(SCHEMA));
  delete s2.tables.Root.columns.tmp;
  s2.tables.Root.columns.name = { type: { key: { type: 'string', maxLength: 5 } } };
  const conv = db.convert(DatabaseSchema.fromJson(s2));
  assert.ok(conv instanceof Database);
  assert.equal(conv.getTable('Root')!.rows.size, 1);
  s2.tables.Root.columns.name = { type: { key: { type: 'string', enum: ['set', ['a']] } } };
  const bad = db.convert(DatabaseSchema.fromJson(s2));
  assert.ok(bad instanceof OvsdbError && bad.tag === 'constraint violation');
});

test('transaction history for monitor_cond_since', () => {
  const db = fresh();
  db.setHistoryEnabled(true);
  db.historyLimit = 3;
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    const r = transact(db, ['db', { op: 'insert', table: 'Root', row: { name: `r${i}` } }]);
    assert.ok(r.status === 'done' && r.change);
    ids.push(r.change.txnId);
  }
  assert.equal(new Set(ids).size, 5);
  assert.deepEqual(db.history.map((h) => h.txnId), ids.slice(2));
  assert.equal(db.lastTxnId(), ids[4]);
  const r = transact(db, ['db', { op: 'insert', table: 'Root', row: { name: 'x' } }], { txnId: K1 });
  assert.ok(r.status === 'done' && r.change && r.change.txnId === K1);
});
