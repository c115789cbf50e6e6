// Forwarding smoke test for the Linux netdevs: two network namespaces, each
// joined by a veth pair to this (root) namespace, where a NetdevRelay forwards
// between the two "system" netdevs.  Real ping and TCP traffic goes through
// AF_PACKET sockets, with and without virtio-net offloads, and through an
// "internal" (tap) netdev.  Needs root and ip(8); namespaces and links are
// removed in finally blocks (tests/helpers/netns.ts).  Traffic stays inside
// namespaces made here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { netdevInitialize } from '../src/datapath/netdev-classes.js';
import {
  netdevClose, netdevGetMtu, netdevGetEtherAddr, netdevGetStats, netdevGetCarrier,
  netdevGetFlags, netdevUpdateFlags, netdevGetStatus, netdevGetFeatures, netdevRxqOpen, netdevRxqRecv,
  netdevRxqClose, netdevRxqWait, netdevSend, netdevSetMtu,
} from '../src/datapath/netdev.js';
import { type Netdev, type NetdevRxq, NetdevFlags } from '../src/datapath/netdev-provider.js';
import { netdevLinuxSetUserspaceTso } from '../src/datapath/netdev-linux.js';
import { NetdevRelay } from '../src/datapath/netdev-relay.js';
import { DpPacketBatch } from '../src/datapath/dp-packet.js';
import { flowExtract, newFlowKey } from '../src/datapath/flow.js';
import { formatFlowKey } from '../src/datapath/odp-util.js';
import { skip, hasEthtool, setup, teardown, open, pingAndTcp, run, sh, NS_A, NS_B, A0, B0, tag } from './helpers/netns.js';

test('system netdevs relay ping and TCP between namespaces (offloads off)', { skip, timeout: 30000 }, async () => {
  netdevInitialize();
  netdevLinuxSetUserspaceTso(false);
  setup(true);
  let a: Netdev | null = null, b: Netdev | null = null, relay: NetdevRelay | null = null;
  try {
    a = open(A0, 'system');
    b = open(B0, 'system');
    assert.equal(netdevGetMtu(a), 1500);
    assert.ok(netdevGetEtherAddr(a) > 0);
    assert.ok(netdevGetCarrier(a));
    assert.equal(netdevGetFlags(a) & NetdevFlags.UP, NetdevFlags.UP);
    assert.equal(netdevGetStatus(a).driver_name, 'veth');
    const f = netdevGetFeatures(a);
    assert.ok(typeof f === 'object' && f.currentMbps > 0);
    relay = new NetdevRelay(a, b);
    relay.start();
    await pingAndTcp();
    const [ab, ba] = relay.counters();
    assert.ok(ab.packets >= 3 && ba.packets >= 3, JSON.stringify([ab, ba]));
    const s = netdevGetStats(a);
    assert.ok(typeof s === 'object' && s.rx_packets >= ab.packets);
  } finally {
    relay?.stop();
    if (a) netdevClose(a);
    if (b) netdevClose(b);
    teardown();
  }
});

test('system netdevs with virtio-net headers keep GSO packets whole (offloads on)', { skip, timeout: 30000 }, async () => {
  netdevInitialize();
  netdevLinuxSetUserspaceTso(true);
  setup(false);
  let a: Netdev | null = null, b: Netdev | null = null, relay: NetdevRelay | null = null;
  try {
    a = open(A0, 'system');
    b = open(B0, 'system');
    relay = new NetdevRelay(a, b, { packetCapacity: 65536 + 10 });
    relay.start();
    await pingAndTcp();
    const [ab] = relay.counters();
    // 4 MiB in far fewer packets than 1500-byte frames would need.
    assert.ok(ab.bytes / ab.packets > 1500, `average ${ab.bytes / ab.packets} bytes`);
  } finally {
    relay?.stop();
    if (a) netdevClose(a);
    if (b) netdevClose(b);
    netdevLinuxSetUserspaceTso(false);
    teardown();
  }
});

test('partial checksums cross a port without TSO (virtio-net NEEDS_CSUM)', { skip: skip || (!hasEthtool && 'needs ethtool'), timeout: 30000 }, async () => {
  netdevInitialize();
  setup(false);
  // A sends with checksum offload but no segmentation offload, so its packets
  // arrive with partial checksums; B's side is opened without userspace TSO:
  // its socket still takes partial checksums (its virtio-net header says
  // NEEDS_CSUM), or B's stack would drop the packets.  (Completion in
  // software, for taps without offloads, is in tests/namespaces-forwarding.)
  sh('ip', 'netns', 'exec', NS_A, 'ethtool', '-K', 'veth0', 'tso', 'off', 'gso', 'off');
  sh('ip', 'netns', 'exec', NS_B, 'ethtool', '-K', 'veth0', 'tso', 'off', 'gso', 'off');
  let a: Netdev | null = null, b: Netdev | null = null, relay: NetdevRelay | null = null;
  try {
    netdevLinuxSetUserspaceTso(true);
    a = open(A0, 'system');
    netdevLinuxSetUserspaceTso(false);
    b = open(B0, 'system');
    relay = new NetdevRelay(a, b, { packetCapacity: 65536 + 10 });
    relay.start();
    // Send from A to B only through TCP data; replies go B→A without offloads.
    await pingAndTcp();
  } finally {
    relay?.stop();
    if (a) netdevClose(a);
    if (b) netdevClose(b);
    netdevLinuxSetUserspaceTso(false);
    teardown();
  }
});

test('internal (tap) netdev: host traffic is received, sent packets reach the host', { skip, timeout: 20000 }, async () => {
  netdevInitialize();
  const name = `${tag}br`;
  let d: Netdev | null = null, rxq: NetdevRxq | null = null;
  try {
    d = open(name, 'internal');
    spawnSync('sysctl', ['-qw', `net.ipv6.conf.${name}.disable_ipv6=1`]);
    assert.equal(netdevSetMtu(d, 1400), 0);
    assert.equal(netdevGetMtu(d), 1400);
    netdevUpdateFlags(d, 0, NetdevFlags.UP);
    assert.ok(netdevGetFlags(d) & NetdevFlags.UP);
    rxq = netdevRxqOpen(d, 0) as NetdevRxq;
    assert.equal(typeof rxq, 'object');
    // The host sends an ARP request out of the interface: we receive it.
    sh('ip', 'addr', 'add', '10.79.0.1/24', 'dev', name);
    const batch = new DpPacketBatch(32, 2048 + 128);
    const got = new Promise<string>((resolve) => {
      const poll = () => {
        const n = netdevRxqRecv(rxq!, batch);
        for (let i = 0; i < n; i++) {
          const key = newFlowKey();
          flowExtract(batch.data, batch.offsets[i]!, batch.sizes[i]!, 1, key);
          const text = formatFlowKey(key);
          if (text.includes('arp(')) { resolve(text); return; }
        }
        netdevRxqWait(rxq!, poll);
      };
      poll();
    });
    const arping = run('ping', ['-c', '1', '-W', '1', '10.79.0.2']);
    const text = await got;
    assert.match(text, /arp\(sip=10\.79\.0\.1,tip=10\.79\.0\.2,op=1,/);
    await arping;
    // What we send, the host receives (its rx counter is our tx).
    const before = netdevGetStats(d) as { tx_packets: number };
    batch.count = 1;
    assert.equal(netdevSend(d, 0, batch), 0);
    const after = netdevGetStats(d) as { tx_packets: number };
    assert.equal(after.tx_packets, before.tx_packets + 1);
  } finally {
    if (rxq) netdevRxqClose(rxq);
    if (d) netdevClose(d);
    spawnSync('ip', ['link', 'del', name], { stdio: 'ignore' });
  }
});
