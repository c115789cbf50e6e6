/* flow: the fixed byte layout of a packet's header fields ("struct flow").
 *
 * A flow is a Uint8Array of FLOW_SIZE bytes; every member sits at a fixed
 * offset (FL.*) and every multi-byte member is stored big-endian (network
 * order), including members OVS keeps in host order (registers, dp_hash...).
 * A match (match.ts) is two such arrays, values and masks, so the classifier
 * can mask, hash and compare whole flows with plain byte loops.  The fields
 * of meta-flow.ts are views onto these members (several fields may share
 * one member, e.g. tcp_src/udp_src/icmp_type all view tp_src).
 *
 * The member order follows OVS's struct flow (metadata, L2, L3, L4), so the
 * classifier's staged lookup can cut the layout at FLOW_SEGMENT_* offsets.
 * Tunnel metadata options (tun_metadataN) are not in this layout; match.ts
 * keeps them beside the arrays.
 */

/** Offsets of flow members, in bytes. */
export const FL = {
  TUN_IP_DST: 0, TUN_IPV6_DST: 4, TUN_IP_SRC: 20, TUN_IPV6_SRC: 24,
  TUN_ID: 40, TUN_FLAGS: 48, TUN_TOS: 50, TUN_TTL: 51, TUN_TP_SRC: 52,
  TUN_TP_DST: 54, TUN_GBP_ID: 56, TUN_GBP_FLAGS: 58, TUN_ERSPAN_VER: 59,
  TUN_ERSPAN_IDX: 60, TUN_ERSPAN_DIR: 64, TUN_ERSPAN_HWID: 65,
  TUN_GTPU_FLAGS: 66, TUN_GTPU_MSGTYPE: 67,
  /** Bitmap (64 bits) of tun_metadataN options present. */
  TUN_MD_PRESENT: 72,
  METADATA: 80, REGS: 88, SKB_PRIORITY: 152, PKT_MARK: 156, DP_HASH: 160,
  /** 32-bit member; OpenFlow ports use its low 16 bits. */
  IN_PORT: 164,
  RECIRC_ID: 168, CT_STATE: 172, CT_NW_PROTO: 173, CT_ZONE: 174,
  CT_MARK: 176, PACKET_TYPE: 180, CT_LABEL: 184, CONJ_ID: 200,
  /** 32-bit member holding a 16-bit OpenFlow port. */
  ACTSET_OUTPUT: 204,
  DL_DST: 208, DL_SRC: 214, DL_TYPE: 220,
  /** Two VLAN headers of 4 bytes: TPID then TCI. */
  VLANS: 224,
  /** Four MPLS label stack entries of 4 bytes. */
  MPLS_LSE: 232,
  NW_SRC: 248, NW_DST: 252, CT_NW_SRC: 256, CT_NW_DST: 260,
  IPV6_SRC: 264, IPV6_DST: 280, CT_IPV6_SRC: 296, CT_IPV6_DST: 312,
  IPV6_LABEL: 328, NW_FRAG: 332, NW_TOS: 333, NW_TTL: 334, NW_PROTO: 335,
  ND_TARGET: 336, ARP_SHA: 352, ARP_THA: 358, TCP_FLAGS: 364,
  NSH_FLAGS: 368, NSH_TTL: 369, NSH_MDTYPE: 370, NSH_NP: 371,
  NSH_PATH_HDR: 372, NSH_CONTEXT: 376,
  TP_SRC: 392, TP_DST: 394, CT_TP_SRC: 396, CT_TP_DST: 398,
  IGMP_GROUP_IP4: 400,
} as const;

/** Size of a flow in bytes (a multiple of 8). */
export const FLOW_SIZE = 408;
/** Offsets at which the classifier may stop a staged lookup. */
export const FLOW_SEGMENT_1_ENDS_AT = FL.DL_DST;
export const FLOW_SEGMENT_2_ENDS_AT = FL.NW_SRC;
export const FLOW_SEGMENT_3_ENDS_AT = FL.ND_TARGET;
export const FLOW_N_REGS = 16;

export const ETH_TYPE_IP = 0x0800;
export const ETH_TYPE_ARP = 0x0806;
export const ETH_TYPE_RARP = 0x8035;
export const ETH_TYPE_VLAN = 0x8100;
export const ETH_TYPE_IPV6 = 0x86dd;
export const ETH_TYPE_MPLS = 0x8847;
export const ETH_TYPE_MPLS_MCAST = 0x8848;
export const ETH_TYPE_NSH = 0x894f;
/** OpenFlow 1.0's "no Ethertype" marker for 802.2 frames. */
export const ETH_TYPE_MIN = 0x600;
export const OFP_DL_TYPE_NOT_ETH_TYPE = 0x05ff;
/** dl_type of a flow whose packet is not Ethernet nor Ethertype-typed. */
export const FLOW_DL_TYPE_NONE = 0x05ff;

export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_ICMPV6 = 58;
export const IPPROTO_SCTP = 132;

export const VLAN_VID_MASK = 0x0fff;
export const VLAN_CFI = 0x1000;
export const VLAN_PCP_MASK = 0xe000;
export const VLAN_PCP_SHIFT = 13;
/** OpenFlow 1.0 dl_vlan value meaning "no VLAN header". */
export const OFP10_VLAN_NONE = 0xffff;

export const MPLS_LABEL_MASK = 0xfffff000;
export const MPLS_LABEL_SHIFT = 12;
export const MPLS_TC_MASK = 0x00000e00;
export const MPLS_TC_SHIFT = 9;
export const MPLS_BOS_MASK = 0x00000100;
export const MPLS_BOS_SHIFT = 8;
export const MPLS_TTL_MASK = 0x000000ff;

export const IP_DSCP_MASK = 0xfc;
export const IP_ECN_MASK = 0x03;
export const FLOW_NW_FRAG_ANY = 1;
export const FLOW_NW_FRAG_LATER = 2;
export const FLOW_NW_FRAG_MASK = 3;
export const IPV6_LABEL_MASK = 0x000fffff;

export const ND_NEIGHBOR_SOLICIT = 135;
export const ND_NEIGHBOR_ADVERT = 136;

export const FLOW_TNL_F_OAM = 1;
export const FLOW_TNL_PUB_F_MASK = 1;

/** Packet type (namespace << 16 | type) of Ethernet frames. */
export const PT_ETH = 0;
export const OFPHTN_ONF = 0;
export const OFPHTN_ETHERTYPE = 1;

/** Returns a new all-zero flow. */
export function newFlow(): Uint8Array { return new Uint8Array(FLOW_SIZE); }

export function get8(b: Uint8Array, o: number): number { return b[o]!; }
export function get16(b: Uint8Array, o: number): number { return (b[o]! << 8) | b[o + 1]!; }
export function get32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}
export function put8(b: Uint8Array, o: number, v: number): void { b[o] = v & 0xff; }
export function put16(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 8) & 0xff; b[o + 1] = v & 0xff;
}
export function put32(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 24) & 0xff; b[o + 1] = (v >>> 16) & 0xff; b[o + 2] = (v >>> 8) & 0xff; b[o + 3] = v & 0xff;
}
/** Reads an 8-byte big-endian member as a bigint. */
export function get64(b: Uint8Array, o: number): bigint {
  return (BigInt(get32(b, o)) << 32n) | BigInt(get32(b, o + 4));
}
export function put64(b: Uint8Array, o: number, v: bigint): void {
  put32(b, o, Number((v >> 32n) & 0xffffffffn)); put32(b, o + 4, Number(v & 0xffffffffn));
}

/** Reads a 1-, 2- or 4-byte big-endian member. */
export function getN(b: Uint8Array, o: number, n: number): number {
  return n === 1 ? b[o]! : n === 2 ? get16(b, o) : get32(b, o);
}
/** Writes a 1-, 2- or 4-byte big-endian member. */
export function putN(b: Uint8Array, o: number, n: number, v: number): void {
  if (n === 1) b[o] = v & 0xff; else if (n === 2) put16(b, o, v); else put32(b, o, v);
}

/** The Ethertype a flow's packet_type implies (dl_type for Ethernet). */
export function flowDlType(f: Uint8Array): number {
  const pt = get32(f, FL.PACKET_TYPE);
  if (pt === PT_ETH) return get16(f, FL.DL_TYPE);
  if (pt >>> 16 === OFPHTN_ETHERTYPE) return pt & 0xffff;
  return FLOW_DL_TYPE_NONE;
}

export function isAllZeros(b: Uint8Array, o = 0, n = b.length - o): boolean {
  for (let i = 0; i < n; i++) if (b[o + i] !== 0) return false;
  return true;
}
export function isAllOnes(b: Uint8Array, o = 0, n = b.length - o): boolean {
  for (let i = 0; i < n; i++) if (b[o + i] !== 0xff) return false;
  return true;
}

