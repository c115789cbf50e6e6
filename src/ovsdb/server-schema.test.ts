// Tests for server-schema.ts: the _Server database.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { jsonParse } from '../lib/json.js';
import { DatabaseSchema } from './schema.js';
import { createServerDatabase, serverSchema, updateServerStatus } from './server-schema.js';
import { transact } from './execution.js';

test('the _Server schema is OVS 3.1\'s', { skip: !existsSync('/tmp/ovs-src/openvswitch/ovsdb/_server.ovsschema') && 'no OVS source' }, () => {
  const ovs = DatabaseSchema.fromJson(jsonParse(readFileSync('/tmp/ovs-src/openvswitch/ovsdb/_server.ovsschema', 'utf8')));
  assert.ok(serverSchema().equals(ovs));
});

test('the Database table follows the served databases', () => {
  const sdb = createServerDatabase();
  const db = DatabaseSchema.fromJson({ name: 'Open_vSwitch', version: '1.2.3', tables: { T: { columns: { a: { type: 'integer' } } } } });
  assert.equal(updateServerStatus(sdb, [
    { name: 'Open_vSwitch', model: 'standalone', connected: true, leader: true, schema: db },
    { name: '_Server', model: 'standalone', connected: true, leader: true, schema: serverSchema() },
  ]), null);
  const sel = (): Json => {
    const r = transact(sdb, ['_Server', { op: 'select', table: 'Database', where: [], columns: ['name', 'model', 'connected', 'leader', 'cid', 'index'], sort: ['name'] }]);
    return r.status === 'done' ? r.result : null;
  };
  assert.deepEqual(sel(), [{ rows: [
    { name: 'Open_vSwitch', model: 'standalone', connected: true, leader: true, cid: ['set', []], index: ['set', []] },
    { name: '_Server', model: 'standalone', connected: true, leader: true, cid: ['set', []], index: ['set', []] },
  ] }]);
  const schemaText = (transact(sdb, ['_Server', { op: 'select', table: 'Database', where: [['name', '==', 'Open_vSwitch']], columns: ['schema'] }]) as unknown as { result: { rows: { schema: string }[] }[] }).result[0]!.rows[0]!.schema;
  assert.equal(schemaText, '{"name":"Open_vSwitch","tables":{"T":{"columns":{"a":{"type":"integer"}}}},"version":"1.2.3"}');
  updateServerStatus(sdb, [{ name: 'Open_vSwitch', model: 'clustered', connected: false, leader: false, schema: db, cid: '11111111-2222-4333-8444-555555555555', index: 7 }]);
  assert.deepEqual(sel(), [{ rows: [
    { name: 'Open_vSwitch', model: 'clustered', connected: false, leader: false, cid: ['uuid', '11111111-2222-4333-8444-555555555555'], index: 7 },
  ] }]);
});

type Json = import('../lib/json.js').Json;
