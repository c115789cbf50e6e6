/* flow-compose: builds a packet that has a given flow key (OVS flow_compose()
 * and packet_expand() in lib/flow.c).
 *
 * Used by `ovs-appctl netdev-dummy/receive PORT FLOW` (netdev-dummy.ts) and by
 * tests: the datapath flow text is parsed (odp-util.ts) into a key, and this
 * emits Ethernet, VLAN tags, IPv4/IPv6/ARP and TCP/UDP/SCTP/ICMP/ICMPv6(ND)
 * headers with correct lengths and checksums.  The payload follows OVS's
 * convention: 'l7Size' bytes counting 0, 1, 2, ... where the protocol
 * carries data.  Control-plane code: it allocates freely.
 */
import { put16 } from '../lib/packets/byte-order.js';
import { csum, csumFinish, csumPartial, pseudoHeaderSumIpv4, pseudoHeaderSumIpv6 } from '../lib/packets/checksum.js';
import { EthType } from '../lib/packets/ethernet.js';
import { IpProto } from '../lib/packets/ipv4.js';
import { Icmpv6Type } from '../lib/packets/icmpv6.js';
import { W, VLAN_CFI, DL_TYPE_NONE, FragType } from './flow.js';

/** A packet under construction with its layer offsets (-1 if absent). */
interface Composed { bytes: number[]; l3: number; l4: number }

function push16(b: number[], v: number): void { b.push((v >>> 8) & 0xff, v & 0xff); }
function push32(b: number[], v: number): void { b.push(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff); }
function pushMac(b: number[], hi: number, lo: number): void { push16(b, hi); push32(b, lo); }
function l7(b: number[], n: number): void { for (let i = 0; i < n; i++) b.push(i & 0xff); }

const proto = (key: Uint32Array, k: number) => key[k + W.NW_INFO]! >>> 24;
const frag = (key: Uint32Array, k: number) => key[k + W.NW_INFO]! & 0xff;
const tpSrc = (key: Uint32Array, k: number) => key[k + W.TP]! >>> 16;
const tpDst = (key: Uint32Array, k: number) => key[k + W.TP]! & 0xffff;

function composeL4(c: Composed, key: Uint32Array, k: number, l7Size: number): void {
  const b = c.bytes;
  if (frag(key, k) === FragType.LATER) return;
  const p = proto(key, k);
  if (p === IpProto.TCP) {
    const flags = key[k + W.TCP_FLAGS]! & 0xfff;
    push16(b, tpSrc(key, k)); push16(b, tpDst(key, k));
    push32(b, 0); push32(b, 0);
    push16(b, (5 << 12) | flags);
    push16(b, 0); push16(b, 0); push16(b, 0);
    if (!(flags & 0x007)) l7(b, l7Size); // no payload with SYN, FIN or RST
  } else if (p === IpProto.UDP) {
    push16(b, tpSrc(key, k)); push16(b, tpDst(key, k));
    push16(b, 8 + l7Size); push16(b, 0);
    l7(b, l7Size);
  } else if (p === IpProto.SCTP) {
    push16(b, tpSrc(key, k)); push16(b, tpDst(key, k));
    push32(b, 0); push32(b, 0);
  } else if (p === IpProto.ICMP) {
    const type = tpSrc(key, k), code = tpDst(key, k);
    b.push(type & 0xff, code & 0xff, 0, 0, 0, 0, 0, 0);
    if ((type === 8 || type === 0) && code === 0) l7(b, l7Size);
  } else if (p === IpProto.IGMP) {
    b.push(tpSrc(key, k) & 0xff, tpDst(key, k) & 0xff, 0, 0);
    push32(b, 0);
  } else if (p === IpProto.ICMPV6) {
    const type = tpSrc(key, k), code = tpDst(key, k);
    b.push(type & 0xff, code & 0xff, 0, 0);
    push32(b, key[k + W.ND_RESERVED]!);
    if (code === 0 && (type === Icmpv6Type.NEIGHBOR_SOLICIT || type === Icmpv6Type.NEIGHBOR_ADVERT)) {
      for (let i = 0; i < 4; i++) push32(b, key[k + W.ND_TARGET + i]!);
      if (key[k + W.ARP_SHA_HI] || key[k + W.ARP_SHA_LO]) {
        b.push(1, 1); pushMac(b, key[k + W.ARP_SHA_HI]!, key[k + W.ARP_SHA_LO]!);
      }
      if (key[k + W.ARP_THA_HI] || key[k + W.ARP_THA_LO]) {
        b.push(2, 1); pushMac(b, key[k + W.ARP_THA_HI]!, key[k + W.ARP_THA_LO]!);
      }
    } else if (code === 0 && (type === Icmpv6Type.ECHO_REQUEST || type === Icmpv6Type.ECHO_REPLY)) {
      l7(b, l7Size);
    }
  }
}

/** Fills in IP lengths and the IP and L4 checksums of 'pkt' (OVS flow_compose_l4_csum). */
function finish(pkt: Uint8Array, c: Composed, key: Uint32Array, k: number, dlType: number): void {
  if (c.l3 < 0 || c.l4 < 0) return;
  const l4Size = pkt.length - c.l4;
  let pseudo: number;
  if (dlType === EthType.IP) {
    put16(pkt, c.l3 + 2, c.l4 - c.l3 + l4Size);
    put16(pkt, c.l3 + 10, 0);
    put16(pkt, c.l3 + 10, csum(pkt, c.l3, 20));
    const src = ((pkt[c.l3 + 12]! << 24) | (pkt[c.l3 + 13]! << 16) | (pkt[c.l3 + 14]! << 8) | pkt[c.l3 + 15]!) >>> 0;
    const dst = ((pkt[c.l3 + 16]! << 24) | (pkt[c.l3 + 17]! << 16) | (pkt[c.l3 + 18]! << 8) | pkt[c.l3 + 19]!) >>> 0;
    pseudo = pseudoHeaderSumIpv4(src, dst, pkt[c.l3 + 9]!, c.l4 - c.l3 + l4Size - 20);
  } else {
    put16(pkt, c.l3 + 4, l4Size);
    pseudo = pseudoHeaderSumIpv6(pkt, c.l3 + 8, c.l3 + 24, pkt[c.l3 + 6]!, l4Size);
  }
  if (frag(key, k) === FragType.LATER) return;
  const p = proto(key, k);
  const field = p === IpProto.TCP ? 16 : p === IpProto.UDP ? 6
    : p === IpProto.ICMP || p === IpProto.IGMP || p === IpProto.ICMPV6 ? 2 : -1;
  if (field < 0 || l4Size < field + 2) return;
  put16(pkt, c.l4 + field, 0);
  const withPseudo = p === IpProto.TCP || p === IpProto.UDP || p === IpProto.ICMPV6;
  let v = csumFinish(csumPartial(pkt, c.l4, l4Size, withPseudo ? pseudo : 0));
  if (p === IpProto.UDP && v === 0) v = 0xffff;
  put16(pkt, c.l4 + field, v);
}

function composeInto(key: Uint32Array, k: number, l7Size: number): [Uint8Array, Composed] {
  const b: number[] = [];
  const c: Composed = { bytes: b, l3: -1, l4: -1 };
  const dlType = key[k + W.DL_TYPE]!;
  pushMac(b, key[k + W.ETH_DST_HI]!, key[k + W.ETH_DST_LO]!);
  pushMac(b, key[k + W.ETH_SRC_HI]!, key[k + W.ETH_SRC_LO]!);
  if (dlType === DL_TYPE_NONE) {
    push16(b, 14);
    return [Uint8Array.from(b), c];
  }
  for (let n = 0; n < 2; n++) {
    const v = key[k + W.VLAN0 + n]!;
    if (v & VLAN_CFI) { push16(b, v >>> 16); push16(b, v & 0xffff); }
  }
  push16(b, dlType);
  if (dlType === EthType.IP) {
    c.l3 = b.length;
    const info = key[k + W.NW_INFO]!;
    let fragOff = 0;
    if (frag(key, k) !== FragType.NO) fragOff = 0x2000 | (frag(key, k) === FragType.LATER ? 100 : 0);
    b.push(0x45, (info >>> 16) & 0xff, 0, 0, 0, 0);
    push16(b, fragOff);
    b.push((info >>> 8) & 0xff, info >>> 24, 0, 0);
    push32(b, key[k + W.NW_SRC]!); push32(b, key[k + W.NW_DST]!);
    c.l4 = b.length;
    composeL4(c, key, k, l7Size);
  } else if (dlType === EthType.IPV6) {
    c.l3 = b.length;
    const info = key[k + W.NW_INFO]!;
    push32(b, ((6 << 28) | (((info >>> 16) & 0xff) << 20) | (key[k + W.IPV6_LABEL]! & 0xfffff)) >>> 0);
    push16(b, 0);
    b.push(info >>> 24, (info >>> 8) & 0xff);
    for (let i = 0; i < 4; i++) push32(b, key[k + W.IPV6_SRC + i]!);
    for (let i = 0; i < 4; i++) push32(b, key[k + W.IPV6_DST + i]!);
    c.l4 = b.length;
    composeL4(c, key, k, l7Size);
  } else if (dlType === EthType.ARP || dlType === EthType.RARP) {
    c.l3 = b.length;
    const op = key[k + W.NW_INFO]! >>> 24;
    push16(b, 1); push16(b, EthType.IP); b.push(6, 4); push16(b, op);
    if (op === 1 || op === 2) {
      pushMac(b, key[k + W.ARP_SHA_HI]!, key[k + W.ARP_SHA_LO]!); push32(b, key[k + W.NW_SRC]!);
      pushMac(b, key[k + W.ARP_THA_HI]!, key[k + W.ARP_THA_LO]!); push32(b, key[k + W.NW_DST]!);
    } else {
      for (let i = 0; i < 20; i++) b.push(0);
    }
  }
  const pkt = Uint8Array.from(b);
  finish(pkt, c, key, k, dlType);
  return [pkt, c];
}

/** A packet whose key is key[k..], with 'l7Size' payload bytes where the protocol carries data. */
export function flowCompose(key: Uint32Array, k = 0, l7Size = 0): Uint8Array {
  return composeInto(key, k, l7Size)[0];
}

/** As netdev-dummy/receive builds a packet from a flow: with 'size' 0 a
 * 64-byte payload; otherwise the headers only, padded with zeros to 'size'
 * bytes (lengths and checksums fixed up, as OVS's packet_expand() does).
 * Returns null if the headers alone exceed 'size'. */
export function flowComposeSized(key: Uint32Array, k = 0, size = 0): Uint8Array | null {
  if (!size) return flowCompose(key, k, 64);
  const [pkt, c] = composeInto(key, k, 0);
  if (pkt.length === size) return pkt;
  if (pkt.length > size) return null;
  const extra = size - pkt.length;
  const out = new Uint8Array(size);
  out.set(pkt);
  const dlType = key[k + W.DL_TYPE]!;
  if (dlType === DL_TYPE_NONE) {
    put16(out, 12, size);
  } else if ((dlType === EthType.IP || dlType === EthType.IPV6) && c.l4 >= 0) {
    if (frag(key, k) !== FragType.LATER && proto(key, k) === IpProto.UDP) {
      // OVS adds the padding to the UDP length twice; keep its bytes.
      put16(out, c.l4 + 4, size - c.l4 + extra);
    }
    finish(out, c, key, k, dlType);
  }
  return out;
}
