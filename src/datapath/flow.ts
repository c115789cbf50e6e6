/* flow: the datapath flow key and its extraction from a packet (OVS lib/flow.c,
 * miniflow_extract).
 *
 * Layout
 * ------
 * A flow key is FLOW_WORDS 32-bit words at some index of a Uint32Array (one
 * array can hold the keys of a whole batch, FLOW_WORDS apart).  A mask has the
 * same layout: a 1 bit means "this bit of the key matters", so a megaflow
 * lookup (dpif-netdev-dpcls, next) is word-wise AND and compare, and the EMC
 * can hash the words directly.  Word indexes are the W constants below; fields
 * narrower than a word are packed big-end first as the comments say.
 *
 * Which attributes a key "has" (the OVS datapath's key attributes) follows
 * from its values, as in OVS's odp_flow_key_from_flow(): eth() when the
 * packet type is Ethernet, vlan() when a TCI has the CFI/present bit, ipv4()
 * for EtherType 0x0800, tcp() when the protocol is 6 and the packet is not a
 * later fragment, and so on.  odp-util.ts prints and parses keys in the
 * datapath flow syntax.
 *
 * Extraction
 * ----------
 * flowExtract() reads a frame through byte offsets only (no view objects, no
 * allocation) and never reads past 'size': a truncated header simply stops
 * the key at the last complete layer, as OVS does.  It fills the packet part
 * of the key (from packet_type on) and the in_port; the dpif sets recirc_id,
 * dp_hash, skb_mark, conntrack and tunnel words from packet metadata.
 */
import { get16, get32 } from '../lib/packets/byte-order.js';
import { ETH_TYPE_MIN } from '../lib/packets/ethernet.js';
import { IP_MORE_FRAGMENTS, IP_FRAG_OFF_MASK } from '../lib/packets/ipv4.js';
import { walkExtHeaders } from '../lib/packets/ipv6.js';
import { Icmpv6Type, NdOpt } from '../lib/packets/icmpv6.js';

/** Word indexes of the flow key fields. */
export const enum W {
  IN_PORT = 0,
  RECIRC_ID = 1,
  DP_HASH = 2,
  SKB_PRIORITY = 3,
  SKB_MARK = 4,
  CT_STATE = 5,
  CT_ZONE = 6,
  CT_MARK = 7,
  CT_LABEL = 8,        // 4 words, most significant first
  TUN_ID = 12,         // 2 words (high, low)
  TUN_SRC = 14,        // IPv4 tunnel source
  TUN_DST = 15,
  TUN_IPV6_SRC = 16,   // 4 words
  TUN_IPV6_DST = 20,   // 4 words
  TUN_TOS_TTL_FLAGS = 24, // tos << 24 | ttl << 16 | flags (TunFlags)
  TUN_TP = 25,         // tp_src << 16 | tp_dst
  PACKET_TYPE = 26,    // ns << 16 | id (0 = Ethernet)
  ETH_DST_HI = 27,     // high 16 bits of the destination MAC
  ETH_DST_LO = 28,     // low 32 bits
  ETH_SRC_HI = 29,
  ETH_SRC_LO = 30,
  DL_TYPE = 31,        // EtherType after the VLAN tags (0x05ff: 802.2 frame)
  VLAN0 = 32,          // outer tag: tpid << 16 | tci (tci has VLAN_CFI set when present)
  VLAN1 = 33,          // inner tag
  NW_SRC = 34,         // IPv4 source, ARP sender IP
  NW_DST = 35,         // IPv4 destination, ARP target IP
  IPV6_SRC = 36,       // 4 words
  IPV6_DST = 40,       // 4 words
  IPV6_LABEL = 44,
  NW_INFO = 45,        // proto << 24 | tos << 16 | ttl << 8 | frag (FragType); ARP: op in proto
  TP = 46,             // tp_src << 16 | tp_dst; ICMP: type << 16 | code
  TCP_FLAGS = 47,
  ARP_SHA_HI = 48,     // ARP sha / ND sll
  ARP_SHA_LO = 49,
  ARP_THA_HI = 50,     // ARP tha / ND tll
  ARP_THA_LO = 51,
  ND_TARGET = 52,      // 4 words
  ND_RESERVED = 56,
  ND_OPTIONS_TYPE = 57,
}

/** Number of 32-bit words in a flow key or mask. */
export const FLOW_WORDS = 58;

/** ODP fragment types (the low byte of W.NW_INFO). */
export const enum FragType { NO = 0, FIRST = 1, LATER = 2 }

/** Tunnel flag bits (FLOW_TNL_F_*), low 16 bits of W.TUN_TOS_TTL_FLAGS. */
export const enum TunFlags { OAM = 1, DF = 2, CSUM = 4, KEY = 8 }

/** The CFI bit that marks a VLAN word as present (as OVS's flow does). */
export const VLAN_CFI = 0x1000;

/** EtherType recorded for frames without one (802.2 LLC): OVS's FLOW_DL_TYPE_NONE. */
export const DL_TYPE_NONE = 0x05ff;

/** Offsets that flowExtract() found, for actions that edit the packet. */
export const enum Layer { L3 = 0, L4 = 1, L7 = 2 }

const v6out = new Int32Array(3);

/* Plain numbers for the hot loop (cross-module enums are objects in per-file builds). */
const ETH_IP = 0x0800, ETH_IPV6 = 0x86dd, ETH_ARP = 0x0806, ETH_RARP = 0x8035, ETH_VLAN = 0x8100, ETH_VLAN_AD = 0x88a8;
const PROTO_TCP = 6, PROTO_UDP = 17, PROTO_SCTP = 132, PROTO_ICMP = 1, PROTO_ICMPV6 = 58;

/** Extracts the key of the frame buf[off .. off+size) received on 'inPort'
 * into key[k .. k+FLOW_WORDS).  All other words are zeroed.  If 'layers' is
 * given, layers[L3/L4/L7] get the offsets of those headers in 'buf' (-1 if
 * absent).  Never throws and never reads outside the frame. */
export function flowExtract(buf: Uint8Array, off: number, size: number, inPort: number,
                            key: Uint32Array, k = 0, layers?: Int32Array): void {
  key.fill(0, k + W.RECIRC_ID, k + W.PACKET_TYPE);
  flowExtractPacket(buf, off, size, inPort, key, k, layers);
}

/** Like flowExtract() but leaves the metadata words W.RECIRC_ID .. W.TUN_TP
 * as they are (the packet words and in_port are all written): the fast path's
 * key buffers, whose metadata the datapath keeps, skip zeroing them. */
export function flowExtractPacket(buf: Uint8Array, off: number, size: number, inPort: number,
                                  key: Uint32Array, k = 0, layers?: Int32Array): void {
  key.fill(0, k + W.PACKET_TYPE, k + FLOW_WORDS);
  key[k + W.IN_PORT] = inPort;
  if (layers) { layers[0] = -1; layers[1] = -1; layers[2] = -1; }
  const end = off + Math.min(size, buf.length - off);
  if (end - off < 14) return;

  // Ethernet.
  key[k + W.ETH_DST_HI] = get16(buf, off);
  key[k + W.ETH_DST_LO] = get32(buf, off + 2);
  key[k + W.ETH_SRC_HI] = get16(buf, off + 6);
  key[k + W.ETH_SRC_LO] = get32(buf, off + 8);
  let o = off + 12;
  let type = get16(buf, o);
  o += 2;

  // Up to two VLAN tags.
  for (let n = 0; n < 2 && (type === ETH_VLAN || type === ETH_VLAN_AD); n++) {
    if (o + 4 > end) return;
    key[k + W.VLAN0 + n] = ((type << 16) | get16(buf, o) | VLAN_CFI) >>> 0;
    type = get16(buf, o + 2);
    o += 4;
  }

  // 802.2 LLC frames (length instead of type), with or without SNAP.
  if (type < ETH_TYPE_MIN) {
    type = DL_TYPE_NONE;
    if (o + 8 <= end && buf[o] === 0xaa && buf[o + 1] === 0xaa && buf[o + 2] === 0x03
        && buf[o + 3] === 0 && buf[o + 4] === 0 && buf[o + 5] === 0) {
      const snapType = get16(buf, o + 6);
      if (snapType >= ETH_TYPE_MIN) { type = snapType; o += 8; }
    }
  }
  key[k + W.DL_TYPE] = type;
  if (layers) layers[0] = o;

  if (type === ETH_IP) {
    if (o + 20 > end) return;
    const vihl = buf[o]!;
    const hlen = (vihl & 0x0f) * 4;
    if (vihl >>> 4 !== 4 || hlen < 20 || o + hlen > end) return;
    const tot = get16(buf, o + 2);
    if (tot < hlen || o + tot > end) return;
    const l4end = o + tot;
    const proto = buf[o + 9]!;
    const fragWord = get16(buf, o + 6);
    let frag = FragType.NO;
    if (fragWord & (IP_MORE_FRAGMENTS | IP_FRAG_OFF_MASK)) {
      frag = fragWord & IP_FRAG_OFF_MASK ? FragType.LATER : FragType.FIRST;
    }
    key[k + W.NW_SRC] = get32(buf, o + 12);
    key[k + W.NW_DST] = get32(buf, o + 16);
    key[k + W.NW_INFO] = ((proto << 24) | (buf[o + 1]! << 16) | (buf[o + 8]! << 8) | frag) >>> 0;
    if (frag === FragType.LATER) return;
    extractL4(buf, o + hlen, l4end, proto, key, k, layers, false);
  } else if (type === ETH_IPV6) {
    if (o + 40 > end) return;
    if (buf[o]! >>> 4 !== 6) return;
    const plen = get16(buf, o + 4);
    if (o + 40 + plen > end) return;
    const l4end = o + 40 + plen;
    const vtf = get32(buf, o);
    for (let i = 0; i < 4; i++) {
      key[k + W.IPV6_SRC + i] = get32(buf, o + 8 + 4 * i);
      key[k + W.IPV6_DST + i] = get32(buf, o + 24 + 4 * i);
    }
    key[k + W.IPV6_LABEL] = vtf & 0xfffff;
    const tclass = (vtf >>> 20) & 0xff;
    const hlim = buf[o + 7]!;
    if (!walkExtHeaders(buf, o + 40, l4end, buf[o + 6]!, v6out)) {
      key[k + W.NW_INFO] = ((buf[o + 6]! << 24) | (tclass << 16) | (hlim << 8)) >>> 0;
      return;
    }
    const proto = v6out[0]!, frag = v6out[2]!;
    key[k + W.NW_INFO] = ((proto << 24) | (tclass << 16) | (hlim << 8) | frag) >>> 0;
    if (frag === FragType.LATER) return;
    extractL4(buf, v6out[1]!, l4end, proto, key, k, layers, true);
  } else if (type === ETH_ARP || type === ETH_RARP) {
    if (o + 28 > end) return;
    // Only Ethernet/IPv4 ARP fills the key (hardware type 1, protocol 0x0800, sizes 6/4).
    if (get16(buf, o) !== 1 || get16(buf, o + 2) !== ETH_IP || buf[o + 4] !== 6 || buf[o + 5] !== 4) return;
    const op = get16(buf, o + 6);
    if (op <= 0xff) key[k + W.NW_INFO] = (op << 24) >>> 0;
    key[k + W.ARP_SHA_HI] = get16(buf, o + 8);
    key[k + W.ARP_SHA_LO] = get32(buf, o + 10);
    key[k + W.NW_SRC] = get32(buf, o + 14);
    key[k + W.ARP_THA_HI] = get16(buf, o + 18);
    key[k + W.ARP_THA_LO] = get32(buf, o + 20);
    key[k + W.NW_DST] = get32(buf, o + 24);
  }
}

function extractL4(buf: Uint8Array, o: number, end: number, proto: number, key: Uint32Array,
                   k: number, layers: Int32Array | undefined, v6: boolean): void {
  if (layers) layers[1] = o;
  if (proto === PROTO_TCP) {
    if (o + 20 > end) return;
    const hlen = (buf[o + 12]! >>> 4) * 4;
    if (hlen < 20 || o + hlen > end) return;
    key[k + W.TP] = ((get16(buf, o) << 16) | get16(buf, o + 2)) >>> 0;
    key[k + W.TCP_FLAGS] = get16(buf, o + 12) & 0x0fff;
    if (layers) layers[2] = o + hlen;
  } else if (proto === PROTO_UDP || proto === PROTO_SCTP) {
    const hlen = proto === PROTO_UDP ? 8 : 12;
    if (o + hlen > end) return;
    key[k + W.TP] = ((get16(buf, o) << 16) | get16(buf, o + 2)) >>> 0;
    if (layers) layers[2] = o + hlen;
  } else if (proto === PROTO_ICMP && !v6) {
    if (o + 8 > end) return;
    key[k + W.TP] = ((buf[o]! << 16) | buf[o + 1]!) >>> 0;
    if (layers) layers[2] = o + 8;
  } else if (proto === PROTO_ICMPV6 && v6) {
    if (o + 4 > end) return;
    const type = buf[o]!, code = buf[o + 1]!;
    key[k + W.TP] = ((type << 16) | code) >>> 0;
    if (code === 0 && (type === Icmpv6Type.NEIGHBOR_SOLICIT || type === Icmpv6Type.NEIGHBOR_ADVERT)) {
      extractNd(buf, o, end, key, k);
    }
  }
}

/** Neighbor Discovery target and link-layer options; on malformed options the
 * ND fields are cleared again (OVS treats such a packet as plain ICMPv6). */
function extractNd(buf: Uint8Array, o: number, end: number, key: Uint32Array, k: number): void {
  if (o + 24 > end) return;
  key[k + W.ND_RESERVED] = get32(buf, o + 4);
  for (let i = 0; i < 4; i++) key[k + W.ND_TARGET + i] = get32(buf, o + 8 + 4 * i);
  let p = o + 24;
  while (p + 8 <= end) {
    const optType = buf[p]!, optSize = buf[p + 1]! * 8;
    if (optSize === 0 || p + optSize > end) break;
    if (optSize === 8) {
      if (optType === NdOpt.SOURCE_LINKADDR) {
        if (key[k + W.ARP_SHA_HI] || key[k + W.ARP_SHA_LO]) break;
        key[k + W.ARP_SHA_HI] = get16(buf, p + 2);
        key[k + W.ARP_SHA_LO] = get32(buf, p + 4);
      } else if (optType === NdOpt.TARGET_LINKADDR) {
        if (key[k + W.ARP_THA_HI] || key[k + W.ARP_THA_LO]) break;
        key[k + W.ARP_THA_HI] = get16(buf, p + 2);
        key[k + W.ARP_THA_LO] = get32(buf, p + 4);
      }
      key[k + W.ND_OPTIONS_TYPE] = optType;
    }
    p += optSize;
  }
  if (p !== end) {
    key.fill(0, k + W.ARP_SHA_HI, k + W.ND_OPTIONS_TYPE + 1);
  }
}

/** 32-bit hash of key[k .. k+FLOW_WORDS) masked by mask[m ..] (or unmasked),
 * for the exact-match cache and the megaflow tables (murmur3-style mixing). */
export function flowHash(key: Uint32Array, k: number, mask: Uint32Array | null = null, m = 0, basis = 0): number {
  let h = basis | 0;
  for (let i = 0; i < FLOW_WORDS; i++) h = mix(h, mask ? key[k + i]! & mask[m + i]! : key[k + i]!);
  return finishHash(h, FLOW_WORDS);
}

function mix(h: number, word: number): number {
  let w = Math.imul(word, 0xcc9e2d51);
  w = (w << 15) | (w >>> 17);
  w = Math.imul(w, 0x1b873593);
  const x = h ^ w;
  return (Math.imul((x << 13) | (x >>> 19), 5) + 0xe6546b64) | 0;
}

function finishHash(h: number, n: number): number {
  let x = h ^ (n * 4);
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Hash of the words key[k + words[i]] (masked by mask[m + words[i]] if
 * given): a subtable hashes only the words its mask uses (OVS miniflow hashing). */
export function flowHashWords(key: Uint32Array, k: number, words: Int32Array,
                              mask: Uint32Array | null = null, m = 0, basis = 0): number {
  let h = basis | 0;
  const n = words.length;
  if (mask) {
    for (let i = 0; i < n; i++) h = mix(h, key[k + words[i]!]! & mask[m + words[i]!]!);
  } else {
    for (let i = 0; i < n; i++) h = mix(h, key[k + words[i]!]!);
  }
  return finishHash(h, n);
}

/** A cheap hash of a packet key for the exact-match cache (like the RSS hash
 * OVS takes from the NIC): covers the fields that vary most between flows
 * (ports, addresses, types), one multiply per word, then a full avalanche. */
export function flowHashRss(key: Uint32Array, k: number): number {
  let h = Math.imul(key[k + W.IN_PORT]! ^ 0x9747b28c, 0x9e3779b1);
  h = Math.imul(h ^ key[k + W.RECIRC_ID]!, 0x85ebca6b);
  h = Math.imul(h ^ key[k + W.ETH_SRC_LO]!, 0xc2b2ae35);
  h = Math.imul(h ^ key[k + W.ETH_DST_LO]!, 0x27d4eb2f);
  h = Math.imul(h ^ key[k + W.DL_TYPE]! ^ key[k + W.VLAN0]!, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15) ^ key[k + W.NW_SRC]!, 0x85ebca6b);
  h = Math.imul(h ^ key[k + W.NW_DST]!, 0xc2b2ae35);
  h = Math.imul(h ^ key[k + W.IPV6_SRC + 3]!, 0x27d4eb2f);
  h = Math.imul(h ^ key[k + W.IPV6_DST + 3]!, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 13) ^ key[k + W.NW_INFO]!, 0x85ebca6b);
  h = Math.imul(h ^ key[k + W.TP]!, 0xc2b2ae35);
  return finishHash(h, 0);
}

/** Indexes of the nonzero words of mask[m..]. */
export function maskWords(mask: Uint32Array, m = 0): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < FLOW_WORDS; i++) if (mask[m + i] !== 0) out.push(i);
  return Int32Array.from(out);
}

/** True if key a[ka..] equals key b[kb..] under mask[m..] (or exactly). */
export function flowEqual(a: Uint32Array, ka: number, b: Uint32Array, kb: number,
                          mask: Uint32Array | null = null, m = 0): boolean {
  if (mask) {
    for (let i = 0; i < FLOW_WORDS; i++) {
      if (((a[ka + i]! ^ b[kb + i]!) & mask[m + i]!) !== 0) return false;
    }
  } else {
    for (let i = 0; i < FLOW_WORDS; i++) if (a[ka + i] !== b[kb + i]) return false;
  }
  return true;
}

/** A fresh zeroed key (or mask) for control-plane code and tests. */
export function newFlowKey(): Uint32Array {
  return new Uint32Array(FLOW_WORDS);
}
