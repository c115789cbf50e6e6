/* dpif-netdev: the userspace datapath — first cut (OVS lib/dpif-netdev.c).
 *
 * Overview
 * --------
 * A datapath owns ports (netdevs numbered by datapath port number) and a
 * table of megaflows.  Packets received on a port go through the pipeline of
 * OVS's dp_netdev_input():
 *
 *   1. flow key extraction (flow.ts) for the whole batch, into one typed array;
 *   2. exact-match cache (dpif-netdev-emc.ts) on the RSS-style hash;
 *   3. megaflow classifier (dpif-netdev-dpcls.ts) for EMC misses;
 *   4. upcall for classifier misses: the UpcallHandler (ofproto-dpif's
 *      translation, next) returns actions and a mask; the megaflow is
 *      installed and the packet executed.  No handler, or null: drop.
 *   5. actions (odp-actions.ts): output, push_vlan, pop_vlan.  A batch whose
 *      packets all hit one flow with a single output is sent as it is (no
 *      copy); otherwise packets are copied into per-port transmit batches.
 *
 * As in OVS the packet that caused an upcall is not counted in the new flow's
 * statistics.  Flows are also managed directly (flowPut/flowDel/flowDump,
 * what dpctl/add-flow and dump-flows do); dump lines are OVS's format.
 *
 * Threads
 * -------
 * Everything here runs on one event loop: start() opens receive queue 0 of
 * every port and waits for readiness (no busy polling).  To run the fast path
 * in a worker_thread the same way netdev-relay-thread.ts does, the worker
 * builds its own DpifNetdev over adopted ports (netdevLinuxAdopt) and the
 * flow table operations are forwarded to it by message; that split (PMD
 * threads, a handler thread for upcalls, a revalidator) is the next step.
 *
 * Actions: output, push/pop_vlan, set/set_masked (odp-execute.ts), trunc,
 * drop, clone, userspace (to the UserspaceHandler); dpExecutable() tells a
 * caller whether a list can run here.
 *
 * Not yet: recirculation, conntrack, tunnels, meters, flow
 * expiry (revalidator), multiple rx queues.
 */
import { vlogModule, RateLimit } from '../lib/vlog.js';
import { DpPacketBatch, HEADROOM, OlFlags, type PacketOffloads } from './dp-packet.js';
import { refreshPartialChecksum } from './dp-packet-gso.js';
import { FLOW_WORDS, W, flowExtract, flowHashRss } from './flow.js';
import { Emc } from './dpif-netdev-emc.js';
import { Dpcls } from './dpif-netdev-dpcls.js';
import { formatFlowKey } from './odp-util.js';
import { type OdpAction, formatOdpActions } from './odp-actions.js';
import { odpSetField } from './odp-execute.js';
import { type Netdev, type NetdevRxq } from './netdev-provider.js';
import { netdevOpen, netdevRxqOpen, netdevRxqClose, netdevRxqRecv, netdevRxqWait, netdevSend, netdevClose } from './netdev.js';
import { Dpif, type DpifClass, type DpifFlow, DpifFlowPutFlags } from './dpif-provider.js';

const log = vlogModule('dpif_netdev');
const rl = new RateLimit(5, 20);
const EEXIST = 17, ENOENT = 2, EBUSY = 16, EINVAL = 22, EFBIG = 27;
/** VLAN ID and CFI bits of a TCI. */
const VLAN_VID_CFI = 0x1fff;

/** Maximum number of flows (OVS MAX_FLOWS). */
export const MAX_FLOWS = 65536;

/** A megaflow and its statistics. */
export interface DpFlow {
  /** Index in the flow table. */
  readonly id: number;
  /** The key as installed (bits outside the mask included, as OVS keeps them). */
  readonly key: Uint32Array;
  readonly mask: Uint32Array;
  actions: OdpAction[];
  packets: number;
  bytes: number;
  /** Time of last use in ms (0: never). */
  used: number;
  /** OR of the TCP flags seen. */
  tcpFlags: number;
  dead: boolean;
  /** Port of the flow's only action if that is an output, else -1. */
  singleOutput: number;
}

/** What ofproto answers to a miss: actions for the packet and the megaflow
 * mask to install (null: exact match on every field). */
export interface UpcallResult { actions: OdpAction[]; mask: Uint32Array | null }

/** Called for a packet no flow matches: 'key' is its flow key (FLOW_WORDS
 * words at key[k..]), 'packet' a view of its bytes valid during the call,
 * 'inPort' its port.  Returns the actions and mask; null to drop the packet
 * without a flow; or 'pending' if the handler copied the packet and will
 * install a flow and execute() the packet itself later (asynchronous upcalls,
 * dpif-netdev-thread.ts). */
export type UpcallHandler = (packet: Uint8Array, key: Uint32Array, k: number, inPort: number)
  => UpcallResult | null | 'pending' | 'handled';

/** Called for a userspace action: 'packet' is a view valid during the call. */
export type UserspaceHandler = (packet: Uint8Array, inPort: number, action: Extract<OdpAction, { type: 'userspace' }>) => void;

/** Action types execute() runs; flows with others need the slow path. */
const EXECUTABLE = new Set(['output', 'push_vlan', 'pop_vlan', 'set', 'set_masked', 'trunc', 'drop', 'clone', 'userspace']);

/** True if dpif-netdev can execute every action of 'actions' (clones included). */
export function dpExecutable(actions: readonly OdpAction[]): boolean {
  for (const a of actions) {
    if (!EXECUTABLE.has(a.type)) return false;
    if (a.type === 'clone' && !dpExecutable(a.actions)) return false;
  }
  return true;
}

/** Datapath-wide counters, as `dpctl/show` and pmd-stats-show report them. */
export interface DpStats { emcHits: number; megaflowHits: number; misses: number; lost: number; upcallsPending: number }

interface Port {
  portNo: number;
  netdev: Netdev;
  rxq: NetdevRxq | null;
  tx: DpPacketBatch;
  armed: boolean;
}

/** Options for DpifNetdev. */
export interface DpifNetdevOptions {
  /** Bytes a packet may have in the datapath's batches (64 KiB+ for GSO); default 2048. */
  packetCapacity?: number;
  /** Packets per batch; default 32 (OVS NETDEV_MAX_BURST). */
  batchSize?: number;
  /** EMC insertion inverse probability (other_config:emc-insert-inv-prob); default 100. */
  emcInsertInvProb?: number;
}

/** A userspace datapath. */
export class DpifNetdev {
  private readonly ports = new Map<number, Port>();
  private readonly flows: (DpFlow | undefined)[] = [];
  private readonly freeIds: number[] = [];
  private readonly cls = new Dpcls();
  private readonly emc: Emc;
  private readonly rx: DpPacketBatch;
  private readonly keys: Uint32Array;
  private readonly hashes: Uint32Array;
  private readonly flowIds: Int32Array;
  private readonly scratchKey = new Uint32Array(FLOW_WORDS);
  private upcall: UpcallHandler | null = null;
  private running = false;
  private readonly slotSize: number;
  /** Counters. */
  readonly stats: DpStats = { emcHits: 0, megaflowHits: 0, misses: 0, lost: 0, upcallsPending: 0 };
  private execBatch: DpPacketBatch | null = null;

  constructor(readonly name = 'ovs-netdev', opts: DpifNetdevOptions = {}) {
    const n = opts.batchSize ?? 32;
    this.slotSize = HEADROOM + (opts.packetCapacity ?? 2048);
    this.rx = new DpPacketBatch(n, this.slotSize);
    this.keys = new Uint32Array(n * FLOW_WORDS);
    this.hashes = new Uint32Array(n);
    this.flowIds = new Int32Array(n);
    this.emc = new Emc((id) => this.flows[id] !== undefined && !this.flows[id]!.dead);
    this.emc.insertInvProb = opts.emcInsertInvProb ?? 100;
  }

  /* ---- ports ------------------------------------------------------------ */

  /** Adds 'netdev' (the datapath takes over this reference) as port 'portNo',
   * or the lowest free number from 1; returns the number or -errno. */
  portAdd(netdev: Netdev, portNo?: number): number {
    for (const p of this.ports.values()) if (p.netdev.name === netdev.name) return -EEXIST;
    let no = portNo ?? 1;
    if (portNo === undefined) while (this.ports.has(no)) no++;
    else if (this.ports.has(no)) return -EBUSY;
    if (!Number.isInteger(no) || no < 0 || no > 0xfffffffe) return -EINVAL;
    const port: Port = { portNo: no, netdev, rxq: null, tx: new DpPacketBatch(this.rx.maxPackets, this.slotSize), armed: false };
    this.ports.set(no, port);
    if (this.running) this.startPort(port);
    return no;
  }

  /** Removes port 'portNo' and closes its netdev; 0 or errno. */
  portDel(portNo: number): number {
    const p = this.ports.get(portNo);
    if (!p) return ENOENT;
    this.stopPort(p);
    this.ports.delete(portNo);
    netdevClose(p.netdev);
    return 0;
  }

  /** The ports, by number. */
  portList(): { portNo: number; name: string; type: string }[] {
    return [...this.ports.values()].sort((a, b) => a.portNo - b.portNo)
      .map((p) => ({ portNo: p.portNo, name: p.netdev.name, type: p.netdev.type }));
  }

  /** Port number -> name, for printing keys and actions. */
  portNames(): Map<number, string> {
    return new Map([...this.ports.values()].map((p) => [p.portNo, p.netdev.name]));
  }

  /** Sets the function called on misses (null: drop them). */
  setUpcallHandler(h: UpcallHandler | null): void {
    // While the handler runs, execute() of that same packet keeps its offload
    // metadata (partial checksum, GSO), which the handler's bytes do not carry.
    // Handlers see a packet with a complete checksum (packet-ins, slow-path
    // actions); GSO packets keep their metadata that way too.
    this.upcall = h && ((packet, key, k, inPort) => {
      this.upcallPacket = packet;
      this.completeUpcallChecksum(packet);
      try { return h(packet, key, k, inPort); } finally { this.upcallPacket = null; }
    });
  }

  /** The packet being upcalled (a view into this.rx), during the handler call. */
  private upcallPacket: Uint8Array | null = null;

  private completeUpcallChecksum(packet: Uint8Array): void {
    const rx = this.rx;
    if (packet.buffer !== rx.data.buffer) return;
    for (let i = 0; i < rx.count; i++) if (rx.offsets[i] === packet.byteOffset) { rx.completeChecksum(i); return; }
  }

  /** During an upcall handler call: the offload metadata of the packet being
   * upcalled (null if it has none), for handlers that keep a copy of the
   * packet to execute() later. */
  upcallPacketOffloads(): PacketOffloads | null {
    const u = this.upcallPacket, rx = this.rx;
    if (u === null || u.buffer !== rx.data.buffer) return null;
    for (let i = 0; i < rx.count; i++) if (rx.offsets[i] === u.byteOffset) return rx.getOffloads(i);
    return null;
  }

  /** The offload metadata of the packet being upcalled if 'packet' is a copy of it. */
  private upcallOffloads(packet: Uint8Array): PacketOffloads | null {
    const u = this.upcallPacket;
    if (u === null || u.length !== packet.length) return null;
    const o = this.upcallPacketOffloads();
    if (o === null) return null;
    // Same headers (up to and including the L4 checksum field): same packet.
    const end = Math.min(packet.length, Math.max(o.csumStart + o.csumOffset + 2, 64));
    for (let j = 0; j < end; j++) if (u[j] !== packet[j]) return null;
    return o;
  }

  private userspace: UserspaceHandler | null = null;

  /** Sets the function called for userspace actions (packet-ins, slow-path actions). */
  setUserspaceHandler(h: UserspaceHandler | null): void {
    this.userspace = h;
  }

  /* ---- flows ------------------------------------------------------------ */

  /** Installs a megaflow; its id, or -EEXIST if the same (key, mask) exists, -EFBIG if full. */
  flowPut(key: Uint32Array, k: number, mask: Uint32Array, m: number, actions: OdpAction[]): number {
    const n = this.cls.count;
    if (n >= MAX_FLOWS) return -EFBIG;
    // The key is kept as given (dumps print it so, like OVS); lookups use it masked.
    const mk = key.slice(k, k + FLOW_WORDS), mm = mask.slice(m, m + FLOW_WORDS);
    // As OVS: a megaflow that does not mention VLANs matches untagged packets only.
    if ((mm[W.VLAN0]! & 0xffff) === 0) mm[W.VLAN0] = (mm[W.VLAN0]! | VLAN_VID_CFI) >>> 0;
    const id = this.freeIds.pop() ?? this.flows.length;
    if (!this.cls.insert(mk, 0, mm, 0, id)) {
      if (id !== this.flows.length) this.freeIds.push(id);
      return -EEXIST;
    }
    const single = actions.length === 1 && actions[0]!.type === 'output' ? actions[0]!.port : -1;
    this.flows[id] = { id, key: mk, mask: mm, actions, packets: 0, bytes: 0, used: 0, tcpFlags: 0, dead: false, singleOutput: single };
    return id;
  }

  /** 'mask' as flowPut stores it (untagged unless VLANs are mentioned). */
  private adjustMask(mask: Uint32Array, m: number): Uint32Array {
    const mm = mask.slice(m, m + FLOW_WORDS);
    if ((mm[W.VLAN0]! & 0xffff) === 0) mm[W.VLAN0] = (mm[W.VLAN0]! | VLAN_VID_CFI) >>> 0;
    return mm;
  }

  /** The megaflow (key, mask) exactly, or null. */
  flowFind(key: Uint32Array, k: number, mask: Uint32Array, m: number): DpFlow | null {
    const id = this.cls.find(key, k, this.adjustMask(mask, m), 0);
    return id < 0 ? null : this.flows[id] ?? null;
  }

  /** Replaces the actions of megaflow (key, mask); false if there is none. */
  flowModify(key: Uint32Array, k: number, mask: Uint32Array, m: number, actions: OdpAction[]): boolean {
    const f = this.flowFind(key, k, mask, m);
    if (!f) return false;
    f.actions = actions;
    f.singleOutput = actions.length === 1 && actions[0]!.type === 'output' ? actions[0]!.port : -1;
    return true;
  }

  /** The netdev of port 'portNo', or null. */
  portNetdev(portNo: number): Netdev | null {
    return this.ports.get(portNo)?.netdev ?? null;
  }

  /** Deletes the megaflow (key, mask); its final state, or null if none. */
  flowDel(key: Uint32Array, k: number, mask: Uint32Array, m: number): DpFlow | null {
    const id = this.cls.remove(key, k, this.adjustMask(mask, m), 0);
    if (id < 0) return null;
    const f = this.flows[id]!;
    f.dead = true;
    this.flows[id] = undefined;
    this.freeIds.push(id);
    return f;
  }

  /** Deletes every flow. */
  flowFlush(): void {
    for (const f of this.flowDump()) this.flowDel(f.key, 0, f.mask, 0);
    this.emc.clear();
  }

  /** Every flow, in table order. */
  flowDump(): DpFlow[] {
    return this.flows.filter((f): f is DpFlow => f !== undefined);
  }

  /** One dpctl/dump-flows line for 'f' (without ufid). */
  formatFlow(f: DpFlow, now = Date.now(), verbose = false): string {
    const names = this.portNames();
    let s = `${formatFlowKey(f.key, 0, f.mask, 0, { verbose, portNames: verbose ? names : undefined })}, `;
    s += `packets:${f.packets}, bytes:${f.bytes}, used:${f.used ? `${((now - f.used) / 1000).toFixed(3)}s` : 'never'}`;
    if (f.tcpFlags) s += `, flags:${formatTcpFlagsShort(f.tcpFlags)}`;
    return `${s}, actions:${formatOdpActions(f.actions)}`;
  }

  /* ---- the fast path ------------------------------------------------------ */

  /** Processes packets [0, batch.count) of 'batch' received on 'inPort'
   * (the batch may be modified; it is free again on return). */
  input(batch: DpPacketBatch, inPort: number): void {
    const n = batch.count, keys = this.keys, hashes = this.hashes, ids = this.flowIds;
    if (n > ids.length) throw new RangeError('batch larger than the datapath batch size');
    const now = Date.now();
    this.missActions.length = 0;
    let sameFlow = -2;
    for (let i = 0; i < n; i++) {
      const k = i * FLOW_WORDS;
      batch.inPort[i] = inPort;
      flowExtract(batch.data, batch.offsets[i]!, batch.sizes[i]!, inPort, keys, k);
      const h = flowHashRss(keys, k);
      hashes[i] = h;
      let id = this.emc.lookup(keys, k, h);
      if (id >= 0) {
        this.stats.emcHits++;
      } else {
        id = this.cls.lookup(keys, k);
        if (id >= 0) {
          this.stats.megaflowHits++;
          this.emc.probabilisticInsert(keys, k, h, id);
        } else {
          this.handleMiss(batch, i, k);
          ids[i] = -1;
          sameFlow = -1;
          continue; // not counted in the flow's statistics
        }
      }
      ids[i] = id;
      const f = this.flows[id]!;
      this.missActions[i] = f.actions;
      f.packets++;
      f.bytes += batch.sizes[i]!;
      f.used = now;
      f.tcpFlags |= keys[k + W.TCP_FLAGS]!;
      sameFlow = sameFlow === -2 ? id : sameFlow === id ? id : -1;
    }
    // Fast path: one flow, one output, nothing to change in the packets.
    if (sameFlow >= 0) {
      const out = this.flows[sameFlow]!.singleOutput;
      if (out >= 0) {
        const p = this.ports.get(out);
        if (p) netdevSend(p.netdev, 0, batch);
        else this.stats.lost += n;
        return;
      }
    }
    // Actions were taken at lookup time: an upcall may have flushed or
    // replaced flows since (ids can be reused).
    for (let i = 0; i < n; i++) {
      const actions = this.missActions[i];
      if (actions) this.execute1(batch, i, actions);
    }
    this.missActions.length = 0;
    this.flushTx();
  }

  /** Per packet of the batch being processed: its actions (undefined: drop). */
  private readonly missActions: (OdpAction[] | undefined)[] = [];

  /** Upcall for packet i: installs the flow the handler asks for and leaves
   * the packet's actions in missActions[i] (undefined: drop). */
  private handleMiss(batch: DpPacketBatch, i: number, k: number): void {
    this.stats.misses++;
    this.missActions[i] = undefined;
    const h = this.upcall;
    if (!h) { this.stats.lost++; return; }
    let r: UpcallResult | null | 'pending' | 'handled';
    try {
      r = h(batch.packet(i), this.keys, k, batch.inPort[i]!);
    } catch (e) {
      log.errRl(rl, `upcall handler failed: ${(e as Error).message}`);
      this.stats.lost++;
      return;
    }
    if (!r) { this.stats.lost++; return; }
    if (r === 'pending') { this.stats.upcallsPending++; return; }
    if (r === 'handled') return;
    const mask = r.mask ?? this.scratchKey.fill(0xffffffff);
    const id = this.flowPut(this.keys, k, mask, 0, r.actions);
    if (id === -EFBIG) log.warnRl(rl, `${this.name}: flow table full`);
    // If another packet of this batch installed the same megaflow first,
    // flowPut said EEXIST: the actions are the same either way.
    this.missActions[i] = r.actions;
  }

  /** Executes 'actions' on a copy of 'packet' as if received on 'inPort'
   * (OVS dpif_execute: packet-out, and packets that waited for an upcall).
   * 'offloads' is the packet's offload metadata; a copy of the packet being
   * upcalled, executed from within the upcall handler, keeps its own. */
  execute(packet: Uint8Array, inPort: number, actions: readonly OdpAction[], offloads?: PacketOffloads | null): void {
    const b = (this.execBatch ??= new DpPacketBatch(1, this.slotSize));
    b.count = 0;
    if (!b.append(packet, inPort)) { this.stats.lost++; return; }
    const ol = offloads ?? this.upcallOffloads(packet);
    if (ol) b.setOffloads(0, ol);
    this.execute1(b, 0, actions);
    this.flushTx();
  }

  private readonly cloneBatches: DpPacketBatch[] = [];
  private cloneDepth = 0;

  private execute1(batch: DpPacketBatch, i: number, actions: readonly OdpAction[]): void {
    for (const a of actions) {
      switch (a.type) {
        case 'output': {
          const p = this.ports.get(a.port);
          if (!p) { this.stats.lost++; break; }
          if (p.tx.count === p.tx.maxPackets) this.flushPort(p);
          if (!p.tx.appendFrom(batch, i)) this.stats.lost++;
          break;
        }
        case 'push_vlan':
          batch.pushVlan(i, a.tpid, a.tci & ~0x1000); // the CFI bit only marks the tag present
          break;
        case 'pop_vlan':
          batch.popVlan(i);
          break;
        case 'set':
        case 'set_masked':
          odpSetField(batch.data, batch.offsets[i]!, batch.sizes[i]!, a.key, a.value, a.type === 'set' ? null : a.mask);
          if (batch.olFlags[i]! & OlFlags.CSUM_PARTIAL) refreshPartialChecksum(batch, i);
          break;
        case 'trunc':
          if (batch.sizes[i]! > a.maxLen) batch.sizes[i] = a.maxLen;
          break;
        case 'userspace':
          batch.completeChecksum(i); // what goes to a controller has a complete checksum
          if (this.userspace) this.userspace(batch.packet(i), batch.inPort[i]!, a);
          break;
        case 'clone': {
          if (this.cloneDepth >= 8) break;
          const c = (this.cloneBatches[this.cloneDepth] ??= new DpPacketBatch(1, this.slotSize));
          c.count = 0;
          if (!c.appendFrom(batch, i)) { this.stats.lost++; break; }
          this.cloneDepth++;
          try { this.execute1(c, 0, a.actions); } finally { this.cloneDepth--; }
          break;
        }
        case 'drop':
          return;
        default:
          log.warnRl(rl, `datapath action ${a.type} is not supported here; packet dropped`);
          this.stats.lost++;
          return;
      }
    }
  }

  private flushPort(p: Port): void {
    if (p.tx.count) netdevSend(p.netdev, 0, p.tx);
    p.tx.count = 0;
  }

  private flushTx(): void {
    for (const p of this.ports.values()) if (p.tx.count) this.flushPort(p);
  }

  /* ---- driving the ports ---------------------------------------------------- */

  /** Starts receiving on every port (and on ports added later). */
  start(): void {
    if (this.running) return;
    this.running = true;
    for (const p of this.ports.values()) this.startPort(p);
  }

  /** Stops receiving; flows and ports stay. */
  stop(): void {
    this.running = false;
    for (const p of this.ports.values()) this.stopPort(p);
  }

  private startPort(p: Port): void {
    const rxq = netdevRxqOpen(p.netdev, 0);
    if (typeof rxq === 'number') {
      log.warn(`${this.name}: port ${p.netdev.name} cannot receive (errno ${rxq})`);
      return;
    }
    p.rxq = rxq;
    const pump = (): void => {
      p.armed = false;
      if (!this.running || p.rxq !== rxq) return;
      for (let burst = 0; burst < 64; burst++) {
        const n = netdevRxqRecv(rxq, this.rx);
        if (n <= 0) {
          p.armed = true;
          netdevRxqWait(rxq, pump);
          return;
        }
        this.input(this.rx, p.portNo);
      }
      setImmediate(pump);
    };
    pump();
  }

  private stopPort(p: Port): void {
    if (p.rxq) netdevRxqClose(p.rxq);
    p.rxq = null;
  }

  /** Removes every port and flow. */
  destroy(): void {
    this.stop();
    for (const no of [...this.ports.keys()]) this.portDel(no);
    this.flowFlush();
  }
}

/** TCP flags in dump-flows' short form ("S.", "F", "none"). */
export function formatTcpFlagsShort(flags: number): string {
  if (!flags) return 'none';
  let s = '';
  const order: [number, string][] = [[0x002, 'S'], [0x001, 'F'], [0x008, 'P'], [0x004, 'R'], [0x020, 'U'],
    [0x010, '.'], [0x040, 'E'], [0x080, 'C'], [0x100, 'N'], [0x200, '[200]'], [0x400, '[400]'], [0x800, '[800]']];
  for (const [bit, c] of order) if (flags & bit) s += c;
  return s;
}


/* ---- the datapath classes "netdev" and "dummy" ------------------------------- */

/** One datapath shared by every open of TYPE@NAME. */
interface SharedDp { dp: DpifNetdev; refCount: number; destroyed: boolean }

/** An open of a dpif-netdev datapath. */
class DpifNetdevOpen extends Dpif {
  constructor(name: string, cls: DpifClass, readonly shared: SharedDp) { super(name, cls); }
}

function makeDpifClass(type: 'netdev' | 'dummy'): DpifClass {
  const dps = new Map<string, SharedDp>();
  const dpOf = (d: Dpif) => (d as DpifNetdevOpen).shared.dp;
  const toFlow = (f: DpFlow): DpifFlow => ({ key: f.key, mask: f.mask, actions: f.actions, packets: f.packets,
    bytes: f.bytes, used: f.used, tcpFlags: f.tcpFlags });
  // dpif-netdev always matches in_port and recirc_id exactly.
  const fixMask = (mask: Uint32Array) => {
    const m = mask.slice(0, FLOW_WORDS);
    m[W.IN_PORT] = 0xffffffff;
    m[W.RECIRC_ID] = 0xffffffff;
    return m;
  };
  const cls: DpifClass = {
    type,
    enumerate: () => [...dps.keys()].sort(),
    portOpenType: (t) => (t === 'internal' ? (type === 'dummy' ? 'dummy-internal' : 'tap') : t),
    open(name, create) {
      let s = dps.get(name);
      if (s && create) return EEXIST;
      if (!s) {
        if (!create) return 19; // ENODEV
        const dp = new DpifNetdev(name);
        const local = netdevOpen(name, cls.portOpenType('internal'));
        if (typeof local === 'number') return local;
        const e = dp.portAdd(local, 0);
        if (e < 0) { netdevClose(local); return -e; }
        s = { dp, refCount: 0, destroyed: false };
        dps.set(name, s);
        dp.start();
      }
      s.refCount++;
      return new DpifNetdevOpen(name, cls, s);
    },
    close(d) {
      const s = (d as DpifNetdevOpen).shared;
      if (--s.refCount === 0 && s.destroyed) s.dp.destroy();
    },
    destroy(d) {
      const s = (d as DpifNetdevOpen).shared;
      if (!s.destroyed) {
        s.destroyed = true;
        if (dps.get(d.name) === s) dps.delete(d.name);
      }
      return 0;
    },
    getStats(d) {
      const st = dpOf(d).stats;
      return { hit: st.emcHits + st.megaflowHits, missed: st.misses, lost: st.lost,
        flows: dpOf(d).flowDump().length, maskHit: 0, masks: -1 };
    },
    portAdd: (d, netdev, portNo) => dpOf(d).portAdd(netdev, portNo),
    portDel: (d, portNo) => (portNo === 0 ? EINVAL : dpOf(d).portDel(portNo)),
    portQueryByNumber: (d, portNo) => dpOf(d).portList().find((p) => p.portNo === portNo) ?? null,
    portQueryByName: (d, name) => dpOf(d).portList().find((p) => p.name === name) ?? null,
    portDump: (d) => dpOf(d).portList(),
    portNetdev: (d, portNo) => dpOf(d).portNetdev(portNo),
    flowPut(d, key, mask, actions, flags) {
      if (mask[W.IN_PORT] !== 0xffffffff) return EINVAL; // OVS: in_port must match exactly
      const dp = dpOf(d), m = fixMask(mask);
      const f = dp.flowFind(key, 0, m, 0);
      if (f) {
        if (!(flags & DpifFlowPutFlags.MODIFY)) return EEXIST;
        dp.flowModify(key, 0, m, 0, actions);
        if (flags & DpifFlowPutFlags.ZERO_STATS) { f.packets = 0; f.bytes = 0; f.used = 0; f.tcpFlags = 0; }
        return 0;
      }
      if (!(flags & DpifFlowPutFlags.CREATE)) return ENOENT;
      const id = dp.flowPut(key, 0, m, 0, actions);
      return id < 0 ? -id : 0;
    },
    flowDel(d, key, mask) {
      const dp = dpOf(d);
      if (mask) return dp.flowDel(key, 0, fixMask(mask), 0) ? 0 : ENOENT;
      const f = dp.flowDump().find((x) => x.key.every((w, i) => ((key[i]! ^ w) & x.mask[i]!) === 0));
      return f && dp.flowDel(f.key, 0, f.mask, 0) ? 0 : ENOENT;
    },
    flowFlush(d) {
      dpOf(d).flowFlush();
      return 0;
    },
    flowDump: (d) => dpOf(d).flowDump().map((f) => ({ thread: 'main', flow: toFlow(f) })),
    execute(d, packet, inPort, actions) {
      dpOf(d).execute(packet, inPort, actions);
      return 0;
    },
    setUpcallHandler: (d, h) => dpOf(d).setUpcallHandler(h),
  };
  return cls;
}

/** The userspace datapath class (datapath_type=netdev). */
export const dpifNetdevClass = makeDpifClass('netdev');

/** The same datapath for tests (ovs-vswitchd --enable-dummy): type "dummy". */
export const dpifDummyClass = makeDpifClass('dummy');
