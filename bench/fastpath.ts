/* Fast path vs slow path: packets per second forwarded between dummy ports
 * by a bridge on the slow-path backer (vswitchd/dpif-backer.ts: every packet
 * translated) and on the fast-path backer (vswitchd/dpif-netdev-backer.ts:
 * EMC + megaflows, one upcall per flow).
 *
 *   node build/bench/fastpath.js [packets=200000] [flows=64]
 *
 * Each bridge has ports 1 and 2; flows: "in_port=1 actions=output:2" and
 * NORMAL.  Packets are TCP with 'flows' distinct source ports, queued on
 * port 1's receive queue 5000 at a time; the clock stops when port 2 has
 * sent them all. */
import { Ofproto } from '../src/ofproto/ofproto.js';
import { type DpifBackend, type OfprotoDpif, ofprotoDpifSetBackerOpener, ofprotoDpifRegister, ofprotoDpifUnregister } from '../src/ofproto/ofproto-dpif.js';
import { parseFlowMod } from '../src/ofproto/xlate-testbed.js';
import { netdevOpen } from '../src/datapath/netdev.js';
import { netdevDummyRegister, netdevDummyQueuePacket, type NetdevDummy } from '../src/datapath/netdev-dummy.js';
import { parseFlowKey } from '../src/datapath/odp-util.js';
import { flowCompose } from '../src/datapath/flow-compose.js';
import { FLOW_WORDS } from '../src/datapath/flow.js';
import { DpifBacker } from '../src/vswitchd/dpif-backer.js';
import { DpifNetdevBacker } from '../src/vswitchd/dpif-netdev-backer.js';

const nPackets = Number(process.argv[2] ?? 200000);
const nFlows = Number(process.argv[3] ?? 64);

netdevDummyRegister('dummy');
const slow = new DpifBacker('system');
const fast = new DpifNetdevBacker('netdev');
ofprotoDpifSetBackerOpener((type) => (type === 'system' ? slow : type === 'netdev' ? fast : null) as DpifBackend | null);
const PP = { hwAddr: new Uint8Array(6), config: 0, state: 0, curr: 0, advertised: 0, supported: 0, peer: 0, currSpeed: 0, maxSpeed: 0 };
let nBr = 0;

function bridge(backer: DpifBacker | DpifNetdevBacker, flow: string): { dpif: OfprotoDpif; ports: NetdevDummy[] } {
  const name = `br${++nBr}`;
  const r = Ofproto.create(name, backer === slow ? 'system' : 'netdev');
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
  dpif.ofproto.handleFlowMod(parseFlowMod(flow));
  return { dpif, ports };
}

const packets: Uint8Array[] = [];
for (let i = 0; i < nFlows; i++) {
  const key = new Uint32Array(FLOW_WORDS), mask = new Uint32Array(FLOW_WORDS);
  parseFlowKey(`in_port(1),eth(src=50:54:00:00:00:01,dst=50:54:00:00:00:02),eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=6,tos=0,ttl=64,frag=no),tcp(src=${1000 + i},dst=80)`, key, mask);
  packets.push(flowCompose(key, 0, 18));
}

async function run(backer: DpifBacker | DpifNetdevBacker, flow: string): Promise<number> {
  const { dpif, ports: [p1, p2] } = bridge(backer, flow);
  const t0 = process.hrtime.bigint();
  let queued = 0;
  while (p2!.stats.tx_packets < nPackets) {
    if (queued < nPackets && queued - p2!.stats.tx_packets < 5000) {
      for (let i = 0; i < 5000 && queued < nPackets; i++, queued++) netdevDummyQueuePacket(p1!, packets[queued % nFlows]!);
    }
    await new Promise((r) => setImmediate(r));
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  ofprotoDpifUnregister(dpif);
  return nPackets / s;
}

async function main(): Promise<void> {
  for (const flow of ['in_port=1 actions=output:2', 'actions=NORMAL']) {
    const s = await run(slow, flow);
    const f = await run(fast, flow);
    console.log(`${flow.padEnd(28)} slow path ${Math.round(s).toString().padStart(9)} pps   fast path ${Math.round(f).toString().padStart(9)} pps   (${(f / s).toFixed(1)}x)  upcalls ${fast.upcalls}`);
  }
}
void main();
