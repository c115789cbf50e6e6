/* Our ovs-vswitchd between two network namespaces, first on its own and then
 * under a real OpenFlow controller (os-ken, Debian's python3-os-ken).
 *
 * Namespaces A and B each hold one end of a veth pair whose other end sits in
 * a switch namespace, where our ovsdb-server's client ovs-vswitchd runs a
 * userspace (netdev) bridge with the two veth ends as system ports.
 *   1. fail-mode standalone, no controller: the hidden NORMAL flow forwards,
 *      so A pings B.
 *   2. fail-mode secure, controller tcp:127.0.0.1:6653 where osken-manager runs
 *      tests/data/osken-l2switch.py (an OpenFlow 1.3 learning switch) in the
 *      switch namespace: the flow table is emptied, the controller installs its
 *      table-miss flow and, from the packet-ins, per-MAC flows; A pings B again
 *      and `ovs-ofctl -O OpenFlow13 dump-flows` shows the controller's flows.
 * The switch namespace is new, so the controller's port is free in it.
 * Names carry this process's pid; the controller is killed and the namespaces
 * deleted in a finally block.  Needs root, ip(8) with netns, ping, ethtool and
 * osken-manager.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { HostPair, IP, nsx, run } from './helpers/netns-switch.js';
import { Sandbox, ROOT, alive } from './helpers/sandbox.js';

const OSKEN = ['/usr/bin/osken-manager', '/usr/local/bin/osken-manager'].find((p) => existsSync(p));
const has = (cmd: string, arg: string) => spawnSync(cmd, [arg], { stdio: 'ignore' }).status === 0;
const APP = join(ROOT, 'tests', 'data', 'osken-l2switch.py');
const skip = process.getuid?.() !== 0 ? 'needs root'
  : !IP || spawnSync(IP, ['netns', 'list'], { stdio: 'ignore' }).status !== 0 ? 'needs ip(8) with netns support'
    : !OSKEN ? 'needs osken-manager (Debian package python3-os-ken)'
      : !has('ping', '-V') ? 'needs ping'
        : !has('ethtool', '--version') ? 'needs ethtool' : false;

const tag = `oskt${process.pid % 100000}`;
const IP_A = '10.81.0.1', IP_B = '10.81.0.2';
const hosts = new HostPair(tag, IP_A, IP_B, ['a', 'b', 's']);
const { nsA: NS_A, nsB: NS_B, nsSw: NS_SW, a0: A0, b0: B0 } = hosts;
const PORT = 6653;




/** Pings B from A until a reply comes (the first packets may go to the
 * controller or be flooded); returns ping's last output. */
async function pingUntilReply(tries: number): Promise<string> {
  let out = '';
  for (let i = 0; i < tries; i++) {
    const r = await run([IP!, 'netns', 'exec', NS_A, 'ping', '-c', '3', '-i', '0.2', '-W', '2', IP_B], 15000);
    out = r.out;
    if (/ [1-9]\d* received/.test(out)) return out;
  }
  return out;
}

/** Starts osken-manager with the learning-switch app in the switch namespace. */
function startController(sb: Sandbox): ChildProcess {
  return spawn(IP!, ['netns', 'exec', NS_SW, OSKEN!, '--ofp-listen-host', '127.0.0.1',
    '--ofp-tcp-listen-port', String(PORT), '--log-file', join(sb.dir, 'osken.log'), APP], { stdio: 'ignore' });
}

/** Waits until the controller 'c' listens on PORT in the switch namespace. */
async function controllerListening(sb: Sandbox, c: ChildProcess): Promise<void> {
  const hex = `:${PORT.toString(16).toUpperCase().padStart(4, '0')} `;
  for (let i = 0; i < 300; i++) {
    // A listening socket (state 0A) on PORT.
    const tcp = spawnSync(IP!, ['netns', 'exec', NS_SW, 'cat', '/proc/net/tcp'], { encoding: 'utf8' }).stdout ?? '';
    if (tcp.split('\n').some((l) => l.includes(hex) && / 0A /.test(l))) return;
    if (c.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const log = join(sb.dir, 'osken.log');
  throw new Error(`osken-manager did not start listening: ${existsSync(log) ? readFileSync(log, 'utf8') : ''}`);
}

async function stopController(c: ChildProcess | null): Promise<void> {
  if (!c || c.pid === undefined || c.exitCode !== null) return;
  c.kill('SIGTERM');
  for (let i = 0; i < 40 && alive(c.pid); i++) await new Promise((r) => setTimeout(r, 50));
  if (alive(c.pid)) c.kill('SIGKILL');
}

test('namespaces ping through our bridge standalone (NORMAL) and under the os-ken controller', { skip, timeout: 90000 }, async (t) => {
  const sb = new Sandbox('ovs-ts-osken-');
  const dbSock = `unix:${join(sb.dir, 'db.sock')}`;
  const tool = (name: string, ...args: string[]) => {
    const r = sb.run(name, args);
    assert.equal(r.status, 0, `${name} ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const vsctl = (...args: string[]) => tool('ovs-vsctl', `--db=${dbSock}`, '--timeout=20', ...args);
  const br = `${tag}br`;
  let controller: ChildProcess | null = null;
  const t0 = Date.now();
  const phase = (what: string) => t.diagnostic(`${what} at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  try {
    hosts.remove();
    hosts.build(true);
    // os-ken takes seconds to start: it listens while the standalone part runs.
    controller = startController(sb);
    const db = join(sb.dir, 'conf.db');
    tool('ovsdb-tool', 'create', db, join(ROOT, 'schemas', 'vswitch.ovsschema'));
    sb.startDaemon('ovsdb-server', [db, `--remote=p${dbSock}`]);
    vsctl('--no-wait', 'init');
    sb.startDaemon(IP!, ['netns', 'exec', NS_SW, join(ROOT, 'bin', 'ovs-vswitchd'), dbSock,
      '--disable-system'], 'ovs-vswitchd');
    vsctl('add-br', br, '--', 'set', 'Bridge', br, 'datapath_type=netdev',
      '--', 'add-port', br, A0, '--', 'add-port', br, B0);

    phase('bridge up');
    // 1. Standalone: the bridge is a learning switch on its own.
    const standalone = await pingUntilReply(3);
    assert.match(standalone, / [1-9]\d* received/, `standalone bridge: ${standalone}`);
    assert.match(tool('ovs-ofctl', 'dump-flows', br), /actions=NORMAL/);

    phase('standalone ping');
    // 2. Secure, under os-ken: only the controller's flows forward.
    await controllerListening(sb, controller);
    phase('controller listening');
    vsctl('set-fail-mode', br, 'secure', '--', 'set-controller', br, `tcp:127.0.0.1:${PORT}`);
    // The controller connects, and its table-miss flow arrives.
    let flows = '';
    for (let i = 0; i < 100 && !/actions=CONTROLLER:65535/.test(flows); i++) {
      await new Promise((r) => setTimeout(r, 100));
      flows = tool('ovs-ofctl', '-O', 'OpenFlow13', 'dump-flows', br);
    }
    assert.match(flows, /priority=0 actions=CONTROLLER:65535/, `no table-miss flow from the controller:\n${flows}`);
    assert.doesNotMatch(flows, /NORMAL/);
    phase('table-miss flow installed');
    const secure = await pingUntilReply(5);
    phase('ping under the controller');
    assert.match(secure, / [1-9]\d* received/, `under the controller: ${secure}\n${sb.log('ovs-vswitchd').slice(-3000)}`);
    // The controller learned both MACs and installed a flow each way.
    for (let i = 0; i < 50; i++) {
      flows = tool('ovs-ofctl', '-O', 'OpenFlow13', 'dump-flows', br);
      if ((flows.match(/priority=1,in_port=/g) ?? []).length >= 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    t.diagnostic(flows.trim());
    const learned = flows.split('\n').filter((l) => /priority=1,in_port=/.test(l));
    assert.equal(learned.length, 2, flows);
    for (const l of learned) assert.match(l, /dl_src=[0-9a-f:]{17},dl_dst=[0-9a-f:]{17} actions=output:/);
    // The bridge writes controller status on its stats timer (every 5 s, as OVS).
    let status = '';
    for (let i = 0; i < 60 && !/is_connected\s*: true/.test(status); i++) {
      if (i) await new Promise((r) => setTimeout(r, 200));
      status = vsctl('--columns=is_connected', 'list', 'Controller');
    }
    phase('is_connected');
    assert.match(status, /is_connected\s*: true/, sb.log('ovs-vswitchd').slice(-3000));
    assert.doesNotMatch(sb.log('ovs-vswitchd'), /\|(ERR|EMER)\|/);
  } finally {
    await stopController(controller);
    await sb.cleanup();
    hosts.remove();
  }
});
