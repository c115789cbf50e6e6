/* dp-packet: a batch of packets in one caller-owned buffer (OVS lib/dp-packet.h).
 *
 * The userspace datapath never allocates per packet.  A DpPacketBatch owns one
 * big Uint8Array cut into fixed-size slots, plus typed arrays of per-packet
 * metadata indexed by packet number: where the packet's bytes start
 * ('offsets'), how many there are ('sizes'), offload state from a virtio-net
 * header ('olFlags', 'csumStart', 'csumOffset', 'gsoSize', 'gsoType'), the
 * input port and the VLAN tag the kernel stripped.  Netdevs (netdev-linux.ts,
 * netdev-tap.ts, netdev-dummy.ts) fill a batch on receive and consume one on
 * send; flow.ts reads packets through views over 'data'.
 *
 * Each slot starts with HEADROOM spare bytes so that a VLAN tag, a virtio-net
 * header or a tunnel header can be pushed in front of a packet by moving its
 * offset back, without copying the payload.
 *
 * With 'shared' the storage is a SharedArrayBuffer, so a batch can be handed
 * to a datapath running in a worker_thread (the fds of the ports are plain
 * integers valid in every thread of the process).
 */
import { completePartialChecksum } from '../lib/packets/checksum.js';

/** Spare bytes at the front of every slot (OVS DP_NETDEV_HEADROOM). */
export const HEADROOM = 128;

/** Offload flags per packet ('olFlags'), after OVS's DP_PACKET_OL_*. */
export const enum OlFlags {
  /** L4 checksum is partial: complete it from csumStart/csumOffset before
   * handing the packet to a device that cannot. */
  CSUM_PARTIAL = 1 << 0,
  /** The L4 checksum is known good (VIRTIO_NET_HDR_F_DATA_VALID). */
  CSUM_GOOD = 1 << 1,
  /** A GSO super-packet: gsoType/gsoSize say how to cut it into segments. */
  GSO = 1 << 2,
  /** The kernel stripped an 802.1Q/802.1ad tag; it is in vlanTci/vlanTpid. */
  VLAN_STRIPPED = 1 << 3,
}

/** virtio-net gso_type values (VIRTIO_NET_HDR_GSO_*). */
export const enum GsoType { NONE = 0, TCPV4 = 1, UDP = 3, TCPV6 = 4, ECN = 0x80 }

/** A packet's offload metadata outside a batch (packets copied out for an
 * upcall keep it, so that executing them later still completes checksums and
 * segments GSO packets where needed). */
export interface PacketOffloads { olFlags: number; csumStart: number; csumOffset: number; gsoSize: number; gsoType: number }

/** A batch of up to 'maxPackets' packets, each in a slot of 'slotSize' bytes. */
export class DpPacketBatch {
  /** All packet bytes; packet i is data[offsets[i] .. offsets[i] + sizes[i]). */
  readonly data: Uint8Array;
  /** Start of packet i's bytes in 'data'. */
  readonly offsets: Uint32Array;
  /** Size in bytes of packet i (for receive: possibly more than fits, meaning truncated). */
  readonly sizes: Int32Array;
  /** Start of each slot's receive area (slot start + HEADROOM); constant. */
  readonly rxOffsets: Uint32Array;
  /** OlFlags per packet. */
  readonly olFlags: Uint32Array;
  /** Partial checksum: where summing starts, relative to the packet's first byte. */
  readonly csumStart: Uint16Array;
  /** Partial checksum: where the checksum goes, relative to csumStart. */
  readonly csumOffset: Uint16Array;
  /** GSO segment payload size. */
  readonly gsoSize: Uint16Array;
  /** GSO type (GsoType). */
  readonly gsoType: Uint8Array;
  /** Tag control information of a stripped VLAN tag. */
  readonly vlanTci: Uint16Array;
  /** TPID of a stripped VLAN tag (0x8100 or 0x88a8). */
  readonly vlanTpid: Uint16Array;
  /** Datapath port number the packet arrived on. */
  readonly inPort: Uint32Array;
  /** Raw kernel receive information, 2 words per packet (status, tpid<<16|tci). */
  readonly aux: Uint32Array;
  /** Bytes a packet may occupy at its receive offset. */
  readonly capacity: number;
  /** Number of packets currently in the batch. */
  count = 0;

  constructor(readonly maxPackets: number, readonly slotSize: number, shared = false) {
    if (maxPackets < 1 || maxPackets > 256) throw new RangeError('batch size must be 1..256');
    if (slotSize <= HEADROOM + 64) throw new RangeError('slot size too small');
    const n = maxPackets;
    const buffer = (size: number) => (shared ? new SharedArrayBuffer(size) : new ArrayBuffer(size));
    this.data = new Uint8Array(buffer(n * slotSize));
    this.offsets = new Uint32Array(buffer(n * 4));
    this.sizes = new Int32Array(buffer(n * 4));
    this.rxOffsets = new Uint32Array(buffer(n * 4));
    this.olFlags = new Uint32Array(buffer(n * 4));
    this.csumStart = new Uint16Array(buffer(n * 2));
    this.csumOffset = new Uint16Array(buffer(n * 2));
    this.gsoSize = new Uint16Array(buffer(n * 2));
    this.gsoType = new Uint8Array(buffer(n));
    this.vlanTci = new Uint16Array(buffer(n * 2));
    this.vlanTpid = new Uint16Array(buffer(n * 2));
    this.inPort = new Uint32Array(buffer(n * 4));
    this.aux = new Uint32Array(buffer(n * 8));
    this.capacity = slotSize - HEADROOM;
    for (let i = 0; i < n; i++) this.rxOffsets[i] = i * slotSize + HEADROOM;
  }

  /** Empties the batch and resets packet i's offset and metadata for receive, for i < n. */
  resetForReceive(n: number = this.maxPackets): void {
    this.count = 0;
    for (let i = 0; i < n; i++) {
      this.offsets[i] = this.rxOffsets[i]!;
      this.olFlags[i] = 0;
    }
  }

  /** Room in front of packet i within its slot. */
  headroom(i: number): number {
    return this.offsets[i]! % this.slotSize;
  }

  /** Room after packet i within its slot. */
  tailroom(i: number): number {
    return this.slotSize - this.offsets[i]! % this.slotSize - this.sizes[i]!;
  }

  /** A view of packet i's bytes (allocates a view: not for the fast path). */
  packet(i: number): Uint8Array {
    return this.data.subarray(this.offsets[i]!, this.offsets[i]! + this.sizes[i]!);
  }

  /** Appends a copy of 'bytes' as a new packet; false if the batch is full or it does not fit. */
  append(bytes: Uint8Array, inPort = 0): boolean {
    const i = this.count;
    if (i >= this.maxPackets || bytes.length > this.capacity) return false;
    this.offsets[i] = this.rxOffsets[i]!;
    this.sizes[i] = bytes.length;
    this.olFlags[i] = 0;
    this.inPort[i] = inPort;
    this.data.set(bytes, this.offsets[i]!);
    this.count = i + 1;
    return true;
  }

  /** Inserts a VLAN header (tpid, tci) after the MAC addresses of packet i. */
  pushVlan(i: number, tpid: number, tci: number): boolean {
    if (this.headroom(i) < 4 || this.sizes[i]! < 12) return false;
    const d = this.data, o = this.offsets[i]! - 4;
    d.copyWithin(o, o + 4, o + 16);
    d[o + 12] = tpid >>> 8; d[o + 13] = tpid & 0xff;
    d[o + 14] = tci >>> 8; d[o + 15] = tci & 0xff;
    this.offsets[i] = o;
    this.sizes[i] = this.sizes[i]! + 4;
    if (this.olFlags[i]! & OlFlags.CSUM_PARTIAL) this.csumStart[i] = this.csumStart[i]! + 4;
    return true;
  }

  /** Makes room for 'n' more bytes in front of packet i (an encapsulation
   * header, written by the caller); false if the headroom is too small. */
  pushHeader(i: number, n: number): boolean {
    if (this.headroom(i) < n) return false;
    this.offsets[i] = this.offsets[i]! - n;
    this.sizes[i] = this.sizes[i]! + n;
    if (this.olFlags[i]! & OlFlags.CSUM_PARTIAL) this.csumStart[i] = this.csumStart[i]! + n;
    return true;
  }

  /** Copies packet 'from''s metadata (not its bytes) to index 'to'. */
  moveMeta(from: number, to: number): void {
    this.offsets[to] = this.offsets[from]!;
    this.sizes[to] = this.sizes[from]!;
    this.olFlags[to] = this.olFlags[from]!;
    this.csumStart[to] = this.csumStart[from]!;
    this.csumOffset[to] = this.csumOffset[from]!;
    this.gsoSize[to] = this.gsoSize[from]!;
    this.gsoType[to] = this.gsoType[from]!;
    this.vlanTci[to] = this.vlanTci[from]!;
    this.vlanTpid[to] = this.vlanTpid[from]!;
    this.inPort[to] = this.inPort[from]!;
  }

  /** Removes packet i, keeping the order of the others.  Packets keep their
   * bytes in place: metadata moves, so offsets may point into other slots. */
  remove(i: number): void {
    for (let j = i + 1; j < this.count; j++) this.moveMeta(j, j - 1);
    this.count--;
  }

  /** Appends a copy of packet 'i' of 'src' (bytes and offload metadata) at
   * the same headroom; false if this batch is full or the packet does not fit. */
  appendFrom(src: DpPacketBatch, i: number): boolean {
    const j = this.count, size = src.sizes[i]!;
    if (j >= this.maxPackets || size > this.capacity) return false;
    const o = this.rxOffsets[j]!;
    this.data.set(src.data.subarray(src.offsets[i]!, src.offsets[i]! + size), o);
    this.offsets[j] = o;
    this.sizes[j] = size;
    this.olFlags[j] = src.olFlags[i]!;
    this.csumStart[j] = src.csumStart[i]!;
    this.csumOffset[j] = src.csumOffset[i]!;
    this.gsoSize[j] = src.gsoSize[i]!;
    this.gsoType[j] = src.gsoType[i]!;
    this.inPort[j] = src.inPort[i]!;
    this.count = j + 1;
    return true;
  }

  /** Completes packet i's partial L4 checksum in software, if it has one
   * (not for GSO packets: their segments get theirs).  False if the offsets
   * are out of range. */
  completeChecksum(i: number): boolean {
    const fl = this.olFlags[i]!;
    if (!(fl & OlFlags.CSUM_PARTIAL) || fl & OlFlags.GSO) return true;
    if (!completePartialChecksum(this.data, this.offsets[i]!, this.sizes[i]!, this.csumStart[i]!, this.csumOffset[i]!)) return false;
    this.olFlags[i] = fl & ~OlFlags.CSUM_PARTIAL;
    return true;
  }

  /** Packet i's offload metadata, or null if it has none (plain packet). */
  getOffloads(i: number): PacketOffloads | null {
    const fl = this.olFlags[i]! & (OlFlags.CSUM_PARTIAL | OlFlags.CSUM_GOOD | OlFlags.GSO);
    if (!fl) return null;
    return { olFlags: fl, csumStart: this.csumStart[i]!, csumOffset: this.csumOffset[i]!,
      gsoSize: this.gsoSize[i]!, gsoType: this.gsoType[i]! };
  }

  /** Gives packet i the offload metadata 'o'. */
  setOffloads(i: number, o: PacketOffloads): void {
    this.olFlags[i] = o.olFlags;
    this.csumStart[i] = o.csumStart;
    this.csumOffset[i] = o.csumOffset;
    this.gsoSize[i] = o.gsoSize;
    this.gsoType[i] = o.gsoType;
  }

  /** Removes the outermost VLAN tag of packet i (false if it has none). */
  popVlan(i: number): boolean {
    const d = this.data, o = this.offsets[i]!;
    if (this.sizes[i]! < 18) return false;
    const t = (d[o + 12]! << 8) | d[o + 13]!;
    if (t !== 0x8100 && t !== 0x88a8) return false;
    d.copyWithin(o + 4, o, o + 12);
    this.offsets[i] = o + 4;
    this.sizes[i] = this.sizes[i]! - 4;
    if (this.olFlags[i]! & OlFlags.CSUM_PARTIAL) this.csumStart[i] = this.csumStart[i]! - 4;
    return true;
  }
}
