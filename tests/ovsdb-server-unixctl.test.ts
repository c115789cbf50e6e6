/* ovsdb-server's ovs-appctl commands: the same commands go to the real
 * server and to ours (through the real ovs-appctl when installed, else ours)
 * and their outputs, errors and exit codes must be identical (paths and
 * ports normalized).  Without a real server, a few fixed expectations. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Sandbox, haveReal, realPath } from './helpers/sandbox.js';
import { startOvsdbServer, REAL_SERVER, REAL_TOOL, type ServerHandle } from './helpers/ovsdb-peer.js';

const sb = new Sandbox();
let ours: ServerHandle;
let real: ServerHandle | null = null;
const appctl = haveReal('ovs-appctl') ? realPath('ovs-appctl') : 'ovs-appctl';

before(async () => {
  const extra = ['--remote=db:Open_vSwitch,Open_vSwitch,manager_options'];
  ours = await startOvsdbServer(sb, 'ours', 'ovsdb-server', undefined, extra);
  if (haveReal('ovsdb-server') && haveReal('ovsdb-tool')) {
    real = await startOvsdbServer(sb, 'real', REAL_SERVER, undefined, extra, REAL_TOOL);
  }
});

after(() => sb.cleanup());

const COMMANDS: string[][] = [
  ['ovsdb-server/list-remotes'],
  ['ovsdb-server/list-dbs'],
  ['ovsdb-server/sync-status'],
  ['ovsdb-server/get-active-ovsdb-server'],
  ['ovsdb-server/get-sync-exclude-tables'],
  ['ovsdb-server/connect-active-ovsdb-server'],
  ['ovsdb-server/compact'],
  ['ovsdb-server/compact', 'Open_vSwitch'],
  ['ovsdb-server/compact', '_Server'],
  ['ovsdb-server/compact', 'foo'],
  ['ovsdb-server/remove-db', 'foo'],
  ['ovsdb-server/remove-db', '_Server'],
  ['ovsdb-server/add-remote', 'db:foo,bar,baz'],
  ['ovsdb-server/add-remote', 'db:Open_vSwitch,bar,baz'],
  ['ovsdb-server/add-remote', 'db:Open_vSwitch,Open_vSwitch,baz'],
  ['ovsdb-server/add-remote', 'db:x'],
  ['ovsdb-server/add-remote', 'db:Open_vSwitch,Open_vSwitch,ssl'],
  ['ovsdb-server/list-remotes'],
  ['ovsdb-server/remove-remote', 'db:Open_vSwitch,Open_vSwitch,ssl'],
  ['ovsdb-server/remove-remote', 'foo'],
  ['ovsdb-server/set-sync-exclude-tables', 'foo'],
  ['ovsdb-server/get-sync-exclude-tables'],
  ['ovsdb-server/set-sync-exclude-tables', 'Open_vSwitch:Bridge,Open_vSwitch:Port'],
  ['ovsdb-server/get-sync-exclude-tables'],
  ['ovsdb-server/set-sync-exclude-tables', 'a:b c:d,:e'],
  ['ovsdb-server/get-sync-exclude-tables'],
  ['ovsdb-server/add-db', '/nonexistent/file.db'],
  ['ovsdb-server/set-active-ovsdb-server-probe-interval', 'x'],
  ['ovsdb-server/set-active-ovsdb-server-probe-interval', '1000'],
  ['ovsdb-server/memory-trim-on-compaction', 'maybe'],
  ['ovsdb-server/tlog-list'],
  ['ovsdb-server/tlog-set', 'Open_vSwitch:Bridge', 'on'],
  ['ovsdb-server/tlog-set', 'Open_vSwitch', 'on'],
  ['ovsdb-server/tlog-set', 'Nope:Bridge', 'on'],
  ['ovsdb-server/tlog-set', 'Open_vSwitch:Nope', 'on'],
  ['ovsdb-server/tlog-set', 'Open_vSwitch:Bridge', 'maybe'],
  ['ovsdb-server/get-db-storage-status', 'Open_vSwitch'],
  ['ovsdb-server/get-db-storage-status', 'nope'],
  ['ovsdb-server/set-active-ovsdb-server', 'tcp:127.0.0.1:1'],
  ['ovsdb-server/get-active-ovsdb-server'],
  ['ovsdb-server/disconnect-active-ovsdb-server'],
  ['ovsdb-server/sync-status'],
  ['ovsdb-server/reconnect'],
  ['ovsdb-server/compact', 'a', 'b'],
  ['ovsdb-server/no-such-command'],
];

function run(h: ServerHandle, args: string[]): string {
  const r = sb.run(appctl, ['-t', h.ctl, ...args]);
  const norm = (s: string) => s.split(h.ctl).join('<ctl>').split(h.sock).join('<sock>').split(sb.dir).join('<dir>');
  return `${args.join(' ')}\n  status ${r.status}\n  stdout ${JSON.stringify(norm(r.stdout))}\n  stderr ${JSON.stringify(norm(r.stderr))}`;
}

test('ovs-appctl commands answer as the real ovsdb-server', async (t) => {
  const o = COMMANDS.map((c) => run(ours, c));
  if (!real) {
    t.diagnostic('real ovsdb-server not installed: checking fixed expectations only');
    assert.match(o[1]!, /stdout "Open_vSwitch\\n_Server\\n"/);
    return;
  }
  const r = COMMANDS.map((c) => run(real!, c));
  assert.deepEqual(o, r);
});

test('Manager rows get their status written back', async () => {
  const db = `unix:${ours.sock}`;
  const vsctl = haveReal('ovs-vsctl') ? realPath('ovs-vsctl') : 'ovs-vsctl';
  const r = sb.run(vsctl, [`--db=${db}`, '--no-wait', 'init', '--', 'set-manager', 'ptcp:0:127.0.0.1']);
  assert.equal(r.status, 0, r.stderr);
  // Status is refreshed every 2.5 s; wait for the listener's bound port.
  let status = '';
  for (let i = 0; i < 60; i++) {
    status = sb.run(vsctl, [`--db=${db}`, 'get', 'Manager', '.', 'status']).stdout;
    if (status.includes('bound_port')) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.match(status, /^\{bound_port="\d+"\}$/m);
  const remotes = sb.run(appctl, ['-t', ours.ctl, 'ovsdb-server/list-remotes']).stdout;
  assert.match(remotes, /^db:Open_vSwitch,Open_vSwitch,manager_options$/m);
});
