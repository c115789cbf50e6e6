/* PMD threads in our ovs-vswitchd: packets between two network namespaces
 * keep flowing while the daemon's main thread is blocked.
 *
 * Two namespaces joined by veth pairs to a third where our ovsdb-server and
 * ovs-vswitchd run a userspace (netdev) bridge over the veth ends (system
 * ports) with other_config:pmd-cpu-mask=0xe: three PMD worker threads
 * (cores 1-3), each receiving from one of the bridge's three ports (the two
 * veths, the internal port) and sending on all.  After a
 * first ping has set up
 * the megaflows, `dpif-netdev/test-block-main FILE` makes the main thread
 * spin until FILE is removed; while it spins (FILE.blocked exists before and
 * after), a ping and a 2 MB TCP transfer between the namespaces must get
 * through and the bridge's tx counter must rise.  Nothing is timed: the
 * test removes FILE only after the traffic is done.  Then pmd-stats-show,
 * dpctl/dump-flows and revalidator/wait answer as before, and ping still
 * works through ct() flows, which only the slow path runs.
 * Names carry this process's pid (prefix pmdt); namespaces and daemons are
 * removed in a finally block.  Needs root, ip(8) and python3.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { HostPair, IP, netnsSkipReason, nsx, run, tcpTransfer, TCP_BYTES } from './helpers/netns-switch.js';
import { Sandbox, BIN, ROOT } from './helpers/sandbox.js';

const PY = '/usr/bin/python3';
const skip = netnsSkipReason() || (!existsSync(PY) ? 'needs python3' : false);

const tag = `pmdt${process.pid % 100000}`;
const IP_A = '10.81.0.1', IP_B = '10.81.0.2';
const hosts = new HostPair(tag, IP_A, IP_B, ['a', 'b', 's']);
const { nsA: NS_A, nsB: NS_B, nsSw: NS_SW, a0: A0, b0: B0 } = hosts;




/** Packets the switch sent on its port 'dev'. */
function txPackets(dev: string): number {
  const j = JSON.parse(nsx(NS_SW, 'ip', '-j', '-s', 'link', 'show', 'dev', dev)) as { stats64: { tx: { packets: number } } }[];
  return j[0]!.stats64.tx.packets;
}

/** Sends TCP_BYTES from A to B; the bytes that arrived. */
const tcpAtoB = (): Promise<number> => tcpTransfer(NS_A, NS_B, IP_B, 5301);

test('PMD threads forward between namespaces while the main thread is blocked', { skip, timeout: 90000 }, async (t) => {
  const sb = new Sandbox('ovs-ts-pmdt-');
  const vsctl = (...args: string[]) => {
    const r = sb.run('ovs-vsctl', [`--db=unix:${join(sb.dir, 'db.sock')}`, '--timeout=20', ...args]);
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };
  const appctl = (...args: string[]) => {
    const r = sb.run('ovs-appctl', ['-t', join(sb.dir, 'ovs-vswitchd.ctl'), ...args]);
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };
  const block = join(sb.dir, 'block-main');
  try {
    hosts.build();
    const db = join(sb.dir, 'conf.db');
    assert.equal(sb.run('ovsdb-tool', ['create', db, join(ROOT, 'schemas', 'vswitch.ovsschema')]).status, 0);
    sb.startDaemon('ovsdb-server', [db, `--remote=punix:${join(sb.dir, 'db.sock')}`]);
    vsctl('--no-wait', 'init');
    vsctl('--no-wait', 'set', 'Open_vSwitch', '.', 'other_config:pmd-cpu-mask=0xe');
    sb.startDaemon(IP!, ['netns', 'exec', NS_SW, join(BIN, 'ovs-vswitchd'), `unix:${join(sb.dir, 'db.sock')}`,
      '--disable-system', `--unixctl=${join(sb.dir, 'ovs-vswitchd.ctl')}`], 'ovs-vswitchd');
    const br = `${tag}br`;
    vsctl('add-br', br, '--', 'set', 'Bridge', br, 'datapath_type=netdev',
      '--', 'add-port', br, A0, '--', 'add-port', br, B0);

    // Megaflows for both directions (NORMAL: they match MACs, not addresses or ports).
    const warm = await run([IP!, 'netns', 'exec', NS_A, 'ping', '-c', '3', '-i', '0.2', '-W', '2', IP_B], 15000);
    assert.match(warm.out, /[23] received/, warm.out);
    const stats0 = appctl('dpif-netdev/pmd-stats-show');
    assert.match(stats0, /^pmd thread numa_id 0 core_id 1:\n(?:  .*\n)+pmd thread numa_id 0 core_id 2:\n(?:  .*\n)+pmd thread numa_id 0 core_id 3:\n/, stats0);
    // The veths are received from by two different threads.
    const rxq = appctl('dpif-netdev/pmd-rxq-show');
    assert.match(rxq, new RegExp(`^pmd thread numa_id 0 core_id 1:\\n  isolated : false\\n  port: \\S+ +queue-id:  0 \\(enabled\\)   pmd usage: NOT AVAIL\\n  overhead: NOT AVAIL\\n`), rxq);
    for (const dev of [A0, B0, br]) assert.equal(rxq.split(`  port: ${dev} `).length, 2, rxq);
    assert.equal([...stats0.matchAll(/core_id \d:\n  packets received: [1-9]/g)].length, 2, stats0);
    assert.match(stats0, /\nmain thread:\n  packets received: 0\n/, stats0);

    // Block the main thread; traffic between the namespaces keeps flowing.
    writeFileSync(block, '');
    const blocked = sb.runAsync('ovs-appctl', ['-t', join(sb.dir, 'ovs-vswitchd.ctl'), '--timeout=60',
      'dpif-netdev/test-block-main', block, '60000']);
    for (let i = 0; i < 500 && !existsSync(`${block}.blocked`); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(existsSync(`${block}.blocked`), 'the main thread did not block');
    const tx0 = txPackets(B0);
    const ping = await run([IP!, 'netns', 'exec', NS_A, 'ping', '-c', '5', '-i', '0.2', '-W', '2', IP_B], 20000);
    const bytes = await tcpAtoB();
    const tx1 = txPackets(B0);
    // Still blocked after the traffic: all of it was forwarded while main was stuck.
    const stillBlocked = existsSync(`${block}.blocked`);
    rmSync(block);
    const r = await blocked;
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^blocked \d+ ms\n$/);
    assert.ok(stillBlocked, 'the main thread stopped blocking before the traffic was done');
    assert.match(ping.out, / 5 received/, ping.out);
    assert.equal(bytes, TCP_BYTES);
    assert.ok(tx1 - tx0 >= 5 + 20, `the switch sent ${tx1 - tx0} packets on ${B0} while blocked`);
    t.diagnostic(`${r.stdout.trim()}; ${tx1 - tx0} packets sent on ${B0} meanwhile`);

    // The main thread's view: the PMD's hits and the flows with their statistics.
    const stats1 = appctl('dpif-netdev/pmd-stats-show');
    const hits = (s: string) => {
      let n = 0;
      for (const m of s.matchAll(/  (?:emc|megaflow) hits: (\d+)\n/g)) n += Number(m[1]);
      return n;
    };
    assert.ok(hits(stats1) > hits(stats0) + 20, `${stats0}\n${stats1}`);
    appctl('revalidator/wait');
    const flows = appctl('dpctl/dump-flows');
    assert.match(flows, /^recirc_id\(0\),in_port\(\d+\),.*packets:[1-9]\d*, bytes:\d+, used:[\d.]+s.*, actions:\d+$/m, flows);

    // Flows only the slow path runs (ct, recirculation): every packet goes up
    // from the PMD and is executed by the main thread.
    const ofctl = (...args: string[]) => {
      const r = sb.run('ovs-ofctl', [...args]);
      assert.equal(r.status, 0, r.stderr);
    };
    ofctl('add-flow', br, 'priority=10,ip,actions=ct(table=1)');
    ofctl('add-flow', br, 'table=1,actions=NORMAL');
    appctl('revalidator/wait');
    const slowBefore = appctl('dpif-netdev/pmd-stats-show');
    const slow = await run([IP!, 'netns', 'exec', NS_A, 'ping', '-c', '3', '-i', '0.2', '-W', '2', IP_B], 15000);
    assert.match(slow.out, / 3 received/, slow.out);
    const misses = (s: string) => {
      let n = 0;
      for (const m of s.matchAll(/  miss with success upcall: (\d+)\n/g)) n += Number(m[1]);
      return n;
    };
    assert.ok(misses(appctl('dpif-netdev/pmd-stats-show')) >= misses(slowBefore) + 6, 'ct packets did not go up');
    assert.doesNotMatch(sb.log('ovs-vswitchd'), /\|(ERR|EMER)\|/);
  } finally {
    rmSync(block, { force: true });
    await sb.cleanup();
    hosts.remove();
  }
});
