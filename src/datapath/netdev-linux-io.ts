/* netdev-linux-io: typed Linux packet I/O and interface control for the netdevs.
 *
 * A thin layer over the ovs_native addon (lib/native.ts): AF_PACKET sockets
 * with batched receive/send into a DpPacketBatch (dp-packet.ts), tap devices,
 * the interface ioctls OVS's lib/netdev-linux.c uses (ifindex, MTU, MAC, flags,
 * ethtool link/speed/offloads), statistics from /sys/class/net, and fd
 * readiness on the event loop (FdWatcher).  netdev-linux.ts ("system") and
 * netdev-tap.ts ("internal") are built on it; so is bench/netdev-io.ts.
 *
 * Error rule: functions return a non-negative result or a negative errno
 * (-19 is ENODEV); nothing here throws on a system error.  Struct layouts are
 * built here; the C side only makes the calls.
 */
import { readFileSync } from 'node:fs';
import { ovsNative, type OvsNative } from '../lib/native.js';
import { type DpPacketBatch } from './dp-packet.js';
import { emptyStats, STATS_FIELDS, type NetdevStats } from './netdev-provider.js';

/** Size of the virtio-net header that PACKET_VNET_HDR / IFF_VNET_HDR prepend. */
export const VNET_HDR_SIZE = 10;

const SIOCGIFFLAGS = 0x8913, SIOCSIFFLAGS = 0x8914, SIOCGIFMTU = 0x8921, SIOCSIFMTU = 0x8922;
const SIOCSIFHWADDR = 0x8924, SIOCGIFHWADDR = 0x8927, SIOCGIFINDEX = 0x8933;
const ARPHRD_ETHER = 1;

/** Interface flags (IFF_*) as in <net/if.h>. */
export const enum IffFlags {
  UP = 0x1, BROADCAST = 0x2, LOOPBACK = 0x8, RUNNING = 0x40, NOARP = 0x80,
  PROMISC = 0x100, MULTICAST = 0x1000, LOWER_UP = 0x10000,
}

/** TUNSETIFF flags. */
export const enum TunFlags { TAP = 0x0002, NO_PI = 0x1000, VNET_HDR = 0x4000 }
/** TUNSETOFFLOAD bits: what the tap's reader accepts in packets it is given. */
export const enum TunOffload { CSUM = 0x01, TSO4 = 0x02, TSO6 = 0x04, TSO_ECN = 0x08 }
const TUNSETPERSIST = 0x400454cb, TUNSETOFFLOAD = 0x400454d0;

/** tpacket_auxdata tp_status bits. */
export const enum TpStatus { CSUMNOTREADY = 1 << 3, VLAN_VALID = 1 << 4, VLAN_TPID_VALID = 1 << 6, CSUM_VALID = 1 << 7 }

let addonCache: OvsNative | null = null;
function addon(): OvsNative {
  return (addonCache ??= ovsNative());
}

/* ---- packet sockets ---------------------------------------------------- */

/** Options for openPacketSocket. */
export interface PacketSocketOptions {
  /** Prepend a virtio-net header to every packet (keeps GSO/partial checksums). */
  vnetHdr?: boolean;
  /** Receive tpacket_auxdata (stripped VLAN tag, checksum state); default true. */
  auxdata?: boolean;
  /** Put the interface in promiscuous mode; default true. */
  promisc?: boolean;
  /** Do not receive the packets this host sends on it; default true. */
  ignoreOutgoing?: boolean;
  /** Socket buffer size in bytes (0: the system default). */
  bufSize?: number;
}

/** Opens a non-blocking AF_PACKET socket on interface 'name'; fd or -errno. */
export function openPacketSocket(name: string, opts: PacketSocketOptions = {}): number {
  const ifindex = getIfindex(name);
  if (ifindex < 0) return ifindex;
  const flags = (opts.vnetHdr ? 1 : 0) | (opts.auxdata !== false ? 2 : 0)
    | (opts.promisc !== false ? 4 : 0) | (opts.ignoreOutgoing !== false ? 8 : 0);
  return addon().packetSocketOpen(ifindex, flags, opts.bufSize ?? 0);
}

/** Receives up to 'max' packets from packet socket 'fd' into 'batch' (emptied
 * first); returns the number received, 0 if none were waiting, or -errno.
 * Stripped VLAN tags and the checksum state are recorded in the batch's
 * metadata; the bytes are exactly what the socket gave (vnet header first if
 * the socket has one). */
export function recvPacketBatch(fd: number, batch: DpPacketBatch, max = batch.maxPackets): number {
  batch.resetForReceive(max);
  const n = addon().recvBatch(fd, batch.data, batch.rxOffsets, batch.capacity, batch.sizes, batch.aux, max);
  if (n < 0) return n === -11 ? 0 : n;
  const aux = batch.aux;
  for (let i = 0; i < n; i++) {
    const status = aux[2 * i]!;
    let fl = 0;
    if (status & TpStatus.VLAN_VALID) {
      fl |= 8; // OlFlags.VLAN_STRIPPED
      const w = aux[2 * i + 1]!;
      batch.vlanTci[i] = w & 0xffff;
      batch.vlanTpid[i] = (status & TpStatus.VLAN_TPID_VALID) && (w >>> 16) ? w >>> 16 : 0x8100;
    }
    if (status & TpStatus.CSUM_VALID) fl |= 2; // OlFlags.CSUM_GOOD
    batch.olFlags[i] = fl;
  }
  batch.count = n;
  return n;
}

/** Sends packets [0, count) of 'batch' on packet socket 'fd'; the number sent or -errno. */
export function sendPacketBatch(fd: number, batch: DpPacketBatch, count = batch.count): number {
  if (count === 0) return 0;
  return addon().sendBatch(fd, batch.data, batch.offsets, batch.sizes, count);
}

/** As recvPacketBatch for a tap fd (read(2) per packet, one crossing per batch). */
export function readTapBatch(fd: number, batch: DpPacketBatch, max = batch.maxPackets): number {
  batch.resetForReceive(max);
  const n = addon().readBatch(fd, batch.data, batch.rxOffsets, batch.capacity, batch.sizes, max);
  if (n < 0) return n === -11 ? 0 : n;
  // No kernel receive information here: clear what a packet socket left in this batch.
  batch.aux.fill(0, 0, 2 * n);
  batch.count = n;
  return n;
}

/** As sendPacketBatch for a tap fd. */
export function writeTapBatch(fd: number, batch: DpPacketBatch, count = batch.count): number {
  if (count === 0) return 0;
  return addon().writeBatch(fd, batch.data, batch.offsets, batch.sizes, count);
}

/* ---- tap devices ------------------------------------------------------- */

/** Creates (or attaches to) tap device 'name'; fd or -errno.  With 'vnetHdr'
 * every packet read or written starts with a virtio-net header. */
export function openTap(name: string, vnetHdr = false): number {
  return addon().tapOpen(name, TunFlags.TAP | TunFlags.NO_PI | (vnetHdr ? TunFlags.VNET_HDR : 0));
}

/** Sets the offloads a tap's reader (us) accepts (TunOffload bits); 0 or errno. */
export function setTapOffload(fd: number, offload: number): number {
  return addon().fdIoctlInt(fd, TUNSETOFFLOAD, offload);
}

/** Makes a tap outlive its fd (or not); 0 or errno. */
export function setTapPersist(fd: number, persist: boolean): number {
  return addon().fdIoctlInt(fd, TUNSETPERSIST, persist ? 1 : 0);
}

/* ---- interface ioctls -------------------------------------------------- */

const ifr = new Uint8Array(24);
const ifrView = new DataView(ifr.buffer);

function ifreq(name: string, request: number): number {
  return addon().ifreqIoctl(name, request, ifr);
}

/** The interface index of 'name', or -errno (-19 ENODEV if there is none). */
export function getIfindex(name: string): number {
  ifr.fill(0);
  const e = ifreq(name, SIOCGIFINDEX);
  return e ? -e : ifrView.getInt32(0, true);
}

/** The MTU of 'name', or -errno. */
export function getMtu(name: string): number {
  ifr.fill(0);
  const e = ifreq(name, SIOCGIFMTU);
  return e ? -e : ifrView.getInt32(0, true);
}

/** Sets the MTU of 'name'; 0 or errno. */
export function setMtu(name: string, mtu: number): number {
  ifr.fill(0);
  ifrView.setInt32(0, mtu, true);
  return ifreq(name, SIOCSIFMTU);
}

/** Copies the Ethernet address of 'name' into 'mac' (6 bytes); 0 or errno. */
export function getEtherAddr(name: string, mac: Uint8Array): number {
  ifr.fill(0);
  const e = ifreq(name, SIOCGIFHWADDR);
  if (e) return e;
  const family = ifrView.getUint16(0, true);
  if (family !== ARPHRD_ETHER) return 95; // EOPNOTSUPP: not an Ethernet device
  mac.set(ifr.subarray(2, 8));
  return 0;
}

/** Sets the Ethernet address of 'name'; 0 or errno. */
export function setEtherAddr(name: string, mac: Uint8Array): number {
  ifr.fill(0);
  ifrView.setUint16(0, ARPHRD_ETHER, true);
  ifr.set(mac.subarray(0, 6), 2);
  return ifreq(name, SIOCSIFHWADDR);
}

/** The IFF_* flags of 'name' (16 bits), or -errno. */
export function getIfFlags(name: string): number {
  ifr.fill(0);
  const e = ifreq(name, SIOCGIFFLAGS);
  return e ? -e : ifrView.getUint16(0, true);
}

/** Turns flags 'off' off and 'on' on for 'name'; the old flags or -errno. */
export function updateIfFlags(name: string, off: number, on: number): number {
  const old = getIfFlags(name);
  if (old < 0) return old;
  const flags = (old & ~off) | on;
  if (flags === old) return old;
  ifr.fill(0);
  ifrView.setUint16(0, flags & 0xffff, true);
  const e = ifreq(name, SIOCSIFFLAGS);
  return e ? -e : old;
}

/* ---- ethtool ----------------------------------------------------------- */

const ETHTOOL_GSET = 0x01, ETHTOOL_GLINK = 0x0a;
/** Legacy ethtool offload get/set command pairs, by feature name. */
const ETHTOOL_OFFLOADS: Record<string, [number, number]> = {
  rx: [0x14, 0x15], tx: [0x16, 0x17], sg: [0x18, 0x19], tso: [0x1e, 0x1f], gso: [0x23, 0x24], gro: [0x2b, 0x2c],
};

const ethBuf = new Uint8Array(44);
const ethView = new DataView(ethBuf.buffer);

/** Link state from ETHTOOL_GLINK: 1 up, 0 down, or -errno. */
export function getLinkState(name: string): number {
  ethBuf.fill(0);
  ethView.setUint32(0, ETHTOOL_GLINK, true);
  const e = addon().ethtoolIoctl(name, ethBuf);
  return e ? -e : ethView.getUint32(4, true) ? 1 : 0;
}

/** Link speed, duplex and autonegotiation from ETHTOOL_GSET. */
export interface LinkSettings { speedMbps: number; fullDuplex: boolean; autoneg: boolean; supported: number; advertising: number }

/** Link settings of 'name' (speed -1 if unknown), or -errno. */
export function getLinkSettings(name: string): LinkSettings | number {
  ethBuf.fill(0);
  ethView.setUint32(0, ETHTOOL_GSET, true);
  const e = addon().ethtoolIoctl(name, ethBuf);
  if (e) return -e;
  // struct ethtool_cmd: speed u16 at 12, duplex at 14, autoneg at 18, speed_hi u16 at 28.
  const speed = (ethView.getUint16(12, true) | (ethView.getUint16(28, true) << 16)) >>> 0;
  return {
    speedMbps: speed === 0xffffffff || speed === 0 ? -1 : speed,
    fullDuplex: ethBuf[14] === 1,
    autoneg: ethBuf[18] === 1,
    supported: ethView.getUint32(4, true),
    advertising: ethView.getUint32(8, true),
  };
}

/** Reads offload 'feature' (rx, tx, sg, tso, gso, gro) of 'name': 1 on, 0 off, or -errno. */
export function getOffload(name: string, feature: string): number {
  const cmds = ETHTOOL_OFFLOADS[feature];
  if (!cmds) return -22;
  ethBuf.fill(0);
  ethView.setUint32(0, cmds[0], true);
  const e = addon().ethtoolIoctl(name, ethBuf);
  return e ? -e : ethView.getUint32(4, true) ? 1 : 0;
}

/** Turns offload 'feature' of 'name' on or off (like `ethtool -K name tx off`); 0 or errno. */
export function setOffload(name: string, feature: string, on: boolean): number {
  const cmds = ETHTOOL_OFFLOADS[feature];
  if (!cmds) return 22;
  ethBuf.fill(0);
  ethView.setUint32(0, cmds[1], true);
  ethView.setUint32(4, on ? 1 : 0, true);
  return addon().ethtoolIoctl(name, ethBuf);
}

/** Driver identification from ETHTOOL_GDRVINFO (`ethtool -i`). */
export interface DriverInfo { driver: string; version: string; fwVersion: string; busInfo: string }

const drvBuf = new Uint8Array(196);
const drvView = new DataView(drvBuf.buffer);
const latin1 = new TextDecoder('latin1');

function cString(b: Uint8Array, off: number, size: number): string {
  let end = off;
  while (end < off + size && b[end] !== 0) end++;
  return latin1.decode(b.subarray(off, end));
}

/** The driver of 'name', or -errno. */
export function getDriverInfo(name: string): DriverInfo | number {
  drvBuf.fill(0);
  drvView.setUint32(0, 0x03, true); // ETHTOOL_GDRVINFO
  const e = addon().ethtoolIoctl(name, drvBuf);
  if (e) return -e;
  return { driver: cString(drvBuf, 4, 32), version: cString(drvBuf, 36, 32),
    fwVersion: cString(drvBuf, 68, 32), busInfo: cString(drvBuf, 100, 32) };
}

/* ---- /sys/class/net ---------------------------------------------------- */

function readSys(name: string, file: string): string | null {
  if (name.includes('/') || name.startsWith('.')) return null;
  try {
    return readFileSync(`/sys/class/net/${name}/${file}`, 'latin1').trim();
  } catch {
    return null;
  }
}

/** The kernel's counters for 'name' from /sys/class/net/NAME/statistics, or -errno. */
export function getSysStats(name: string): NetdevStats | number {
  if (readSys(name, 'ifindex') === null) return -19;
  const s = emptyStats();
  for (const f of STATS_FIELDS) {
    const v = readSys(name, `statistics/${f}`);
    if (v !== null) s[f] = Number(v);
  }
  return s;
}

/** Carrier from /sys/class/net/NAME/carrier: 1, 0, or -errno (-22 when the device is down). */
export function getSysCarrier(name: string): number {
  const v = readSys(name, 'carrier');
  if (v === null) return readSys(name, 'ifindex') === null ? -19 : -22;
  return v === '1' ? 1 : 0;
}

/** Speed in Mbit/s from /sys (-1 when unknown), or -errno. */
export function getSysSpeed(name: string): number {
  const v = readSys(name, 'speed');
  if (v === null) return readSys(name, 'ifindex') === null ? -19 : -1;
  const n = Number(v);
  return Number.isFinite(n) && n > 0 ? n : -1;
}

/** Carrier changes from /sys/class/net/NAME/carrier_changes, or -errno. */
export function getSysCarrierChanges(name: string): number {
  const v = readSys(name, 'carrier_changes');
  if (v === null) return readSys(name, 'ifindex') === null ? -19 : -95;
  return Number(v) || 0;
}

/* ---- readiness ---------------------------------------------------------- */

/** Readiness events for FdWatcher. */
export const enum PollEvents { READABLE = 1, WRITABLE = 2 }

/** Calls 'onReady' from the event loop of the creating thread whenever 'fd'
 * is ready for the watched events (no polling from JavaScript).  Keeps the
 * loop alive until stop(). */
export class FdWatcher {
  private handle: object | null;
  private events: number;

  constructor(readonly fd: number, events: number, onReady: (events: number) => void) {
    this.events = events;
    this.handle = addon().pollStart(fd, events, onReady);
  }

  /** Changes the watched events (0 pauses the watcher). */
  setEvents(events: number): void {
    if (this.handle && events !== this.events) {
      this.events = events;
      addon().pollUpdate(this.handle, events);
    }
  }

  /** Stops watching; the fd itself stays open. */
  stop(): void {
    if (this.handle) addon().pollStop(this.handle);
    this.handle = null;
  }
}
