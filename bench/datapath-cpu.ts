// datapath-cpu benchmark: the per-packet CPU cost of the userspace datapath's
// JavaScript stages on one core, without any I/O: flow key extraction, EMC
// lookup, megaflow (dpcls) lookup, and the Internet checksum of a 1500-byte
// packet.  Packets are 64-byte-payload UDP frames from 'flows' distinct flows,
// processed in batches of 32 as a PMD thread would.
//
// Usage: node build/bench/datapath-cpu.js [--flows 1000] [--millis 1000]
import { DpPacketBatch } from '../src/datapath/dp-packet.js';
import { flowExtract, flowHashRss, FLOW_WORDS, newFlowKey } from '../src/datapath/flow.js';
import { flowCompose } from '../src/datapath/flow-compose.js';
import { parseFlowKey } from '../src/datapath/odp-util.js';
import { Emc } from '../src/datapath/dpif-netdev-emc.js';
import { Dpcls } from '../src/datapath/dpif-netdev-dpcls.js';
import { csum } from '../src/lib/packets/checksum.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

const nFlows = arg('--flows', 1000);
const millis = arg('--millis', 1000);
const BATCH = 32;

// Packets: UDP 10.0.x.y:1000+i -> 10.1.0.1:5000, 64-byte payload.
const key = newFlowKey(), mask = newFlowKey();
const packets: Uint8Array[] = [];
for (let i = 0; i < nFlows; i++) {
  parseFlowKey(`in_port(1),eth(src=50:54:00:00:00:01,dst=50:54:00:00:00:02),eth_type(0x0800),ipv4(src=10.0.${(i >> 8) & 255}.${i & 255},dst=10.1.0.1,proto=17,tos=0,ttl=64,frag=no),udp(src=${1000 + (i % 50000)},dst=5000)`, key, mask);
  packets.push(flowCompose(key, 0, 64));
}
const batches: DpPacketBatch[] = [];
for (let b = 0; b < Math.ceil(nFlows / BATCH); b++) {
  const batch = new DpPacketBatch(BATCH, 2048);
  for (let i = 0; i < BATCH; i++) batch.append(packets[(b * BATCH + i) % nFlows]!, 1);
  batches.push(batch);
}
const keys = new Uint32Array(BATCH * FLOW_WORDS);
const hashes = new Uint32Array(BATCH);
const ids = new Int32Array(BATCH);

// Megaflows as ofproto would install them for a MAC-learning bridge: match
// on in_port, MACs, eth_type and IPv4 frag only (one subtable).
const cls = new Dpcls();
parseFlowKey('recirc_id(0),in_port(1),packet_type(ns=0,id=0),eth(src=50:54:00:00:00:01,dst=50:54:00:00:00:02),eth_type(0x0800),ipv4(frag=no)', key, mask);
cls.insert(key, 0, mask, 0, 1);
const emc = new Emc();
emc.insertInvProb = 1;

function timeIt(name: string, perBatch: (b: DpPacketBatch) => void): void {
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < millis) {
    for (const b of batches) {
      perBatch(b);
      n += b.count;
    }
    t = performance.now();
  }
  const mpps = n / ((t - t0) / 1000) / 1e6;
  console.log(`${name.padEnd(34)} ${mpps.toFixed(2).padStart(7)} Mpps  ${(1000 / mpps).toFixed(0).padStart(6)} ns/packet`);
}

const extract = (b: DpPacketBatch) => {
  for (let i = 0; i < b.count; i++) flowExtract(b.data, b.offsets[i]!, b.sizes[i]!, 1, keys, i * FLOW_WORDS);
};
const hash = (b: DpPacketBatch) => {
  for (let i = 0; i < b.count; i++) hashes[i] = flowHashRss(keys, i * FLOW_WORDS);
};

console.log(`${nFlows} flows, batches of ${BATCH}, ${millis} ms per stage`);
timeIt('flow extraction', extract);
timeIt('extraction + hash', (b) => { extract(b); hash(b); });
timeIt('extraction + dpcls (1 subtable)', (b) => { extract(b); cls.lookupBatch(keys, b.count, ids); });
timeIt('extraction + hash + EMC', (b) => {
  extract(b); hash(b);
  for (let i = 0; i < b.count; i++) {
    if (emc.lookup(keys, i * FLOW_WORDS, hashes[i]!) < 0) emc.insert(keys, i * FLOW_WORDS, hashes[i]!, 1);
  }
});
const big = new Uint8Array(1500).map((_, i) => i);
let sink = 0;
timeIt('checksum of 1500 bytes', (b) => { for (let i = 0; i < b.count; i++) sink ^= csum(big, 0, 1500); });
if (sink === 0.5) console.log(sink);

