// Interoperability of our ovsdb-tool and database files with Open vSwitch
// 3.1's /usr/bin/ovsdb-tool: the same commands give byte-identical output
// and exit statuses, files written by either are read by the other with the
// same content, and our files are byte-identical to OVS's apart from
// timestamps.  Skipped when the real tool is not installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Json } from '../src/lib/json.js';
import {
  REAL, OURS, skip, type Run, run, runAsync, pool, schemaPath, uuidfilt, QUERIES, populate,
} from './ovsdb-tool-compare.js';

const populated = new Map<string, string>();

/** A directory holding "db" populated by 'tool' (shared; copy before changing). */
function populatedBy(tool: string): string {
  let dir = populated.get(tool);
  if (!dir) {
    dir = mkdtempSync(join(tmpdir(), 'ovsdb-interop-'));
    populate(tool, dir);
    populated.set(tool, dir);
  }
  return dir;
}

test('files written by the real tool read the same with ours, and vice versa', { skip }, async () => {
  for (const [writer, reader] of [[REAL, OURS], [OURS, REAL]] as const) {
    const dir = populatedBy(writer);
    const jobs: (() => Promise<[Run, Run, string]>)[] = [];
    for (const q of QUERIES) {
      jobs.push(async () => [...await Promise.all([runAsync(writer, ['query', 'db', q], dir), runAsync(reader, ['query', 'db', q], dir)]), `query by ${reader} of ${writer}'s file`]);
    }
    // show-log at every verbosity: byte-identical.
    for (const m of [[], ['-m'], ['-mm']]) {
      jobs.push(async () => [...await Promise.all([runAsync(REAL, [...m, 'show-log', 'db'], dir), runAsync(OURS, [...m, 'show-log', 'db'], dir)]), `show-log ${m.join(' ')} on ${writer}'s file`]);
    }
    for (const [a, b, what] of await pool(jobs, 2)) {
      assert.equal(b.stdout, a.stdout, what);
      assert.equal(b.status, a.status, what);
      assert.equal(b.status, 0, what);
    }
  }
});

test('our records are byte-identical to OVS\'s apart from timestamps and UUIDs', { skip }, () => {
  const dirA = populatedBy(REAL);
  const dirB = populatedBy(OURS);
  const norm = (dir: string): string[] => uuidfilt(readFileSync(join(dir, 'db'), 'utf8')
    .replace(/"_date":\d+/g, '"_date":0'))
    .split('\n').filter((l) => !l.startsWith('OVSDB JSON'));
  assert.deepEqual(norm(dirB), norm(dirA));
  // Record lengths (in the headers) agree too.
  const lens = (dir: string): string[] => readFileSync(join(dir, 'db'), 'utf8').split('\n')
    .filter((l) => l.startsWith('OVSDB JSON')).map((l) => l.split(' ')[2]!);
  assert.deepEqual(lens(dirB), lens(dirA));
});

test('compact and convert give the same files as OVS\'s', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'ovsdb-interop-'));
  copyFileSync(join(populatedBy(REAL), 'db'), join(dir, 'db'));
  copyFileSync(join(dir, 'db'), join(dir, 'a'));
  copyFileSync(join(dir, 'db'), join(dir, 'b'));
  assert.equal(run(REAL, ['compact', 'a'], dir).status, 0);
  assert.equal(run(OURS, ['compact', 'b'], dir).status, 0);
  const body = (f: string): string => readFileSync(join(dir, f), 'utf8').replace(/"_date":\d+/g, '').split('\n')
    .filter((l) => !l.startsWith('OVSDB')).join('\n');
  assert.equal(body('b'), body('a'));
  // Convert to a schema without Bridge.fail_mode and with a new column.
  const schema = JSON.parse(readFileSync(schemaPath(), 'utf8'));
  delete schema.tables.Bridge.columns.fail_mode;
  schema.tables.Bridge.columns.extra = { type: 'integer' };
  schema.version = '99.0.0';
  writeFileSync(join(dir, 'new.ovsschema'), JSON.stringify(schema));
  for (const [tool, out] of [[REAL, 'ca'], [OURS, 'cb']] as const) {
    const r = run(tool, ['convert', 'db', 'new.ovsschema', out], dir);
    assert.equal(r.status, 0, r.stderr);
  }
  assert.equal(body('cb'), body('ca'));
  for (const q of QUERIES) {
    assert.equal(run(REAL, ['query', 'cb', q], dir).stdout, run(OURS, ['query', 'ca', q], dir).stdout);
  }
});

test('cluster-to-standalone and show-log of clustered files match OVS', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ovsdb-interop-'));
  copyFileSync(join(populatedBy(REAL), 'db'), join(dir, 'db'));
  // A clustered file whose snapshot holds the data, plus hand-made entries.
  assert.equal(run(REAL, ['create-cluster', 'cl', 'db', 'unix:s1.raft'], dir).status, 0);
  const { OvsdbLog, OpenMode } = await import('../src/ovsdb/log.js');
  const log = OvsdbLog.open(join(dir, 'cl'), 'CLUSTER', OpenMode.ReadWrite);
  while (log.read() !== null) { /* to the end */ }
  log.write({ term: 1, vote: '11111111-2222-3333-4444-555555555555' });
  log.write({ term: 1, index: 2 });
  log.write({ commit_index: 2 });
  log.write({ term: 1, index: 3, eid: '22222222-2222-3333-4444-555555555555', data: [null, { Open_vSwitch: {}, _date: 5, _is_diff: true }] });
  log.write({ note: 'transfer leadership' });
  log.close();
  for (const [tool, out] of [[REAL, 'sa'], [OURS, 'sb']] as const) {
    const r = run(tool, ['cluster-to-standalone', out, 'cl'], dir);
    assert.equal(r.status, 0, r.stderr);
  }
  assert.equal(readFileSync(join(dir, 'sb'), 'utf8'), readFileSync(join(dir, 'sa'), 'utf8'));
  assert.equal(run(OURS, ['join-cluster', 'jn', 'Open_vSwitch', 'tcp:1.2.3.4:6644', 'unix:a', 'tcp:2.2.2.2:6644'], dir).status, 0);
  for (const f of ['cl', 'jn']) {
    for (const m of [[], ['-m'], ['-mm']]) {
      const a = run(REAL, [...m, 'show-log', f], dir);
      const b = run(OURS, [...m, 'show-log', f], dir);
      assert.equal(b.stdout, a.stdout, `show-log ${m.join(' ')} ${f}`);
      assert.equal(b.status, a.status);
    }
  }
  const a = run(REAL, ['cluster-to-standalone', 'x1', 'db'], dir);
  const b = run(OURS, ['cluster-to-standalone', 'x2', 'db'], dir);
  assert.deepEqual([b.stdout, b.stderr, b.status], [a.stdout, a.stderr, a.status]);
});

test('a file kept by our server storage (with online compaction) reads the same with OVS', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ovsdb-interop-'));
  copyFileSync(join(populatedBy(REAL), 'db'), join(dir, 'db'));
  const { Storage } = await import('../src/ovsdb/storage.js');
  const { transact } = await import('../src/ovsdb/execution.js');
  const storage = Storage.open(join(dir, 'db'), { autoCompact: false });
  const txn = (ops: Json[], durable = false): Promise<void> => {
    const r = transact(storage.db, ['Open_vSwitch', ...ops, ...(durable ? [{ op: 'commit', durable: true }] : [])]);
    assert.ok(r.status === 'done' && r.change);
    return storage.committed(r.change);
  };
  await txn([{ op: 'mutate', table: 'Open_vSwitch', where: [], mutations: [['next_cfg', '+=', 1]] }]);
  const compaction = storage.compact();
  await txn([{ op: 'update', table: 'Bridge', where: [], row: { fail_mode: 'standalone' } }], true);
  await compaction;
  await txn([{ op: 'mutate', table: 'Open_vSwitch', where: [], mutations: [['external_ids', 'insert', ['map', [['after', 'compaction']]]]] }]);
  storage.close();
  for (const q of QUERIES) {
    const a = run(REAL, ['query', 'db', q], dir);
    assert.equal(a.status, 0, a.stderr);
    assert.equal(run(OURS, ['query', 'db', q], dir).stdout, a.stdout);
  }
  assert.match(run(REAL, ['query', 'db', QUERIES[1]!], dir).stdout, /"fail_mode":"standalone"/);
  const a = run(REAL, ['-mm', 'show-log', 'db'], dir);
  assert.match(a.stdout, /"compacting database online"/);
  assert.equal(run(OURS, ['-mm', 'show-log', 'db'], dir).stdout, a.stdout);
});
