/* Fast-path benchmark: packets per second through the userspace datapath's
 * caches on one core, and flow setups (miss upcalls) per second.
 *
 *   node build/bench/fastpath.js [--millis 1000] [--setups 20000] [--slow]
 *
 * Pre-built 64-byte TCP frames are queued on dummy port 1 and the datapath is
 * polled directly (DpifNetdev.pollPort: receive a batch of 32, extract keys,
 * EMC / megaflow lookup, actions, send on dummy port 2), with no event-loop
 * turn per batch, as a PMD thread would run:
 *
 *   dp emc hits      one megaflow "in_port(1) -> 2", 64 distinct 5-tuples in the EMC
 *   dp emc hits, pmd the same in a PMD thread's replica (hits counted in the shared slab)
 *   dp megaflow hits the same with the EMC off (classifier on every packet)
 *   dp 8 masks       1024 flows over 8 megaflow masks, EMC off
 *   dp set+output    EMC hits whose flow rewrites the IPv4 source (set_masked, checksums) then outputs
 *   ofproto hits     a bridge (ofproto-dpif + dpif-netdev backer) with "in_port=1 actions=output:2"
 *   ofproto setups   every packet a new flow: an upcall, translation and megaflow install
 *                    (a rule examines dl_src, so each source MAC needs its own megaflow)
 *
 * With --slow the slow-path backer (every packet translated) is measured
 * too, for the ratio.  Rates are per CPU-second of this process (so a loaded
 * machine slows them less) and by wall clock; compare within one run.
 */
import { Ofproto } from '../src/ofproto/ofproto.js';
import { type DpifBackend, type OfprotoDpif, ofprotoDpifSetBackerOpener, ofprotoDpifRegister } from '../src/ofproto/ofproto-dpif.js';
import { ofprotoSetFlowLimit } from '../src/ofproto/ofproto-dpif-upcall.js';
import { parseFlowMod } from '../src/ofproto/xlate-testbed.js';
import { netdevOpen } from '../src/datapath/netdev.js';
import { netdevDummyRegister, netdevDummyQueuePacket, type NetdevDummy } from '../src/datapath/netdev-dummy.js';
import { parseFlowKey } from '../src/datapath/odp-util.js';
import { parseOdpActions } from '../src/datapath/odp-actions-parse.js';
import { flowCompose } from '../src/datapath/flow-compose.js';
import { FLOW_WORDS } from '../src/datapath/flow.js';
import { DpifNetdev, FLOW_SLAB_WORDS, MAX_FLOWS } from '../src/datapath/dpif-netdev.js';
import { type OdpAction, OdpKey } from '../src/datapath/odp-actions.js';
import { DpifBacker } from '../src/vswitchd/dpif-backer.js';
import { DpifNetdevBacker } from '../src/vswitchd/dpif-netdev-backer.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const millis = arg('--millis', 1000);
const nSetups = arg('--setups', 20000);
const withSlow = process.argv.includes('--slow');
/** --only WORD: run just the cases whose name contains WORD (for profiling). */
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1]! : '';
const want = (name: string): boolean => name.includes(only);
const BATCH = 32;

netdevDummyRegister('dummy');

function frame(i: number, srcMac = 1, ipSrc = `10.0.${(i >> 8) & 255}.${i & 255}`): Uint8Array {
  const key = new Uint32Array(FLOW_WORDS), mask = new Uint32Array(FLOW_WORDS);
  const mac = `50:54:00:${((srcMac >> 16) & 255).toString(16).padStart(2, '0')}:${((srcMac >> 8) & 255).toString(16).padStart(2, '0')}:${(srcMac & 255).toString(16).padStart(2, '0')}`;
  const e = parseFlowKey(`in_port(1),eth(src=${mac},dst=50:54:00:00:00:02),eth_type(0x0800),ipv4(src=${ipSrc},dst=10.1.0.1,proto=6,tos=0,ttl=64,frag=no),tcp(src=${1000 + (i % 60000)},dst=80)`, key, mask);
  if (e) throw new Error(e);
  return flowCompose(key, 0, 10);
}

/** Queues 'pkts' round-robin on 'p1' and polls it (datapath port 'port' of 'dp') for about 'ms'; packets per second. */
function pump(dp: DpifNetdev, p1: NetdevDummy, p2: NetdevDummy, pkts: Uint8Array[], ms: number, port = 1): number {
  let q = 0, n = 0;
  const tx0 = p2.stats.tx_packets;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let round = 0; round < 64; round++) {
      for (let i = 0; i < BATCH; i++) {
        netdevDummyQueuePacket(p1, pkts[q]!);
        if (++q === pkts.length) q = 0;
      }
      n += dp.pollPort(port);
    }
    t = performance.now();
  }
  const c = process.cpuUsage(c0);
  const sent = p2.stats.tx_packets - tx0;
  if (sent !== n) throw new Error(`sent ${sent} of ${n} packets`);
  lastWallPps = n / ((t - t0) / 1000);
  return n / ((c.user + c.system) / 1e6);
}

/** pump()'s rate by wall-clock time (its result is per CPU-second of this process). */
let lastWallPps = 0;

let nDp = 0;
/** A bare datapath with dummy ports 1 and 2 and 'flows' installed. */
function datapath(emcInsertInvProb: number, flows: [string, string | OdpAction[]][], replica = false): [DpifNetdev, NetdevDummy, NetdevDummy] {
  const flowSlab = replica ? new Float64Array(new SharedArrayBuffer(MAX_FLOWS * FLOW_SLAB_WORDS * 8)) : undefined;
  const dp = new DpifNetdev(`bench${++nDp}`, { emcInsertInvProb, flowSlab });
  const p1 = netdevOpen(`bench${nDp}p1`, 'dummy') as NetdevDummy, p2 = netdevOpen(`bench${nDp}p2`, 'dummy') as NetdevDummy;
  dp.portAdd(p1, 1);
  dp.portAdd(p2, 2);
  for (const [text, acts] of flows) {
    const key = new Uint32Array(FLOW_WORDS), mask = new Uint32Array(FLOW_WORDS);
    const e = parseFlowKey(text, key, mask);
    if (e) throw new Error(e);
    const a = typeof acts === 'string' ? parseOdpActions(acts, new Map()) : acts;
    if (typeof a === 'string') throw new Error(a);
    const at = replica ? { id: dp.flowCount, ufid: dp.flowCount + 1 } : undefined;
    if (dp.flowPut(key, 0, mask, 0, a as OdpAction[], at) < 0) throw new Error(`flow not installed: ${text}`);
  }
  dp.start();
  return [dp, p1, p2];
}

const fmt = (pps: number): string =>
  `${(pps / 1e6).toFixed(2).padStart(6)} Mpps per CPU-second (${(lastWallPps / 1e6).toFixed(2)} by wall clock)`;

function runDatapath(): void {
  const pkts64 = Array.from({ length: 64 }, (_, i) => frame(i));
  const one: [string, string][] = [['recirc_id(0),in_port(1),eth_type(0x0800),ipv4(frag=no)', '2']];
  if (want('dp emc hits')) {
    const [dp, p1, p2] = datapath(1, one);
    pump(dp, p1, p2, pkts64, 200); // warm-up
    console.log(`dp emc hits            ${fmt(pump(dp, p1, p2, pkts64, millis))}`);
  }
  if (want('dp emc hits, pmd')) {
    const [dp, p1, p2] = datapath(1, one, true);
    pump(dp, p1, p2, pkts64, 200);
    console.log(`dp emc hits, pmd       ${fmt(pump(dp, p1, p2, pkts64, millis))}`);
  }
  if (want('dp megaflow hits')) {
    const [dp, p1, p2] = datapath(0, one);
    pump(dp, p1, p2, pkts64, 200);
    console.log(`dp megaflow hits       ${fmt(pump(dp, p1, p2, pkts64, millis))}`);
  }
  if (want('dp 8 masks')) {
    // 8 masks: IPv4 source prefixes /25../32, each over its own 10.M.0.0/16, 128 flows each; EMC off.
    const flows: [string, string][] = [], pkts: Uint8Array[] = [];
    for (let m = 0; m < 8; m++) {
      const plen = 25 + m, maskIp = (0xffffffff << (32 - plen)) >>> 0;
      const dot = (x: number) => `${x >>> 24}.${(x >>> 16) & 255}.${(x >>> 8) & 255}.${x & 255}`;
      for (let i = 0; i < 128; i++) {
        flows.push([`recirc_id(0),in_port(1),eth_type(0x0800),ipv4(src=10.${m}.${i}.0/${dot(maskIp)},frag=no)`, '2']);
        pkts.push(frame(i, 1, `10.${m}.${i}.0`));
      }
    }
    const [dp, p1, p2] = datapath(0, flows);
    pump(dp, p1, p2, pkts, 200);
    console.log(`dp 8 masks, no EMC     ${fmt(pump(dp, p1, p2, pkts, millis))}`);
  }
  if (want('dp set+output')) {
    const [dp, p1, p2] = datapath(1, [['recirc_id(0),in_port(1),eth_type(0x0800),ipv4(frag=no)',
      [{ type: 'set_masked', key: OdpKey.IPV4, value: Uint8Array.of(192, 168, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0),
        mask: Uint8Array.of(255, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0) }, { type: 'output', port: 2 }]]]);
    pump(dp, p1, p2, pkts64, 200);
    console.log(`dp set+output          ${fmt(pump(dp, p1, p2, pkts64, millis))}`);
  }
}

const PP = { hwAddr: new Uint8Array(6), config: 0, state: 0, curr: 0, advertised: 0, supported: 0, peer: 0, currSpeed: 0, maxSpeed: 0 };
let nBr = 0;

function bridge(backer: DpifBacker | DpifNetdevBacker, type: string, flows: string[]): { dpif: OfprotoDpif; ports: NetdevDummy[] } {
  const name = `br${++nBr}`;
  const r = Ofproto.create(name, type);
  if (!('ofproto' in r)) throw new Error(r.message);
  const dpif = r.ofproto.dp as OfprotoDpif;
  dpif.portAdd(name, null, PP, null, null);
  const ports: NetdevDummy[] = [];
  for (let i = 1; i <= 2; i++) {
    const nd = netdevOpen(`${name}p${i}`, 'dummy') as NetdevDummy;
    dpif.portAdd(nd.name, nd, PP, i);
    dpif.bundleSet(nd.name, { name: nd.name, slaves: [i], vlanMode: 'trunk', vlan: -1, trunks: null });
    backer.bind(dpif.xbridge.ports.get(i)!.odpPort, dpif, i);
    ports.push(nd);
  }
  ofprotoDpifRegister(dpif);
  for (const f of flows) dpif.ofproto.handleFlowMod(parseFlowMod(f));
  return { dpif, ports };
}

async function runOfproto(): Promise<void> {
  const slow = new DpifBacker('system');
  const fast = new DpifNetdevBacker('netdev');
  ofprotoDpifSetBackerOpener((type) => (type === 'system' ? slow : type === 'netdev' ? fast : null) as DpifBackend | null);
  ofprotoSetFlowLimit(1 << 20);
  const pkts64 = Array.from({ length: 64 }, (_, i) => frame(i));
  if (want('ofproto hits')) {
    const { ports: [p1, p2] } = bridge(fast, 'netdev', ['in_port=1 actions=output:2']);
    const port = fast.portList().find((p) => p.name === p1!.name)!.odp;
    pump(fast.dp, p1!, p2!, pkts64, 200, port);
    const hits = pump(fast.dp, p1!, p2!, pkts64, millis, port);
    console.log(`ofproto hits           ${fmt(hits)}   (upcalls ${fast.upcalls})`);
  }
  if (want('ofproto setups')) {
    const { dpif, ports: [p1, p2] } = bridge(fast, 'netdev', ['priority=10,dl_src=02:00:00:ff:ff:ff actions=drop', 'priority=1,in_port=1 actions=output:2']);
    const port = fast.portList().find((p) => p.name === p1!.name)!.odp;
    dpif.udpif.flowLimit = 1 << 20;
    const pkts = Array.from({ length: nSetups }, (_, i) => frame(i, 0x100000 + i));
    const u0 = fast.upcalls, f0 = fast.dp.flowCount;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < pkts.length; i += BATCH) {
      for (let j = i; j < Math.min(i + BATCH, pkts.length); j++) netdevDummyQueuePacket(p1!, pkts[j]!);
      fast.dp.pollPort(port);
    }
    const s = (performance.now() - t0) / 1000;
    const cu = process.cpuUsage(c0);
    const installed = fast.dp.flowCount - f0;
    if (p2!.stats.tx_packets < pkts.length) throw new Error(`only ${p2!.stats.tx_packets} of ${pkts.length} sent`);
    console.log(`ofproto setups         ${(nSetups / ((cu.user + cu.system) / 1e6) / 1000).toFixed(1).padStart(6)} k/s per CPU-second (${(nSetups / s / 1000).toFixed(1)} by wall clock; upcalls ${fast.upcalls - u0}, flows installed ${installed})`);
    dpif.udpif.purge();
  }
  if (withSlow) {
    const { ports: [p1, p2] } = bridge(slow, 'system', ['in_port=1 actions=output:2']);
    const n = 20000;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    let queued = 0;
    while (p2!.stats.tx_packets < n) {
      // The dummy receive queue holds 10000 packets: keep at most 5000 waiting.
      while (queued < n && queued - p2!.stats.tx_packets < 5000) netdevDummyQueuePacket(p1!, pkts64[queued++ % 64]!);
      await new Promise((r) => setImmediate(r));
    }
    const c = process.cpuUsage(c0);
    lastWallPps = n / ((performance.now() - t0) / 1000);
    console.log(`slow path (translate)  ${(n / ((c.user + c.system) / 1e6) / 1000).toFixed(1).padStart(6)} kpps per CPU-second (${(lastWallPps / 1000).toFixed(1)} by wall clock)`);
  }
}

async function main(): Promise<void> {
  runDatapath();
  await runOfproto();
  process.exit(0);
}
void main();
