/* A VXLAN tunnel between two of our ovs-vswitchd, as OVS's
 * Documentation/howto/userspace-tunneling.rst sets one up: two network
 * namespaces joined by a veth pair, each running our ovsdb-server and
 * ovs-vswitchd (userspace "netdev" datapath) with
 *   br-phy: the veth end, internal port addressed 172.31.<n>.1|2/24,
 *   br-int: a vxlan port to the other side (key 5), internal port 10.77.0.1|2/24,
 * and a route to the underlay (`ovs-appctl ovs/route/add`).  A ping between
 * the br-int addresses crosses the tunnel: ARP for the remote endpoint is
 * resolved by the switch, packets are encapsulated by tnl_push and
 * decapsulated by tnl_pop in the datapath.  Needs root and ip(8).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { IP, netnsSkipReason, nsx, run, sh } from './helpers/netns-switch.js';
import { Sandbox, BIN, ROOT } from './helpers/sandbox.js';

const skip = netnsSkipReason();

const tag = `ovx${process.pid % 100000}`;
const NS = [`${tag}a`, `${tag}b`], VETH = [`${tag}va`, `${tag}vb`];
const UNDERLAY = (i: number) => `172.31.77.${i + 1}`, OVERLAY = (i: number) => `10.77.0.${i + 1}`;



test('two of our switches ping each other through a vxlan tunnel over veth', { skip, timeout: 90000 }, async () => {
  const sbs: Sandbox[] = [];
  try {
    for (const ns of NS) { sh(IP!, 'netns', 'add', ns); nsx(ns, 'ip', 'link', 'set', 'lo', 'up'); }
    sh(IP!, 'link', 'add', VETH[0]!, 'netns', NS[0]!, 'type', 'veth', 'peer', 'name', VETH[1]!, 'netns', NS[1]!);
    for (let i = 0; i < 2; i++) {
      const ns = NS[i]!, sb = new Sandbox(`ovs-ts-vx${i}-`);
      sbs.push(sb);
      nsx(ns, 'ip', 'link', 'set', VETH[i]!, 'up');
      // Senders' checksum offload off, as userspace-tunneling.rst's setups do on veths.
      spawnSync(IP!, ['netns', 'exec', ns, 'ethtool', '-K', VETH[i]!, 'tx', 'off'], { stdio: 'ignore' });
      const vsctl = (...args: string[]) => {
        const r = sb.run('ovs-vsctl', [`--db=unix:${join(sb.dir, 'db.sock')}`, '--timeout=20', ...args]);
        assert.equal(r.status, 0, r.stderr);
      };
      const db = join(sb.dir, 'conf.db');
      assert.equal(sb.run('ovsdb-tool', ['create', db, join(ROOT, 'schemas', 'vswitch.ovsschema')]).status, 0);
      sb.startDaemon('ovsdb-server', [db, `--remote=punix:${join(sb.dir, 'db.sock')}`]);
      vsctl('--no-wait', 'init');
      sb.startDaemon(IP!, ['netns', 'exec', ns, join(BIN, 'ovs-vswitchd'), `unix:${join(sb.dir, 'db.sock')}`,
        '--disable-system'], 'ovs-vswitchd');
      vsctl('add-br', 'br-phy', '--', 'set', 'Bridge', 'br-phy', 'datapath_type=netdev', '--', 'add-port', 'br-phy', VETH[i]!);
      vsctl('add-br', 'br-int', '--', 'set', 'Bridge', 'br-int', 'datapath_type=netdev',
        '--', 'add-port', 'br-int', 'vx0', '--', 'set', 'Interface', 'vx0', 'type=vxlan',
        `options:remote_ip=${UNDERLAY(1 - i)}`, 'options:key=5');
      nsx(ns, 'ip', 'addr', 'add', `${UNDERLAY(i)}/24`, 'dev', 'br-phy');
      nsx(ns, 'ip', 'link', 'set', 'br-phy', 'up');
      nsx(ns, 'ip', 'addr', 'add', `${OVERLAY(i)}/24`, 'dev', 'br-int');
      nsx(ns, 'ip', 'link', 'set', 'br-int', 'mtu', '1400', 'up');
      const r = sb.run('ovs-appctl', ['ovs/route/add', `${UNDERLAY(i).replace(/\d+$/, '0')}/24`, 'br-phy']);
      assert.equal(r.stdout, 'OK\n', r.stderr);
    }
    // The first packets wait for ARP on both layers (slow on a loaded
    // machine): up to four rounds, one of which must get 2 of 3 replies.
    let p = { code: -1, out: '' };
    for (let round = 0; round < 4; round++) {
      p = await run([IP!, 'netns', 'exec', NS[0]!, 'ping', '-c', '3', '-i', '0.5', '-W', '3', OVERLAY(1)], 30000);
      if (/[23] received/.test(p.out)) break;
    }
    assert.match(p.out, /[23] received/, p.out);

    // The traffic crossed the tunnel: a datapath flow decapsulated it, the
    // remote endpoint's MAC was learned, and the vxlan port counted packets.
    const a = sbs[0]!;
    const flows = a.run('ovs-appctl', ['dpctl/dump-flows']).stdout;
    assert.match(flows, /actions:tnl_pop\(\d+\)/, flows);
    assert.match(flows, /^tunnel\(tun_id=0x5,src=172\.31\.77\.2,dst=172\.31\.77\.1,/m, flows);
    assert.match(flows, /actions:tnl_push\(tnl_port\(\d+\),header\(size=50,type=4,.*vxlan\(flags=0x8000000,vni=0x5\)\)/, flows);
    assert.match(a.run('ovs-appctl', ['tnl/neigh/show']).stdout, /^172\.31\.77\.2 +[0-9a-f:]{17}   br-phy$/m);
    const ports = a.run('ovs-ofctl', ['dump-ports', 'br-int']).stdout;
    const m = /port  1: rx pkts=(\d+),.*\n\s+tx pkts=(\d+)/.exec(ports);
    assert.ok(m && Number(m[1]) >= 2 && Number(m[2]) >= 2, ports);
    for (const sb of sbs) assert.doesNotMatch(sb.log('ovs-vswitchd'), /\|(ERR|EMER)\|/);
  } finally {
    for (const sb of sbs) await sb.cleanup();
    for (const ns of NS) spawnSync(IP!, ['netns', 'del', ns], { stdio: 'ignore' });
  }
});
