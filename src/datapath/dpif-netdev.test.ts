// Tests for dpif-netdev: upcall → megaflow → EMC/classifier hits, actions,
// dump-flows text, driven by dummy ports through their rx queues.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DpifNetdev, formatTcpFlagsShort } from './dpif-netdev.js';
import { netdevDummyRegister, netdevDummyReceive, type NetdevDummy } from './netdev-dummy.js';
import { netdevOpen, netdevGetStats } from './netdev.js';
import { type Netdev } from './netdev-provider.js';
import { newFlowKey, W, flowExtract } from './flow.js';
import { parseFlowKey } from './odp-util.js';
import { formatOdpActions, type OdpAction, OdpKey } from './odp-actions.js';
import { parseOdpActions } from './odp-actions-parse.js';

netdevDummyRegister('dummy');

const settle = () => new Promise((r) => setTimeout(r, 20));
const FLOW = (i: number) => `in_port(1),eth(src=50:54:00:00:00:09,dst=50:54:00:00:00:0a),eth_type(0x0800),ipv4(src=10.0.0.${i},dst=10.0.0.1,proto=17,tos=0,ttl=64,frag=no),udp(src=${1000 + i},dst=53)`;

function mkdp(names: string[]): [DpifNetdev, NetdevDummy[]] {
  const dp = new DpifNetdev('ovs-netdev', { emcInsertInvProb: 1 });
  const devs = names.map((n) => netdevOpen(n, 'dummy') as Netdev);
  devs.forEach((d, i) => assert.equal(dp.portAdd(d), i + 1));
  return [dp, devs as NetdevDummy[]];
}

test('a miss is upcalled once; later packets hit the megaflow and are counted', async () => {
  const [dp, [p1, p2]] = mkdp(['dp-p1', 'dp-p2']);
  p2!.keepSent = 100;
  let upcalls = 0;
  dp.setUpcallHandler((_pkt, key, k) => {
    upcalls++;
    const mask = newFlowKey(), tmp = newFlowKey();
    parseFlowKey('recirc_id(0),in_port(1),packet_type(ns=0,id=0),eth(src=00:00:00:00:00:00,dst=00:00:00:00:00:00),eth_type(0x0800),ipv4(frag=no)', tmp, mask);
    assert.equal(key[k + W.IN_PORT], 1);
    return { actions: [{ type: 'output', port: 2 }], mask };
  });
  dp.start();
  try {
    netdevDummyReceive(['dp-p1', FLOW(1)]);
    await settle();
    assert.equal(upcalls, 1);
    assert.equal(p2!.sent.length, 1);
    netdevDummyReceive(['dp-p1', FLOW(2), FLOW(2), FLOW(2)]);
    await settle();
    assert.equal(upcalls, 1);
    assert.equal(p2!.sent.length, 4);
    assert.deepEqual(dp.stats, { received: 4, emcHits: 2, megaflowHits: 1, misses: 1, upcallFails: 0, lost: 0, upcallsPending: 0,
      txBatches: 2, txPackets: 4 });
    const flows = dp.flowDump();
    assert.equal(flows.length, 1);
    assert.equal(dp.formatFlow(flows[0]!, flows[0]!.used + 1),
      'recirc_id(0),in_port(1),packet_type(ns=0,id=0),eth(src=50:54:00:00:00:09,dst=50:54:00:00:00:0a),eth_type(0x0800),ipv4(frag=no), packets:3, bytes:318, used:0.001s, actions:2');
    // Packets from port 2 have no flow and no matching megaflow: a new upcall.
    netdevDummyReceive(['dp-p2', FLOW(5).replace('in_port(1)', 'in_port(2)')]);
    await settle();
    assert.equal(upcalls, 2);
    assert.equal((netdevGetStats(p1!) as { tx_packets: number }).tx_packets, 0);
  } finally {
    dp.destroy();
  }
});

test('flows put by hand; VLAN actions; drop without a handler; flush', async () => {
  const [dp, [, p2, p3]] = mkdp(['dv-p1', 'dv-p2', 'dv-p3']);
  p2!.keepSent = 10; p3!.keepSent = 10;
  const key = newFlowKey(), mask = newFlowKey();
  assert.equal(parseFlowKey('in_port(1),eth_type(0x0800),ipv4(frag=no)', key, mask), null);
  const actions = parseOdpActions('push_vlan(vid=10,pcp=3),2,pop_vlan,3');
  assert.ok(Array.isArray(actions));
  assert.equal(formatOdpActions(actions), 'push_vlan(vid=10,pcp=3),2,pop_vlan,3');
  assert.ok(dp.flowPut(key, 0, mask, 0, actions) >= 0);
  assert.equal(dp.flowPut(key, 0, mask, 0, actions), -17);
  dp.start();
  try {
    netdevDummyReceive(['dv-p1', FLOW(1), FLOW(2)]);
    netdevDummyReceive(['dv-p1', FLOW(3).replace('eth_type(0x0800),ipv4(src=10.0.0.3,dst=10.0.0.1,proto=17,tos=0,ttl=64,frag=no),udp(src=1003,dst=53)', 'eth_type(0x0806),arp(sip=1.2.3.4,tip=1.2.3.5,op=1,sha=00:00:00:00:00:01,tha=00:00:00:00:00:00)')]);
    await settle();
    assert.equal(p2!.sent.length, 2);
    assert.equal(p3!.sent.length, 2);
    const k2 = newFlowKey();
    flowExtract(p2!.sent[0]!, 0, p2!.sent[0]!.length, 2, k2);
    assert.equal(k2[W.VLAN0], (0x8100 << 16 | 0x1000 | 3 << 13 | 10) >>> 0);
    assert.equal(p3!.sent[0]!.length, p2!.sent[0]!.length - 4);
    assert.equal(dp.stats.lost, 1); // the ARP packet: no flow, no handler
    assert.equal(dp.flowDump()[0]!.packets, 2);
    dp.flowFlush();
    assert.equal(dp.flowDump().length, 0);
    assert.equal(dp.flowDel(key, 0, mask, 0), null);
  } finally {
    dp.destroy();
  }
});

test('ports and text helpers', () => {
  const dp = new DpifNetdev();
  const a = netdevOpen('dq-a', 'dummy') as Netdev;
  assert.equal(dp.portAdd(a, 5), 5);
  assert.equal(dp.portAdd(a), -17);
  assert.deepEqual(dp.portList(), [{ portNo: 5, name: 'dq-a', type: 'dummy' }]);
  assert.equal(dp.portDel(5), 0);
  assert.equal(dp.portDel(5), 2);
  assert.equal(formatTcpFlagsShort(0x012), 'S.');
  assert.equal(formatTcpFlagsShort(0), 'none');
  assert.match(parseOdpActions('push_vlan(vid=5000)') as string, /bad arguments/);
  assert.match(parseOdpActions('frobnicate') as string, /unknown or unsupported action/);
  assert.deepEqual(parseOdpActions('drop'), []);
});

test('an upcall that flushes and reuses flow ids mid-batch does not misdirect earlier packets', async () => {
  const [dp, [, p2, p3]] = mkdp(['dp-r1', 'dp-r2', 'dp-r3']);
  p2!.keepSent = 100; p3!.keepSent = 100;
  const exact = () => { const m = newFlowKey(); m.fill(0xffffffff); return m; };
  let n = 0;
  // First miss: output to 2.  Second miss (same batch as a hit on the first
  // flow): flush everything, so the new flow takes the first one's id, output 3.
  dp.setUpcallHandler(() => {
    if (n++ === 1) dp.flowFlush();
    return { actions: [{ type: 'output', port: n === 1 ? 2 : 3 }], mask: exact() };
  });
  dp.start();
  try {
    netdevDummyReceive(['dp-r1', FLOW(1)]);
    await settle();
    netdevDummyReceive(['dp-r1', FLOW(1), FLOW(2)]);
    await settle();
    assert.equal(n, 2);
    assert.equal(p2!.sent.length, 2, 'the hit keeps the actions it was looked up with');
    assert.equal(p3!.sent.length, 1);
  } finally {
    dp.destroy();
  }
});

test('set_masked, trunc, clone and userspace actions', async () => {
  const [dp, [, p2, p3]] = mkdp(['dp-s1', 'dp-s2', 'dp-s3']);
  p2!.keepSent = 100; p3!.keepSent = 100;
  const seen: number[] = [];
  dp.setUserspaceHandler((pkt, inPort) => seen.push(pkt.length, inPort));
  const v = new Uint8Array(12), m = new Uint8Array(12);
  v.set([192, 168], 0); m.set([255, 255], 0);
  const actions: OdpAction[] = [
    { type: 'set_masked', key: OdpKey.IPV4, value: v, mask: m },
    { type: 'clone', actions: [{ type: 'trunc', maxLen: 30 }, { type: 'output', port: 3 }] },
    { type: 'userspace', pid: 0, cookie: null, userdata: null, actions: false, tunnelOutPort: null },
    { type: 'output', port: 2 },
  ];
  dp.setUpcallHandler(() => ({ actions, mask: null }));
  dp.start();
  try {
    netdevDummyReceive(['dp-s1', FLOW(7)]);
    await settle();
    assert.equal(p3!.sent[0]!.length, 30, 'the clone truncated its copy');
    const out = p2!.sent[0]!;
    assert.ok(out.length > 30, 'the original is whole');
    assert.deepEqual([...out.subarray(26, 30)], [192, 168, 0, 7]);
    assert.deepEqual(seen, [out.length, 1]);
    const key = newFlowKey();
    flowExtract(out, 0, out.length, 0, key, 0);
    assert.equal(key[W.NW_SRC], 0xc0a80007);
  } finally {
    dp.destroy();
  }
});
