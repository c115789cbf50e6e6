/* netdev-linux: Linux network devices through AF_PACKET sockets, type "system"
 * (OVS lib/netdev-linux.c).
 *
 * An existing kernel interface is opened by name: one non-blocking packet
 * socket bound to it (promiscuous, ignoring the host's own outgoing packets,
 * with auxdata so that VLAN tags the kernel stripped are put back) carries
 * both directions, many packets per system call (netdev-linux-io.ts).
 * Attributes go through ioctls and /sys.
 *
 * Offloads.  Packet sockets always use virtio-net headers: received GSO
 * super-packets (a sender's TSO) stay whole and partial checksums stay
 * partial, recorded in the DpPacketBatch metadata; on send the header is
 * rebuilt from that metadata in the packet's headroom, so a system port takes
 * partial checksums (NetdevOl.TX_L4_CSUM).  With userspace TSO enabled
 * (netdevLinuxSetUserspaceTso, OVS's other_config:userspace-tso-enable) it
 * also takes GSO packets whole (TX_TCP_TSO | TX_UDP_GSO); without it netdev.ts
 * cuts them into segments first (dp-packet-gso.ts).  Devices without
 * TX_L4_CSUM (taps without offload, dummies) get checksums completed by
 * netdev.ts.
 *
 * netdev-tap.ts builds the "internal" and "tap" types on the helpers
 * exported here (vnet header handling, ioctls), as OVS keeps all three in
 * one file.
 */
import { closeSync } from 'node:fs';
import { vlogModule, RateLimit } from '../lib/vlog.js';
import { strerror } from '../lib/program.js';
import {
  FIELD as VNET, VNET_HDR_LEN, VNET_F_NEEDS_CSUM, VNET_F_DATA_VALID, putVnetHdr,
} from '../lib/packets/virtio-net.js';
import { type DpPacketBatch, OlFlags, GsoType } from './dp-packet.js';
import {
  Netdev, NetdevRxq, type NetdevClass, type NetdevStats, type NetdevFeatures, type Smap,
  NetdevFlags, NetdevOl,
} from './netdev-provider.js';
import {
  openPacketSocket, recvPacketBatch, sendPacketBatch, getIfindex, getMtu, setMtu, getEtherAddr,
  setEtherAddr, getIfFlags, updateIfFlags, IffFlags, getSysStats, getSysCarrier, getSysCarrierChanges,
  getLinkSettings, getDriverInfo, FdWatcher, PollEvents, TpStatus,
} from './netdev-linux-io.js';
import { findL4Checksum, GSO_UDP_L4 } from './dp-packet-gso.js';

const log = vlogModule('netdev_linux');
const tsoLog = vlogModule('userspace_tso');
const rl = new RateLimit(5, 20);

let userspaceTso = false;

/** Turns userspace TSO on or off for devices opened from now on (OVS
 * other_config:userspace-tso-enable): system ports take GSO packets whole,
 * taps get virtio-net headers and offloads. */
export function netdevLinuxSetUserspaceTso(on: boolean): void {
  if (on !== userspaceTso) tsoLog.info(`Userspace TCP Segmentation Offloading support ${on ? 'enabled' : 'disabled'}`);
  userspaceTso = on;
}

/** True if userspace TSO is on for devices opened from now on. */
export function netdevLinuxUserspaceTso(): boolean {
  return userspaceTso;
}

/** State shared by system, internal and tap devices. */
export class NetdevLinux extends Netdev {
  /** Packet socket (system) or tap fd; -1 when closed. */
  fd = -1;
  /** True if every packet on 'fd' carries a virtio-net header. */
  vnetHdr = false;
  /** Readiness watcher for 'fd', created on first wait. */
  watcher: FdWatcher | null = null;
  rxWake: (() => void) | null = null;
  txWake: (() => void) | null = null;
  /** Counters the kernel does not see (drops in userspace). */
  rxDropped = 0;
  txDropped = 0;
  rxErrors = 0;
  /** True for tap-backed devices, whose kernel rx/tx counters are swapped. */
  readonly isTap: boolean = false;
  /** The last receive returned a short batch: the queue is (most likely) empty. */
  rxDrained = false;
  /** True if 'fd' belongs to another netdev object (another thread's): not closed here. */
  borrowedFd = false;
}

/** Casts a netdev of one of the Linux classes. */
export function linuxCast(n: Netdev): NetdevLinux { return n as NetdevLinux; }

/* ---- receive and send post-processing ---------------------------------- */

/** After a raw receive into 'batch': strips virtio-net headers into metadata
 * and puts stripped VLAN tags back; drops truncated and malformed packets
 * (counted as rx errors).  Keeps packet order. */
export function linuxRxFixup(d: NetdevLinux, batch: DpPacketBatch): void {
  const data = batch.data;
  let j = 0;
  for (let i = 0; i < batch.count; i++) {
    let off = batch.offsets[i]!, size = batch.sizes[i]!;
    if (size > batch.capacity) {
      d.rxErrors++;
      log.warnRl(rl, () => `${d.name}: Dropped packet: Too big (${size} bytes, room for ${batch.capacity})`);
      continue;
    }
    let fl = batch.olFlags[i]!;
    if (d.vnetHdr) {
      if (size < VNET_HDR_LEN + 14) { d.rxErrors++; continue; }
      const vf = data[off + VNET.FLAGS]!;
      const gsoType = data[off + VNET.GSO_TYPE]!;
      if (vf & VNET_F_NEEDS_CSUM) {
        fl |= OlFlags.CSUM_PARTIAL;
        batch.csumStart[i] = data[off + VNET.CSUM_START]! | (data[off + VNET.CSUM_START + 1]! << 8);
        batch.csumOffset[i] = data[off + VNET.CSUM_OFFSET]! | (data[off + VNET.CSUM_OFFSET + 1]! << 8);
      } else if (vf & VNET_F_DATA_VALID) {
        fl |= OlFlags.CSUM_GOOD;
      }
      if ((gsoType & 0x7f) !== GsoType.NONE) {
        fl |= OlFlags.GSO;
        batch.gsoType[i] = gsoType;
        batch.gsoSize[i] = data[off + VNET.GSO_SIZE]! | (data[off + VNET.GSO_SIZE + 1]! << 8);
      }
      off += VNET_HDR_LEN;
      size -= VNET_HDR_LEN;
    }
    batch.offsets[i] = off;
    batch.sizes[i] = size;
    if (!d.vnetHdr && batch.aux[2 * i]! & TpStatus.CSUMNOTREADY) {
      // A local sender left the L4 checksum to offload and this socket has no
      // virtio-net header to say where it is: find it, so that netdev.ts can
      // complete it for devices that cannot.
      const stripped = fl & OlFlags.VLAN_STRIPPED ? 4 : 0;
      if (findL4Checksum(data, off, size, csumOut)) {
        fl |= OlFlags.CSUM_PARTIAL;
        batch.csumStart[i] = csumOut[0]! + stripped;
        batch.csumOffset[i] = csumOut[1]!;
      }
    }
    if (fl & OlFlags.VLAN_STRIPPED) {
      // The kernel's csum_start already counts the stripped tag: push it
      // back without moving csum_start.
      batch.olFlags[i] = 0;
      batch.pushVlan(i, batch.vlanTpid[i]!, batch.vlanTci[i]!);
      fl &= ~OlFlags.VLAN_STRIPPED;
    }
    batch.olFlags[i] = fl;
    if (i !== j) batch.moveMeta(i, j);
    j++;
  }
  batch.count = j;
}

const csumOut = new Int32Array(2);

/** Before sending on a vnet-header fd: writes a virtio-net header in front of
 * every packet (moving its offset back).  Undo with linuxTxRestore(). */
export function linuxTxPrepare(batch: DpPacketBatch): void {
  const data = batch.data;
  for (let i = 0; i < batch.count; i++) {
    const fl = batch.olFlags[i]!;
    const o = batch.offsets[i]! - VNET_HDR_LEN;
    let flags = 0, gsoType = 0, gsoSize = 0, hdrLen = 0, start = 0, offset = 0;
    if (fl & OlFlags.CSUM_PARTIAL) {
      flags = VNET_F_NEEDS_CSUM;
      start = batch.csumStart[i]!;
      offset = batch.csumOffset[i]!;
    }
    if (fl & OlFlags.GSO) {
      gsoType = batch.gsoType[i]!;
      gsoSize = batch.gsoSize[i]!;
      // Headers end where the L4 header ends: csum_start + L4 header size.
      const t = gsoType & 0x7f;
      hdrLen = start + (t === GsoType.UDP || t === GSO_UDP_L4 ? 8 : tcpHeaderLen(data, batch.offsets[i]! + start));
    }
    putVnetHdr(data, o, flags, gsoType, hdrLen, gsoSize, start, offset);
    batch.offsets[i] = o;
    batch.sizes[i] = batch.sizes[i]! + VNET_HDR_LEN;
  }
}

function tcpHeaderLen(data: Uint8Array, l4: number): number {
  return l4 + 12 < data.length ? (data[l4 + 12]! >>> 4) * 4 : 20;
}

/** Undoes linuxTxPrepare() so the batch can be sent elsewhere too. */
export function linuxTxRestore(batch: DpPacketBatch, count: number): void {
  for (let i = 0; i < count; i++) {
    batch.offsets[i] = batch.offsets[i]! + VNET_HDR_LEN;
    batch.sizes[i] = batch.sizes[i]! - VNET_HDR_LEN;
  }
}

/** Receive capacity each batch slot needs for this device. */
export function linuxRxCapacity(d: NetdevLinux): number {
  return d.vnetHdr ? 65536 + VNET_HDR_LEN : Math.max(getMtu(d.name), 1500) + 14 + 8;
}

/* ---- readiness ---------------------------------------------------------- */

function armWatcher(d: NetdevLinux): void {
  if (d.fd < 0) return;
  const ev = (d.rxWake ? PollEvents.READABLE : 0) | (d.txWake ? PollEvents.WRITABLE : 0);
  if (!d.watcher) {
    if (!ev) return;
    d.watcher = new FdWatcher(d.fd, ev, (events) => {
      const rx = d.rxWake, tx = d.txWake;
      const r = events < 0 || (events & PollEvents.READABLE) !== 0;
      const w = events < 0 || (events & PollEvents.WRITABLE) !== 0;
      if (r) d.rxWake = null;
      if (w) d.txWake = null;
      // The wakes usually re-arm themselves: update the watcher only after
      // them, so that it stays armed without a system call per wake-up.
      try {
        if (rx && r) rx();
        if (tx && w) tx();
      } finally {
        armWatcher(d);
      }
    });
  } else {
    d.watcher.setEvents(ev);
  }
}

/** Closes the device's fd and watcher. */
export function linuxClose(d: NetdevLinux): void {
  d.watcher?.stop();
  d.watcher = null;
  if (d.fd >= 0 && !d.borrowedFd) closeSync(d.fd);
  d.fd = -1;
}

/* ---- handing ports to a datapath thread ---------------------------------- */

/** What another thread of this process needs to do I/O on a Linux port:
 * plain data, so it crosses postMessage.  The fd stays owned by the netdev
 * it came from; close that one only after the other thread is done. */
export interface LinuxPortHandle {
  type: string; name: string; fd: number; vnetHdr: boolean; olFlags: number;
}

/** The handle of a system/internal/tap netdev, or null for other types. */
export function netdevLinuxExport(netdev: Netdev): LinuxPortHandle | null {
  if (!(netdev instanceof NetdevLinux) || netdev.fd < 0) return null;
  return { type: netdev.type, name: netdev.name, fd: netdev.fd, vnetHdr: netdev.vnetHdr, olFlags: netdev.olFlags };
}

/** A netdev in this thread doing I/O on the fd of 'h' (from netdevLinuxExport
 * in another thread), using 'cls' (netdevLinuxClass, or a tap class from
 * netdev-tap.ts for "internal"/"tap").  It is not entered in this thread's
 * table of open devices; netdevClose() releases it without closing the fd. */
export function netdevLinuxAdopt(h: LinuxPortHandle, cls: NetdevClass): Netdev {
  const d = linuxCast(cls.alloc(h.name));
  d.fd = h.fd;
  d.vnetHdr = h.vnetHdr;
  d.olFlags = h.olFlags;
  d.borrowedFd = true;
  d.refCount = 1;
  return d;
}

/* ---- the hooks shared by the Linux classes --------------------------------- */

/** Hooks common to system, internal and tap (attributes by name, queues on 'fd'). */
export function linuxCommonHooks(recv: (fd: number, b: DpPacketBatch) => number,
                                 send: (fd: number, b: DpPacketBatch, n: number) => number):
  Omit<NetdevClass, 'type' | 'alloc' | 'construct' | 'destruct'> {
  return {
    send(netdev, _qid, batch) {
      const d = linuxCast(netdev);
      if (d.fd < 0) { d.txDropped += batch.count; batch.count = 0; return 19; }
      const count = batch.count;
      if (d.vnetHdr) linuxTxPrepare(batch);
      const n = send(d.fd, batch, count);
      if (d.vnetHdr) linuxTxRestore(batch, count);
      if (n < 0) {
        d.txDropped += count;
        // A tap that is down refuses packets with EIO: that is a drop, not an error (as OVS).
        if (-n !== 11 && !(d.isTap && -n === 5)) log.warnRl(rl, () => `error sending Ethernet packet on ${d.name}: ${strerror(-n)}`);
        return -n;
      }
      if (n < count) {
        d.txDropped += count - n;
        return 11;
      }
      return 0;
    },
    sendWait(netdev, _qid, wake) {
      const d = linuxCast(netdev);
      d.txWake = wake;
      armWatcher(d);
    },
    setEtherAddr(netdev, mac) {
      const b = new Uint8Array(6);
      for (let i = 5, m = mac; i >= 0; i--, m = Math.floor(m / 256)) b[i] = m % 256;
      const old = getIfFlags(netdev.name);
      // Most drivers refuse a new address while up: bounce the interface.
      if (old >= 0 && old & IffFlags.UP) updateIfFlags(netdev.name, IffFlags.UP, 0);
      const e = setEtherAddr(netdev.name, b);
      if (old >= 0 && old & IffFlags.UP) updateIfFlags(netdev.name, 0, IffFlags.UP);
      return e;
    },
    getEtherAddr(netdev) {
      const b = new Uint8Array(6);
      const e = getEtherAddr(netdev.name, b);
      if (e) return -e;
      let m = 0;
      for (const x of b) m = m * 256 + x;
      return m;
    },
    getMtu: (netdev) => getMtu(netdev.name),
    setMtu: (netdev, mtu) => setMtu(netdev.name, mtu),
    getIfindex: (netdev) => getIfindex(netdev.name),
    getCarrier: (netdev) => {
      const c = getSysCarrier(netdev.name);
      return c === -22 ? 0 : c;
    },
    getCarrierResets: (netdev) => getSysCarrierChanges(netdev.name),
    getStats(netdev): NetdevStats | number {
      const d = linuxCast(netdev);
      const s = getSysStats(netdev.name);
      if (typeof s === 'number') return s;
      if (d.isTap) {
        // The kernel counts from the host's side: what we send, it receives.
        [s.rx_packets, s.tx_packets] = [s.tx_packets, s.rx_packets];
        [s.rx_bytes, s.tx_bytes] = [s.tx_bytes, s.rx_bytes];
        [s.rx_errors, s.tx_errors] = [s.tx_errors, s.rx_errors];
        [s.rx_dropped, s.tx_dropped] = [s.tx_dropped, s.rx_dropped];
      }
      s.rx_dropped += d.rxDropped;
      s.tx_dropped += d.txDropped;
      s.rx_errors += d.rxErrors;
      return s;
    },
    getFeatures(netdev): NetdevFeatures | number {
      const ls = getLinkSettings(netdev.name);
      if (typeof ls === 'number') return ls;
      return { currentMbps: ls.speedMbps, maxMbps: ls.speedMbps, fullDuplex: ls.fullDuplex };
    },
    getStatus(netdev): Smap | number {
      const info = getDriverInfo(netdev.name);
      if (typeof info === 'number') return info;
      return { driver_name: info.driver, driver_version: info.version, firmware_version: info.fwVersion };
    },
    updateFlags(netdev, off, on) {
      const toIff = (f: number) => (f & NetdevFlags.UP ? IffFlags.UP : 0) | (f & NetdevFlags.PROMISC ? IffFlags.PROMISC : 0);
      const old = off || on ? updateIfFlags(netdev.name, toIff(off), toIff(on)) : getIfFlags(netdev.name);
      if (old < 0) return old;
      return (old & IffFlags.UP ? NetdevFlags.UP : 0) | (old & IffFlags.PROMISC ? NetdevFlags.PROMISC : 0)
        | (old & IffFlags.LOOPBACK ? NetdevFlags.LOOPBACK : 0);
    },
    rxqAlloc: (netdev, queueId) => new NetdevRxq(netdev, queueId),
    rxqConstruct: (rxq) => (linuxCast(rxq.netdev).fd >= 0 ? 0 : 19),
    rxqDestruct(rxq) {
      const d = linuxCast(rxq.netdev);
      d.rxWake = null;
      armWatcher(d);
    },
    rxqRecv(rxq, batch) {
      const d = linuxCast(rxq.netdev);
      if (d.fd < 0) return -19;
      // A short batch drained the queue: report it empty once without a
      // system call, so that a receive loop goes back to waiting (the fd
      // watcher fires at once if more packets came in meanwhile).
      if (d.rxDrained) { d.rxDrained = false; batch.count = 0; return 0; }
      const n = recv(d.fd, batch);
      d.rxDrained = n > 0 && n < batch.maxPackets;
      if (n <= 0) return n;
      for (let i = 0; i < n; i++) batch.inPort[i] = 0;
      linuxRxFixup(d, batch);
      return batch.count;
    },
    rxqWait(rxq, wake) {
      const d = linuxCast(rxq.netdev);
      d.rxWake = wake;
      armWatcher(d);
    },
    rxqDrain(rxq) {
      const d = linuxCast(rxq.netdev);
      return d.fd < 0 ? 19 : 0;
    },
  };
}

/* ---- type "system" -------------------------------------------------------- */

/** The "system" class: an existing kernel interface. */
export const netdevLinuxClass: NetdevClass = {
  type: 'system',
  alloc: (name) => new NetdevLinux(name, netdevLinuxClass),
  construct(netdev) {
    const d = linuxCast(netdev);
    const ifindex = getIfindex(d.name);
    if (ifindex < 0) return -ifindex;
    d.vnetHdr = true;
    const fd = openPacketSocket(d.name, { vnetHdr: true, bufSize: 4 << 20 });
    if (fd < 0) {
      log.warn(`${d.name}: could not open packet socket (${strerror(-fd)})`);
      return -fd;
    }
    d.fd = fd;
    d.olFlags = NetdevOl.TX_L4_CSUM | (userspaceTso ? NetdevOl.TX_TCP_TSO | NetdevOl.TX_UDP_GSO : 0);
    return 0;
  },
  destruct(netdev) {
    linuxClose(linuxCast(netdev));
  },
  ...linuxCommonHooks(recvPacketBatch, sendPacketBatch),
};
