/* dpif-netdev-backer: ofproto-dpif's DpifBackend over the userspace fast path.
 *
 * The same role and public surface as dpif-backer.ts (one backer per
 * datapath type shared by that type's bridges; portAdd/bind/portList/runAs/
 * flowList), but packets run through datapath/dpif-netdev.ts: flow key
 * extraction, the exact-match cache and the megaflow classifier.  Only a
 * miss goes to the owning bridge's ofproto-dpif handleMiss(), with the key
 * converted to the OpenFlow flow layout (datapath/flow-convert.ts) and the
 * datapath in_port mapped to the OpenFlow port; the megaflow ofproto then
 * installs through flowPut() is converted back and put in the classifier, so
 * the next packet of that flow never leaves the fast path.
 *
 * Megaflows whose actions dpif-netdev cannot run (recirculation, conntrack,
 * sample, meters, check_pkt_len...) are not installed there: their packets
 * keep taking the slow path, where execute() runs those actions itself.
 * Userspace actions on the fast path (packet-ins) come back through the
 * datapath's userspace handler to the bridge's handleUserspace().  What the
 * megaflows count is credited to OpenFlow rules by pushStats() (every 500 ms
 * and before each flush), re-translating each flow without side effects.
 */
import { vlogModule, RateLimit } from '../lib/vlog.js';
import { FL, FLOW_SIZE, get32, put32 } from '../openflow/flow.js';
import { flowExtract as ofFlowExtract } from '../openflow/flow-extract.js';
import type { OdpAction } from '../datapath/odp-actions.js';
import { FLOW_WORDS, W, flowExtract } from '../datapath/flow.js';
import { keyToFlow, flowToKey } from '../datapath/flow-convert.js';
import { odpSetField } from '../datapath/odp-execute.js';
import { DpifNetdev, dpExecutable, type DpStats } from '../datapath/dpif-netdev.js';
import { netdevOpen } from '../datapath/netdev.js';
import type { Netdev } from '../datapath/netdev-provider.js';
import type { DpifBackend, OfprotoDpif } from '../ofproto/ofproto-dpif.js';
import type { OfpError } from '../openflow/ofp-errors.js';
import type { MeterConfig, MeterFeatures } from '../openflow/ofp-meter.js';
import { DpifMeters } from './dpif-meters.js';
import { type XlateSupport, xlateActions } from '../ofproto/ofproto-dpif-xlate.js';

const log = vlogModule('dpif_netdev');
const rl = new RateLimit(5, 20);
const EEXIST = 17, ENOENT = 2, EFBIG = 27;

/** Datapath port 0 is the datapath's own internal port. */
const ODPP_LOCAL = 0;
/** OpenFlow "no port". */
const OFPP_NONE = 0xffff;

interface BackerPort {
  odp: number;
  name: string;
  type: string;
  /** Whether the port's netdev was added to the fast path. */
  inDp: boolean;
  owner: OfprotoDpif | null;
  ofp: number;
}

/** A megaflow as ofproto-dpif installed it. */
export interface BackerFlow {
  flow: Uint8Array;
  mask: Uint8Array;
  actions: readonly OdpAction[];
  ufid: number;
  /** False if the actions need the slow path (not in the fast path's classifier). */
  fast: boolean;
}

/** A fast-path userspace datapath shared by the bridges of one datapath type. */
export class DpifNetdevBacker implements DpifBackend {
  readonly name: string;
  readonly support: XlateSupport = { maskedSet: true, recirc: true, clone: true, checkPktLen: true, trunc: true, ctState: true };
  /** The fast path itself. */
  readonly dp: DpifNetdev;
  private readonly ports = new Map<number, BackerPort>();
  private readonly meters = new DpifMeters();
  /** The device of datapath port 0 (dummy datapaths only). */
  private localNetdev: Netdev | null = null;
  private readonly flows = new Map<string, BackerFlow>();
  private readonly key = new Uint32Array(FLOW_WORDS);
  private readonly keyMask = new Uint32Array(FLOW_WORDS);
  private readonly scratch = new Uint32Array(FLOW_WORDS);
  private depth = 0;
  /** The bridge whose packet is being processed (actions run synchronously). */
  private current: OfprotoDpif | null = null;
  /** While capturing, executions are recorded here instead of run. */
  private captured: { packet: Uint8Array; flow: Uint8Array; actions: readonly OdpAction[] }[] | null = null;
  /** Miss upcalls handed to ofproto. */
  upcalls = 0;
  /** Fast-path megaflows by datapath flow id: whose they are and the counts already credited. */
  private readonly installed = new Map<number, { owner: OfprotoDpif; flow: Uint8Array; packets: number; bytes: number }>();
  private readonly statsTimer: ReturnType<typeof setInterval>;

  constructor(readonly type: string) {
    this.name = type === 'dummy' ? 'ovs-dummy' : `ovs-${type}`;
    this.dp = new DpifNetdev(this.name, { packetCapacity: 65536 });
    this.ports.set(ODPP_LOCAL, { odp: ODPP_LOCAL, name: this.name, type: 'internal', inDp: false, owner: null, ofp: 0 });
    // OVS's dummy datapath opens a device for its local port ("ovs-dummy", dummy-internal);
    // like OVS, that takes the first dummy MAC, so the bridges' devices get the same MACs.
    if (type === 'dummy') {
      const nd = netdevOpen(this.name, 'dummy-internal');
      if (typeof nd !== 'number') this.localNetdev = nd;
    }
    this.dp.setUpcallHandler((packet, keys, k, inPort) => this.upcall(packet, keys, k, inPort));
    this.dp.setUserspaceHandler((packet, inPort, a) => {
      // A packet-out's packet may come from a port the datapath does not have (in_port=6,
      // in_port=none): it belongs to the bridge executing it.
      const p = this.ports.get(inPort);
      const owner = p?.owner ?? this.current;
      if (!a.cookie || !owner) return;
      const pkt = packet.slice();
      const flow = this.packetFlow(pkt, p?.owner ? p.ofp : OFPP_NONE);
      this.runAs(owner, () => owner.handleUserspace(a.cookie!, pkt, flow));
    });
    this.dp.start();
    this.statsTimer = setInterval(() => this.pushStats(), 500);
    this.statsTimer.unref();
  }

  /**
   * Credits the rules, groups and bridge hit counters with what the fast
   * path's megaflows counted since the last push (as OVS's revalidators do
   * by re-translating each flow with its statistics delta).  Runs every
   * 500 ms and before a flush; callers wanting exact counters now (dump-flows,
   * revalidator/wait) may call it directly.
   */
  pushStats(): void {
    if (!this.installed.size) return;
    const byId = new Map<number, { packets: number; bytes: number; used: number; tcpFlags: number }>();
    for (const f of this.dp.flowDump()) byId.set(f.id, f);
    for (const [id, e] of this.installed) {
      const f = byId.get(id);
      if (!f) { this.installed.delete(id); continue; }
      const packets = f.packets - e.packets, bytes = f.bytes - e.bytes;
      if (packets <= 0) continue;
      e.packets = f.packets; e.bytes = f.bytes;
      e.owner.nHit += packets;
      try {
        xlateActions({ bridge: e.owner.xbridge, flow: e.flow, allowSideEffects: false,
          resubmitStats: { packets, bytes, used: e.owner.ofproto.now(), tcpFlags: f.tcpFlags } });
      } catch (err) {
        log.warnRl(rl, `${this.name}: statistics push failed: ${(err as Error).message}`);
      }
    }
  }

  /** Fast-path counters (EMC hits, megaflow hits, misses, lost). */
  get stats(): DpStats { return this.dp.stats; }

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
    if (odp < 0) return -EFBIG;
    const nd = netdev as Netdev | null;
    const port: BackerPort = { odp, name, type: nd?.type ?? '', inDp: false, owner: null, ofp: 0 };
    if (nd) {
      nd.refCount++; // the datapath keeps its own reference
      const r = this.dp.portAdd(nd, odp);
      if (r < 0) { nd.refCount--; log.warnRl(rl, `${name}: could not add to the datapath (error ${-r})`); }
      else port.inDp = true;
    }
    this.ports.set(odp, port);
    this.flowFlush();
    return odp;
  }

  portDel(odpPort: number): number {
    const p = this.ports.get(odpPort);
    if (!p || odpPort === ODPP_LOCAL) return ENOENT;
    this.ports.delete(odpPort);
    if (p.inDp) this.dp.portDel(odpPort);
    this.flowFlush();
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

  /** The datapath port of OpenFlow port 'ofp' of bridge 'owner', or -1. */
  private odpOf(owner: OfprotoDpif | null, ofp: number): number {
    for (const p of this.ports.values()) if (p.owner === owner && p.ofp === ofp) return p.odp;
    return -1;
  }

  flowPut(flow: Uint8Array, mask: Uint8Array, actions: readonly OdpAction[], ufid: number): void {
    const masked = new Uint8Array(FLOW_SIZE);
    for (let i = 0; i < FLOW_SIZE; i++) masked[i] = flow[i]! & mask[i]!;
    const k = String.fromCharCode(...masked) + '|' + String.fromCharCode(...mask);
    const odpIn = this.odpOf(this.current, get32(flow, FL.IN_PORT));
    const fast = odpIn >= 0 && get32(flow, FL.RECIRC_ID) === 0 && dpExecutable(actions);
    this.flows.set(k, { flow: masked, mask: mask.slice(), actions, ufid, fast });
    if (!fast) return;
    flowToKey(flow, this.key, 0);
    flowToKey(mask, this.keyMask, 0, true);
    this.key[W.IN_PORT] = odpIn;
    this.keyMask[W.IN_PORT] = 0xffffffff;
    this.keyMask[W.RECIRC_ID] = 0xffffffff;
    let id = this.dp.flowPut(this.key, 0, this.keyMask, 0, actions as OdpAction[]);
    if (id === -EEXIST) {
      this.dp.flowModify(this.key, 0, this.keyMask, 0, actions as OdpAction[]);
      id = this.dp.flowFind(this.key, 0, this.keyMask, 0)?.id ?? -1;
    } else if (id < 0) {
      log.warnRl(rl, `${this.name}: megaflow not installed (error ${-id})`);
    }
    if (id >= 0 && this.current && !this.installed.has(id)) {
      this.installed.set(id, { owner: this.current, flow: flow.slice(), packets: 0, bytes: 0 });
    }
  }

  /* ---- Meters (dpif-meters.ts; rates are not enforced). ---- */

  meterFeatures(): MeterFeatures { return this.meters.features(); }
  meterSet(id: number | null, config: MeterConfig): number | OfpError { return this.meters.set(id, config); }
  meterGet(id: number, nBands: number): ReturnType<DpifMeters['get']> { return this.meters.get(id, nBands); }
  meterDel(id: number): void { this.meters.del(id); }

  flowFlush(): void {
    this.pushStats();
    this.installed.clear();
    this.flows.clear();
    this.dp.flowFlush();
  }

  /* ---- Upcalls. ---- */

  /** A miss in the fast path: ofproto translates, installs the megaflow, executes. */
  private upcall(packet: Uint8Array, keys: Uint32Array, k: number, inPort: number): 'handled' | null {
    const p = this.ports.get(inPort);
    if (!p?.owner) return null;
    const owner = p.owner;
    const flow = keyToFlow(keys, k, new Uint8Array(FLOW_SIZE));
    put32(flow, FL.IN_PORT, p.ofp);
    const pkt = packet.slice();
    const tcpFlags = keys[k + W.TCP_FLAGS]! & 0xfff;
    this.upcalls++;
    try {
      this.runAs(owner, () => owner.handleMiss(flow, pkt, tcpFlags));
    } catch (e) {
      log.err(`${p.name}: upcall failed: ${(e as Error).stack ?? e}`);
    }
    return 'handled';
  }

  /** The OpenFlow flow of 'pkt' received on OpenFlow port 'ofp'. */
  private packetFlow(pkt: Uint8Array, ofp: number): Uint8Array {
    flowExtract(pkt, 0, pkt.length, 0, this.scratch, 0);
    const flow = keyToFlow(this.scratch, 0, new Uint8Array(FLOW_SIZE));
    put32(flow, FL.IN_PORT, ofp);
    return flow;
  }

  /** Runs 'fn' with 'owner' as the bridge whose packet is processed (packet-outs, upcalls). */
  runAs(owner: OfprotoDpif, fn: () => void): void {
    const saved = this.current;
    this.current = owner;
    try { fn(); } finally { this.current = saved; }
  }

  /* ---- Executing actions. ---- */

  /** The bridge that owns the packet's input port, else any bridge (packet-outs from LOCAL...). */
  private ownerOf(flow: Uint8Array): OfprotoDpif | null {
    if (this.current) return this.current;
    const inPort = get32(flow, FL.IN_PORT);
    let any: OfprotoDpif | null = null;
    for (const p of this.ports.values()) {
      if (!p.owner) continue;
      any ??= p.owner;
      if (p.ofp === inPort) return p.owner;
    }
    return any;
  }

  /** Runs 'fn' for 'owner' with executions held back; returns what runs them (bundled packet-outs). */
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
      const owner = this.ownerOf(flow);
      const odpIn = this.odpOf(owner, get32(flow, FL.IN_PORT));
      if (dpExecutable(actions)) {
        // The datapath's userspace handler needs the bridge: run as the owner.
        if (owner) this.runAs(owner, () => this.dp.execute(packet, Math.max(odpIn, 0), actions));
        else this.dp.execute(packet, Math.max(odpIn, 0), actions);
      } else {
        this.run(packet.slice(), flow, actions, Math.max(odpIn, 0));
      }
    } finally {
      this.depth--;
    }
  }

  /** The slow-path executor for lists the fast path cannot run. */
  private run(pkt: Uint8Array, flow: Uint8Array, actions: readonly OdpAction[], odpIn: number): void {
    for (const a of actions) {
      switch (a.type) {
        case 'output': this.dp.execute(pkt, odpIn, [a]); break;
        case 'userspace': if (a.cookie) this.ownerOf(flow)?.handleUserspace(a.cookie, pkt, flow); break;
        case 'push_vlan': pkt = pushVlan(pkt, a.tpid, a.tci); break;
        case 'pop_vlan': pkt = popVlan(pkt); break;
        case 'set': odpSetField(pkt, 0, pkt.length, a.key, a.value, null); break;
        case 'set_masked': odpSetField(pkt, 0, pkt.length, a.key, a.value, a.mask); break;
        case 'trunc': if (pkt.length > a.maxLen) pkt = pkt.slice(0, a.maxLen); break;
        case 'clone': this.run(pkt.slice(), flow.slice(), a.actions, odpIn); break;
        case 'sample':
          if (a.probability >= 0xffffffff || Math.random() * 0xffffffff < a.probability) this.run(pkt.slice(), flow.slice(), a.actions, odpIn);
          break;
        case 'recirc': {
          const f = ofFlowExtract(pkt).flow;
          for (let i = 0; i < FL.DL_DST; i++) f[i] = flow[i]!;
          put32(f, FL.RECIRC_ID, a.id);
          this.ownerOf(flow)?.handleMiss(f, pkt);
          return;
        }
        case 'check_pkt_len': this.run(pkt, flow, pkt.length > a.size ? a.gt : a.le, odpIn); return;
        case 'drop': return;
        case 'meter': this.meters.hit(a.id, pkt.length); break;
        case 'hash': case 'ct': case 'ct_clear': break;
        default:
          log.dbgRl(rl, `${this.name}: datapath action ${a.type} not executed`);
      }
    }
  }
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

const backers = new Map<string, DpifNetdevBacker>();

/** The fast-path backer for datapath type 'type' ("dummy", "netdev", "system"). */
export function dpifNetdevBackerFor(type: string): DpifNetdevBacker {
  let b = backers.get(type);
  if (!b) { b = new DpifNetdevBacker(type); backers.set(type, b); }
  return b;
}

/** Every open fast-path backer. */
export function dpifNetdevBackers(): DpifNetdevBacker[] { return [...backers.values()]; }
