/* netdev: the generic front of network devices (OVS lib/netdev.c).
 *
 * Keeps the registry of NetdevClass implementations by type string and the
 * table of open devices by name (opening a name twice shares one object with
 * a reference count), checks arguments, logs failures, and supplies the
 * "not supported" answer for hooks an implementation leaves out.  Datapath
 * code (dpif-netdev, next) and vswitchd's bridge use only these functions;
 * the implementations (netdev-dummy.ts, netdev-linux.ts, netdev-tap.ts,
 * netdev-vport.ts) register themselves through netdevRegisterProvider() —
 * netdev-classes.ts registers the built-in ones.
 *
 * Before a batch reaches a device, netdevSend() prepares it as OVS's
 * netdev_send_prepare_batch() does: a GSO super-packet goes to a device that
 * cannot segment it (no NetdevOl.TX_TCP_TSO / TX_UDP_GSO) cut into segments in
 * software (dp-packet-gso.ts; the batch is then copied into a scratch batch
 * in order), and a packet whose L4 checksum was left to offload gets it
 * computed here if the device cannot (no NetdevOl.TX_L4_CSUM).
 */
import { networkInterfaces as osNetworkInterfaces } from 'node:os';
import { vlogModule, RateLimit } from '../lib/vlog.js';
import { strerror } from '../lib/program.js';
import { completePartialChecksum } from '../lib/packets/checksum.js';
import { formatEthAddr } from '../lib/packets/ethernet.js';
import { DpPacketBatch, HEADROOM, OlFlags, GsoType } from './dp-packet.js';
import { gsoSegment, gsoSegmentCount, gsoSegmentable, GSO_UDP_L4 } from './dp-packet-gso.js';
import {
  type Netdev, type NetdevClass, type NetdevRxq, type NetdevStats, type NetdevFeatures, type Smap,
  NetdevOl,
} from './netdev-provider.js';

const log = vlogModule('netdev');
const rl = new RateLimit(5, 20);

const EOPNOTSUPP = 95, EEXIST = 17, EAFNOSUPPORT = 97, EINVAL = 22, EBUSY = 16;

const classes = new Map<string, NetdevClass>();
const netdevs = new Map<string, Netdev>();

/* ---- registry ---------------------------------------------------------- */

/** Registers 'cls' under its type; 0, EEXIST if the type is taken, or the class's init() error. */
export function netdevRegisterProvider(cls: NetdevClass): number {
  if (classes.has(cls.type)) {
    log.warn(`attempted to register duplicate netdev provider: ${cls.type}`);
    return EEXIST;
  }
  const e = cls.init ? cls.init() : 0;
  if (e) {
    log.err(`failed to initialize ${cls.type} network device class: ${strerror(e)}`);
    return e;
  }
  classes.set(cls.type, cls);
  return 0;
}

/** Unregisters a type; 0, EAFNOSUPPORT if unknown, EBUSY if devices of it are open. */
export function netdevUnregisterProvider(type: string): number {
  const cls = classes.get(type);
  if (!cls) {
    log.warn(`attempted to unregister a netdev provider that is not registered: ${type}`);
    return EAFNOSUPPORT;
  }
  for (const d of netdevs.values()) {
    if (d.netdevClass === cls) {
      log.warn(`attempted to unregister in use netdev provider: ${type}`);
      return EBUSY;
    }
  }
  classes.delete(type);
  return 0;
}

/** The registered type names, sorted. */
export function netdevEnumerateTypes(): string[] {
  return [...classes.keys()].sort();
}

/** True if 'type' is registered. */
export function netdevTypeIsRegistered(type: string): boolean {
  return classes.has(type);
}

/** Runs every class's periodic work (call from the main loop). */
export function netdevRun(): void {
  for (const c of classes.values()) c.run?.();
}

/* ---- open / close ------------------------------------------------------ */

/** Opens device 'name' of 'type' ("" or undefined means "system").  Opening an
 * open name again returns the same object (EEXIST if the type differs).
 * Returns the netdev or a positive errno. */
export function netdevOpen(name: string, type?: string): Netdev | number {
  const t = type || 'system';
  const existing = netdevs.get(name);
  if (existing) {
    if (type && existing.type !== t) {
      log.warn(`${name}: could not create netdev of type ${t} (already open as ${existing.type})`);
      return EEXIST;
    }
    existing.refCount++;
    return existing;
  }
  const cls = classes.get(t);
  if (!cls) {
    log.warn(`could not create netdev ${name} of unknown type ${t}`);
    return EAFNOSUPPORT;
  }
  if (name === '' || name.length > 255) return EINVAL;
  const netdev = cls.alloc(name);
  const e = cls.construct(netdev);
  if (e) {
    log.warn(`${name}: could not create netdev of type ${t} (${strerror(e)})`);
    return e;
  }
  netdev.refCount = 1;
  netdevs.set(name, netdev);
  log.dbg(`${name}: opened netdev of type ${t}`);
  return netdev;
}

/** Drops one reference; the last one destructs the device. */
export function netdevClose(netdev: Netdev): void {
  if (--netdev.refCount > 0) return;
  if (netdevs.get(netdev.name) === netdev) netdevs.delete(netdev.name);
  netdev.netdevClass.destruct(netdev);
}

/** The open device named 'name', if any. */
export function netdevFromName(name: string): Netdev | undefined {
  return netdevs.get(name);
}

/** Every open device, by name. */
export function netdevGetAll(): Netdev[] {
  return [...netdevs.values()];
}

/* ---- configuration ------------------------------------------------------- */

/** Applies Interface options; null or an error message (also logged). */
export function netdevSetConfig(netdev: Netdev, args: Smap): string | null {
  const cls = netdev.netdevClass;
  if (!cls.setConfig) {
    if (Object.keys(args).length) {
      const msg = `${netdev.name}: arguments provided to device that is not configurable`;
      log.warn(msg);
      return msg;
    }
    return null;
  }
  const err = cls.setConfig(netdev, args);
  if (err) log.warn(`${netdev.name}: could not set configuration (${err})`);
  return err;
}

/** The device's configuration (empty if it has none). */
export function netdevGetConfig(netdev: Netdev): Smap {
  return netdev.netdevClass.getConfig?.(netdev) ?? {};
}

/** Applies pending queue-count changes; 0 or errno. */
export function netdevReconfigure(netdev: Netdev): number {
  return netdev.netdevClass.reconfigure?.(netdev) ?? 0;
}

/* ---- packets ------------------------------------------------------------- */

/** True if 'netdev' can take GSO packet i of 'batch' whole. */
function gsoAccepted(netdev: Netdev, batch: DpPacketBatch, i: number): boolean {
  const t = batch.gsoType[i]! & 0x7f;
  const need = t === GSO_UDP_L4 || t === GsoType.UDP ? NetdevOl.TX_UDP_GSO : NetdevOl.TX_TCP_TSO;
  return (netdev.olFlags & need) !== 0;
}

/** Completes partial checksums and drops what 'netdev' cannot take (GSO
 * packets it cannot segment: netdevSend() segments those first); returns the
 * number of packets dropped.  The batch is compacted in place. */
export function netdevSendPrepareBatch(netdev: Netdev, batch: DpPacketBatch): number {
  const ol = netdev.olFlags;
  let dropped = 0;
  for (let i = 0; i < batch.count;) {
    const fl = batch.olFlags[i]!;
    if (fl & OlFlags.GSO && !gsoAccepted(netdev, batch, i)) {
      log.warnRl(rl, () => `${netdev.name}: No TSO support on port, packet dropped`);
      batch.remove(i);
      dropped++;
      continue;
    }
    if (fl & OlFlags.CSUM_PARTIAL && !(ol & NetdevOl.TX_L4_CSUM)) {
      if (!completePartialChecksum(batch.data, batch.offsets[i]!, batch.sizes[i]!,
        batch.csumStart[i]!, batch.csumOffset[i]!)) {
        batch.remove(i);
        dropped++;
        continue;
      }
      batch.olFlags[i] = fl & ~OlFlags.CSUM_PARTIAL;
    }
    i++;
  }
  return dropped;
}

/** Scratch batch for software segmentation (one per thread: module state). */
let segBatch: DpPacketBatch | null = null;
const SEG_BATCH_PACKETS = 64;

/** Sends the prepared scratch batch and empties it; the class's error. */
function sendPrepared(netdev: Netdev, qid: number, batch: DpPacketBatch): number {
  const dropped = netdevSendPrepareBatch(netdev, batch);
  if (dropped) netdev.txPrepareDrops += dropped;
  const e = batch.count ? netdev.netdevClass.send(netdev, qid, batch) : 0;
  batch.count = 0;
  return e;
}

/** netdevSend() for a batch holding GSO packets 'netdev' cannot take whole:
 * copies the packets in order into a scratch batch, segmenting those. */
function sendSegmented(netdev: Netdev, qid: number, batch: DpPacketBatch): number {
  const seg = (segBatch ??= new DpPacketBatch(SEG_BATCH_PACKETS, HEADROOM + 65536 + 64));
  seg.count = 0;
  let err = 0;
  for (let i = 0; i < batch.count; i++) {
    const needSeg = (batch.olFlags[i]! & OlFlags.GSO) !== 0 && !gsoAccepted(netdev, batch, i);
    if (needSeg && !gsoSegmentable(batch, i)) {
      netdev.txPrepareDrops++;
      log.warnRl(rl, () => `${netdev.name}: cannot segment GSO packet (type ${batch.gsoType[i]}), dropped`);
      continue;
    }
    if (!needSeg) {
      if (seg.count === seg.maxPackets) err = sendPrepared(netdev, qid, seg) || err;
      if (!seg.appendFrom(batch, i)) netdev.txPrepareDrops++;
      continue;
    }
    const nseg = gsoSegmentCount(batch, i);
    let next = nseg > 0 ? 0 : -1;
    while (next >= 0 && next < nseg) {
      if (seg.count === seg.maxPackets) err = sendPrepared(netdev, qid, seg) || err;
      next = gsoSegment(batch, i, seg, next);
    }
    if (next < 0) {
      netdev.txPrepareDrops++;
      log.warnRl(rl, () => `${netdev.name}: malformed GSO packet dropped`);
    }
  }
  if (seg.count) err = sendPrepared(netdev, qid, seg) || err;
  batch.count = 0;
  return err;
}

/** Sends packets [0, batch.count) on tx queue 'qid' (every packet is sent or
 * dropped; the batch may be reused afterwards); 0 or errno. */
export function netdevSend(netdev: Netdev, qid: number, batch: DpPacketBatch): number {
  if (batch.count === 0) return 0;
  const q = qid < netdev.nTxq ? qid : qid % netdev.nTxq;
  for (let i = 0; i < batch.count; i++) {
    if (batch.olFlags[i]! & OlFlags.GSO && !gsoAccepted(netdev, batch, i)) {
      const e = sendSegmented(netdev, q, batch);
      if (e && e !== 11) log.dbgRl(rl, () => `${netdev.name}: send failed (${strerror(e)})`);
      return e;
    }
  }
  const dropped = netdevSendPrepareBatch(netdev, batch);
  if (dropped) netdev.txPrepareDrops += dropped;
  if (batch.count === 0) return 0;
  const e = netdev.netdevClass.send(netdev, q, batch);
  if (e && e !== 11) log.dbgRl(rl, () => `${netdev.name}: send failed (${strerror(e)})`);
  return e;
}

/** Arms a one-shot 'wake' for when sending on 'qid' can progress (immediately if unsupported). */
export function netdevSendWait(netdev: Netdev, qid: number, wake: () => void): void {
  if (netdev.netdevClass.sendWait) netdev.netdevClass.sendWait(netdev, qid, wake);
  else queueMicrotask(wake);
}

/** Opens receive queue 'queueId'; the rxq or a positive errno. */
export function netdevRxqOpen(netdev: Netdev, queueId = 0): NetdevRxq | number {
  if (queueId < 0 || queueId >= netdev.nRxq) return EINVAL;
  const cls = netdev.netdevClass;
  const rxq = cls.rxqAlloc(netdev, queueId);
  const e = cls.rxqConstruct(rxq);
  if (e) {
    log.warn(`${netdev.name}: could not open receive queue ${queueId} (${strerror(e)})`);
    return e;
  }
  netdev.refCount++;
  return rxq;
}

/** Closes a receive queue. */
export function netdevRxqClose(rxq: NetdevRxq): void {
  rxq.netdev.netdevClass.rxqDestruct(rxq);
  netdevClose(rxq.netdev);
}

/** Receives into 'batch'; the count (0 if nothing waiting) or -errno. */
export function netdevRxqRecv(rxq: NetdevRxq, batch: DpPacketBatch): number {
  const n = rxq.netdev.netdevClass.rxqRecv(rxq, batch);
  if (n < 0) {
    batch.count = 0;
    if (n !== -11) log.dbgRl(rl, () => `error receiving Ethernet packet on ${rxq.netdev.name}: ${strerror(-n)}`);
  }
  return n;
}

/** Arms a one-shot 'wake' for when the queue may have packets. */
export function netdevRxqWait(rxq: NetdevRxq, wake: () => void): void {
  rxq.netdev.netdevClass.rxqWait(rxq, wake);
}

/** Discards waiting packets; 0 or errno. */
export function netdevRxqDrain(rxq: NetdevRxq): number {
  return rxq.netdev.netdevClass.rxqDrain?.(rxq) ?? EOPNOTSUPP;
}

/* ---- attributes ------------------------------------------------------------ */

/** The Ethernet address or -errno. */
export function netdevGetEtherAddr(netdev: Netdev): number {
  return netdev.netdevClass.getEtherAddr(netdev);
}

/** Sets the Ethernet address; 0 or errno (logged). */
export function netdevSetEtherAddr(netdev: Netdev, mac: number): number {
  const e = netdev.netdevClass.setEtherAddr?.(netdev, mac) ?? EOPNOTSUPP;
  if (e) log.warn(`failed to set ${netdev.name} Ethernet address to ${formatEthAddr(mac)} (${strerror(e)})`);
  else netdev.changed();
  return e;
}

/** The MTU or -errno (-EOPNOTSUPP if the device has none). */
export function netdevGetMtu(netdev: Netdev): number {
  const r = netdev.netdevClass.getMtu?.(netdev) ?? -EOPNOTSUPP;
  if (r < 0 && r !== -EOPNOTSUPP) log.dbgRl(rl, () => `failed to retrieve MTU for network device ${netdev.name} (${strerror(-r)})`);
  return r;
}

/** Sets the MTU; 0 or errno (logged). */
export function netdevSetMtu(netdev: Netdev, mtu: number): number {
  if (!Number.isInteger(mtu) || mtu < 68 || mtu > 65535) return EINVAL;
  const e = netdev.netdevClass.setMtu?.(netdev, mtu) ?? EOPNOTSUPP;
  if (e && e !== EOPNOTSUPP) log.warnRl(rl, () => `failed to set MTU for network device ${netdev.name}: ${strerror(e)}`);
  if (!e) netdev.changed();
  return e;
}

/** The kernel ifindex or -errno. */
export function netdevGetIfindex(netdev: Netdev): number {
  return netdev.netdevClass.getIfindex?.(netdev) ?? -EOPNOTSUPP;
}

/** True if the link is up (devices that cannot tell say true, as OVS does). */
export function netdevGetCarrier(netdev: Netdev): boolean {
  const c = netdev.netdevClass.getCarrier?.(netdev);
  return c === undefined || c < 0 ? true : c === 1;
}

/** Carrier changes so far (0 if unknown). */
export function netdevGetCarrierResets(netdev: Netdev): number {
  const r = netdev.netdevClass.getCarrierResets?.(netdev) ?? 0;
  return r < 0 ? 0 : r;
}

/** Counters, or -errno. */
export function netdevGetStats(netdev: Netdev): NetdevStats | number {
  const s = netdev.netdevClass.getStats?.(netdev) ?? -EOPNOTSUPP;
  if (typeof s === 'object' && netdev.txPrepareDrops) s.tx_dropped += netdev.txPrepareDrops;
  return s;
}

/** Link features, or -errno. */
export function netdevGetFeatures(netdev: Netdev): NetdevFeatures | number {
  return netdev.netdevClass.getFeatures?.(netdev) ?? -EOPNOTSUPP;
}

/** Driver status for the Interface status column (empty if none). */
export function netdevGetStatus(netdev: Netdev): Smap {
  const s = netdev.netdevClass.getStatus?.(netdev);
  return typeof s === 'object' ? s : {};
}

/** The current NetdevFlags, or -errno. */
export function netdevGetFlags(netdev: Netdev): number {
  return netdev.netdevClass.updateFlags(netdev, 0, 0);
}

/** Turns flags on (and others off); the old flags or -errno (logged). */
export function netdevUpdateFlags(netdev: Netdev, off: number, on: number): number {
  const r = netdev.netdevClass.updateFlags(netdev, off, on);
  if (r < 0) {
    log.warnRl(rl, () => `failed to ${on & 1 ? 'enable' : off & 1 ? 'disable' : 'update flags of'} interface ${netdev.name}: ${strerror(-r)}`);
  } else if (((r & ~off) | on) !== r) {
    netdev.changed();
  }
  return r;
}

/* ---- addresses ----------------------------------------------------------- */

/** One IP address of a device: 16 bytes (IPv4 as ::ffff:a.b.c.d) and its mask. */
export interface NetdevAddr { addr: Uint8Array; mask: Uint8Array }

/** Addresses set by netdev-dummy/ip4addr|ip6addr (and tests), by device name. */
const assignedAddrs = new Map<string, NetdevAddr[]>();

/** The system's addresses, read at most once a second. */
let sysAddrs: { at: number; ifs: Record<string, { address: string; netmask: string; family: string | number }[] | undefined> } | null = null;

/** Adds an address to device 'name' (netdev-dummy's ip4addr/ip6addr). */
export function netdevAddInAddr(name: string, a: NetdevAddr): void {
  const list = assignedAddrs.get(name) ?? [];
  list.push(a);
  assignedAddrs.set(name, list);
}

/** The device's IP addresses (netdev_get_addr_list): those set through
 * netdevAddInAddr(), else the system's addresses of the interface of that
 * name.  Empty if none. */
export function netdevGetAddrList(name: string): NetdevAddr[] {
  const set = assignedAddrs.get(name);
  if (set) return set;
  const out: NetdevAddr[] = [];
  const now = Date.now();
  // The system's list is cached for a second, but a device missing from it
  // is looked up again (an address may have just been added).
  if (!sysAddrs || now - sysAddrs.at > 1000 || (!sysAddrs.ifs[name] && sysAddrs.at !== now)) {
    try { sysAddrs = { at: now, ifs: osNetworkInterfaces() }; } catch { return out; }
  }
  const ifs = sysAddrs.ifs;
  for (const a of ifs[name] ?? []) {
    const v4 = a.family === 'IPv4' || a.family === 4;
    const addr = v4 ? mappedFromText(a.address) : ipv6FromText(a.address);
    const mask = v4 ? mappedMaskFromText(a.netmask) : ipv6FromText(a.netmask);
    if (addr && mask) out.push({ addr, mask });
  }
  return out;
}

function mappedFromText(s: string): Uint8Array | null {
  const p = s.split('.').map(Number);
  if (p.length !== 4 || p.some((x) => !(x >= 0 && x <= 255))) return null;
  const b = new Uint8Array(16);
  b[10] = 0xff; b[11] = 0xff; b.set(p, 12);
  return b;
}

function mappedMaskFromText(s: string): Uint8Array | null {
  const b = mappedFromText(s);
  if (b) b.fill(0xff, 0, 12);
  return b;
}

function ipv6FromText(s: string): Uint8Array | null {
  const t = s.replace(/%.*$/, '');
  const halves = t.split('::');
  if (halves.length > 2) return null;
  const parse = (h: string) => (h ? h.split(':') : []);
  const head = parse(halves[0]!), tail = halves.length === 2 ? parse(halves[1]!) : [];
  const groups = halves.length === 2 ? [...head, ...Array(8 - head.length - tail.length).fill('0'), ...tail] : head;
  if (groups.length !== 8) return null;
  const b = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    const v = Number.parseInt(groups[i]!, 16);
    if (!(v >= 0 && v <= 0xffff)) return null;
    b[2 * i] = v >> 8; b[2 * i + 1] = v & 0xff;
  }
  return b;
}
