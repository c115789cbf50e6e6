// The IDL against a real ovsdb-server (skipped when it is not installed):
// snapshot and updates, typed views, transactions (insert with real UUIDs,
// verify conflicts coming back 'try-again', partial map updates,
// increment, errors), change tracking, locks, waiting and passive remotes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Sandbox, haveReal, realPath } from '../../tests/helpers/sandbox.js';
import { Idl } from './idl.js';
import { vswitchIdlClass, view } from './vswitch-idl.js';
import { datumSingle, datumUnion } from './datum.js';

const skip = !haveReal('ovsdb-server') || !haveReal('ovsdb-tool') ? 'real ovsdb-server not installed' : false;
const SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema';

async function withServer(fn: (remote: string, sb: Sandbox) => Promise<void>): Promise<void> {
  const sb = new Sandbox('idl-test-');
  try {
    const db = join(sb.dir, 'conf.db');
    assert.equal(sb.run(realPath('ovsdb-tool'), ['create', db, SCHEMA]).status, 0);
    sb.startDaemon(realPath('ovsdb-server'), [db, `--remote=punix:${join(sb.dir, 'db.sock')}`], 'ovsdb-server');
    await fn(`unix:${join(sb.dir, 'db.sock')}`, sb);
  } finally {
    await sb.cleanup();
  }
}

test('transactions, verification, partial updates, increment and tracking', { skip, timeout: 30_000 }, async () => {
  await withServer(async (remote) => {
    const cls = vswitchIdlClass();
    const ovsT = cls.tbl('Open_vSwitch'), brT = cls.tbl('Bridge');
    const a = new Idl(cls, remote, { monitorEverything: true, retry: false });
    const b = new Idl(cls, remote, { monitorEverything: true, retry: false });
    b.track(brT);
    a.start(); b.start();
    await Promise.all([a.ready(), b.ready()]);
    assert.equal(a.first(ovsT), null);

    // Insert the root row and a bridge; the provisional UUID maps to the real one.
    let txn = a.txn();
    const ovs = txn.insert(ovsT);
    const br = txn.insert(brT);
    txn.write(br, brT.col('name'), datumSingle('br0'));
    txn.write(ovs, ovsT.col('bridges'), datumSingle(br.uuid));
    txn.increment(ovs, ovsT.col('next_cfg'));
    assert.equal(await txn.commit(), 'success');
    const realBr = txn.getInsertUuid(br.uuid)!;
    assert.match(realBr, /^[0-9a-f-]{36}$/);
    assert.equal(txn.incrementNewValue, 1);
    assert.equal(a.getRow(brT, realBr)?.str('name'), 'br0');
    const o = view<'Open_vSwitch'>(a.first(ovsT)!);
    assert.deepEqual(o.bridges.map((x) => x.name), ['br0']);
    assert.equal(o.next_cfg, 1);

    // b sees it, with tracking.
    await b.waitFor(() => b.getRow(brT, realBr) !== null, 5000);
    assert.deepEqual(b.tracked(brT).map((t) => [t.row.uuid, t.inserted]), [[realBr, true]]);
    b.trackClear();

    // b reads and verifies 'bridges'; a changes it first: b must retry.
    const bOvs = b.first(ovsT)!;
    const tb = b.txn();
    tb.verify(bOvs, ovsT.col('bridges'));
    const br1 = tb.insert(brT);
    tb.write(br1, brT.col('name'), datumSingle('br1'));
    tb.write(bOvs, ovsT.col('bridges'), datumUnion(bOvs.get('bridges'), datumSingle(br1.uuid), ovsT.col('bridges').type));

    txn = a.txn();
    const aOvs = a.first(ovsT)!;
    const br2 = txn.insert(brT);
    txn.write(br2, brT.col('name'), datumSingle('br2'));
    txn.write(aOvs, ovsT.col('bridges'), datumUnion(aOvs.get('bridges'), datumSingle(br2.uuid), ovsT.col('bridges').type));
    assert.equal(await txn.commit(), 'success');
    const realBr2 = txn.getInsertUuid(br2.uuid)!;
    // (While its transaction is open, b's replica also shows br1.)
    await b.waitFor(() => b.getRow(brT, realBr2) !== null, 5000);
    assert.deepEqual(b.rowList(brT).map((r) => r.str('name')).sort(), ['br0', 'br1', 'br2']);
    assert.equal(await tb.commit(), 'try-again');
    assert.deepEqual(b.rowList(brT).map((r) => r.str('name')).sort(), ['br0', 'br2']);

    // Partial map update: only the key changes, and it shows up after commit.
    txn = a.txn();
    const aBr0 = a.getRow(brT, realBr)!;
    txn.writePartialMap(aBr0, brT.col('external_ids'), datumSingle('k', 'v'));
    assert.equal(aBr0.map('external_ids').size, 0);
    assert.equal(await txn.commit(), 'success');
    assert.equal(a.getRow(brT, realBr)!.map('external_ids').get('k'), 'v');
    await b.waitFor(() => b.getRow(brT, realBr)?.map('external_ids').get('k') === 'v', 5000);
    const mod = b.tracked(brT).find((t) => t.row.uuid === realBr)!;
    assert.ok(mod.updated.has(brT.col('external_ids').index));

    // Writing the same value changes nothing: nothing is sent.
    txn = a.txn();
    txn.write(aBr0, brT.col('name'), datumSingle('br0'));
    assert.equal(await txn.commit(), 'unchanged');

    // A server-side error comes back as 'error' with OVS's text.
    txn = a.txn();
    const dup = txn.insert(brT);
    txn.write(dup, brT.col('name'), datumSingle('br0'));
    const o2 = a.first(ovsT)!;
    txn.write(o2, ovsT.col('bridges'), datumUnion(o2.get('bridges'), datumSingle(dup.uuid), ovsT.col('bridges').type));
    assert.equal(await txn.commit(), 'error');
    assert.match(txn.error!, /"error":"constraint violation"/);
    assert.equal(a.rowList(brT).length, 2);

    // Deleting: the row goes from both replicas.
    txn = a.txn();
    const o3 = a.first(ovsT)!;
    txn.write(o3, ovsT.col('bridges'), datumSingle(realBr));
    assert.equal(await txn.commit(), 'success');
    await b.waitFor(() => b.rowList(brT).length === 1, 5000);
    a.close(); b.close();
  });
});

test('locks: one owner at a time, commits need the lock', { skip, timeout: 30_000 }, async () => {
  await withServer(async (remote) => {
    const cls = vswitchIdlClass();
    const a = new Idl(cls, remote, { retry: false });
    const b = new Idl(cls, remote, { retry: false });
    a.addColumn(cls.tbl('Open_vSwitch').col('next_cfg'));
    b.addColumn(cls.tbl('Open_vSwitch').col('next_cfg'));
    a.setLock('L');
    a.start();
    await a.waitFor(() => a.hasLock, 5000);
    b.setLock('L');
    b.start();
    await b.waitFor(() => b.isLockContended && b.hasEverConnected, 5000);
    assert.equal(b.hasLock, false);
    const t = b.txn();
    t.insert(cls.tbl('Open_vSwitch'));
    assert.equal(await t.commit(), 'not-locked');
    a.setLock(null);
    await b.waitFor(() => b.hasLock, 5000);
    a.close(); b.close();
  });
});

test('a one-shot connection to nowhere fails with the errno text', { timeout: 10_000 }, async () => {
  const idl = new Idl(vswitchIdlClass(), 'unix:/nonexistent/db.sock', { retry: false });
  idl.start();
  await assert.rejects(idl.ready(), /No such file or directory/);
  assert.equal(idl.alive, false);
  const bad = new Idl(vswitchIdlClass(), 'foo:bar', { retry: false });
  bad.start();
  assert.equal(bad.lastError, 'Address family not supported by protocol');
});

test('monitor conditions select rows, and can change while connected', { skip, timeout: 30_000 }, async () => {
  await withServer(async (remote) => {
    const cls = vswitchIdlClass();
    const qT = cls.tbl('QoS'); // A root table: its rows live unreferenced.
    const w = new Idl(cls, remote, { monitorEverything: true, retry: false });
    w.start();
    await w.ready();
    const txn = w.txn();
    for (const n of ['a', 'b', 'c']) txn.write(txn.insert(qT), qT.col('type'), datumSingle(n));
    assert.equal(await txn.commit(), 'success');

    const r = new Idl(cls, remote, { retry: false });
    r.addColumn(qT.col('type'));
    r.setCondition(qT, [['type', '==', 'b']]);
    r.start();
    await r.ready();
    assert.deepEqual(r.rowList(qT).map((x) => x.str('type')), ['b']);
    r.setCondition(qT, [['type', '!=', 'b']]);
    await r.waitFor(() => r.rowList(qT).map((x) => x.str('type')).sort().join() === 'a,c', 5000);
    w.close(); r.close();
  });
});
