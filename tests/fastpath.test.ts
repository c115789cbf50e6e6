// The fast-path backer (src/vswitchd/dpif-netdev-backer.ts) against the
// slow-path one (dpif-backer.ts): bridges over dummy ports, packets queued on
// the ports' receive queues, what each port sent compared.  Also: one upcall
// per flow (the second packet hits the megaflow/EMC), set-field rewriting
// with valid checksums, and flow-mods invalidating cached flows.
import { test } from 'node:test';
import { unixctlRevalidatorWait } from '../src/ofproto/ofproto-dpif-upcall.js';
import assert from 'node:assert/strict';
import { Ofproto } from '../src/ofproto/ofproto.js';
import { type DpifBackend, type OfprotoDpif, ofprotoDpifSetBackerOpener, ofprotoDpifRegister, ofprotoDpifUnregister } from '../src/ofproto/ofproto-dpif.js';
import { parseFlowMod } from '../src/ofproto/xlate-testbed.js';
import { netdevOpen } from '../src/datapath/netdev.js';
import { netdevDummyRegister, netdevDummyQueuePacket, type NetdevDummy } from '../src/datapath/netdev-dummy.js';
import { parseFlowKey } from '../src/datapath/odp-util.js';
import { flowCompose } from '../src/datapath/flow-compose.js';
import { FLOW_WORDS } from '../src/datapath/flow.js';
import { csum } from '../src/lib/packets/checksum.js';
import { DpifBacker } from '../src/vswitchd/dpif-backer.js';
import { DpifNetdevBacker } from '../src/vswitchd/dpif-netdev-backer.js';
import { ofprotoSetMaxIdle, ofprotoSetFlowLimit, OFPROTO_FLOW_LIMIT_DEFAULT } from '../src/ofproto/ofproto-dpif-upcall.js';

netdevDummyRegister('dummy');
const slow = new DpifBacker('system');
const fast = new DpifNetdevBacker('netdev');
ofprotoDpifSetBackerOpener((type) => (type === 'system' ? slow : type === 'netdev' ? fast : null) as DpifBackend | null);

const PP = { hwAddr: new Uint8Array(6), config: 0, state: 0, curr: 0, advertised: 0, supported: 0, peer: 0, currSpeed: 0, maxSpeed: 0 };

interface Br { dpif: OfprotoDpif; ports: NetdevDummy[] }
let nBridges = 0;

/** A bridge of 'n' dummy ports (OpenFlow ports 1..n) on the slow or fast backer. */
function bridge(backer: DpifBacker | DpifNetdevBacker, n: number, flows: string[]): Br {
  const name = `br${++nBridges}`;
  const r = Ofproto.create(name, backer === slow ? 'system' : 'netdev');
  assert.ok('ofproto' in r);
  const dpif = r.ofproto.dp as OfprotoDpif;
  dpif.portAdd(name, null, PP, null, null);
  dpif.bundleSet(name, { name, slaves: [0xfffe], vlanMode: 'trunk', vlan: -1, trunks: null });
  const ports: NetdevDummy[] = [];
  for (let i = 1; i <= n; i++) {
    const pn = `${name}p${i}`;
    const nd = netdevOpen(pn, 'dummy');
    assert.ok(typeof nd !== 'number');
    (nd as NetdevDummy).keepSent = 1000;
    const ofp = dpif.portAdd(pn, nd, PP, i);
    assert.equal(ofp, i);
    dpif.bundleSet(pn, { name: pn, slaves: [i], vlanMode: 'trunk', vlan: -1, trunks: null });
    backer.bind(dpif.xbridge.ports.get(i)!.odpPort, dpif, i);
    ports.push(nd as NetdevDummy);
  }
  ofprotoDpifRegister(dpif);
  for (const f of flows) assert.equal(dpif.ofproto.handleFlowMod(parseFlowMod(f)), null, f);
  return { dpif, ports };
}

function pkt(text: string): Uint8Array {
  const key = new Uint32Array(FLOW_WORDS), mask = new Uint32Array(FLOW_WORDS);
  parseFlowKey(text, key, mask);
  return flowCompose(key, 0, 20);
}

const eth = (src: number, dst: number) => `eth(src=50:54:00:00:00:0${src},dst=50:54:00:00:00:0${dst})`;
const tcp = (src: number, dst: number, extra = '') =>
  pkt(`in_port(1),${eth(src, dst)},eth_type(0x0800),ipv4(src=10.0.0.${src},dst=10.0.0.${dst},proto=6,tos=0,ttl=64,frag=no),tcp(src=1000,dst=80)${extra}`);
const vlanTcp = (vid: number) =>
  pkt(`in_port(1),${eth(1, 2)},eth_type(0x8100),vlan(vid=${vid},pcp=0),encap(eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=6,tos=0,ttl=64,frag=no),tcp(src=1,dst=2))`);

const settle = async (): Promise<void> => { for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r)); };
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const sent = (b: Br): string[][] => b.ports.map((p) => p.sent.map(hex));

/** Sends [port index, packet] pairs through a slow and a fast bridge with the same flows; returns both outputs. */
async function both(n: number, flows: string[], input: [number, Uint8Array][]): Promise<[string[][], string[][], Br]> {
  const s = bridge(slow, n, flows), f = bridge(fast, n, flows);
  for (const [port, p] of input) {
    netdevDummyQueuePacket(s.ports[port]!, p.slice());
    netdevDummyQueuePacket(f.ports[port]!, p.slice());
    await settle();
  }
  const out: [string[][], string[][], Br] = [sent(s), sent(f), f];
  ofprotoDpifUnregister(s.dpif); ofprotoDpifUnregister(f.dpif);
  return out;
}

test('two packets of one flow cost one upcall; the second hits the fast path', async () => {
  const b = bridge(fast, 2, ['in_port=1 actions=output:2']);
  // Setting the bridge up changed the tables: let that revalidation round end
  // first, so it cannot remove the flow between the two packets.
  unixctlRevalidatorWait();
  const u0 = fast.upcalls, hits0 = fast.stats.emcHits + fast.stats.megaflowHits;
  netdevDummyQueuePacket(b.ports[0]!, tcp(1, 2));
  // The first packet's upcall must be answered (and its flow installed)
  // before the second arrives, however slow the machine.
  for (let i = 0; i < 2000 && b.ports[1]!.sent.length < 1; i++) await new Promise((r) => setTimeout(r, 1));
  netdevDummyQueuePacket(b.ports[0]!, tcp(1, 2));
  for (let i = 0; i < 2000 && b.ports[1]!.sent.length < 2; i++) await new Promise((r) => setTimeout(r, 1));
  assert.equal(fast.upcalls - u0, 1);
  assert.equal(fast.stats.emcHits + fast.stats.megaflowHits - hits0, 1);
  assert.equal(b.ports[1]!.sent.length, 2);
  assert.equal(hex(b.ports[1]!.sent[1]!), hex(tcp(1, 2)));
  netdevDummyQueuePacket(b.ports[0]!, tcp(1, 2));
  await settle();
  // Rule statistics: the upcalled packet at once, the fast-path hits when pushed.
  const rule = b.dpif.ofproto.allRules()[0]!;
  assert.equal(b.dpif.ofproto.ruleGetStats(rule).packets, 1);
  b.dpif.udpif.wait();
  assert.equal(b.dpif.ofproto.ruleGetStats(rule).packets, 3);
  assert.equal(b.dpif.ofproto.ruleGetStats(rule).bytes, 3 * tcp(1, 2).length);
  assert.equal(b.dpif.nHit, 2);
  ofprotoDpifUnregister(b.dpif);
});

test('fast and slow paths forward alike: NORMAL learning, output, VLAN push/pop', async () => {
  const cases: [string, number, string[], [number, Uint8Array][]][] = [
    ['NORMAL', 3, ['actions=NORMAL'], [[0, tcp(1, 2)], [1, tcp(2, 1)], [0, tcp(1, 2)], [0, tcp(1, 2)], [2, tcp(3, 1)]]],
    ['output', 3, ['in_port=1 actions=output:2,output:3', 'in_port=2 actions=output:1'], [[0, tcp(1, 2)], [0, tcp(1, 3)], [1, tcp(2, 1)], [1, tcp(2, 1)]]],
    ['vlan', 2, ['in_port=1,dl_vlan=0xffff actions=mod_vlan_vid:10,output:2', 'in_port=1,dl_vlan=20 actions=strip_vlan,output:2', 'in_port=2 actions=push_vlan:0x8100,set_field:4107->vlan_vid,output:1'],
      [[0, tcp(1, 2)], [0, tcp(1, 2)], [0, vlanTcp(20)], [0, vlanTcp(20)], [1, tcp(2, 1)], [1, tcp(2, 1)]]],
  ];
  for (const [what, n, flows, input] of cases) {
    const [s, f] = await both(n, flows, input);
    assert.ok(s.flat().length > 0, what);
    assert.deepEqual(f, s, what);
  }
});

test('set-field actions rewrite headers with valid checksums', async () => {
  const u0 = fast.upcalls;
  const b = bridge(fast, 2, ['tcp,in_port=1 actions=mod_dl_src:aa:bb:cc:dd:ee:ff,mod_nw_src:192.168.1.1,mod_nw_tos:32,mod_tp_dst:8080,output:2']);
  for (let i = 0; i < 3; i++) { netdevDummyQueuePacket(b.ports[0]!, tcp(1, 2)); await settle(); }
  assert.equal(fast.upcalls - u0, 1);
  const out = b.ports[1]!.sent;
  assert.equal(out.length, 3);
  const expect = tcp(1, 2);
  expect.set([0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff], 6);
  expect.set([192, 168, 1, 1], 26);
  expect[15] = 32;
  expect[36] = 8080 >> 8; expect[37] = 8080 & 0xff;
  for (const p of out) {
    assert.equal(csum(p, 14, 20), 0, 'IPv4 header checksum');
    // Compare all but the checksums, then verify TCP's over the pseudo-header.
    const a = p.slice(), e = expect.slice();
    a[24] = a[25] = e[24] = e[25] = a[50] = a[51] = e[50] = e[51] = 0;
    assert.equal(hex(a), hex(e));
    const ph = new Uint8Array(12 + p.length - 34);
    ph.set(p.subarray(26, 34), 0); ph[9] = 6; ph[10] = (p.length - 34) >> 8; ph[11] = (p.length - 34) & 0xff;
    ph.set(p.subarray(34), 12);
    assert.equal(csum(ph, 0, ph.length), 0, 'TCP checksum');
  }
  ofprotoDpifUnregister(b.dpif);
});

test('a flow-mod changes the cached flow in place: the very next packet follows it', async () => {
  const b = bridge(fast, 3, ['in_port=1 actions=output:2']);
  const u0 = fast.upcalls;
  netdevDummyQueuePacket(b.ports[0]!, tcp(1, 2)); await settle();
  netdevDummyQueuePacket(b.ports[0]!, tcp(1, 2)); await settle();
  assert.equal(fast.upcalls - u0, 1);
  assert.equal(b.dpif.ofproto.handleFlowMod(parseFlowMod('in_port=1 actions=output:3')), null);
  netdevDummyQueuePacket(b.ports[0]!, tcp(1, 2)); await settle();
  assert.equal(fast.upcalls - u0, 1, 'revalidated, not flushed: no new upcall');
  assert.equal(b.ports[1]!.sent.length, 2);
  assert.equal(b.ports[2]!.sent.length, 1, 'the new rule applies');
  // A rule that needs a finer megaflow: the old one is too coarse and goes away.
  assert.equal(b.dpif.ofproto.handleFlowMod(parseFlowMod('priority=40000,tcp,in_port=1,tp_src=1000 actions=output:2')), null);
  netdevDummyQueuePacket(b.ports[0]!, tcp(1, 2)); await settle();
  assert.equal(fast.upcalls - u0, 2, 'the megaflow was too wide: a new upcall');
  assert.equal(b.ports[1]!.sent.length, 3);
  // Statistics: all four packets reach the rules they went through.
  b.dpif.udpif.wait();
  const counts = b.dpif.ofproto.allRules().map((r) => b.dpif.ofproto.ruleGetStats(r).packets).sort();
  assert.deepEqual(counts, [1, 3]);
  ofprotoDpifUnregister(b.dpif);
});

test('idle datapath flows expire; revalidator/purge empties the datapath', async () => {
  const b = bridge(fast, 2, ['in_port=1 actions=output:2']);
  netdevDummyQueuePacket(b.ports[0]!, tcp(1, 2)); await settle();
  netdevDummyQueuePacket(b.ports[0]!, tcp(1, 2)); await settle();
  const before = fast.dp.flowCount;
  assert.ok(before >= 1);
  ofprotoSetMaxIdle(100);
  try {
    await new Promise((r) => setTimeout(r, 150));
    b.dpif.udpif.wait();
    assert.equal(fast.dp.flowCount, 0, 'idle for more than max-idle: deleted');
  } finally {
    ofprotoSetMaxIdle(10000);
  }
  const rule = b.dpif.ofproto.allRules().find((r) => r.priority !== 0) ?? b.dpif.ofproto.allRules()[0]!;
  assert.equal(b.dpif.ofproto.ruleGetStats(rule).packets, 2, 'statistics credited before deletion');
  netdevDummyQueuePacket(b.ports[0]!, tcp(1, 2)); await settle();
  assert.equal(fast.dp.flowCount, 1);
  b.dpif.udpif.purge();
  assert.equal(fast.dp.flowCount, 0);
  ofprotoDpifUnregister(b.dpif);
});

test('the flow limit bounds the datapath during a storm of new flows', async () => {
  const b = bridge(fast, 2, ['actions=NORMAL']);
  b.dpif.setMacTableConfig(300, 100000);
  fast.dp.flowFlush();
  ofprotoSetFlowLimit(50);
  try {
    const u0 = fast.upcalls;
    for (let i = 0; i < 400; i++) {
      // NORMAL's megaflows match the Ethernet source exactly: one flow per source MAC.
      const src = `50:54:01:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
      netdevDummyQueuePacket(b.ports[0]!, pkt(`in_port(1),eth(src=${src},dst=50:54:00:00:00:02),eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=6,tos=0,ttl=64,frag=no),tcp(src=1,dst=80)`));
      if (i % 50 === 49) await settle();
    }
    await settle();
    assert.ok(fast.upcalls - u0 > 50, 'more new flows than the limit arrived');
    assert.ok(fast.dp.flowCount <= 50, `flows ${fast.dp.flowCount}`);
    assert.equal(b.ports[1]!.sent.length, 400, 'packets over the limit are still forwarded');
  } finally {
    ofprotoSetFlowLimit(OFPROTO_FLOW_LIMIT_DEFAULT);
    b.dpif.udpif.purge();
  }
  ofprotoDpifUnregister(b.dpif);
});
