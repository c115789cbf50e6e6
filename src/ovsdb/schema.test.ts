// Tests for schema.ts (and column.ts): the vswitch and _Server schemas, errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonToStringHashOrder } from '../lib/json-shash.js';
import { jsonParse, jsonToString } from '../lib/json.js';
import { OvsdbError } from './ovsdb-error.js';
import { DatabaseSchema, TableSchema, jsonEqual } from './schema.js';
import { columnFromJson, columnSetFromJson, columnSetToString } from './column.js';

const VSWITCH = new URL('../../../schemas/vswitch.ovsschema', import.meta.url).pathname;

test('the Open_vSwitch schema parses and prints back the same', () => {
  const json = jsonParse(readFileSync(VSWITCH, 'utf8'));
  const s = DatabaseSchema.fromJson(json);
  assert.equal(s.name, 'Open_vSwitch');
  assert.equal(s.version, '8.3.1');
  assert.equal(s.cksum, '3012963480 26720');
  assert.equal(s.tables.size, 19);
  assert.ok(s.tables.get('Open_vSwitch')!.isRoot);
  assert.ok(!s.tables.get('Port')!.isRoot);
  assert.deepEqual(s.tables.get('Bridge')!.indexes.map((ix) => ix.map((c) => c.name)), [['name']]);
  assert.equal(s.tables.get('Open_vSwitch')!.maxRows, 1);
  // OVS leaves out defaults ("max": 1 and the like) but means the same.
  assert.ok(!jsonEqual(s.toJson(), json));
  assert.ok(s.equals(DatabaseSchema.fromJson(s.toJson())));
  assert.ok(jsonEqual(DatabaseSchema.fromJson(s.toJson()).toJson(), s.toJson()));
  assert.ok(s.clone().equals(s));
});

test('implicit columns and column order', () => {
  const ts = TableSchema.fromJson({ columns: { b: { type: 'integer' }, a: { type: 'string' } } }, 'T');
  assert.deepEqual(ts.columnList.slice(0, 2).map((c) => c.name), ['_uuid', '_version']);
  assert.equal(ts.columns.get('_version')!.persistent, false);
  assert.equal(ts.allColumns.length, 4);
  assert.deepEqual(columnSetFromJson(['a', '_uuid'], ts).map((c) => c.name), ['a', '_uuid']);
  assert.equal(columnSetToString(columnSetFromJson(['a', 'b', '_uuid'], ts)), 'columns "a", "b", and "_uuid"');
});

test('columns: weak references stay mutable, ephemeral strong refs to non-roots become persistent', () => {
  assert.equal(columnFromJson({ type: { key: { type: 'uuid', refTable: 'T', refType: 'weak' } }, mutable: false }, 'c').mutable, true);
  const s = DatabaseSchema.fromJson({
    name: 'd', tables: {
      R: { columns: { c: { type: { key: { type: 'uuid', refTable: 'N' } }, ephemeral: true } }, isRoot: true },
      N: { columns: { x: { type: 'integer' } } },
    },
  });
  assert.equal(s.tables.get('R')!.columns.get('c')!.persistent, true);
});

test('all tables are roots when none is marked', () => {
  const s = DatabaseSchema.fromJson({ name: 'd', tables: { A: { columns: { x: { type: 'integer' } } } } });
  assert.ok(s.tables.get('A')!.isRoot);
  assert.equal(jsonToString(s.toJson(), { sort: true }), '{"name":"d","tables":{"A":{"columns":{"x":{"type":"integer"}}}}}');
});

test('schema errors', () => {
  const e = (j: unknown) => {
    try { DatabaseSchema.fromJson(j as never); } catch (x) { assert.ok(x instanceof OvsdbError); return x.details; }
    return 'no error';
  };
  assert.equal(e({ name: 'd', version: '1.2', tables: {} }), 'schema version "1.2" not in format x.y.z');
  assert.equal(e({ name: 'd', tables: { _x: { columns: { a: { type: 'integer' } } } } }), 'names beginning with "_" are reserved');
  assert.equal(e({ name: 'd', tables: { 'a-b': { columns: { a: { type: 'integer' } } } } }), 'name must be a valid id');
  assert.equal(e({ name: 'd', tables: { A: { columns: {} } } }), 'table must have at least one column');
  assert.equal(e({ name: 'd', tables: { A: { columns: { a: { type: 'integer' } }, maxRows: 0 } } }), 'maxRows must be at least 1');
  assert.equal(e({ name: 'd', tables: { A: { columns: { a: { type: { key: { type: 'uuid', refTable: 'B' } } } } } } }),
    'column a key refers to undefined table B');
  assert.equal(e({ name: 'd', tables: { A: { columns: { a: { type: 'integer', ephemeral: true } }, indexes: [['a']] } } }),
    'ephemeral columns (such as a) may not be indexed');
  assert.equal(e({ name: 'd', tables: { A: { columns: { a: { type: 'integer' } }, indexes: [[]] } } }), 'index must have at least one column');
  assert.equal(e({ name: 'd', tables: { A: { columns: { a: { type: 'integer' } }, indexes: [['a', 'a']] } } }),
    'array of distinct column names expected');
  assert.equal(e({ tables: {} }), "Parsing database schema failed: Required 'name' member is missing.");
});

test('schema text is what ovsdb-tool writes into a database file', { skip: !existsSync('/usr/bin/ovsdb-tool') && 'no ovsdb-tool' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'schema-test-'));
  try {
    execFileSync('/usr/bin/ovsdb-tool', ['create', join(dir, 'db'), VSWITCH]);
    const line = readFileSync(join(dir, 'db'), 'utf8').split('\n')[1];
    const s = DatabaseSchema.fromJson(jsonParse(readFileSync(VSWITCH, 'utf8')));
    assert.equal(jsonToStringHashOrder(s.toJson()), line);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
