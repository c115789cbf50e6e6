/* ovsdb-server remotes beyond punix: an outgoing tcp: remote (the server
 * connects to a client listening with ptcp:), SSL listeners configured from
 * files and from the database (db:Open_vSwitch,SSL,... references), and
 * databases added and removed at run time (db-change-aware clients get
 * "monitor_canceled", the _Server Database table follows). */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { existsSync, writeFileSync } from 'node:fs';
import { Sandbox, haveReal, realPath } from './helpers/sandbox.js';
import { RawPeer, startOvsdbServer, sleep, type ServerHandle } from './helpers/ovsdb-peer.js';

const sb = new Sandbox();
let ours: ServerHandle;
const appctl = haveReal('ovs-appctl') ? realPath('ovs-appctl') : 'ovs-appctl';
const client = haveReal('ovsdb-client') ? realPath('ovsdb-client') : 'ovsdb-client';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

before(async () => {
  ours = await startOvsdbServer(sb, 'ours', 'ovsdb-server');
});

after(() => sb.cleanup());

test('outgoing tcp: remote connects to a listening client', async () => {
  const port = await freePort();
  const c = sb.runAsync(client, ['list-dbs', `ptcp:${port}:127.0.0.1`]);
  await sleep(500);
  const add = sb.run(appctl, ['-t', ours.ctl, 'ovsdb-server/add-remote', `tcp:127.0.0.1:${port}`]);
  assert.equal(add.status, 0, add.stderr);
  const r = await c;
  assert.equal(r.stdout, 'Open_vSwitch\n_Server\n');
  sb.run(appctl, ['-t', ours.ctl, 'ovsdb-server/remove-remote', `tcp:127.0.0.1:${port}`]);
});

test('SSL listener with PKI files and with db: references', { skip: !existsSync('/usr/bin/openssl') }, async () => {
  const key = join(sb.dir, 'key.pem'), cert = join(sb.dir, 'cert.pem');
  const g = spawnSync('/usr/bin/openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key,
    '-out', cert, '-days', '1', '-subj', '/CN=ovs-ts-test'], { encoding: 'utf8' });
  assert.equal(g.status, 0, g.stderr);
  // PKI from files.
  const port1 = await freePort();
  const s1 = await startOvsdbServer(sb, 'ssl1', 'ovsdb-server', undefined, [
    `--remote=pssl:${port1}:127.0.0.1`, `--private-key=${key}`, `--certificate=${cert}`, `--ca-cert=${cert}`]);
  let r = sb.run(client, ['-p', key, '-c', cert, '-C', cert, 'list-dbs', `ssl:127.0.0.1:${port1}`]);
  assert.equal(r.stdout, 'Open_vSwitch\n_Server\n', r.stderr);
  void s1;
  // PKI from the SSL table.
  const port2 = await freePort();
  const s2 = await startOvsdbServer(sb, 'ssl2', 'ovsdb-server', undefined, [
    `--remote=pssl:${port2}:127.0.0.1`, '--private-key=db:Open_vSwitch,SSL,private_key',
    '--certificate=db:Open_vSwitch,SSL,certificate', '--ca-cert=db:Open_vSwitch,SSL,ca_cert']);
  const vsctl = haveReal('ovs-vsctl') ? realPath('ovs-vsctl') : 'ovs-vsctl';
  const set = sb.run(vsctl, [`--db=unix:${s2.sock}`, '--no-wait', 'init', '--', 'set-ssl', key, cert, cert]);
  assert.equal(set.status, 0, set.stderr);
  for (let i = 0; i < 50; i++) {
    r = sb.run(client, ['-p', key, '-c', cert, '-C', cert, '--timeout=5', 'list-dbs', `ssl:127.0.0.1:${port2}`]);
    if (r.status === 0) break;
    await sleep(100);
  }
  assert.equal(r.stdout, 'Open_vSwitch\n_Server\n', r.stderr);
});

test('databases added and removed at run time', async () => {
  const schema = join(sb.dir, 'extra.ovsschema');
  writeFileSync(schema, JSON.stringify({ name: 'Extra', version: '1.0.0',
    tables: { T: { columns: { x: { type: 'integer' } }, isRoot: true } } }));
  const file = join(sb.dir, 'extra.db');
  assert.equal(sb.run('ovsdb-tool', ['create', file, schema]).status, 0);

  const aware = new RawPeer(ours.sock);
  await aware.request('set_db_change_aware', [true]);
  const mon = await aware.request('monitor_cond', ['_Server', 'S', { Database: { columns: ['name'] } }]);
  const names = (u: unknown) => Object.values((u as Record<string, Record<string, Record<string, { name?: string }>>>)
    .Database ?? {}).map((r) => (r.initial ?? r.insert)?.name).filter(Boolean).sort();
  assert.deepEqual(names(mon!.result), ['Open_vSwitch', '_Server']);
  const plain = new RawPeer(ours.sock);
  await plain.request('echo', []);

  assert.equal(sb.run(appctl, ['-t', ours.ctl, 'ovsdb-server/add-db', file]).stdout, '');
  assert.ok(await aware.until(() => aware.notifications('update2').some((n) => JSON.stringify(n).includes('Extra'))));
  // Clients that are not database-change aware are disconnected.
  assert.ok(await plain.until(() => plain.closed));
  assert.equal(sb.run(appctl, ['-t', ours.ctl, 'ovsdb-server/list-dbs']).stdout, 'Extra\nOpen_vSwitch\n_Server\n');

  await aware.request('monitor', ['Extra', 'E', { T: {} }]);
  assert.equal(sb.run(appctl, ['-t', ours.ctl, 'ovsdb-server/remove-db', 'Extra']).stdout, '');
  assert.ok(await aware.until(() => aware.notifications('monitor_canceled').length === 1));
  assert.deepEqual(aware.notifications('monitor_canceled')[0]!.params, ['E']);
  assert.ok(!aware.closed);
  aware.close();
});
