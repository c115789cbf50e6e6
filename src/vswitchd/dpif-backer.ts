/* dpif-backer: a userspace datapath behind ofproto-dpif's DpifBackend seam.
 *
 * One backer per datapath type ("dummy" for ovs-dummy, "netdev" for
 * ovs-netdev) is shared by every bridge of that type, as OVS's dpif_backer.
 * It numbers datapath ports (for "dummy" from the digits in the port name,
 * "br" names from 100, as OVS's test datapath does), reads packets from each
 * port's netdev and hands them to the owning bridge's ofproto-dpif as miss
 * upcalls, and executes the datapath actions translation produces: output,
 * VLAN push/pop, userspace (packet-ins), recirculation, clone and sample.
 *
 * It keeps the megaflows ofproto-dpif installs (for dpif/dump-flows) but
 * sends every packet through the slow path, so rule statistics stay exact;
 * the datapath layer's dpif-netdev (EMC + dpcls) is meant to take its place
 * once it speaks the openflow/flow.ts layout.
 */
import { vlogModule, RateLimit } from '../lib/vlog.js';
import { FL, FLOW_SIZE, put32 } from '../openflow/flow.js';
import { flowExtract } from '../openflow/flow-extract.js';
import { type OdpAction, type OdpKey, ODP_KEY_LAYOUTS } from '../datapath/odp-actions.js';
import { csumPartial, csumFinish, pseudoHeaderSumIpv4, pseudoHeaderSumIpv6 } from '../lib/packets/checksum.js';
import { OfpError } from '../openflow/ofp-errors.js';
import type { MeterConfig, MeterFeatures } from '../openflow/ofp-meter.js';
import { DpifMeters } from './dpif-meters.js';
import { DpPacketBatch, HEADROOM } from '../datapath/dp-packet.js';
import type { Netdev, NetdevRxq } from '../datapath/netdev-provider.js';
import { netdevRxqOpen, netdevRxqClose, netdevRxqRecv, netdevRxqWait, netdevSend } from '../datapath/netdev.js';
import type { DpifBackend, OfprotoDpif } from '../ofproto/ofproto-dpif.js';
import type { XlateSupport } from '../ofproto/ofproto-dpif-xlate.js';

const log = vlogModule('dpif_netdev');
const rl = new RateLimit(5, 20);
const EEXIST = 17, ENOENT = 2;

/** Datapath port 0 is the datapath's own internal port. */
const ODPP_LOCAL = 0;

interface BackerPort {
  odp: number;
  name: string;
  type: string;
  netdev: Netdev | null;
  rxq: NetdevRxq | null;
  /** The bridge and OpenFlow port this datapath port belongs to. */
  owner: OfprotoDpif | null;
  ofp: number;
}

/** A megaflow as ofproto-dpif installed it. */
export interface BackerFlow {
  flow: Uint8Array;
  mask: Uint8Array;
  actions: readonly OdpAction[];
  ufid: number;
}

/** A userspace datapath shared by the bridges of one datapath type. */
export class DpifBacker implements DpifBackend {
  readonly name: string;
  readonly support: XlateSupport = { maskedSet: true, recirc: true, clone: true, checkPktLen: true, trunc: true, ctState: true };
  private readonly ports = new Map<number, BackerPort>();
  private readonly flows = new Map<string, BackerFlow>();
  private readonly rx = new DpPacketBatch(32, HEADROOM + 65536);
  private readonly tx = new DpPacketBatch(1, HEADROOM + 65536);
  private depth = 0;
  private readonly meters = new DpifMeters();
  /** The bridge whose packet is being processed (actions run synchronously). */
  private current: OfprotoDpif | null = null;
  /** While capturing, executions are recorded here instead of run. */
  private captured: { packet: Uint8Array; flow: Uint8Array; actions: readonly OdpAction[] }[] | null = null;

  constructor(readonly type: string) {
    this.name = type === 'dummy' ? 'ovs-dummy' : `ovs-${type}`;
    this.ports.set(ODPP_LOCAL, { odp: ODPP_LOCAL, name: this.name, type: 'internal', netdev: null, rxq: null, owner: null, ofp: 0 });
  }

  /** Picks a datapath port number for 'name' (dpif-netdev's choose_port). */
  private choosePort(name: string): number {
    if (this.type === 'dummy') {
      const m = /[0-9]+/.exec(name);
      if (m) {
        const n = (name.startsWith('br') ? 100 : 0) + Number.parseInt(m[0], 10);
        if (n > 0 && n !== 0xffffffff && !this.ports.has(n)) return n;
      }
    }
    for (let n = 1; n <= 0xffff; n++) if (!this.ports.has(n)) return n;
    return -1;
  }

  portAdd(name: string, netdev: unknown, odpPortRequest: number | null): number {
    for (const p of this.ports.values()) if (p.name === name) return -EEXIST;
    const odp = odpPortRequest !== null && !this.ports.has(odpPortRequest) ? odpPortRequest : this.choosePort(name);
    if (odp < 0) return -27; /* EFBIG */
    const nd = netdev as Netdev | null;
    const port: BackerPort = { odp, name, type: nd?.type ?? '', netdev: nd, rxq: null, owner: null, ofp: 0 };
    this.ports.set(odp, port);
    if (nd) {
      const rxq = netdevRxqOpen(nd, 0);
      if (typeof rxq === 'number') log.warnRl(rl, `${name}: could not open receive queue (error ${rxq})`);
      else { port.rxq = rxq; this.armReceive(port); }
    }
    return odp;
  }

  portDel(odpPort: number): number {
    const p = this.ports.get(odpPort);
    if (!p || odpPort === ODPP_LOCAL) return ENOENT;
    this.ports.delete(odpPort);
    if (p.rxq) { netdevRxqClose(p.rxq); p.rxq = null; }
    return 0;
  }

  /** Tells the backer which bridge and OpenFlow port own datapath port 'odp'. */
  bind(odp: number, owner: OfprotoDpif, ofp: number): void {
    const p = this.ports.get(odp);
    if (p) { p.owner = owner; p.ofp = ofp; }
  }

  /** Datapath ports for dpif/show: number, name, type. */
  portList(): { odp: number; name: string; type: string }[] {
    return [...this.ports.values()].sort((a, b) => a.odp - b.odp).map((p) => ({ odp: p.odp, name: p.name, type: p.type }));
  }

  /** The installed megaflows (dpif/dump-flows). */
  flowList(): BackerFlow[] { return [...this.flows.values()]; }

  flowPut(flow: Uint8Array, mask: Uint8Array, actions: readonly OdpAction[], ufid: number): void {
    const key = new Uint8Array(FLOW_SIZE);
    for (let i = 0; i < FLOW_SIZE; i++) key[i] = flow[i]! & mask[i]!;
    const k = String.fromCharCode(...key) + '|' + String.fromCharCode(...mask);
    this.flows.set(k, { flow: key, mask: mask.slice(), actions, ufid });
  }

  flowFlush(): void { this.flows.clear(); }

  /* ---- Meters (dpif-meters.ts; rates are not enforced). ---- */

  meterFeatures(): MeterFeatures { return this.meters.features(); }
  meterSet(id: number | null, config: MeterConfig): number | OfpError { return this.meters.set(id, config); }
  meterGet(id: number, nBands: number): ReturnType<DpifMeters['get']> { return this.meters.get(id, nBands); }
  meterDel(id: number): void { this.meters.del(id); }

  /* ---- Receiving. ---- */

  private armReceive(p: BackerPort): void {
    if (!p.rxq) return;
    netdevRxqWait(p.rxq, () => this.receive(p));
  }

  private receive(p: BackerPort): void {
    if (!p.rxq || this.ports.get(p.odp) !== p) return;
    for (let round = 0; round < 64; round++) {
      const n = netdevRxqRecv(p.rxq, this.rx);
      if (n <= 0) break;
      const pkts: Uint8Array[] = [];
      for (let i = 0; i < this.rx.count; i++) pkts.push(this.rx.packet(i).slice());
      for (const pkt of pkts) this.upcall(p, pkt);
    }
    this.armReceive(p);
  }

  /** A packet from port 'p' goes to its bridge's slow path (a miss upcall). */
  private upcall(p: BackerPort, packet: Uint8Array): void {
    if (!p.owner) return;
    const flow = flowExtract(packet).flow;
    put32(flow, FL.IN_PORT, p.ofp);
    try {
      this.runAs(p.owner, () => p.owner!.handleMiss(flow, packet));
    } catch (e) {
      log.err(`${p.name}: upcall failed: ${(e as Error).stack ?? e}`);
    }
  }

  /** Runs 'fn' with 'owner' as the bridge whose packet is processed (packet-outs, upcalls). */
  runAs(owner: OfprotoDpif, fn: () => void): void {
    const saved = this.current;
    this.current = owner;
    try { fn(); } finally { this.current = saved; }
  }

  /* ---- Executing actions. ---- */

  /** Runs 'fn' for 'owner' with executions held back; returns what runs them. */
  capture(owner: OfprotoDpif, fn: () => void): () => void {
    const saved = this.captured;
    const list: { packet: Uint8Array; flow: Uint8Array; actions: readonly OdpAction[] }[] = [];
    this.captured = list;
    try { this.runAs(owner, fn); } finally { this.captured = saved; }
    return () => this.runAs(owner, () => { for (const x of list) this.execute(x.packet, x.flow, x.actions); });
  }

  execute(packet: Uint8Array, flow: Uint8Array, actions: readonly OdpAction[]): void {
    if (this.captured) { this.captured.push({ packet: packet.slice(), flow: flow.slice(), actions }); return; }
    if (this.depth > 16) return;
    this.depth++;
    try {
      this.run(packet, flow, actions);
    } finally {
      this.depth--;
    }
  }

  /** The bridge that owns the packet's input port, else any bridge (packet-outs from LOCAL...). */
  private ownerOf(flow: Uint8Array): OfprotoDpif | null {
    if (this.current) return this.current;
    const inPort = (flow[FL.IN_PORT]! << 24 | flow[FL.IN_PORT + 1]! << 16 | flow[FL.IN_PORT + 2]! << 8 | flow[FL.IN_PORT + 3]!) >>> 0;
    let any: OfprotoDpif | null = null;
    for (const p of this.ports.values()) {
      if (!p.owner) continue;
      any ??= p.owner;
      if (p.ofp === inPort) return p.owner;
    }
    return any;
  }

  private run(packet: Uint8Array, flow: Uint8Array, actions: readonly OdpAction[]): void {
    let pkt = packet;
    for (const a of actions) {
      switch (a.type) {
        case 'output': this.output(a.port, pkt); break;
        case 'userspace': {
          if (a.cookie) this.userspaceOwner(flow)?.handleUserspace(a.cookie, pkt, flow);
          break;
        }
        case 'set': pkt = applySet(pkt, flow, a.key, a.value, null); break;
        case 'set_masked': pkt = applySet(pkt, flow, a.key, a.value, a.mask); break;
        case 'push_vlan': pkt = pushVlan(pkt, a.tpid, a.tci); break;
        case 'pop_vlan': pkt = popVlan(pkt); break;
        case 'trunc': if (pkt.length > a.maxLen) pkt = pkt.slice(0, a.maxLen); break;
        case 'clone': this.run(pkt.slice(), flow.slice(), a.actions); break;
        case 'sample': if (a.probability >= 0xffffffff || Math.random() * 0xffffffff < a.probability) this.run(pkt.slice(), flow.slice(), a.actions); break;
        case 'recirc': {
          const f = flowExtract(pkt).flow;
          for (let i = 0; i < FL.DL_DST; i++) f[i] = flow[i]!;
          put32(f, FL.RECIRC_ID, a.id);
          this.ownerOf(flow)?.handleMiss(f, pkt);
          return;
        }
        case 'check_pkt_len': this.run(pkt, flow, pkt.length > a.size ? a.gt : a.le); return;
        case 'drop': return;
        case 'meter': this.meters.hit(a.id, pkt.length); break;
        case 'hash': case 'ct': case 'ct_clear': break;
        default:
          log.dbgRl(rl, `${this.name}: datapath action ${a.type} not executed`);
      }
    }
  }

  private userspaceOwner(flow: Uint8Array): OfprotoDpif | null { return this.ownerOf(flow); }

  private output(odp: number, pkt: Uint8Array): void {
    const p = this.ports.get(odp);
    if (!p || !p.netdev) return;
    this.tx.count = 0;
    if (!this.tx.append(pkt)) return;
    netdevSend(p.netdev, 0, this.tx);
  }
}

/** Applies a set or masked set action to the flow and, for header fields, to the packet (odp-execute). */
function applySet(pkt: Uint8Array, flow: Uint8Array, key: OdpKey, value: Uint8Array, mask: Uint8Array | null): Uint8Array {
  const layout = ODP_KEY_LAYOUTS[key];
  for (const fd of layout.fields) {
    if (!fd.writable) continue;
    const skip = fd.size - fd.flowSize;
    for (let i = 0; i < fd.flowSize; i++) {
      const k = fd.off + skip + i, f = fd.flowOff + i;
      const m = mask ? mask[k]! : 0xff;
      flow[f] = (flow[f]! & ~m) | (value[k]! & m);
    }
  }
  if (key === 'skb_priority' || key === 'skb_mark' || key === 'ct_mark' || key === 'ct_label') return pkt;
  const out = pkt.slice();
  rewriteHeaders(out, flow, key);
  return out;
}

const g16 = (b: Uint8Array, o: number): number => (b[o]! << 8) | b[o + 1]!;
const p16 = (b: Uint8Array, o: number, v: number): void => { b[o] = (v >>> 8) & 0xff; b[o + 1] = v & 0xff; };

/** Writes the flow's values for key 'key' into the packet's headers and fixes checksums. */
function rewriteHeaders(p: Uint8Array, flow: Uint8Array, key: string): void {
  if (p.length < 14) return;
  if (key === 'eth') { p.set(flow.subarray(FL.DL_DST, FL.DL_DST + 6), 0); p.set(flow.subarray(FL.DL_SRC, FL.DL_SRC + 6), 6); return; }
  let l3 = 12;
  let type = g16(p, l3);
  while ((type === 0x8100 || type === 0x88a8) && l3 + 6 <= p.length) { l3 += 4; type = g16(p, l3); }
  l3 += 2;
  if (key === 'arp') {
    if (type !== 0x0806 || l3 + 28 > p.length) return;
    p16(p, l3 + 6, flow[FL.NW_PROTO]!);
    p.set(flow.subarray(FL.ARP_SHA, FL.ARP_SHA + 6), l3 + 8);
    p.set(flow.subarray(FL.NW_SRC, FL.NW_SRC + 4), l3 + 14);
    p.set(flow.subarray(FL.ARP_THA, FL.ARP_THA + 6), l3 + 18);
    p.set(flow.subarray(FL.NW_DST, FL.NW_DST + 4), l3 + 24);
    return;
  }
  let l4: number, proto: number, l4Len: number, pseudo: () => number;
  if (type === 0x0800) {
    if (l3 + 20 > p.length) return;
    const ihl = (p[l3]! & 0xf) * 4;
    if (key === 'ipv4') {
      p[l3 + 1] = flow[FL.NW_TOS]!;
      p[l3 + 8] = flow[FL.NW_TTL]!;
      p.set(flow.subarray(FL.NW_SRC, FL.NW_SRC + 4), l3 + 12);
      p.set(flow.subarray(FL.NW_DST, FL.NW_DST + 4), l3 + 16);
      p16(p, l3 + 10, 0);
      p16(p, l3 + 10, csumFinish(csumPartial(p, l3, ihl)));
    }
    l4 = l3 + ihl;
    proto = p[l3 + 9]!;
    const src = ((p[l3 + 12]! << 24) | (p[l3 + 13]! << 16) | (p[l3 + 14]! << 8) | p[l3 + 15]!) >>> 0;
    const dst = ((p[l3 + 16]! << 24) | (p[l3 + 17]! << 16) | (p[l3 + 18]! << 8) | p[l3 + 19]!) >>> 0;
    l4Len = Math.min(g16(p, l3 + 2), p.length - l3) - ihl;
    pseudo = () => pseudoHeaderSumIpv4(src, dst, proto, l4Len);
  } else if (type === 0x86dd) {
    if (l3 + 40 > p.length) return;
    if (key === 'ipv6') {
      p.set(flow.subarray(FL.IPV6_SRC, FL.IPV6_SRC + 16), l3 + 8);
      p.set(flow.subarray(FL.IPV6_DST, FL.IPV6_DST + 16), l3 + 24);
      p[l3 + 7] = flow[FL.NW_TTL]!;
      const tc = flow[FL.NW_TOS]!;
      p[l3] = 0x60 | (tc >> 4);
      p[l3 + 1] = ((tc & 0xf) << 4) | (flow[FL.IPV6_LABEL + 1]! & 0xf);
      p[l3 + 2] = flow[FL.IPV6_LABEL + 2]!;
      p[l3 + 3] = flow[FL.IPV6_LABEL + 3]!;
    }
    l4 = l3 + 40;
    proto = p[l3 + 6]!;
    l4Len = Math.min(g16(p, l3 + 4), p.length - l4);
    pseudo = () => pseudoHeaderSumIpv6(p, l3 + 8, l3 + 24, proto, l4Len);
  } else {
    return;
  }
  if ((key === 'tcp' || key === 'udp' || key === 'sctp') && l4 + 4 <= p.length) {
    p.set(flow.subarray(FL.TP_SRC, FL.TP_SRC + 2), l4);
    p.set(flow.subarray(FL.TP_DST, FL.TP_DST + 2), l4 + 2);
  } else if ((key === 'icmp' || key === 'icmpv6') && l4 + 2 <= p.length) {
    p[l4] = flow[FL.TP_SRC + 1]!;
    p[l4 + 1] = flow[FL.TP_DST + 1]!;
  }
  /* Transport checksum over the pseudo header. */
  const csumOff = proto === 6 ? 16 : proto === 17 ? 6 : proto === 58 ? 2 : proto === 1 ? 2 : -1;
  if (csumOff < 0 || l4 + csumOff + 2 > p.length) return;
  if (proto === 17 && type === 0x0800 && g16(p, l4 + 6) === 0) return;
  p16(p, l4 + csumOff, 0);
  const base = proto === 1 ? 0 : pseudo();
  if (l4Len <= csumOff) return;
  let c = csumFinish(csumPartial(p, l4, l4Len, base));
  if (proto === 17 && c === 0) c = 0xffff;
  p16(p, l4 + csumOff, c);
}

function pushVlan(p: Uint8Array, tpid: number, tci: number): Uint8Array {
  if (p.length < 12) return p;
  const out = new Uint8Array(p.length + 4);
  out.set(p.subarray(0, 12), 0);
  out[12] = tpid >> 8; out[13] = tpid & 0xff; out[14] = (tci >> 8) & 0xef; out[15] = tci & 0xff;
  out.set(p.subarray(12), 16);
  return out;
}

function popVlan(p: Uint8Array): Uint8Array {
  if (p.length < 18) return p;
  const t = (p[12]! << 8) | p[13]!;
  if (t !== 0x8100 && t !== 0x88a8) return p;
  const out = new Uint8Array(p.length - 4);
  out.set(p.subarray(0, 12), 0);
  out.set(p.subarray(16), 12);
  return out;
}

const backers = new Map<string, DpifBacker>();

/** The backer for datapath type 'type' ("dummy", "netdev", "system"). */
export function dpifBackerFor(type: string): DpifBacker {
  let b = backers.get(type);
  if (!b) { b = new DpifBacker(type); backers.set(type, b); }
  return b;
}

/** Every open backer. */
export function dpifBackers(): DpifBacker[] { return [...backers.values()]; }
