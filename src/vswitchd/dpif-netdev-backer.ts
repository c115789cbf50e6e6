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
 * datapath's userspace handler to the bridge's handleUserspace().
 *
 * PMD threads (datapath/dpif-netdev-thread.ts): on datapaths other than
 * "dummy", system, internal and tap ports are received from and forwarded
 * by worker threads, one per core of other_config:pmd-cpu-mask (default
 * one), each port given to the thread with the fewest.  Their misses come
 * up in batches (remoteUpcalls()): a miss whose megaflow was installed in
 * the meantime is just executed, others go to ofproto as above; the
 * megaflows reach the threads from dpif-netdev's flow table.  Packets are
 * executed (upcalls, packet-outs) by this thread on the same fds.  Dummy
 * ports stay in the main thread: OVS's tests rely on netdev-dummy/receive
 * being processed (upcall, flow install, output) before the command returns.
 *
 * The revalidator (ofproto/ofproto-dpif-upcall.ts) reaches the cached flows
 * through this backer by handle (the datapath flow's ufid): their statistics,
 * deletion, new actions, and invalidate(), which makes dpif-netdev ask it
 * about each flow on that flow's next hit.  The datapath is also registered
 * with the dpif layer as TYPE@NAME (e.g. dummy@ovs-dummy) so that the
 * dpctl/* commands see it.
 */
import { writeFileSync, existsSync, unlinkSync } from 'node:fs';
import { vlogModule, RateLimit } from '../lib/vlog.js';
import { unixctlCommandRegister, UnixctlError } from '../lib/unixctl.js';
import { FL, FLOW_SIZE, get32, put32 } from '../openflow/flow.js';
import { flowExtract as ofFlowExtract } from '../openflow/flow-extract.js';
import { type OdpAction, formatOdpActions } from '../datapath/odp-actions.js';
import { formatFlowKey } from '../datapath/odp-util.js';
import { formatDpifFlowStats } from '../datapath/dpctl.js';
import { FLOW_WORDS, W, VLAN_CFI, flowExtract } from '../datapath/flow.js';
import { keyToFlow, flowToKey } from '../datapath/flow-convert.js';
import { odpSetField } from '../datapath/odp-execute.js';
import { DpifNetdev, dpExecutable, dpifNetdevClassFor, formatUfid, type DpStats } from '../datapath/dpif-netdev.js';
import { dpifEnumerateTypes, dpifRegisterProvider } from '../datapath/dpif.js';
import { netdevOpen, netdevClose } from '../datapath/netdev.js';
import { netdevLinuxExport, type LinuxPortHandle } from '../datapath/netdev-linux.js';
import { DpifNetdevPmd, type PmdUpcall, type PmdUserspace } from '../datapath/dpif-netdev-thread.js';
import type { Netdev } from '../datapath/netdev-provider.js';
import {
  type DpifBackend, type DpFlowStats, type OfprotoDpif, ofprotoDpifTunnelReceive, ofprotoDpifTunnelOwner,
} from '../ofproto/ofproto-dpif.js';
import { netdevTnlPushHeader } from '../datapath/netdev-native-tnl.js';
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

/** A fast-path userspace datapath shared by the bridges of one datapath type. */
export class DpifNetdevBacker implements DpifBackend {
  readonly name: string;
  readonly support: XlateSupport = { maskedSet: true, recirc: true, clone: true, checkPktLen: true, trunc: true, ctState: true };
  /** The fast path itself. */
  readonly dp: DpifNetdev;
  private readonly ports = new Map<number, BackerPort>();
  private readonly meters = new DpifMeters();
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
  /** The revalidator's check for stale flows (ofproto-dpif-upcall.ts). */
  private revalidate: ((handle: number) => boolean) | null = null;
  /** PMD threads (none for "dummy"); every one sends on every threaded
   * port, the one in 'rx' receives from it. */
  private readonly pmds: DpifNetdevPmd[] = [];
  private readonly threaded = new Map<number, { handle: LinuxPortHandle; rx: DpifNetdevPmd }>();

  constructor(readonly type: string) {
    this.name = type === 'dummy' ? 'ovs-dummy' : `ovs-${type}`;
    this.dp = new DpifNetdev(this.name, { packetCapacity: 65536 });
    this.ports.set(ODPP_LOCAL, { odp: ODPP_LOCAL, name: this.name, type: 'internal', inDp: false, owner: null, ofp: 0 });
    if (type === 'dummy') {
      // The test datapath's own internal port, as dpctl/show lists it.
      const local = netdevOpen(this.name, 'dummy-internal');
      if (typeof local !== 'number' && this.dp.portAdd(local, ODPP_LOCAL) < 0) netdevClose(local);
    }
    this.dp.setUpcallHandler((packet, keys, k, inPort) => this.upcall(packet, keys, k, inPort));
    this.dp.setUserspaceHandler((packet, inPort, a) => this.userspace(packet, inPort, a));
    this.dp.setRevalidateHandler((f) => (this.revalidate ? this.revalidate(f.ufid) : true));
    // dpctl/* see this datapath as TYPE@NAME.
    const cls = dpifNetdevClassFor(type);
    if (!dpifEnumerateTypes().includes(type)) dpifRegisterProvider(cls);
    cls.adopt(this.dp);
    this.dp.start();
  }

  /** Fast-path counters (EMC hits, megaflow hits, misses, lost), PMD threads included. */
  get stats(): DpStats { return this.dp.totalStats(); }

  /** A userspace action's packet (a view valid during the call) from port 'inPort'. */
  private userspace(packet: Uint8Array, inPort: number, a: Extract<OdpAction, { type: 'userspace' }>): void {
    // A packet-out's packet may come from a port the datapath does not have (in_port=6,
    // in_port=none): it belongs to the bridge executing it.
    const p = this.ports.get(inPort);
    const owner = p?.owner ?? this.current;
    if (!a.cookie || !owner) return;
    const pkt = packet.slice();
    const flow = this.packetFlow(pkt, p?.owner ? p.ofp : OFPP_NONE);
    this.runAs(owner, () => owner.handleUserspace(a.cookie!, pkt, flow));
  }

  /** The PMD thread a new threaded port goes to: the one with the fewest
   * ports, after starting threads up to the configured number. */
  private pmdForNewPort(): DpifNetdevPmd {
    const cores = pmdCores();
    for (const core of cores) {
      if (this.pmds.length >= cores.length) break;
      if (this.pmds.some((t) => t.coreId === core)) continue;
      const t = new DpifNetdevPmd(core, {
        upcalls: (list) => this.remoteUpcalls(list),
        userspace: (list) => this.remoteUserspace(list),
      }, this.name, { packetCapacity: 65536 });
      this.pmds.push(t);
      this.dp.addRemote(t);
      for (const [odp, x] of this.threaded) t.portAdd(odp, x.handle, false);
    }
    let best = this.pmds[0]!;
    for (const t of this.pmds) if (t.rxPorts.size < best.rxPorts.size && cores.includes(t.coreId)) best = t;
    return best;
  }

  /** Misses from a PMD thread, in order. */
  private remoteUpcalls(list: PmdUpcall[]): void {
    for (const u of list) {
      // Its megaflow may have been installed since (an earlier miss of the same flow).
      const f = this.dp.flowLookup(u.key, 0);
      if (f && f.gen === this.dp.generation) {
        const actions = f.actions;
        const p = this.ports.get(u.inPort);
        if (p?.owner) this.runAs(p.owner, () => this.dp.execute(u.packet, u.inPort, actions, u.ol));
        continue;
      }
      this.dp.withUpcall(u.packet, u.ol, () => this.upcall(u.packet, u.key, 0, u.inPort));
    }
  }

  /** Userspace actions (packet-ins) a PMD thread executed. */
  private remoteUserspace(list: PmdUserspace[]): void {
    for (const x of list) this.userspace(x.packet, x.inPort, x.action);
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
    if (odp < 0) return -EFBIG;
    const nd = netdev as Netdev | null;
    const port: BackerPort = { odp, name, type: nd?.type ?? '', inDp: false, owner: null, ofp: 0 };
    if (nd) {
      nd.refCount++; // the datapath keeps its own reference
      // System, internal and tap ports are received from by a PMD thread.
      const handle = this.type !== 'dummy' ? netdevLinuxExport(nd) : null;
      const r = this.dp.portAdd(nd, odp, { rx: handle === null });
      if (r < 0) { nd.refCount--; log.warnRl(rl, `${name}: could not add to the datapath (error ${-r})`); }
      else {
        port.inDp = true;
        if (handle) {
          const rx = this.pmdForNewPort();
          for (const t of this.pmds) t.portAdd(odp, handle, t === rx);
          this.threaded.set(odp, { handle, rx });
        }
      }
    }
    this.ports.set(odp, port);
    return odp;
  }

  portDel(odpPort: number): number {
    const p = this.ports.get(odpPort);
    if (!p || odpPort === ODPP_LOCAL) return ENOENT;
    this.ports.delete(odpPort);
    if (this.threaded.delete(odpPort)) {
      // The threads may still be using the fd: close it once they all let go.
      const nd = this.dp.portDetach(odpPort);
      void Promise.all(this.pmds.map((t) => t.portDel(odpPort))).then(() => { if (nd) netdevClose(nd); });
    } else if (p.inDp) {
      this.dp.portDel(odpPort);
    }
    // Its flows can never match again (and the number may be reused).
    for (const f of this.dp.flowDump()) if (f.key[W.IN_PORT] === odpPort) this.dp.flowDelete(f);
    return 0;
  }

  /** Tells the backer which bridge and OpenFlow port own datapath port 'odp'. */
  bind(odp: number, owner: OfprotoDpif, ofp: number): void {
    const p = this.ports.get(odp);
    if (p) { p.owner = owner; p.ofp = ofp; }
  }

  /** True if datapath port 'odp' was in the fast path and someone removed it
   * there (dpctl/del-if): the bridge then adds it back. */
  portVanished(odp: number): boolean {
    const p = this.ports.get(odp);
    return !!p && p.inDp && this.dp.portNetdev(odp) === null;
  }

  /** Datapath ports for dpif/show: number, name, type. */
  portList(): { odp: number; name: string; type: string }[] {
    return [...this.ports.values()].sort((a, b) => a.odp - b.odp).map((p) => ({ odp: p.odp, name: p.name, type: p.type }));
  }

  /** The datapath port of OpenFlow port 'ofp' of bridge 'owner', or -1. */
  private odpOf(owner: OfprotoDpif | null, ofp: number): number {
    for (const p of this.ports.values()) if (p.owner === owner && p.ofp === ofp) return p.odp;
    return -1;
  }

  /** Installs a megaflow in the fast path; its handle (the datapath flow's
   * ufid), or -1 if it stays on the slow path (actions dpif-netdev cannot
   * run, recirculation) or the table is full. */
  flowPut(flow: Uint8Array, mask: Uint8Array, actions: readonly OdpAction[], _ufid: number): number {
    const inOfp = get32(flow, FL.IN_PORT);
    // Tunnel ports share their datapath port (not bound to one OpenFlow port).
    const odpIn = this.odpOf(this.current, inOfp) >= 0 ? this.odpOf(this.current, inOfp)
      : this.current?.xbridge.ports.get(inOfp)?.isTunnel ? this.current.xbridge.ports.get(inOfp)!.odpPort : -1;
    if (odpIn < 0 || get32(flow, FL.RECIRC_ID) !== 0 || !dpExecutable(actions)) return -1;
    flowToKey(flow, this.key, 0);
    flowToKey(mask, this.keyMask, 0, true);
    this.key[W.IN_PORT] = odpIn;
    this.keyMask[W.IN_PORT] = 0xffffffff;
    this.keyMask[W.RECIRC_ID] = 0xffffffff;
    // "No VLAN" is an exact TCI of 0 (as OVS's datapath keys have no vlan() then), not a TPID.
    // A present tag's TPID always matches exactly (OVS's datapath keys carry it as an eth_type).
    for (let w = W.VLAN0; w <= W.VLAN1; w++) {
      this.keyMask[w] = (this.key[w]! & VLAN_CFI ? this.keyMask[w]! | 0xffff0000 : this.keyMask[w]! & 0xffff) >>> 0;
    }
    const id = this.dp.flowPut(this.key, 0, this.keyMask, 0, actions as OdpAction[]);
    if (id === -EEXIST) {
      const f = this.dp.flowFind(this.key, 0, this.keyMask, 0);
      if (!f) return -1;
      this.dp.flowSetActions(f, actions as OdpAction[]);
      return f.ufid;
    }
    if (id < 0) {
      log.warnRl(rl, `${this.name}: megaflow not installed (error ${-id})`);
      return -1;
    }
    return this.dp.flowById(id)!.ufid;
  }

  tunnelPortSet(odpPort: number, type: string | null): void { this.dp.setTunnelPort(odpPort, type); }

  flowStats(handle: number): DpFlowStats | null {
    const f = this.dp.flowByUfid(handle);
    return f && { ...this.dp.flowCounters(f), created: f.created };
  }

  flowDel(handle: number): DpFlowStats | null {
    const st = this.flowStats(handle);
    const f = this.dp.flowByUfid(handle);
    if (f) this.dp.flowDelete(f);
    return st;
  }

  flowModify(handle: number, actions: readonly OdpAction[]): boolean {
    const f = this.dp.flowByUfid(handle);
    if (!f || !dpExecutable(actions)) return false;
    this.dp.flowSetActions(f, actions as OdpAction[]);
    return true;
  }

  flowCount(): number { return this.dp.flowCount; }

  invalidate(): void { this.dp.invalidate(); }

  setRevalidate(revalidate: (handle: number) => boolean): void { this.revalidate = revalidate; }

  /* ---- Meters (dpif-meters.ts; rates are not enforced). ---- */

  meterFeatures(): MeterFeatures { return this.meters.features(); }
  meterSet(id: number | null, config: MeterConfig): number | OfpError { return this.meters.set(id, config); }
  meterGet(id: number, nBands: number): ReturnType<DpifMeters['get']> { return this.meters.get(id, nBands); }
  meterDel(id: number): void { this.meters.del(id); }

  flowFlush(): void {
    this.dp.flowFlush();
  }

  /** dpif/dump-flows: the datapath flows whose input port belongs to bridge
   * 'owner', one per line; 'verbose' (-m) adds ufids and every field, 'names'
   * prints port names. */
  dumpFlows(owner: OfprotoDpif, verbose: boolean, names: boolean): string {
    const portNames = names ? this.dp.portNames() : undefined;
    const now = this.dp.clock();
    let out = '';
    for (const f of this.dp.flowDump()) {
      const inPort = f.key[W.IN_PORT]!;
      const bp = this.ports.get(inPort);
      // Flows on a tunnel's shared port belong to the bridges with such a tunnel.
      if (bp?.owner !== owner && !(bp && !bp.owner && [...owner.xbridge.ports.values()].some((x) => x.isTunnel && x.odpPort === inPort))) continue;
      if (verbose) out += `ufid:${formatUfid(f.ufid)} `;
      out += `${formatFlowKey(f.key, 0, f.mask, 0, { verbose, portNames })}, ${formatDpifFlowStats(this.dp.flowCounters(f), now)}, `;
      out += `actions:${formatOdpActions(f.actions, (p) => portNames?.get(p) ?? String(p))}\n`;
    }
    return out;
  }

  /* ---- Upcalls. ---- */

  /** A miss in the fast path: ofproto translates, installs the megaflow, executes. */
  private upcall(packet: Uint8Array, keys: Uint32Array, k: number, inPort: number): 'handled' | null {
    const p = this.ports.get(inPort);
    const flow = keyToFlow(keys, k, new Uint8Array(FLOW_SIZE));
    // A decapsulated packet on a tunnel's shared port: ofproto/tunnel.ts finds its port.
    if (!p) return null;
    put32(flow, FL.IN_PORT, p.owner ? p.ofp : inPort);
    const owner = p.owner ?? ofprotoDpifTunnelOwner(this, flow);
    if (!owner) return null;
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
        // Native tunnels (netdev-native-tnl.ts; decapsulation in ofproto-dpif.ts).
        case 'tnl_push': pkt = netdevTnlPushHeader(pkt, a.tnlType, a.header); break;
        case 'tnl_pop': {
          const t = ofprotoDpifTunnelReceive(this, a.port, pkt);
          if (t) this.runAs(t.owner, () => t.owner.handleMiss(t.flow, t.packet));
          break;
        }
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

/** Cores of other_config:pmd-cpu-mask (one PMD thread each); default: one thread. */
let pmdCoreList: number[] = [0];

function pmdCores(): number[] { return pmdCoreList; }

/** Sets other_config:pmd-cpu-mask (hex, e.g. "0x6": cores 1 and 2): one PMD
 * thread per core for ports added from now on (threads already running
 * stay).  Unset or invalid: one thread, core 0. */
export function dpifNetdevSetPmdCpuMask(mask: string | undefined): void {
  const m = mask?.trim().replace(/^0x/i, '') ?? '';
  const cores: number[] = [];
  if (/^[0-9a-f]+$/i.test(m)) {
    let bits = BigInt(`0x${m}`);
    for (let c = 0; bits && c < 64; c++, bits >>= 1n) if (bits & 1n) cores.push(c);
  }
  pmdCoreList = cores.length ? cores.slice(0, 16) : [0];
}

/** Registers dpif-netdev/test-block-main FILE [MAX_MS], a test hook: the main
 * thread busy-waits (its event loop blocked, as by a burst of OpenFlow or
 * database work) while FILE exists, at most MAX_MS ms (default 10000).  It
 * creates FILE.blocked while blocking and removes it when done. */
export function dpifNetdevBackerRegisterCommands(): void {
  unixctlCommandRegister('dpif-netdev/test-block-main', 'FILE [MAX_MS]', 1, 2, (args) => {
    const file = args[0]!;
    const max = args[1] === undefined ? 10000 : Number.parseInt(args[1], 10);
    if (!Number.isFinite(max) || max < 0) throw new UnixctlError('invalid MAX_MS');
    if (!existsSync(file)) throw new UnixctlError(`${file}: no such file`);
    const t0 = performance.now();
    writeFileSync(`${file}.blocked`, '');
    try {
      // Busy: spin, looking at the file every millisecond.
      for (let t = t0; existsSync(file) && t - t0 < max;) {
        const until = t + 1;
        while ((t = performance.now()) < until);
      }
    } finally {
      unlinkSync(`${file}.blocked`);
    }
    return `blocked ${Math.round(performance.now() - t0)} ms\n`;
  });
}

/** The fast-path backer for datapath type 'type' ("dummy", "netdev", "system"). */
export function dpifNetdevBackerFor(type: string): DpifNetdevBacker {
  let b = backers.get(type);
  if (!b) { b = new DpifNetdevBacker(type); backers.set(type, b); }
  return b;
}

/** Every open fast-path backer. */
export function dpifNetdevBackers(): DpifNetdevBacker[] { return [...backers.values()]; }
