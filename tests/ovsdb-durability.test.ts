/* Durability: every commit ovsdb-server acknowledged survives SIGKILL.
 *
 * A client pipelines 10,000 single-row inserts (200 in flight); halfway
 * through the acknowledgements the server is killed with SIGKILL.  After a
 * restart on the same file, every row whose insert was acknowledged must be
 * there (rows whose reply never came may or may not be). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox } from './helpers/sandbox.js';
import { RawPeer, startOvsdbServer, sleep } from './helpers/ovsdb-peer.js';

const SCHEMA = {
  name: 'Dur', version: '1.0.0',
  tables: { T: { columns: { name: { type: 'string' }, n: { type: 'integer' } }, isRoot: true } },
};

test('acknowledged commits survive SIGKILL of the server', async () => {
  const sb = new Sandbox();
  try {
    const schema = join(sb.dir, 'dur.ovsschema');
    writeFileSync(schema, JSON.stringify(SCHEMA));
    const srv = await startOvsdbServer(sb, 'dur', 'ovsdb-server', schema);
    const pid = sb.pid('dur')!;
    const peer = new RawPeer(srv.sock);
    await peer.connected();

    const N = 10_000, WINDOW = 200, KILL_AT = 5_000;
    const acked = new Set<number>();
    let sent = 0, killed = false;
    const sendOne = () => {
      const i = sent++;
      peer.write(JSON.stringify({ method: 'transact', id: i,
        params: ['Dur', { op: 'insert', table: 'T', row: { name: `r${i}`, n: i } }] }));
    };
    while (sent < WINDOW) sendOne();
    let seen = 0;
    while (!peer.closed && acked.size < N) {
      await peer.until(() => peer.received.length > seen || peer.closed, 5000);
      for (; seen < peer.received.length; seen++) {
        const m = peer.received[seen]!;
        const r = m.result as { uuid?: unknown }[] | undefined;
        assert.ok(Array.isArray(r) && r.length === 1 && r[0]!.uuid, `bad reply ${JSON.stringify(m)}`);
        acked.add(m.id as number);
        if (sent < N) sendOne();
      }
      if (!killed && acked.size >= KILL_AT) {
        process.kill(pid, 'SIGKILL');
        killed = true;
      }
    }
    assert.ok(killed, 'server was not killed');
    assert.ok(acked.size >= KILL_AT && acked.size < N, `acknowledged ${acked.size}`);
    peer.close();
    for (let i = 0; i < 100; i++) {
      try { process.kill(pid, 0); await sleep(20); } catch { break; }
    }

    // Restart on the same file and read everything back.
    sb.startDaemon('ovsdb-server', [srv.db, `--remote=punix:${srv.sock}`, `--unixctl=${srv.ctl}`], 'dur');
    for (let i = 0; i < 100; i++) {
      const p = new RawPeer(srv.sock);
      await p.connected();
      if (!p.closed) { p.close(); break; }
      await sleep(50);
    }
    const q = new RawPeer(srv.sock);
    const reply = await q.request('transact', ['Dur', { op: 'select', table: 'T', where: [], columns: ['n'] }]);
    q.close();
    const rows = ((reply?.result as { rows: { n: number }[] }[])[0]!).rows;
    const present = new Set(rows.map((r) => r.n));
    const missing = [...acked].filter((i) => !present.has(i));
    assert.deepEqual(missing.slice(0, 10), [], `${missing.length} acknowledged commits lost`);
    assert.ok(rows.length >= acked.size);
  } finally {
    await sb.cleanup();
  }
});
