// Tests for execution.ts: the transact request, its result format and
// errors, waits that must be retried, locks, read-only mode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Json } from '../lib/json.js';
import { DatabaseSchema } from './schema.js';
import { Database } from './database.js';
import { OPERATIONS, lookupDbError, transact } from './execution.js';
import { createServerDatabase } from './server-schema.js';

function fresh(): Database {
  return new Database(DatabaseSchema.fromJson({
    name: 'db', tables: { T: { columns: { n: { type: 'integer' }, s: { type: 'string' } } } },
  }));
}

const done = (r: ReturnType<typeof transact>): Json[] => {
  assert.equal(r.status, 'done');
  return (r as { result: Json[] }).result;
};

test('every RFC 7047 operation has an executor', () => {
  assert.deepEqual(Object.keys(OPERATIONS).sort(),
    ['abort', 'assert', 'comment', 'commit', 'delete', 'insert', 'mutate', 'select', 'update', 'wait']);
});

test('malformed requests', () => {
  const db = fresh();
  assert.deepEqual(done(transact(db, { x: 1 })), { error: 'syntax error', details: 'array expected', syntax: '{"x":1}' });
  assert.deepEqual(done(transact(db, ['other'])),
    { error: 'syntax error', details: 'database name expected as first parameter', syntax: '["other"]' });
  assert.deepEqual(done(transact(db, ['db'])), []);
  assert.deepEqual(done(transact(db, ['db', 5])), [{
    error: 'syntax error', details: 'Parsing ovsdb operation 1 of 1 failed: Object expected.' }]);
  assert.deepEqual(done(transact(db, ['db', { op: 'select', table: 'T', where: [] }, { table: 'T' }, { op: 'select' }])), [
    { rows: [] },
    { error: 'syntax error', details: "Parsing ovsdb operation 2 of 3 failed: Required 'op' member is missing.", syntax: '{"table":"T"}' },
    null,
  ]);
  assert.deepEqual(done(transact(db, ['db', { op: 'select', table: 'X', where: [] }])), [
    { error: 'syntax error', details: 'Parsing ovsdb operation 1 of 1 failed: No table named X.', syntax: '{"op":"select","table":"X","where":[]}' }]);
  assert.deepEqual(done(transact(db, ['db', { op: 'commit' }])), [
    { error: 'syntax error', details: "Parsing ovsdb operation 1 of 1 failed: Required 'durable' member is missing.", syntax: '{"op":"commit"}' }]);
  assert.deepEqual(done(transact(db, ['db', { op: 'insert', table: 'T', row: { n: 1 }, extra: 1 }])), [
    { error: 'syntax error', details: "Parsing ovsdb operation 1 of 1 failed: Member 'extra' is present but not allowed here.",
      syntax: '{"extra":1,"op":"insert","row":{"n":1},"table":"T"}' }]);
});

test('durable commits and comments are reported to storage', () => {
  const db = fresh();
  const r = transact(db, ['db', { op: 'insert', table: 'T', row: { n: 1 } }, { op: 'commit', durable: true },
                          { op: 'comment', comment: 'hello' }, { op: 'comment', comment: 'world' }]);
  assert.ok(r.status === 'done' && r.durable && r.change);
  assert.equal(r.change.comment, 'hello\nworld');
  assert.equal(r.change.durable, true);
});

test('select: columns, sort, distinct rows', () => {
  const db = fresh();
  done(transact(db, ['db', ...[3, 1, 2, 1].map((n) => ({ op: 'insert', table: 'T', row: { n, s: 'x' } }))]));
  assert.deepEqual(done(transact(db, ['db', { op: 'select', table: 'T', where: [], columns: ['n'], sort: ['n'] }])),
    [{ rows: [{ n: 1 }, { n: 2 }, { n: 3 }] }]);
  assert.deepEqual(done(transact(db, ['db', { op: 'select', table: 'T', where: [['n', '>', 1]], columns: ['s', 'n'], sort: ['n'] }])),
    [{ rows: [{ s: 'x', n: 2 }, { s: 'x', n: 3 }] }]);
  assert.deepEqual(done(transact(db, ['db', { op: 'select', table: 'T', where: [], columns: ['s'] }])), [{ rows: [{ s: 'x' }] }]);
});

test('wait: retry until the condition holds or the timeout passes', () => {
  const db = fresh();
  const waitOp = { op: 'wait', table: 'T', where: [], columns: ['n'], until: '==', rows: [{ n: 7 }], timeout: 1000 };
  const req = ['db', waitOp, { op: 'insert', table: 'T', row: { n: 8 } }];
  const r1 = transact(db, req, { elapsedMs: 0 });
  assert.deepEqual(r1, { status: 'wait', timeoutMs: 1000 });
  assert.equal(db.getTable('T')!.rows.size, 0);
  // Still not satisfied when retried later, but within the timeout.
  assert.equal(transact(db, req, { elapsedMs: 500 }).status, 'wait');
  // After the timeout.
  assert.deepEqual(done(transact(db, req, { elapsedMs: 1000 })),
    [{ error: 'timed out', details: '"wait" timed out after 1000 ms' }, null]);
  // Satisfied.
  done(transact(db, ['db', { op: 'insert', table: 'T', row: { n: 7 } }]));
  assert.deepEqual(done(transact(db, req, { elapsedMs: 10 })), [{}, { uuid: (done(transact(db, ['db', {
    op: 'select', table: 'T', where: [['n', '==', 8]], columns: ['_uuid'] }]))[0] as { rows: { _uuid: Json }[] }).rows[0]!._uuid }]);
  // Without triggers an unsatisfied wait fails at once.
  assert.deepEqual(done(transact(db, ['db', { ...waitOp, rows: [] }], { triggers: false })),
    [{ error: 'not supported', details: 'triggers not supported' }]);
  // No timeout given: wait forever.
  const { timeout: _omitted, ...untimed } = waitOp;
  assert.deepEqual(transact(db, ['db', { ...untimed, rows: [] }]), { status: 'wait', timeoutMs: Infinity });
  assert.deepEqual(done(transact(db, ['db', { ...waitOp, timeout: -1 }])),
    [{ error: 'syntax error', details: 'timeout must be nonnegative', syntax: '-1' }]);
  assert.deepEqual(done(transact(db, ['db', { ...waitOp, until: '<' }])),
    [{ error: 'syntax error', details: '"until" must be "==" or "!="', syntax: '"<"' }]);
});

test('assert checks the session lock', () => {
  const db = fresh();
  const req = ['db', { op: 'assert', lock: 'mylock' }];
  assert.deepEqual(done(transact(db, req)), [{ error: 'not owner', details: 'Asserted lock mylock not held.' }]);
  assert.deepEqual(done(transact(db, req, { ownsLock: (n) => n === 'other' })),
    [{ error: 'not owner', details: 'Asserted lock mylock not held.' }]);
  assert.deepEqual(done(transact(db, req, { ownsLock: (n) => n === 'mylock' })), [{}]);
});

test('read-only server and the reserved _Server database', () => {
  const db = fresh();
  assert.deepEqual(done(transact(db, ['db', { op: 'insert', table: 'T', row: {} }], { readOnly: true })),
    [{ error: 'not allowed', details: 'insert operation not allowed when database server is in read only mode' }]);
  assert.deepEqual(done(transact(db, ['db', { op: 'select', table: 'T', where: [] }], { readOnly: true })), [{ rows: [] }]);
  const sdb = createServerDatabase();
  assert.deepEqual(done(transact(sdb, ['_Server', { op: 'delete', table: 'Database', where: [] }])),
    [{ error: 'not allowed', details: 'delete operation not allowed on table in reserved database _Server' }]);
});

test('insert: explicit uuid, uuid-name, default values checked against constraints', () => {
  const db = new Database(DatabaseSchema.fromJson({
    name: 'db', tables: {
      T: { columns: { p: { type: { key: { type: 'integer', minInteger: 1 } } },
                      r: { type: { key: { type: 'uuid', refTable: 'T' }, min: 0, max: 1 } } } },
    },
  }));
  const U = '11111111-2222-4333-8444-555555555555';
  assert.deepEqual(done(transact(db, ['db', { op: 'insert', table: 'T', row: {} }])),
    [{ error: 'constraint violation', details: '0 is less than minimum allowed value 1' }]);
  assert.deepEqual(done(transact(db, ['db', { op: 'insert', table: 'T', uuid: U.toUpperCase(), row: { p: 1 } }])),
    [{ uuid: ['uuid', U] }]);
  assert.deepEqual(done(transact(db, ['db', { op: 'insert', table: 'T', uuid: U, row: { p: 1 } }])),
    [{ error: 'duplicate uuid', details: 'This UUID would duplicate a UUID already present within the table or deleted within the same transaction.', syntax: `"${U}"` }]);
  assert.deepEqual(done(transact(db, ['db', { op: 'insert', table: 'T', uuid: 'bad', row: { p: 1 } }])),
    [{ error: 'syntax error', details: 'bad uuid', syntax: '"bad"' }]);
  const r = done(transact(db, ['db', { op: 'insert', table: 'T', uuid_name: 'x', row: { p: 1 } }]));
  assert.equal((r[0] as { error: string }).error, 'syntax error');
  const ok = done(transact(db, ['db',
    { op: 'insert', table: 'T', 'uuid-name': 'a', row: { p: 2, r: ['named-uuid', 'b'] } },
    { op: 'insert', table: 'T', 'uuid-name': 'b', row: { p: 3, r: ['named-uuid', 'a'] } }]));
  assert.equal(ok.length, 2);
  assert.ok(ok.every((o) => (o as { uuid?: Json }).uuid));
});

test('database lookup errors for the JSON-RPC layer', () => {
  const has = (n: string) => n === 'db';
  assert.equal(lookupDbError('transact', ['db'], has), null);
  assert.deepEqual(lookupDbError('transact', ['nope', {}], has)!.toJson(),
    { error: 'unknown database', details: 'transact request specifies unknown database nope', syntax: '["nope",{}]' });
  assert.deepEqual(lookupDbError('monitor', [], has)!.toJson(),
    { error: 'syntax error', details: 'monitor request params must begin with <db-name>', syntax: '[]' });
});

test('_uuid given in an inserted row is ignored, as in OVS', () => {
  const db = fresh();
  const U = '11111111-2222-4333-8444-555555555555';
  const r = done(transact(db, ['db', { op: 'insert', table: 'T', row: { _uuid: ['uuid', U], n: 1 } }]));
  const u = (r[0] as { uuid: [string, string] }).uuid[1];
  assert.notEqual(u, U);
  assert.deepEqual(done(transact(db, ['db', { op: 'select', table: 'T', where: [], columns: ['_uuid'] }])),
    [{ rows: [{ _uuid: ['uuid', u] }] }]);
});
