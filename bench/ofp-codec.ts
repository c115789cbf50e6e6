/* OpenFlow codec benchmark: flow-mod and packet-in messages decoded and
 * encoded per second.
 *
 *   node build/bench/ofp-codec.js [seconds=2]
 *
 * Flow-mods carry a typical match (in_port, IPv4 TCP 5-tuple with a prefix)
 * and a few actions (set VLAN, set eth_dst, dec_ttl, output), as OF1.0
 * (OFPT_FLOW_MOD), OF1.0 with NXM (NXT_FLOW_MOD) and OF1.3 (OFPT_FLOW_MOD
 * with OXM and instructions).  Packet-ins carry a 64-byte TCP packet with
 * in_port and a register as metadata, as NXT_PACKET_IN2 and OF1.3
 * OFPT_PACKET_IN.  "decode" is header decoding plus the message decoder
 * (decodeMsg + decodeFlowMod / decodePacketIn), "encode" is the message
 * encoder from the decoded form (encodeFlowMod / encodePacketIn).  Each
 * decoded message is checked to re-encode to the same bytes first.  Rates
 * are per second of this process's CPU time (garbage collection included),
 * the best of five rounds.
 */
import { decodeMsgThrow } from '../src/openflow/ofp-msgs.js';
import { decodeFlowMod, encodeFlowMod, type FlowMod } from '../src/openflow/ofp-flow.js';
import { decodePacketIn, encodePacketIn, type PacketIn } from '../src/openflow/ofp-packet.js';
import { parseFlowModText } from '../src/openflow/ofp-flow-parse.js';
import { Match } from '../src/openflow/match.js';
import { FL, put32 } from '../src/openflow/flow.js';

const seconds = Number(process.argv[2] ?? 2);

const FLOW = 'table=3,priority=1000,cookie=0x1234,idle_timeout=60,in_port=1,tcp,nw_src=10.0.0.0/8,'
  + 'nw_dst=192.168.1.20,tp_src=1024,tp_dst=80,'
  + 'actions=mod_vlan_vid:10,set_field:00:11:22:33:44:55->eth_dst,dec_ttl,output:2';

function flowMod(): FlowMod {
  const r = parseFlowModText(FLOW, 0);
  if (typeof r === 'string') throw new Error(r);
  return r.fm;
}

function packetIn(): PacketIn {
  const packet = new Uint8Array(64);
  packet.set([0, 1, 2, 3, 4, 5, 0, 0x10, 0x20, 0x30, 0x40, 0x50, 0x08, 0x00, 0x45, 0, 0, 50, 0, 0, 0, 0, 64, 6]);
  const metadata = new Match();
  put32(metadata.flow, FL.IN_PORT, 3);
  put32(metadata.wc, FL.IN_PORT, 0xffffffff);
  put32(metadata.flow, FL.REGS, 0x1234);
  put32(metadata.wc, FL.REGS, 0xffffffff);
  return {
    packet, totalLen: 64, bufferId: 0xffffffff, reason: 1, tableId: 7, cookie: 0xabcdn, metadata, userdata: null,
    continuation: { bridge: null, stack: [], mirrors: 0, conntracked: false, actions: [], actionSet: null, odpPort: 0 },
  };
}

interface Case { name: string; bytes: Uint8Array; decode: (b: Uint8Array) => unknown; encode: (x: unknown) => Uint8Array }

const fm = flowMod();
const pin = packetIn();
const cases: Case[] = [
  {
    name: 'OF1.0 OFPT_FLOW_MOD', bytes: encodeFlowMod(fm, 1, { tid: true }),
    decode: (b) => decodeFlowMod(decodeMsgThrow(b), true), encode: (x) => encodeFlowMod(x as FlowMod, 1, { tid: true }),
  },
  {
    name: 'OF1.0 NXT_FLOW_MOD', bytes: encodeFlowMod(fm, 1, { nxm: true, tid: true }),
    decode: (b) => decodeFlowMod(decodeMsgThrow(b), true), encode: (x) => encodeFlowMod(x as FlowMod, 1, { nxm: true, tid: true }),
  },
  {
    name: 'OF1.3 OFPT_FLOW_MOD', bytes: encodeFlowMod(fm, 4),
    decode: (b) => decodeFlowMod(decodeMsgThrow(b)), encode: (x) => encodeFlowMod(x as FlowMod, 4),
  },
  {
    name: 'NXT_PACKET_IN2 (OF1.3)', bytes: encodePacketIn(pin, 4, 2),
    decode: (b) => decodePacketIn(decodeMsgThrow(b)), encode: (x) => encodePacketIn(x as PacketIn, 4, 2),
  },
  {
    name: 'OF1.3 OFPT_PACKET_IN', bytes: encodePacketIn(pin, 4, 0),
    decode: (b) => decodePacketIn(decodeMsgThrow(b)), encode: (x) => encodePacketIn(x as PacketIn, 4, 0),
  },
];

/** Runs 'f' in batches for about 'seconds' of CPU time and returns the best
 * rate of five rounds, in calls per CPU second (process.cpuUsage, so other
 * processes on a loaded machine count against us as little as possible). */
function rate(f: () => void): number {
  const batch = 1000;
  for (let i = 0; i < batch * 20; i++) f(); // warm-up
  let best = 0;
  for (let round = 0; round < 5; round++) {
    let n = 0, used = 0;
    const start = process.cpuUsage();
    while (used < (seconds * 1e6) / 5) {
      for (let i = 0; i < batch; i++) f();
      n += batch;
      const u = process.cpuUsage(start);
      used = u.user + u.system;
    }
    best = Math.max(best, (n * 1e6) / used);
  }
  return best;
}

const fmt = (r: number): string => Math.round(r).toLocaleString('en-US').padStart(11);
console.log(`${'message'.padEnd(24)} ${'bytes'.padStart(5)} ${'decode/s'.padStart(11)} ${'encode/s'.padStart(11)}`);
// ONLY="substring" [decode|encode]: run one case (for profiling).
const only = process.env.ONLY, onlyWhat = process.env.ONLY_WHAT;
for (const c of cases) {
  if (only && !c.name.includes(only)) continue;
  const decoded = c.decode(c.bytes);
  const again = c.encode(decoded);
  if (Buffer.compare(Buffer.from(again), Buffer.from(c.bytes)) !== 0) throw new Error(`${c.name}: re-encoding differs`);
  let sink: unknown;
  const dec = onlyWhat === 'encode' ? 0 : rate(() => { sink = c.decode(c.bytes); });
  const enc = onlyWhat === 'decode' ? 0 : rate(() => { sink = c.encode(decoded); });
  void sink;
  console.log(`${c.name.padEnd(24)} ${String(c.bytes.length).padStart(5)} ${fmt(dec)} ${fmt(enc)}`);
}
