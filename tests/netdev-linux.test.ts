// Forwarding smoke test for the Linux netdevs: two network namespaces, each
// joined by a veth pair to this (root) namespace, where a NetdevRelay forwards
// between the two "system" netdevs.  Real ping and TCP traffic goes through
// AF_PACKET sockets, with and without virtio-net offloads, and through an
// "internal" (tap) netdev.  Needs root and ip(8); namespaces and links are
// removed in finally blocks.  Traffic stays inside namespaces made here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { netdevInitialize } from '../src/datapath/netdev-classes.js';
import {
  netdevOpen, netdevClose, netdevGetMtu, netdevGetEtherAddr, netdevGetStats, netdevGetCarrier,
  netdevGetFlags, netdevUpdateFlags, netdevGetStatus, netdevGetFeatures, netdevRxqOpen, netdevRxqRecv,
  netdevRxqClose, netdevRxqWait, netdevSend, netdevSetMtu,
} from '../src/datapath/netdev.js';
import { type Netdev, type NetdevRxq, NetdevFlags } from '../src/datapath/netdev-provider.js';
import { Worker } from 'node:worker_threads';
import { netdevLinuxSetUserspaceTso, netdevLinuxExport } from '../src/datapath/netdev-linux.js';
import { relayThreadUrl, type RelayThreadData } from '../src/datapath/netdev-relay-thread.js';
import { NetdevRelay } from '../src/datapath/netdev-relay.js';
import { DpPacketBatch } from '../src/datapath/dp-packet.js';
import { flowExtract, newFlowKey } from '../src/datapath/flow.js';
import { formatFlowKey } from '../src/datapath/odp-util.js';

const has = (cmd: string, arg = '-V') => spawnSync(cmd, [arg]).status === 0;
// The system interpreter: version-manager shims are slow to start on a busy machine.
const PY = spawnSync('/usr/bin/python3', ['-V']).status === 0 ? '/usr/bin/python3' : 'python3';
const skip = process.getuid?.() !== 0 || !has('ip') || !has(PY, '-V') ? 'needs root, ip(8) and python3' : false;
const hasEthtool = has('ethtool', '--version');

const tag = `ovt${process.pid % 100000}`;
// Names change per test: a namespace deleted by one test may still be going away.
let round = 0;
let NS_A = '', NS_B = '', A0 = '', B0 = '';
const IP_A = '10.78.0.1', IP_B = '10.78.0.2';

function sh(cmd: string, ...args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

/** Runs a command without blocking the event loop (the relay runs in this process). */
function run(cmd: string, args: string[], timeoutMs = 8000): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('close', (code) => { clearTimeout(t); resolve({ code: code ?? -1, out }); });
  });
}

function nsx(ns: string, ...args: string[]): Promise<{ code: number; out: string }> {
  return run('ip', ['netns', 'exec', ns, ...args]);
}

function setup(txOff: boolean): void {
  round++;
  NS_A = `${tag}a${round}`; NS_B = `${tag}b${round}`; A0 = `${tag}a${round}x`; B0 = `${tag}b${round}x`;
  sh('ip', 'netns', 'add', NS_A);
  sh('ip', 'netns', 'add', NS_B);
  for (const [ns, inner, outer, addr] of [[NS_A, 'veth0', A0, IP_A], [NS_B, 'veth0', B0, IP_B]] as const) {
    sh('ip', 'link', 'add', outer, 'type', 'veth', 'peer', 'name', inner, 'netns', ns);
    spawnSync('sysctl', ['-qw', `net.ipv6.conf.${outer}.disable_ipv6=1`]);
    sh('ip', 'link', 'set', outer, 'up');
    sh('ip', 'netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
    sh('ip', 'netns', 'exec', ns, 'ip', 'addr', 'add', `${addr}/24`, 'dev', inner);
    sh('ip', 'netns', 'exec', ns, 'ip', 'link', 'set', inner, 'up');
    if (txOff && hasEthtool) sh('ip', 'netns', 'exec', ns, 'ethtool', '-K', inner, 'tx', 'off');
  }
}

function teardown(): void {
  for (const l of [A0, B0]) spawnSync('ip', ['link', 'del', l], { stdio: 'ignore' });
  for (const ns of [NS_A, NS_B]) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
}

function open(name: string, type: string): Netdev {
  const n = netdevOpen(name, type);
  assert.equal(typeof n, 'object', `netdevOpen ${name}: errno ${n}`);
  return n as Netdev;
}

// A TCP sink and source in Python: exact byte counts, no timing guesswork.
const SINK = 'import socket,sys\ns=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n'
  + 's.bind((sys.argv[1],5299));s.listen(1);print("listening",flush=True);c,_=s.accept();n=0\n'
  + 'while True:\n d=c.recv(1<<16)\n if not d: break\n n+=len(d)\nprint(n,flush=True)';
const SOURCE = 'import socket,sys\nc=socket.create_connection((sys.argv[1],5299),timeout=10)\n'
  + 'b=bytes(range(256))*256\nfor i in range(16): c.sendall(b)\nc.close()';
const TCP_BYTES = 16 * 65536;

async function pingAndTcp(): Promise<void> {
  const ping = await nsx(NS_A, 'ping', '-c', '2', '-i', '0.2', '-W', '2', IP_B);
  assert.equal(ping.code, 0, ping.out);
  assert.match(ping.out, /2 received/);
  const sink = spawn('ip', ['netns', 'exec', NS_B, PY, '-c', SINK, IP_B], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  sink.stdout.on('data', (d) => { out += d; });
  try {
    for (let i = 0; i < 100 && !out.includes('listening'); i++) await new Promise((r) => setTimeout(r, 20));
    const src = await nsx(NS_A, PY, '-c', SOURCE, IP_B);
    assert.equal(src.code, 0, src.out);
    for (let i = 0; i < 250 && !/\d+\n$/.test(out); i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(Number(out.split('\n')[1]), TCP_BYTES);
  } finally {
    sink.kill();
  }
}

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

test('partial checksums are completed for a port without offloads', { skip: skip || (!hasEthtool && 'needs ethtool'), timeout: 30000 }, async () => {
  netdevInitialize();
  setup(false);
  // A sends with checksum offload but no segmentation offload, so its packets
  // arrive with partial checksums; B's side has no vnet header, so the netdev
  // front must complete them or B's stack drops the packets.
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

test('a worker thread relays on ports the main thread opened', { skip, timeout: 30000 }, async () => {
  netdevInitialize();
  netdevLinuxSetUserspaceTso(true);
  setup(false);
  let a: Netdev | null = null, b: Netdev | null = null, worker: Worker | null = null;
  try {
    a = open(A0, 'system');
    b = open(B0, 'system');
    const data: RelayThreadData = { a: netdevLinuxExport(a)!, b: netdevLinuxExport(b)!, options: { packetCapacity: 65546 } };
    worker = new Worker(relayThreadUrl, { workerData: data });
    const w = worker;
    const next = () => new Promise<Record<string, unknown>>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
    assert.deepEqual(await next(), { ready: true });
    await pingAndTcp();
    w.postMessage('counters');
    const { counters } = await next() as { counters: { packets: number; bytes: number }[] };
    assert.ok(counters[0]!.bytes >= TCP_BYTES, JSON.stringify(counters));
    w.postMessage('stop');
    assert.deepEqual(await next(), { stopped: true });
  } finally {
    await worker?.terminate();
    if (a) netdevClose(a);
    if (b) netdevClose(b);
    netdevLinuxSetUserspaceTso(false);
    teardown();
  }
});
