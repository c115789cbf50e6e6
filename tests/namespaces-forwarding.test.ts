/* Real traffic through our ovs-vswitchd: two network namespaces, each joined
 * by a veth pair to a third namespace where our ovsdb-server + ovs-vswitchd
 * run a userspace (netdev) bridge whose ports are the veth ends (type
 * "system": AF_PACKET sockets with virtio-net headers).  ping and a 2-second
 * iperf3 TCP run must get through:
 *   1. senders' offloads on (Linux defaults), no userspace TSO: the datapath
 *      receives 64 KB TSO super-packets and cuts them into wire-sized
 *      segments in software before they leave (the output veth sends no
 *      packet larger than a frame);
 *   2. other_config:userspace-tso-enable=true (ports re-added so they are
 *      opened with it): the super-packets go through whole;
 *   3. senders' checksum offload off (`ethtool -K veth tx off`).
 * TCP from A to the bridge's internal port (a tap) works in 1, where the tap
 * takes no offloads (the host stack gets segments with completed checksums),
 * and in 2, where it takes partial checksums and GSO packets.  No namespace
 * counts a TCP checksum error.
 * The veths and the internal port are forwarded by a PMD thread
 * (pmd-stats-show).
 * Names carry this process's pid; namespaces (and with them the veths) and
 * daemons are removed in a finally block.  Needs root, ip(8), iperf3, ethtool.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { HostPair, IP, nsx, run, tcpTransfer, TCP_BYTES } from './helpers/netns-switch.js';
import { Sandbox, BIN, ROOT } from './helpers/sandbox.js';

const has = (cmd: string, arg = '-V') => spawnSync(cmd, [arg], { stdio: 'ignore' }).status === 0;
const skip = process.getuid?.() !== 0 ? 'needs root'
  : !IP || spawnSync(IP, ['netns', 'list'], { stdio: 'ignore' }).status !== 0 ? 'needs ip(8) with netns support'
    : !has('iperf3', '--version') ? 'needs iperf3'
      : !has('ethtool', '--version') ? 'needs ethtool'
        : !has('ping') ? 'needs ping'
          : !has('/usr/bin/python3') ? 'needs python3' : false;

const tag = `ovt${process.pid % 100000}`;
const IP_A = '10.79.0.1', IP_B = '10.79.0.2', IP_BR = '10.79.0.3';
const hosts = new HostPair(tag, IP_A, IP_B, ['fa', 'fb', 'fs']);
const { nsA: NS_A, nsB: NS_B, nsSw: NS_SW, a0: A0, b0: B0 } = hosts;




/** tx packets and bytes the switch sent on its port 'dev'. */
function txCounters(dev: string): { packets: number; bytes: number } {
  const j = JSON.parse(nsx(NS_SW, 'ip', '-j', '-s', 'link', 'show', 'dev', dev)) as
    { stats64: { tx: { packets: number; bytes: number } } }[];
  return j[0]!.stats64.tx;
}

/** TCP segments namespace 'ns' dropped for a bad checksum (/proc/net/snmp InCsumErrors). */
function tcpCsumErrors(ns: string): number {
  const lines = nsx(ns, 'cat', '/proc/net/snmp').split('\n').filter((l) => l.startsWith('Tcp:'));
  const names = lines[0]!.split(/\s+/), values = lines[1]!.split(/\s+/);
  return Number(values[names.indexOf('InCsumErrors')]);
}

async function ping(): Promise<void> {
  const r = await run([IP!, 'netns', 'exec', NS_A, 'ping', '-c', '3', '-i', '0.2', '-W', '2', IP_B], 15000);
  assert.match(r.out, /[23] received/, r.out);
}

/** A 2-second iperf3 TCP run from A to B; the bytes B received. */
async function iperf(): Promise<{ bytes: number; gbps: number }> {
  let server: ChildProcess | null = null;
  try {
    server = spawn(IP!, ['netns', 'exec', NS_B, 'iperf3', '-s', '-1', '-B', IP_B, '-p', '5299'], { stdio: 'ignore' });
    let r = { code: -1, out: '' };
    for (let i = 0; i < 20; i++) {
      await new Promise((res) => setTimeout(res, 150));
      r = await run([IP!, 'netns', 'exec', NS_A, 'iperf3', '-c', IP_B, '-p', '5299', '-t', '2', '-J',
        '--connect-timeout', '3000'], 20000);
      if (!/Connection refused|unable to connect/.test(r.out)) break;
    }
    let res: { end: { sum_received: { bytes: number; bits_per_second: number } } };
    try { res = JSON.parse(r.out); } catch { throw new Error(`iperf3 output: ${r.out}`); }
    assert.ok(res.end?.sum_received, r.out.slice(0, 2000));
    return { bytes: res.end.sum_received.bytes, gbps: res.end.sum_received.bits_per_second / 1e9 };
  } finally {
    server?.kill('SIGKILL');
  }
}

/** Sends TCP_BYTES from A to 'ip' in namespace 'ns'; the bytes that arrived. */
const tcpTo = (ns: string, ip: string): Promise<number> => tcpTransfer(NS_A, ns, ip, 5300);

test('our ovs-vswitchd forwards ping and iperf3 between namespaces, offloads on and off', { skip, timeout: 90000 }, async (t) => {
  const sb = new Sandbox('ovs-ts-nsfwd-');
  const vsctl = (...args: string[]) => {
    const r = sb.run('ovs-vsctl', [`--db=unix:${join(sb.dir, 'db.sock')}`, '--timeout=20', ...args]);
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };
  try {
    hosts.build();
    const db = join(sb.dir, 'conf.db');
    assert.equal(sb.run('ovsdb-tool', ['create', db, join(ROOT, 'schemas', 'vswitch.ovsschema')]).status, 0);
    sb.startDaemon('ovsdb-server', [db, `--remote=punix:${join(sb.dir, 'db.sock')}`]);
    vsctl('--no-wait', 'init');
    sb.startDaemon(IP!, ['netns', 'exec', NS_SW, join(BIN, 'ovs-vswitchd'), `unix:${join(sb.dir, 'db.sock')}`,
      '--disable-system'], 'ovs-vswitchd');
    const br = `${tag}br`;
    vsctl('add-br', br, '--', 'set', 'Bridge', br, 'datapath_type=netdev',
      '--', 'add-port', br, A0, '--', 'add-port', br, B0);

    // 1. Offloads on, no userspace TSO: super-packets are segmented in software.
    await ping();
    let before = txCounters(B0);
    let r = await iperf();
    let tx = txCounters(B0);
    t.diagnostic(`offloads on, software segmentation: ${r.gbps.toFixed(2)} Gbit/s`);
    assert.ok(r.bytes > 1e6, `only ${r.bytes} bytes got through`);
    const avgSeg = (tx.bytes - before.bytes) / (tx.packets - before.packets);
    assert.ok(avgSeg <= 1514, `average frame sent ${avgSeg.toFixed(0)} bytes: not segmented`);
    // The packets were forwarded by the PMD thread, not the main thread.
    const pmd = sb.run('ovs-appctl', ['-t', 'ovs-vswitchd', 'dpif-netdev/pmd-stats-show']);
    assert.match(pmd.stdout, /^pmd thread numa_id 0 core_id 0:\n  packets received: [1-9]\d{3,}\n(?:.*\n)*main thread:\n  packets received: 0\n/, pmd.stdout + pmd.stderr);

    // The bridge's internal port (a tap without offloads): TCP from A arrives
    // segmented with its checksums completed.
    nsx(NS_SW, 'ip', 'addr', 'add', `${IP_BR}/24`, 'dev', br);
    nsx(NS_SW, 'ip', 'link', 'set', br, 'up');
    assert.equal(await tcpTo(NS_SW, IP_BR), TCP_BYTES);

    // 2. userspace-tso-enable: ports opened from now on keep super-packets
    // whole (the bridge is made again, so its internal port is a tap with
    // virtio-net headers and offloads too).
    vsctl('set', 'Open_vSwitch', '.', 'other_config:userspace-tso-enable=true');
    vsctl('del-br', br);
    vsctl('add-br', br, '--', 'set', 'Bridge', br, 'datapath_type=netdev',
      '--', 'add-port', br, A0, '--', 'add-port', br, B0);
    nsx(NS_SW, 'ip', 'addr', 'add', `${IP_BR}/24`, 'dev', br);
    nsx(NS_SW, 'ip', 'link', 'set', br, 'up');
    await ping();
    before = txCounters(B0);
    r = await iperf();
    tx = txCounters(B0);
    t.diagnostic(`offloads on, userspace TSO: ${r.gbps.toFixed(2)} Gbit/s`);
    assert.ok(r.bytes > 1e6, `only ${r.bytes} bytes got through`);
    const avgTso = (tx.bytes - before.bytes) / (tx.packets - before.packets);
    assert.ok(avgTso > 3000, `average frame sent ${avgTso.toFixed(0)} bytes: GSO packets were not kept whole`);
    assert.equal(await tcpTo(NS_SW, IP_BR), TCP_BYTES);

    // 3. The senders' checksum offload (and with it TSO) off.
    nsx(NS_A, 'ethtool', '-K', `${A0}i`, 'tx', 'off');
    nsx(NS_B, 'ethtool', '-K', `${B0}i`, 'tx', 'off');
    await ping();
    r = await iperf();
    t.diagnostic(`offloads off: ${r.gbps.toFixed(2)} Gbit/s`);
    assert.ok(r.bytes > 1e6, `only ${r.bytes} bytes got through`);

    // Every segment arrived with a valid checksum (TCP would cope with a few
    // bad ones by retransmitting: count them).
    assert.deepEqual([tcpCsumErrors(NS_A), tcpCsumErrors(NS_B), tcpCsumErrors(NS_SW)], [0, 0, 0]);

    const log = sb.log('ovs-vswitchd');
    assert.match(log, /userspace_tso\|INFO\|Userspace TCP Segmentation Offloading support enabled/);
    assert.doesNotMatch(log, /\|(ERR|EMER)\|/);
  } finally {
    await sb.cleanup();
    hosts.remove();
  }
});
