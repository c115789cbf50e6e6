// Tests for the netdev front and netdev-dummy: open/close, attributes, receive
// by hex and by flow, pcap files, batch send preparation (checksums, GSO).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UnixctlError } from '../lib/unixctl.js';
import { readPcapFile } from '../lib/pcap-file.js';
import { formatEthAddr } from '../lib/packets/ethernet.js';
import { csum, csumFinish, csumPartial, pseudoHeaderSumIpv4 } from '../lib/packets/checksum.js';
import { DpPacketBatch, OlFlags } from './dp-packet.js';
import { netdevDummyRegister, netdevDummyReceive, type NetdevDummy } from './netdev-dummy.js';
import {
  netdevOpen, netdevClose, netdevFromName, netdevGetEtherAddr, netdevSetEtherAddr, netdevGetMtu,
  netdevSetMtu, netdevRxqOpen, netdevRxqRecv, netdevRxqWait, netdevSend, netdevSetConfig,
  netdevGetStats, netdevGetFlags, netdevUpdateFlags, netdevGetCarrier, netdevEnumerateTypes,
} from './netdev.js';
import { type Netdev, type NetdevRxq, NetdevFlags, NetdevOl } from './netdev-provider.js';
import { flowExtract, newFlowKey } from './flow.js';
import { formatFlowKey } from './odp-util.js';

netdevDummyRegister('dummy');

function open(name: string, type = 'dummy'): Netdev {
  const n = netdevOpen(name, type);
  assert.equal(typeof n, 'object', `open ${name}: ${n}`);
  return n as Netdev;
}

test('open shares by name, checks the type, closes by reference count', () => {
  assert.ok(netdevEnumerateTypes().includes('dummy-pmd'));
  const a = open('p1');
  assert.equal(open('p1'), a);
  assert.equal(netdevOpen('p1', 'dummy-internal'), 17);
  assert.equal(netdevOpen('x', 'no-such-type'), 97);
  netdevClose(a);
  assert.equal(netdevFromName('p1'), a);
  netdevClose(a);
  assert.equal(netdevFromName('p1'), undefined);
});

test('attributes: MAC, MTU, flags, carrier', () => {
  const a = open('p2'), b = open('p3');
  assert.match(formatEthAddr(netdevGetEtherAddr(a)), /^aa:55:aa:55:/);
  assert.notEqual(netdevGetEtherAddr(a), netdevGetEtherAddr(b));
  assert.equal(netdevSetEtherAddr(a, 0x020000000001), 0);
  assert.equal(netdevGetEtherAddr(a), 0x020000000001);
  assert.equal(netdevGetMtu(a), 1500);
  assert.equal(netdevSetMtu(a, 9000), 0);
  assert.equal(netdevGetMtu(a), 9000);
  assert.equal(netdevSetMtu(a, 10), 22);
  assert.equal(netdevGetFlags(a), NetdevFlags.UP);
  assert.equal(netdevUpdateFlags(a, NetdevFlags.UP, 0), NetdevFlags.UP);
  assert.equal(netdevGetCarrier(a), false);
  netdevUpdateFlags(a, 0, NetdevFlags.UP);
  assert.equal(netdevGetCarrier(a), true);
  netdevClose(a); netdevClose(b);
});

test('netdev-dummy/receive: hex and flow packets reach the rx queue and rxq_pcap', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ovs-dummy-'));
  try {
    const a = open('p4');
    assert.equal(netdevSetConfig(a, { rxq_pcap: join(dir, 'rx.pcap'), tx_pcap: join(dir, 'tx.pcap') }), null);
    const rxq = netdevRxqOpen(a) as NetdevRxq;
    const batch = new DpPacketBatch(32, 2048);
    assert.equal(netdevRxqRecv(rxq, batch), 0);
    const woke = new Promise<void>((resolve) => netdevRxqWait(rxq, resolve));
    const flow = 'in_port(1),eth(src=50:54:00:00:00:09,dst=50:54:00:00:00:0a),eth_type(0x0800),ipv4(src=10.0.0.2,dst=10.0.0.1,proto=1,tos=0,ttl=64,frag=no),icmp(type=8,code=0)';
    netdevDummyReceive(['p4', '50540000000a5054000000090800450000', flow,
      'in_port(1),eth(src=50:54:00:00:00:09,dst=50:54:00:00:00:0a),eth_type(0x0800),ipv4(src=10.0.0.2,dst=10.0.0.1,proto=17,tos=0,ttl=64,frag=no),udp(src=1,dst=2)', '--len', '128']);
    await woke;
    assert.equal(netdevRxqRecv(rxq, batch), 3);
    assert.equal(batch.sizes[0], 17);
    // 14 + 20 + 8 + 64 bytes of payload, as OVS composes it.
    assert.equal(batch.sizes[1], 106);
    assert.equal(batch.sizes[2], 128);
    const key = newFlowKey();
    const p = batch.packet(1);
    flowExtract(p, 0, p.length, 1, key);
    assert.equal(formatFlowKey(key), `skb_priority(0),skb_mark(0),ct_state(0),ct_zone(0),ct_mark(0),ct_label(0),recirc_id(0),dp_hash(0),${flow.replace('in_port(1),', 'in_port(1),packet_type(ns=0,id=0),')}`);
    assert.equal(csum(p, 14, 20), 0);
    assert.equal(csum(p, 34, p.length - 34), 0);

    // Send them back out: tx_pcap records them, stats count them.
    assert.equal(netdevSend(a, 0, batch), 0);
    const s = netdevGetStats(a);
    assert.ok(typeof s === 'object');
    assert.equal(s.rx_packets, 3);
    assert.equal(s.tx_packets, 3);
    assert.equal(s.tx_bytes, 17 + 106 + 128);
    const rx = readPcapFile(join(dir, 'rx.pcap'));
    const tx = readPcapFile(join(dir, 'tx.pcap'));
    assert.ok(Array.isArray(rx) && Array.isArray(tx));
    assert.equal(rx.length, 3);
    assert.deepEqual(tx.map((r) => r.bytes.length), [17, 106, 128]);
    assert.deepEqual(tx[1]!.bytes, p);

    assert.throws(() => netdevDummyReceive(['nope', flow]), UnixctlError);
    assert.throws(() => netdevDummyReceive(['p4', 'in_port(1),bogus(2)']), /unknown attribute/);
    assert.throws(() => netdevDummyReceive(['p4', flow, '--len', '20']), /too small packet len/);
    netdevSetConfig(a, {});
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('send preparation completes partial checksums and drops GSO for devices without offloads', () => {
  const a = open('p5') as NetdevDummy;
  a.keepSent = 10;
  const key = newFlowKey();
  const batch = new DpPacketBatch(4, 2048);
  const pkt = Uint8Array.from([
    ...[0x50, 0x54, 0, 0, 0, 0x0a, 0x50, 0x54, 0, 0, 0, 0x09, 0x08, 0x00],
    0x45, 0, 0, 31, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
    0, 1, 0, 2, 0, 11, 0, 0, 0x61, 0x62, 0x63]);
  pkt.set([(csum(pkt, 14, 20) >> 8) & 0xff, csum(pkt, 14, 20) & 0xff], 24);
  // Pseudo-header sum as a sender leaves it for offload.
  const pseudo = 0x0a00 + 0x0001 + 0x0a00 + 0x0002 + 17 + 11;
  pkt[40] = pseudo >> 8; pkt[41] = pseudo & 0xff;
  batch.append(pkt);
  batch.olFlags[0] = OlFlags.CSUM_PARTIAL;
  batch.csumStart[0] = 34;
  batch.csumOffset[0] = 6;
  batch.append(pkt);
  batch.olFlags[1] = OlFlags.GSO;
  assert.equal(netdevSend(a, 0, batch), 0);
  assert.equal(a.sent.length, 1);
  const sent = a.sent[0]!;
  assert.notEqual(sent[40]! << 8 | sent[41]!, pseudo);
  assert.equal(csumFinish(csumPartial(sent, 34, 11, pseudoHeaderSumIpv4(0x0a000001, 0x0a000002, 17, 11))), 0);
  flowExtract(sent, 0, sent.length, 0, key);
  const s = netdevGetStats(a);
  assert.ok(typeof s === 'object');
  assert.equal(s.tx_dropped, 1);
  // With the offload capability the packet goes out untouched.
  a.olFlags = NetdevOl.TX_L4_CSUM | NetdevOl.TX_TCP_TSO;
  batch.count = 0;
  batch.append(pkt);
  batch.olFlags[0] = OlFlags.CSUM_PARTIAL;
  netdevSend(a, 0, batch);
  assert.equal(a.sent[1]![40], pkt[40]);
  netdevClose(a);
});
