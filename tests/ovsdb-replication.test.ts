/* Active/backup replication (--sync-from): our backup mirrors an active
 * server (the real one when installed, so the protocol is checked against
 * OVS, else ours), refuses writes and locks as OVS does, reports sync-status
 * as a real backup of the same server does, and is promoted and demoted
 * through ovs-appctl. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Sandbox, haveReal, realPath } from './helpers/sandbox.js';
import { RawPeer, startOvsdbServer, REAL_SERVER, REAL_TOOL, sleep, type ServerHandle } from './helpers/ovsdb-peer.js';

const sb = new Sandbox();
const withReal = haveReal('ovsdb-server') && haveReal('ovsdb-tool');
let active: ServerHandle;
let backup: ServerHandle;
let realBackup: ServerHandle | null = null;
const appctl = haveReal('ovs-appctl') ? realPath('ovs-appctl') : 'ovs-appctl';

async function transact(h: ServerHandle, ...ops: unknown[]): Promise<Record<string, unknown>> {
  const p = new RawPeer(h.sock);
  const r = await p.request('transact', ['Open_vSwitch', ...ops]);
  p.close();
  assert.ok(r, 'no reply');
  return r;
}

async function bridgeNames(h: ServerHandle): Promise<string[]> {
  const r = await transact(h, { op: 'select', table: 'Bridge', where: [], columns: ['name'] });
  return ((r.result as { rows: { name: string }[] }[])[0]!.rows).map((x) => x.name).sort();
}

async function until(cond: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    assert.ok(Date.now() < end, 'timed out');
    await sleep(100);
  }
}

function ctl(h: ServerHandle, ...args: string[]): string {
  const r = sb.run(appctl, ['-t', h.ctl, ...args]);
  return r.stdout + r.stderr;
}

const addBridge = (name: string) => [
  { op: 'insert', table: 'Bridge', row: { name }, 'uuid-name': 'b' },
  { op: 'mutate', table: 'Open_vSwitch', where: [], mutations: [['bridges', 'insert', ['named-uuid', 'b']]] },
];

before(async () => {
  active = withReal
    ? await startOvsdbServer(sb, 'active', REAL_SERVER, undefined, [], REAL_TOOL)
    : await startOvsdbServer(sb, 'active', 'ovsdb-server');
  await transact(active, { op: 'insert', table: 'Open_vSwitch', row: {} });
  await transact(active, ...addBridge('br-a'));
  backup = await startOvsdbServer(sb, 'backup', 'ovsdb-server', undefined, [`--sync-from=unix:${active.sock}`]);
  if (withReal) {
    realBackup = await startOvsdbServer(sb, 'rbackup', REAL_SERVER, undefined,
      [`--sync-from=unix:${active.sock}`], REAL_TOOL);
  }
});

after(() => sb.cleanup());

test('backup mirrors the active server and reports sync-status', async () => {
  await until(async () => (await bridgeNames(backup)).join() === 'br-a');
  await transact(active, ...addBridge('br-b'));
  await until(async () => (await bridgeNames(backup)).join() === 'br-a,br-b');
  const status = ctl(backup, 'ovsdb-server/sync-status');
  assert.equal(status, `state: backup\nreplicating: unix:${active.sock}\ndatabase: Open_vSwitch\n`);
  if (realBackup) {
    await until(async () => (await bridgeNames(realBackup!)).join() === 'br-a,br-b');
    assert.equal(status, ctl(realBackup, 'ovsdb-server/sync-status'));
  }
});

test('backup refuses writes and locks as OVS does', async () => {
  const r = await transact(backup, { op: 'insert', table: 'Bridge', row: { name: 'x' } });
  assert.deepEqual(r.result, [{
    error: 'not allowed',
    details: 'insert operation not allowed when database server is in read only mode',
  }]);
  const p = new RawPeer(backup.sock);
  const l = await p.request('lock', ['L']);
  p.close();
  assert.equal(l?.error, 'lock and unlock methods not allowed, DB server is read only.');
  if (realBackup) {
    const rr = await transact(realBackup, { op: 'insert', table: 'Bridge', row: { name: 'x' } });
    assert.deepEqual(r.result, rr.result);
  }
});

test('promotion and demotion through ovs-appctl', async () => {
  assert.equal(ctl(backup, 'ovsdb-server/get-active-ovsdb-server'), `unix:${active.sock}\n`);
  assert.equal(ctl(backup, 'ovsdb-server/disconnect-active-ovsdb-server'), '');
  assert.equal(ctl(backup, 'ovsdb-server/sync-status'), 'state: active\n');
  // Now writable.
  const w = await transact(backup, ...addBridge('br-local'));
  assert.ok(!JSON.stringify(w.result).includes('error'), JSON.stringify(w.result));
  assert.equal((await bridgeNames(backup)).join(), 'br-a,br-b,br-local');
  // Exclude a table, then demote: the backup resyncs from the active server.
  assert.equal(ctl(backup, 'ovsdb-server/set-sync-exclude-tables', 'Open_vSwitch:Manager'), '');
  assert.equal(ctl(backup, 'ovsdb-server/connect-active-ovsdb-server'), '');
  await until(async () => (await bridgeNames(backup)).join() === 'br-a,br-b');
  await until(async () => ctl(backup, 'ovsdb-server/sync-status').includes('replicating'));
  assert.equal(ctl(backup, 'ovsdb-server/sync-status'),
    `state: backup\nreplicating: unix:${active.sock}\ndatabase: Open_vSwitch\nexclude: Open_vSwitch:Manager\n`);
  if (realBackup) {
    ctl(realBackup, 'ovsdb-server/set-sync-exclude-tables', 'Open_vSwitch:Manager');
    await until(async () => ctl(realBackup!, 'ovsdb-server/sync-status').includes('exclude'));
    assert.equal(ctl(backup, 'ovsdb-server/sync-status'), ctl(realBackup, 'ovsdb-server/sync-status'));
  }
});

test('a server refuses to replicate itself and turns active', async () => {
  const self = await startOvsdbServer(sb, 'self', 'ovsdb-server');
  assert.equal(ctl(self, 'ovsdb-server/set-active-ovsdb-server', `unix:${self.sock}`), '');
  assert.equal(ctl(self, 'ovsdb-server/connect-active-ovsdb-server'), '');
  await until(async () => ctl(self, 'ovsdb-server/sync-status') === 'state: active\n');
  assert.match(sb.log('self'), /Self replicating is not allowed/);
});
