/* The revalidator in a running ovs-vswitchd (ours, with dummy ports), driven
 * only through our tools as OVS's test suite drives the real one:
 *
 *  - a flow-mod that changes forwarding applies to the very next packet of an
 *    established flow (the cached datapath flow is revalidated, not left
 *    stale), without a new upcall; revalidator/wait makes the rule counters
 *    exact; a warp past other_config:max-idle expires the flow;
 *  - a storm of 100,000 packets of distinct 5-tuples (and source MACs, which
 *    the megaflows match) over a packet connection never lets the datapath
 *    hold more flows than other_config:flow-limit, and the daemon keeps
 *    answering. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { connect, type Socket } from 'node:net';
import { Sandbox, ROOT } from './helpers/sandbox.js';

const PORTS = (n: number): string[] => {
  const a: string[] = [];
  for (let i = 1; i <= n; i++) a.push('--', 'add-port', 'br0', `p${i}`, '--', 'set', 'Interface', `p${i}`, 'type=dummy', `ofport_request=${i}`);
  return a;
};

/** A sandbox with our ovsdb-server and ovs-vswitchd (dummy datapath) and bridge br0 with ports p1..pN. */
function startSwitch(nPorts: number, otherConfig: string[] = []): Sandbox {
  const sb = new Sandbox('ovs-ts-reval-');
  const db = join(sb.dir, 'conf.db');
  const c = sb.run('ovsdb-tool', ['create', db, join(ROOT, 'schemas', 'vswitch.ovsschema')]);
  assert.equal(c.status, 0, c.stderr);
  sb.startDaemon('ovsdb-server', [db, `--remote=punix:${join(sb.dir, 'db.sock')}`]);
  const init = sb.run('ovs-vsctl', ['--no-wait', 'init', ...otherConfig.flatMap((kv) => ['--', 'set', 'Open_vSwitch', '.', `other_config:${kv}`])]);
  assert.equal(init.status, 0, init.stderr);
  sb.startDaemon('ovs-vswitchd', ['--enable-dummy=override', '--disable-system', '--disable-system-route']);
  const br = sb.run('ovs-vsctl', ['add-br', 'br0', '--', 'set', 'bridge', 'br0', 'datapath_type=dummy', 'fail-mode=secure', ...PORTS(nPorts)]);
  assert.equal(br.status, 0, br.stderr);
  return sb;
}

function ok(sb: Sandbox, program: string, args: string[]): string {
  const r = sb.run(program, args);
  assert.equal(r.status, 0, `${program} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const appctl = (sb: Sandbox, ...args: string[]): string => ok(sb, 'ovs-appctl', args);

const TCP = 'in_port(1),eth(src=50:54:00:00:00:01,dst=50:54:00:00:00:02),eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=6,tos=0,ttl=64,frag=no),tcp(src=1000,dst=80)';

/** tx packets of OpenFlow port 'port' (ovs-ofctl dump-ports). */
function txPackets(sb: Sandbox, port: number): number {
  const out = ok(sb, 'ovs-ofctl', ['dump-ports', 'br0', String(port)]);
  const m = /tx pkts=(\d+)/.exec(out);
  assert.ok(m, out);
  return Number(m[1]);
}

/** A counter of dpif-netdev/pmd-stats-show. */
function pmdStat(sb: Sandbox, name: string): number {
  const out = appctl(sb, 'dpif-netdev/pmd-stats-show');
  const m = new RegExp(`  ${name}: (\\d+)`).exec(out);
  assert.ok(m, out);
  return Number(m[1]);
}

/** The datapath flow lines of dpctl/dump-flows. */
function dpFlows(sb: Sandbox): string[] {
  return appctl(sb, 'dpctl/dump-flows').split('\n').filter((l) => l.startsWith('recirc_id'));
}

test('a flow-mod applies to the next packet of an established flow; idle flows expire', { timeout: 60000 }, async () => {
  const sb = startSwitch(3);
  try {
    ok(sb, 'ovs-ofctl', ['add-flow', 'br0', 'in_port=1,actions=output:2']);
    appctl(sb, 'netdev-dummy/receive', 'p1', TCP);
    appctl(sb, 'netdev-dummy/receive', 'p1', TCP);
    assert.equal(txPackets(sb, 2), 2);
    let flows = dpFlows(sb);
    assert.equal(flows.length, 1, flows.join('\n'));
    assert.match(flows[0]!, /packets:1, .*actions:2$/);
    // The same flow as OVS prints it for the bridge (checked against ovs-vswitchd 3.1).
    assert.match(appctl(sb, 'dpif/dump-flows', 'br0'),
      /^recirc_id\(0\),in_port\(1\),packet_type\(ns=0,id=0\),eth_type\(0x0800\),ipv4\(frag=no\), packets:1, bytes:\d+, used:[0-9.]+s, actions:2\n$/);
    assert.match(appctl(sb, 'dpctl/show'), /^dummy@ovs-dummy:\n {2}lookups: hit:1 missed:1 lost:0\n {2}flows: 1\n {2}port 0: ovs-dummy \(dummy-internal\)\n/);

    ok(sb, 'ovs-ofctl', ['mod-flows', 'br0', 'in_port=1,actions=output:3']);
    appctl(sb, 'netdev-dummy/receive', 'p1', TCP);
    assert.equal(txPackets(sb, 3), 1, 'the next packet goes to the new port');
    assert.equal(txPackets(sb, 2), 2);
    flows = dpFlows(sb);
    assert.equal(flows.length, 1, flows.join('\n'));
    assert.match(flows[0]!, /packets:2, .*actions:3$/, 'the same datapath flow, revalidated in place');
    assert.equal(pmdStat(sb, 'miss with success upcall'), 1, 'no second upcall');

    // Statistics reach the rule once the revalidator has run.
    appctl(sb, 'revalidator/wait');
    assert.match(ok(sb, 'ovs-ofctl', ['dump-flows', 'br0']), /n_packets=3, n_bytes=\d+, .*in_port=1 actions=output:3/);

    // Past max-idle (10 s by default) the revalidator deletes the flow.
    appctl(sb, 'time/warp', '11000');
    appctl(sb, 'revalidator/wait');
    assert.deepEqual(dpFlows(sb), []);
    assert.match(appctl(sb, 'upcall/show'), /\(current 0\)/);
  } finally {
    await sb.cleanup();
  }
});

/** A 60-byte TCP frame whose source MAC, IPv4 source and ports come from 'i'. */
function stormFrame(i: number, out: Uint8Array, o: number): void {
  out.fill(0, o, o + 62);
  out[o] = 0; out[o + 1] = 60; // length prefix of the packet connection
  const f = o + 2;
  out.set([0x50, 0x54, 0, 0, 0, 2, 0x02, 0, 0, (i >> 16) & 255, (i >> 8) & 255, i & 255, 0x08, 0x00], f);
  out.set([0x45, 0, 0, 46, 0, 0, 0, 0, 64, 6, 0, 0, 10, (i >> 16) & 255, (i >> 8) & 255, i & 255, 10, 1, 0, 1], f + 14);
  const sport = 1024 + (i % 60000), dport = 1 + (i % 1000);
  out.set([sport >> 8, sport & 255, dport >> 8, dport & 255, 0, 0, 0, 0, 0, 0, 0, 0, 0x50, 0x02, 0x20, 0], f + 34);
}

function write(sock: Socket, b: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => sock.write(b, (e) => (e ? reject(e) : resolve())));
}

test('100,000 new flows: the datapath stays within flow-limit and the daemon answers', { timeout: 120000 }, async (t) => {
  const LIMIT = 1000, N = 100000;
  const sb = startSwitch(2, [`flow-limit=${LIMIT}`]);
  try {
    // Every megaflow matches the Ethernet source exactly (a rule examines it), so each
    // packet of the storm needs its own datapath flow.
    ok(sb, 'ovs-ofctl', ['add-flow', 'br0', 'priority=10,dl_src=02:00:00:ff:ff:ff,actions=drop']);
    ok(sb, 'ovs-ofctl', ['add-flow', 'br0', 'priority=1,in_port=1,actions=output:2']);
    const sockPath = join(sb.dir, 'p1.sock');
    ok(sb, 'ovs-vsctl', ['set', 'Interface', 'p1', `options:pstream=punix:${sockPath}`]);
    let sock: Socket | null = null;
    for (let i = 0; i < 200 && !sock; i++) {
      sock = await new Promise<Socket | null>((resolve) => {
        const s = connect(sockPath, () => resolve(s));
        s.on('error', () => resolve(null));
      });
      if (!sock) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(sock, 'connected to p1');
    const CHUNK = 2000;
    const buf = new Uint8Array(CHUNK * 62);
    let maxFlows = 0;
    for (let i = 0; i < N; i += CHUNK) {
      for (let j = 0; j < CHUNK; j++) stormFrame(i + j, buf, j * 62);
      await write(sock, buf);
      if (i % 20000 === 0) {
        const n = dpFlows(sb).length;
        maxFlows = Math.max(maxFlows, n);
        assert.ok(n <= LIMIT, `${n} datapath flows during the storm`);
      }
    }
    // Wait until the daemon has taken in everything that reached it.
    let last = -1;
    for (let i = 0; i < 400; i++) {
      const now = pmdStat(sb, 'packets received');
      if (now === last) break;
      last = now;
      await new Promise((r) => setTimeout(r, 300));
    }
    const flows = dpFlows(sb).length;
    const upcalls = pmdStat(sb, 'miss with success upcall');
    t.diagnostic(`received ${last}, upcalls ${upcalls}, flows ${flows} (max seen ${maxFlows}), limit ${LIMIT}`);
    assert.ok(flows <= LIMIT, `${flows} datapath flows after the storm`);
    assert.ok(upcalls > 2 * LIMIT, `the storm brought ${upcalls} new flows`);
    assert.match(appctl(sb, 'upcall/show'), /\(limit 1000\)/);
    appctl(sb, 'revalidator/wait');
    assert.ok(dpFlows(sb).length <= LIMIT);
    sock.destroy();
  } finally {
    await sb.cleanup();
  }
});
