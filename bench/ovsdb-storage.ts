// Benchmark of OVSDB standalone storage (src/ovsdb/storage.ts, log.ts,
// file.ts): commits per second through the engine and the group-committed
// log, the cost of the record text and the log alone, durable commits, and
// how long online compaction stops the event loop.
// Run: node scripts/build.mjs && node build/bench/ovsdb-storage.js [N]
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Json, JsonObject } from '../src/lib/json.js';
import { OvsdbLog, OpenMode } from '../src/ovsdb/log.js';
import { Storage } from '../src/ovsdb/storage.js';
import { transact } from '../src/ovsdb/execution.js';
import { commitRecordText } from '../src/ovsdb/file.js';
import type { CommitChange } from '../src/ovsdb/transaction.js';

const N = Number(process.argv[2] ?? 30000);

function newDb(schema: Json): string {
  const file = join(mkdtempSync(join(tmpdir(), 'bench-storage-')), 'db');
  const l = OvsdbLog.open(file, 'JSON', OpenMode.CreateExcl);
  l.write(schema);
  l.close();
  return file;
}

function vswitchSchema(): Json {
  const ours = fileURLToPath(new URL('../../schemas/vswitch.ovsschema', import.meta.url));
  const path = existsSync(ours) ? ours : '/usr/share/openvswitch/vswitch.ovsschema';
  return JSON.parse(readFileSync(path, 'utf8')) as Json;
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

async function commits(): Promise<void> {
  const s = Storage.open(newDb(vswitchSchema()), { autoCompact: false });
  transact(s.db, ['Open_vSwitch', { op: 'insert', table: 'Open_vSwitch', row: {} }]);
  const changes: CommitChange[] = [];
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const r = transact(s.db, ['Open_vSwitch', { op: 'mutate', table: 'Open_vSwitch', where: [],
      mutations: [['next_cfg', '+=', 1], ['external_ids', 'insert', ['map', [[`k${i % 50}`, `v${i}`]]]]] }]);
    if (r.status === 'done' && r.change) changes.push(r.change);
    if (i % 1000 === 999) await tick();
  }
  await s.committed(changes[changes.length - 1]!);
  const t1 = performance.now();
  console.log(`engine + storage: ${N} commits in ${(t1 - t0).toFixed(0)} ms = ${Math.round(N / ((t1 - t0) / 1000))}/s`);

  let bytes = 0;
  const t2 = performance.now();
  const texts = changes.map((c) => commitRecordText(c)!);
  for (const t of texts) bytes += t.length;
  const t3 = performance.now();
  console.log(`record text: ${Math.round(N / ((t3 - t2) / 1000))}/s, ${Math.round(bytes / N)} bytes each`);

  const log = OvsdbLog.open(join(mkdtempSync(join(tmpdir(), 'bench-log-')), 'x'), 'JSON', OpenMode.CreateExcl);
  const t4 = performance.now();
  let last: Promise<void> = Promise.resolve();
  for (const t of texts) last = log.commitText(t);
  await last;
  const t5 = performance.now();
  console.log(`log group commit alone: ${Math.round(N / ((t5 - t4) / 1000))}/s`);
  const ds: Promise<void>[] = [];
  const t6 = performance.now();
  for (let i = 0; i < 5000; i++) ds.push(log.commitText(texts[i % texts.length]!, true));
  await Promise.all(ds);
  console.log(`5000 durable commits in one burst: ${(performance.now() - t6).toFixed(0)} ms`);
  log.close();
  s.close();
}

async function compaction(rows: number): Promise<void> {
  const schema: JsonObject = { name: 'kv', tables: { KV: { columns: {
    k: { type: 'string' }, v: { type: 'integer' },
    m: { type: { key: 'string', value: 'string', min: 0, max: 'unlimited' } } } } } };
  const s = Storage.open(newDb(schema), { autoCompact: false });
  for (let i = 0; i < rows; i += 100) {
    const ops: Json[] = ['kv'];
    for (let j = 0; j < 100; j++) {
      ops.push({ op: 'insert', table: 'KV', row: { k: `key${i + j}`, v: i + j, m: ['map', [['a', 'x'.repeat(20)], ['b', 'y'.repeat(20)]]] } });
    }
    transact(s.db, ops);
  }
  s.flush();
  let maxGap = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
  }, 1);
  const t0 = performance.now();
  await s.compact();
  const t1 = performance.now();
  clearInterval(timer);
  console.log(`compaction of ${rows} rows (${(s.fileSize / 1e6).toFixed(1)} MB): ${(t1 - t0).toFixed(0)} ms, longest event-loop stall ${maxGap.toFixed(1)} ms`);
  s.close();
}

await commits();
await compaction(50000);
