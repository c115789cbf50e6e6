/* OVSDB engine benchmark: the work ovsdb-server's engine does per request in
 * bench-ovsdb.py's phases, without sockets or disk.
 *
 *   node build/bench/ovsdb-engine.js [n=20000] [rounds=3]
 *
 * insert: JSON text of a single-row insert -> parse -> transact -> on-disk
 *         record (CommitChange.toFileRecord) -> reply JSON text.
 * update: single-row update by _uuid with a monitor_cond attached, flushing
 *         and serializing the update2 notification after each transaction.
 * snapshot: monitor_cond initial reply over all rows.
 * Reports operations per second of process CPU time (median of the rounds),
 * which is steadier than wall time on a shared machine. */
import { jsonParse, jsonToWireString } from '../src/lib/json.js';
import { DatabaseSchema } from '../src/ovsdb/schema.js';
import { Database } from '../src/ovsdb/database.js';
import { transact } from '../src/ovsdb/execution.js';
import { Monitor } from '../src/ovsdb/monitor.js';

const n = Number(process.argv[2] ?? 20000);
const rounds = Number(process.argv[3] ?? 3);

const SCHEMA = {
  name: 'PaBench', version: '1.0.0',
  tables: { T: { columns: { name: { type: 'string' }, n: { type: 'integer' }, s: { type: 'string' } }, isRoot: true } },
};

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

const results: { [phase: string]: number[] } = { insert: [], update: [], snapshot: [] };
for (let r = 0; r < rounds; r++) {
  const db = new Database(DatabaseSchema.fromJson(SCHEMA));
  db.setStorageHook((c) => { c.toFileRecord(); return null; });
  const inserts = Array.from({ length: 2 * n }, (_, i) =>
    JSON.stringify(['PaBench', { op: 'insert', table: 'T', row: { name: `p${i}`, n: i, s: 'x' } }]));
  const uuids: string[] = [];
  let t0 = cpuMs();
  for (const text of inserts) {
    const res = transact(db, jsonParse(text));
    if (res.status !== 'done') throw new Error('unexpected wait');
    jsonToWireString({ id: 1, result: res.result, error: null });
    uuids.push(((res.result as { uuid: [string, string] }[])[0]!).uuid[1]);
  }
  results['insert']!.push(inserts.length / ((cpuMs() - t0) / 1000));

  t0 = cpuMs();
  const m = Monitor.create(db, 2, { T: [{ columns: ['name', 'n', 's'] }] });
  jsonToWireString(m.initialReply());
  results['snapshot']!.push(cpuMs() - t0);

  const updates = uuids.slice(0, n).map((u, i) =>
    JSON.stringify(['PaBench', { op: 'update', table: 'T', where: [['_uuid', '==', ['uuid', u]]], row: { n: i + 1e7 } }]));
  t0 = cpuMs();
  for (const text of updates) {
    const res = transact(db, jsonParse(text));
    if (res.status !== 'done') throw new Error('unexpected wait');
    jsonToWireString({ id: 1, result: res.result, error: null });
    const note = m.flushNotification('mon');
    if (note) jsonToWireString({ id: null, method: note.method, params: note.params });
  }
  results['update']!.push(updates.length / ((cpuMs() - t0) / 1000));
}
console.log(`insert   ${median(results['insert']!).toFixed(0)} /s (parse, transact, log record, reply)`);
console.log(`update   ${median(results['update']!).toFixed(0)} /s (with monitor_cond flush and notification)`);
console.log(`snapshot ${median(results['snapshot']!).toFixed(1)} ms for ${2 * n} rows`);
