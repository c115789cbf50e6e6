/* meta-flow: every field Open vSwitch 3.1 can match or set, as a data table.
 *
 * Each field (enum MF, in OVS's order) has a name and alias, width, whether
 * it is maskable, how its value is written as text (MfString), the
 * prerequisites a match must meet to use it, whether actions may write it,
 * its NXM/OXM code points (with the OpenFlow version each appeared in), and
 * which OpenFlow protocols can express a match on it (usable*, Proto bits).
 * The rows below were transcribed from include/openvswitch/meta-flow.h.
 *
 * Each field is also a view onto a member of the flow layout (flow.ts):
 * mfGetValue / mfSet / mfSetWild / mfIsAllWild read and write a field of a
 * Match (match.ts) through that view, so most fields need no code of their
 * own.  Field values are Uint8Arrays of nBytes, big-endian (like OVS's
 * union mf_value).  Text forms of values live in meta-flow-format.ts; the
 * wire codes are used by nx-match.ts.
 *
 * API: MF (ids), MF_FIELDS[id], mfFromName(name), mfGetValue, mfGetMask,
 * mfSetValue, mfSet, mfSetWild, mfIsAllWild, mfIsValueValid, mfIsMaskValid,
 * mfArePrereqsOk, mfAreMatchPrereqsOk, mfIsPipelineField, Proto; for packet
 * flows: mfSetFlowValue, mfSetFlowValueMasked, mfMaskField(Masked).
 */
import {
  FL, get16, get32, getN, putN, put16, flowDlType, isAllOnes, isAllZeros,
  ETH_TYPE_IP, ETH_TYPE_IPV6, ETH_TYPE_ARP, ETH_TYPE_RARP, ETH_TYPE_MPLS,
  ETH_TYPE_MPLS_MCAST, ETH_TYPE_NSH, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP,
  IPPROTO_ICMP, IPPROTO_ICMPV6, FLOW_NW_FRAG_LATER, VLAN_CFI, VLAN_VID_MASK,
  VLAN_PCP_MASK, OFP10_VLAN_NONE, ND_NEIGHBOR_SOLICIT, ND_NEIGHBOR_ADVERT,
  PT_ETH, IPV6_LABEL_MASK,
} from './flow.js';
import { Match } from './match.js';
import { portFromOfp11, portToOfp11 } from './ofp-port-map.js';

/** OpenFlow protocol bits (enum ofputil_protocol). */
export const Proto = {
  NONE: 0,
  OF10_STD: 1 << 0, OF10_STD_TID: 1 << 1, OF10_NXM: 1 << 2, OF10_NXM_TID: 1 << 3,
  OF11_STD: 1 << 4, OF12_OXM: 1 << 5, OF13_OXM: 1 << 6, OF14_OXM: 1 << 7, OF15_OXM: 1 << 8,
  OF10_STD_ANY: 0x3, OF10_NXM_ANY: 0xc, OF10_ANY: 0xf,
  ANY_OXM: 0x1e0,
  NXM_OF11_UP: 0xc | 0x10 | 0x1e0,
  NXM_OXM_ANY: 0xc | 0x1e0,
  OF11_UP: 0x10 | 0x1e0,
  OF12_UP: 0x1e0, OF13_UP: 0x1c0, OF14_UP: 0x180, OF15_UP: 0x100,
  ANY: 0x1ff,
  TID: 0x2 | 0x8 | 0x10 | 0x1e0,
} as const;

/** How a field's value is written as text. */
export enum S {
  DEC, HEX, CT_STATE, ETH, IPV4, IPV6, PORT, PORT_OXM, FRAG, TNL_FLAGS, TCP_FLAGS, PACKET_TYPE,
}
export type MfString = S;

/** Field prerequisites. */
export enum P {
  NONE, ETHERNET, ARP, VLAN_VID, IPV4, IPV6, IP_ANY, NSH, CT, MPLS, TCP, UDP, SCTP,
  ICMPV4, ICMPV6, ND, ND_SOLICIT, ND_ADVERT,
}
export type MfPrereqs = P;

const enum V10 { EXACT = 1, CIDR = 2 }
const enum V11 { EXACT = 1, BITWISE = 2 }

/** One NXM or OXM code point of a field. */
export interface MfOxm {
  /** Experimenter ID for class 0xffff, else 0. */
  vendor: number;
  cls: number;
  field: number;
  /** Payload length in the header, including the experimenter ID. */
  len: number;
  /** OpenFlow version (wire number) the code point appeared in; 0 for NXM. */
  version: number;
  name: string;
}

/** A field, like OVS's struct mf_field. */
export interface MfField {
  id: MF;
  name: string;
  extraName: string | null;
  nBytes: number;
  nBits: number;
  variable: boolean;
  maskable: boolean;
  string: S;
  prereqs: P;
  writable: boolean;
  /** Code points, oldest OpenFlow version first. */
  oxm: MfOxm[];
  usableExact: number;
  usableCidr: number;
  usableBitwise: number;
  /** Flow member the field views: offset, size, bits of the member, shift. */
  off: number;
  size: number;
  bits: number;
  shift: number;
}

type Row = [string, string | null, number, number, boolean, boolean, S, P, boolean, number, number,
  Array<[number, number, number, number, number, string]>];

export enum MF {
  DP_HASH = 0,
  RECIRC_ID = 1,
  PACKET_TYPE = 2,
  CONJ_ID = 3,
  TUN_ID = 4,
  TUN_SRC = 5,
  TUN_DST = 6,
  TUN_IPV6_SRC = 7,
  TUN_IPV6_DST = 8,
  TUN_FLAGS = 9,
  TUN_TTL = 10,
  TUN_TOS = 11,
  TUN_GBP_ID = 12,
  TUN_GBP_FLAGS = 13,
  TUN_ERSPAN_IDX = 14,
  TUN_ERSPAN_VER = 15,
  TUN_ERSPAN_DIR = 16,
  TUN_ERSPAN_HWID = 17,
  TUN_GTPU_FLAGS = 18,
  TUN_GTPU_MSGTYPE = 19,
  TUN_METADATA0 = 20,
  TUN_METADATA1 = 21,
  TUN_METADATA2 = 22,
  TUN_METADATA3 = 23,
  TUN_METADATA4 = 24,
  TUN_METADATA5 = 25,
  TUN_METADATA6 = 26,
  TUN_METADATA7 = 27,
  TUN_METADATA8 = 28,
  TUN_METADATA9 = 29,
  TUN_METADATA10 = 30,
  TUN_METADATA11 = 31,
  TUN_METADATA12 = 32,
  TUN_METADATA13 = 33,
  TUN_METADATA14 = 34,
  TUN_METADATA15 = 35,
  TUN_METADATA16 = 36,
  TUN_METADATA17 = 37,
  TUN_METADATA18 = 38,
  TUN_METADATA19 = 39,
  TUN_METADATA20 = 40,
  TUN_METADATA21 = 41,
  TUN_METADATA22 = 42,
  TUN_METADATA23 = 43,
  TUN_METADATA24 = 44,
  TUN_METADATA25 = 45,
  TUN_METADATA26 = 46,
  TUN_METADATA27 = 47,
  TUN_METADATA28 = 48,
  TUN_METADATA29 = 49,
  TUN_METADATA30 = 50,
  TUN_METADATA31 = 51,
  TUN_METADATA32 = 52,
  TUN_METADATA33 = 53,
  TUN_METADATA34 = 54,
  TUN_METADATA35 = 55,
  TUN_METADATA36 = 56,
  TUN_METADATA37 = 57,
  TUN_METADATA38 = 58,
  TUN_METADATA39 = 59,
  TUN_METADATA40 = 60,
  TUN_METADATA41 = 61,
  TUN_METADATA42 = 62,
  TUN_METADATA43 = 63,
  TUN_METADATA44 = 64,
  TUN_METADATA45 = 65,
  TUN_METADATA46 = 66,
  TUN_METADATA47 = 67,
  TUN_METADATA48 = 68,
  TUN_METADATA49 = 69,
  TUN_METADATA50 = 70,
  TUN_METADATA51 = 71,
  TUN_METADATA52 = 72,
  TUN_METADATA53 = 73,
  TUN_METADATA54 = 74,
  TUN_METADATA55 = 75,
  TUN_METADATA56 = 76,
  TUN_METADATA57 = 77,
  TUN_METADATA58 = 78,
  TUN_METADATA59 = 79,
  TUN_METADATA60 = 80,
  TUN_METADATA61 = 81,
  TUN_METADATA62 = 82,
  TUN_METADATA63 = 83,
  METADATA = 84,
  IN_PORT = 85,
  IN_PORT_OXM = 86,
  ACTSET_OUTPUT = 87,
  SKB_PRIORITY = 88,
  PKT_MARK = 89,
  CT_STATE = 90,
  CT_ZONE = 91,
  CT_MARK = 92,
  CT_LABEL = 93,
  CT_NW_PROTO = 94,
  CT_NW_SRC = 95,
  CT_NW_DST = 96,
  CT_IPV6_SRC = 97,
  CT_IPV6_DST = 98,
  CT_TP_SRC = 99,
  CT_TP_DST = 100,
  REG0 = 101,
  REG1 = 102,
  REG2 = 103,
  REG3 = 104,
  REG4 = 105,
  REG5 = 106,
  REG6 = 107,
  REG7 = 108,
  REG8 = 109,
  REG9 = 110,
  REG10 = 111,
  REG11 = 112,
  REG12 = 113,
  REG13 = 114,
  REG14 = 115,
  REG15 = 116,
  XREG0 = 117,
  XREG1 = 118,
  XREG2 = 119,
  XREG3 = 120,
  XREG4 = 121,
  XREG5 = 122,
  XREG6 = 123,
  XREG7 = 124,
  XXREG0 = 125,
  XXREG1 = 126,
  XXREG2 = 127,
  XXREG3 = 128,
  ETH_SRC = 129,
  ETH_DST = 130,
  ETH_TYPE = 131,
  VLAN_TCI = 132,
  DL_VLAN = 133,
  VLAN_VID = 134,
  DL_VLAN_PCP = 135,
  VLAN_PCP = 136,
  MPLS_LABEL = 137,
  MPLS_TC = 138,
  MPLS_BOS = 139,
  MPLS_TTL = 140,
  IPV4_SRC = 141,
  IPV4_DST = 142,
  IPV6_SRC = 143,
  IPV6_DST = 144,
  IPV6_LABEL = 145,
  IP_PROTO = 146,
  IP_DSCP = 147,
  IP_DSCP_SHIFTED = 148,
  IP_ECN = 149,
  IP_TTL = 150,
  IP_FRAG = 151,
  ARP_OP = 152,
  ARP_SPA = 153,
  ARP_TPA = 154,
  ARP_SHA = 155,
  ARP_THA = 156,
  TCP_SRC = 157,
  TCP_DST = 158,
  TCP_FLAGS = 159,
  UDP_SRC = 160,
  UDP_DST = 161,
  SCTP_SRC = 162,
  SCTP_DST = 163,
  ICMPV4_TYPE = 164,
  ICMPV4_CODE = 165,
  ICMPV6_TYPE = 166,
  ICMPV6_CODE = 167,
  ND_TARGET = 168,
  ND_SLL = 169,
  ND_TLL = 170,
  ND_RESERVED = 171,
  ND_OPTIONS_TYPE = 172,
  NSH_FLAGS = 173,
  NSH_MDTYPE = 174,
  NSH_NP = 175,
  NSH_SPI = 176,
  NSH_SI = 177,
  NSH_C1 = 178,
  NSH_C2 = 179,
  NSH_C3 = 180,
  NSH_C4 = 181,
  NSH_TTL = 182,
}
export const MF_N_IDS = 183;

const ROWS: readonly Row[] = [
  ["dp_hash", null, 4, 32, false, true, S.HEX, P.NONE, false, 0, 0, [[0x2320, 0xffff, 0, 8, 0, "NXOXM_ET_DP_HASH"], [0x0, 0x1, 35, 4, 0, "NXM_NX_DP_HASH"]]],
  ["recirc_id", null, 4, 32, false, false, S.DEC, P.NONE, false, 0, 0, [[0x0, 0x1, 36, 4, 0, "NXM_NX_RECIRC_ID"]]],
  ["packet_type", null, 4, 32, false, false, S.PACKET_TYPE, P.NONE, false, 0, 0, [[0x0, 0x8000, 44, 4, 6, "OXM_OF_PACKET_TYPE"]]],
  ["conj_id", null, 4, 32, false, false, S.DEC, P.NONE, false, 0, 0, [[0x0, 0x1, 37, 4, 0, "NXM_NX_CONJ_ID"]]],
  ["tun_id", "tunnel_id", 8, 64, false, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 16, 8, 0, "NXM_NX_TUN_ID"], [0x0, 0x8000, 38, 8, 4, "OXM_OF_TUNNEL_ID"]]],
  ["tun_src", null, 4, 32, false, true, S.IPV4, P.NONE, true, 0, 0, [[0x0, 0x1, 31, 4, 0, "NXM_NX_TUN_IPV4_SRC"]]],
  ["tun_dst", null, 4, 32, false, true, S.IPV4, P.NONE, true, 0, 0, [[0x0, 0x1, 32, 4, 0, "NXM_NX_TUN_IPV4_DST"]]],
  ["tun_ipv6_src", null, 16, 128, false, true, S.IPV6, P.NONE, true, 0, 0, [[0x0, 0x1, 109, 16, 0, "NXM_NX_TUN_IPV6_SRC"]]],
  ["tun_ipv6_dst", null, 16, 128, false, true, S.IPV6, P.NONE, true, 0, 0, [[0x0, 0x1, 110, 16, 0, "NXM_NX_TUN_IPV6_DST"]]],
  ["tun_flags", null, 2, 1, false, true, S.TNL_FLAGS, P.NONE, true, 0, 0, [[0x0, 0x1, 104, 2, 0, "NXM_NX_TUN_FLAGS"]]],
  ["tun_ttl", null, 1, 8, false, false, S.DEC, P.NONE, false, 0, 0, []],
  ["tun_tos", null, 1, 8, false, false, S.DEC, P.NONE, false, 0, 0, []],
  ["tun_gbp_id", null, 2, 16, false, true, S.DEC, P.NONE, true, 0, 0, [[0x0, 0x1, 38, 2, 0, "NXM_NX_TUN_GBP_ID"]]],
  ["tun_gbp_flags", null, 1, 8, false, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 39, 1, 0, "NXM_NX_TUN_GBP_FLAGS"]]],
  ["tun_erspan_idx", null, 4, 20, false, true, S.HEX, P.NONE, true, 0, 0, [[0x2320, 0xffff, 11, 8, 0, "NXOXM_ET_ERSPAN_IDX"]]],
  ["tun_erspan_ver", null, 1, 4, false, true, S.DEC, P.NONE, true, 0, 0, [[0x2320, 0xffff, 12, 5, 0, "NXOXM_ET_ERSPAN_VER"]]],
  ["tun_erspan_dir", null, 1, 1, false, true, S.DEC, P.NONE, true, 0, 0, [[0x2320, 0xffff, 13, 5, 0, "NXOXM_ET_ERSPAN_DIR"]]],
  ["tun_erspan_hwid", null, 1, 6, false, true, S.HEX, P.NONE, true, 0, 0, [[0x2320, 0xffff, 14, 5, 0, "NXOXM_ET_ERSPAN_HWID"]]],
  ["tun_gtpu_flags", null, 1, 8, false, true, S.HEX, P.NONE, false, 0, 0, [[0x2320, 0xffff, 15, 5, 0, "NXOXM_ET_GTPU_FLAGS"]]],
  ["tun_gtpu_msgtype", null, 1, 8, false, true, S.DEC, P.NONE, false, 0, 0, [[0x2320, 0xffff, 16, 5, 0, "NXOXM_ET_GTPU_MSGTYPE"]]],
  ["tun_metadata0", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 40, 124, 0, "NXM_NX_TUN_METADATA0"]]],
  ["tun_metadata1", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 41, 124, 0, "NXM_NX_TUN_METADATA1"]]],
  ["tun_metadata2", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 42, 124, 0, "NXM_NX_TUN_METADATA2"]]],
  ["tun_metadata3", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 43, 124, 0, "NXM_NX_TUN_METADATA3"]]],
  ["tun_metadata4", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 44, 124, 0, "NXM_NX_TUN_METADATA4"]]],
  ["tun_metadata5", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 45, 124, 0, "NXM_NX_TUN_METADATA5"]]],
  ["tun_metadata6", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 46, 124, 0, "NXM_NX_TUN_METADATA6"]]],
  ["tun_metadata7", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 47, 124, 0, "NXM_NX_TUN_METADATA7"]]],
  ["tun_metadata8", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 48, 124, 0, "NXM_NX_TUN_METADATA8"]]],
  ["tun_metadata9", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 49, 124, 0, "NXM_NX_TUN_METADATA9"]]],
  ["tun_metadata10", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 50, 124, 0, "NXM_NX_TUN_METADATA10"]]],
  ["tun_metadata11", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 51, 124, 0, "NXM_NX_TUN_METADATA11"]]],
  ["tun_metadata12", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 52, 124, 0, "NXM_NX_TUN_METADATA12"]]],
  ["tun_metadata13", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 53, 124, 0, "NXM_NX_TUN_METADATA13"]]],
  ["tun_metadata14", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 54, 124, 0, "NXM_NX_TUN_METADATA14"]]],
  ["tun_metadata15", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 55, 124, 0, "NXM_NX_TUN_METADATA15"]]],
  ["tun_metadata16", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 56, 124, 0, "NXM_NX_TUN_METADATA16"]]],
  ["tun_metadata17", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 57, 124, 0, "NXM_NX_TUN_METADATA17"]]],
  ["tun_metadata18", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 58, 124, 0, "NXM_NX_TUN_METADATA18"]]],
  ["tun_metadata19", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 59, 124, 0, "NXM_NX_TUN_METADATA19"]]],
  ["tun_metadata20", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 60, 124, 0, "NXM_NX_TUN_METADATA20"]]],
  ["tun_metadata21", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 61, 124, 0, "NXM_NX_TUN_METADATA21"]]],
  ["tun_metadata22", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 62, 124, 0, "NXM_NX_TUN_METADATA22"]]],
  ["tun_metadata23", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 63, 124, 0, "NXM_NX_TUN_METADATA23"]]],
  ["tun_metadata24", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 64, 124, 0, "NXM_NX_TUN_METADATA24"]]],
  ["tun_metadata25", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 65, 124, 0, "NXM_NX_TUN_METADATA25"]]],
  ["tun_metadata26", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 66, 124, 0, "NXM_NX_TUN_METADATA26"]]],
  ["tun_metadata27", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 67, 124, 0, "NXM_NX_TUN_METADATA27"]]],
  ["tun_metadata28", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 68, 124, 0, "NXM_NX_TUN_METADATA28"]]],
  ["tun_metadata29", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 69, 124, 0, "NXM_NX_TUN_METADATA29"]]],
  ["tun_metadata30", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 70, 124, 0, "NXM_NX_TUN_METADATA30"]]],
  ["tun_metadata31", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 71, 124, 0, "NXM_NX_TUN_METADATA31"]]],
  ["tun_metadata32", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 72, 124, 0, "NXM_NX_TUN_METADATA32"]]],
  ["tun_metadata33", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 73, 124, 0, "NXM_NX_TUN_METADATA33"]]],
  ["tun_metadata34", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 74, 124, 0, "NXM_NX_TUN_METADATA34"]]],
  ["tun_metadata35", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 75, 124, 0, "NXM_NX_TUN_METADATA35"]]],
  ["tun_metadata36", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 76, 124, 0, "NXM_NX_TUN_METADATA36"]]],
  ["tun_metadata37", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 77, 124, 0, "NXM_NX_TUN_METADATA37"]]],
  ["tun_metadata38", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 78, 124, 0, "NXM_NX_TUN_METADATA38"]]],
  ["tun_metadata39", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 79, 124, 0, "NXM_NX_TUN_METADATA39"]]],
  ["tun_metadata40", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 80, 124, 0, "NXM_NX_TUN_METADATA40"]]],
  ["tun_metadata41", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 81, 124, 0, "NXM_NX_TUN_METADATA41"]]],
  ["tun_metadata42", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 82, 124, 0, "NXM_NX_TUN_METADATA42"]]],
  ["tun_metadata43", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 83, 124, 0, "NXM_NX_TUN_METADATA43"]]],
  ["tun_metadata44", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 84, 124, 0, "NXM_NX_TUN_METADATA44"]]],
  ["tun_metadata45", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 85, 124, 0, "NXM_NX_TUN_METADATA45"]]],
  ["tun_metadata46", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 86, 124, 0, "NXM_NX_TUN_METADATA46"]]],
  ["tun_metadata47", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 87, 124, 0, "NXM_NX_TUN_METADATA47"]]],
  ["tun_metadata48", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 88, 124, 0, "NXM_NX_TUN_METADATA48"]]],
  ["tun_metadata49", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 89, 124, 0, "NXM_NX_TUN_METADATA49"]]],
  ["tun_metadata50", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 90, 124, 0, "NXM_NX_TUN_METADATA50"]]],
  ["tun_metadata51", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 91, 124, 0, "NXM_NX_TUN_METADATA51"]]],
  ["tun_metadata52", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 92, 124, 0, "NXM_NX_TUN_METADATA52"]]],
  ["tun_metadata53", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 93, 124, 0, "NXM_NX_TUN_METADATA53"]]],
  ["tun_metadata54", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 94, 124, 0, "NXM_NX_TUN_METADATA54"]]],
  ["tun_metadata55", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 95, 124, 0, "NXM_NX_TUN_METADATA55"]]],
  ["tun_metadata56", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 96, 124, 0, "NXM_NX_TUN_METADATA56"]]],
  ["tun_metadata57", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 97, 124, 0, "NXM_NX_TUN_METADATA57"]]],
  ["tun_metadata58", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 98, 124, 0, "NXM_NX_TUN_METADATA58"]]],
  ["tun_metadata59", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 99, 124, 0, "NXM_NX_TUN_METADATA59"]]],
  ["tun_metadata60", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 100, 124, 0, "NXM_NX_TUN_METADATA60"]]],
  ["tun_metadata61", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 101, 124, 0, "NXM_NX_TUN_METADATA61"]]],
  ["tun_metadata62", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 102, 124, 0, "NXM_NX_TUN_METADATA62"]]],
  ["tun_metadata63", null, 124, 992, true, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 103, 124, 0, "NXM_NX_TUN_METADATA63"]]],
  ["metadata", null, 8, 64, false, true, S.HEX, P.NONE, true, 0, V11.BITWISE, [[0x0, 0x8000, 2, 8, 3, "OXM_OF_METADATA"]]],
  ["in_port", null, 2, 16, false, false, S.PORT, P.NONE, true, V10.EXACT, V11.EXACT, [[0x0, 0x0, 0, 2, 0, "NXM_OF_IN_PORT"]]],
  ["in_port_oxm", null, 4, 32, false, false, S.PORT_OXM, P.NONE, true, 0, V11.EXACT, [[0x0, 0x8000, 0, 4, 3, "OXM_OF_IN_PORT"]]],
  ["actset_output", null, 4, 32, false, false, S.PORT_OXM, P.NONE, false, 0, 0, [[0x4f4e4600, 0xffff, 43, 8, 4, "ONFOXM_ET_ACTSET_OUTPUT"], [0x0, 0x8000, 43, 4, 6, "OXM_OF_ACTSET_OUTPUT"]]],
  ["skb_priority", null, 4, 32, false, false, S.HEX, P.NONE, false, 0, 0, []],
  ["pkt_mark", null, 4, 32, false, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 33, 4, 0, "NXM_NX_PKT_MARK"]]],
  ["ct_state", null, 4, 32, false, true, S.CT_STATE, P.NONE, false, 0, 0, [[0x0, 0x1, 105, 4, 0, "NXM_NX_CT_STATE"]]],
  ["ct_zone", null, 2, 16, false, false, S.HEX, P.NONE, false, 0, 0, [[0x0, 0x1, 106, 2, 0, "NXM_NX_CT_ZONE"]]],
  ["ct_mark", null, 4, 32, false, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 107, 4, 0, "NXM_NX_CT_MARK"]]],
  ["ct_label", null, 16, 128, false, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 108, 16, 0, "NXM_NX_CT_LABEL"]]],
  ["ct_nw_proto", null, 1, 8, false, false, S.DEC, P.CT, false, 0, 0, [[0x0, 0x1, 119, 1, 0, "NXM_NX_CT_NW_PROTO"]]],
  ["ct_nw_src", null, 4, 32, false, true, S.IPV4, P.CT, false, 0, 0, [[0x0, 0x1, 120, 4, 0, "NXM_NX_CT_NW_SRC"]]],
  ["ct_nw_dst", null, 4, 32, false, true, S.IPV4, P.CT, false, 0, 0, [[0x0, 0x1, 121, 4, 0, "NXM_NX_CT_NW_DST"]]],
  ["ct_ipv6_src", null, 16, 128, false, true, S.IPV6, P.CT, false, 0, 0, [[0x0, 0x1, 122, 16, 0, "NXM_NX_CT_IPV6_SRC"]]],
  ["ct_ipv6_dst", null, 16, 128, false, true, S.IPV6, P.CT, false, 0, 0, [[0x0, 0x1, 123, 16, 0, "NXM_NX_CT_IPV6_DST"]]],
  ["ct_tp_src", null, 2, 16, false, true, S.DEC, P.CT, false, 0, 0, [[0x0, 0x1, 124, 2, 0, "NXM_NX_CT_TP_SRC"]]],
  ["ct_tp_dst", null, 2, 16, false, true, S.DEC, P.CT, false, 0, 0, [[0x0, 0x1, 125, 2, 0, "NXM_NX_CT_TP_DST"]]],
  ["reg0", null, 4, 32, false, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 0, 4, 0, "NXM_NX_REG0"]]],
  ["reg1", null, 4, 32, false, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 1, 4, 0, "NXM_NX_REG1"]]],
  ["reg2", null, 4, 32, false, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 2, 4, 0, "NXM_NX_REG2"]]],
  ["reg3", null, 4, 32, false, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 3, 4, 0, "NXM_NX_REG3"]]],
  ["reg4", null, 4, 32, false, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 4, 4, 0, "NXM_NX_REG4"]]],
  ["reg5", null, 4, 32, false, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 5, 4, 0, "NXM_NX_REG5"]]],
  ["reg6", null, 4, 32, false, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 6, 4, 0, "NXM_NX_REG6"]]],
  ["reg7", null, 4, 32, false, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 7, 4, 0, "NXM_NX_REG7"]]],
  ["reg8", null, 4, 32, false, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 8, 4, 0, "NXM_NX_REG8"]]],
  ["reg9", null, 4, 32, false, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 9, 4, 0, "NXM_NX_REG9"]]],
  ["reg10", null, 4, 32, false, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 10, 4, 0, "NXM_NX_REG10"]]],
  ["reg11", null, 4, 32, false, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 11, 4, 0, "NXM_NX_REG11"]]],
  ["reg12", null, 4, 32, false, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 12, 4, 0, "NXM_NX_REG12"]]],
  ["reg13", null, 4, 32, false, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 13, 4, 0, "NXM_NX_REG13"]]],
  ["reg14", null, 4, 32, false, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 14, 4, 0, "NXM_NX_REG14"]]],
  ["reg15", null, 4, 32, false, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 15, 4, 0, "NXM_NX_REG15"]]],
  ["xreg0", null, 8, 64, false, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x8001, 0, 8, 4, "OXM_OF_PKT_REG0"]]],
  ["xreg1", null, 8, 64, false, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x8001, 1, 8, 4, "OXM_OF_PKT_REG1"]]],
  ["xreg2", null, 8, 64, false, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x8001, 2, 8, 4, "OXM_OF_PKT_REG2"]]],
  ["xreg3", null, 8, 64, false, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x8001, 3, 8, 4, "OXM_OF_PKT_REG3"]]],
  ["xreg4", null, 8, 64, false, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x8001, 4, 8, 4, "OXM_OF_PKT_REG4"]]],
  ["xreg5", null, 8, 64, false, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x8001, 5, 8, 4, "OXM_OF_PKT_REG5"]]],
  ["xreg6", null, 8, 64, false, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x8001, 6, 8, 4, "OXM_OF_PKT_REG6"]]],
  ["xreg7", null, 8, 64, false, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x8001, 7, 8, 4, "OXM_OF_PKT_REG7"]]],
  ["xxreg0", null, 16, 128, false, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 111, 16, 0, "NXM_NX_XXREG0"]]],
  ["xxreg1", null, 16, 128, false, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 112, 16, 0, "NXM_NX_XXREG1"]]],
  ["xxreg2", null, 16, 128, false, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 113, 16, 0, "NXM_NX_XXREG2"]]],
  ["xxreg3", null, 16, 128, false, true, S.HEX, P.NONE, true, 0, 0, [[0x0, 0x1, 114, 16, 0, "NXM_NX_XXREG3"]]],
  ["eth_src", "dl_src", 6, 48, false, true, S.ETH, P.ETHERNET, true, V10.EXACT, V11.BITWISE, [[0x0, 0x0, 2, 6, 0, "NXM_OF_ETH_SRC"], [0x0, 0x8000, 4, 6, 3, "OXM_OF_ETH_SRC"]]],
  ["eth_dst", "dl_dst", 6, 48, false, true, S.ETH, P.ETHERNET, true, V10.EXACT, V11.BITWISE, [[0x0, 0x0, 1, 6, 0, "NXM_OF_ETH_DST"], [0x0, 0x8000, 3, 6, 3, "OXM_OF_ETH_DST"]]],
  ["eth_type", "dl_type", 2, 16, false, false, S.HEX, P.ETHERNET, false, V10.EXACT, V11.EXACT, [[0x0, 0x0, 3, 2, 0, "NXM_OF_ETH_TYPE"], [0x0, 0x8000, 5, 2, 3, "OXM_OF_ETH_TYPE"]]],
  ["vlan_tci", null, 2, 16, false, true, S.HEX, P.ETHERNET, true, V10.EXACT, V11.EXACT, [[0x0, 0x0, 4, 2, 0, "NXM_OF_VLAN_TCI"]]],
  ["dl_vlan", null, 2, 12, false, false, S.DEC, P.ETHERNET, true, V10.EXACT, V11.EXACT, []],
  ["vlan_vid", null, 2, 12, false, true, S.DEC, P.ETHERNET, true, V10.EXACT, V11.EXACT, [[0x0, 0x8000, 6, 2, 3, "OXM_OF_VLAN_VID"]]],
  ["dl_vlan_pcp", null, 1, 3, false, false, S.DEC, P.ETHERNET, true, V10.EXACT, V11.EXACT, []],
  ["vlan_pcp", null, 1, 3, false, false, S.DEC, P.VLAN_VID, true, V10.EXACT, V11.EXACT, [[0x0, 0x8000, 7, 1, 3, "OXM_OF_VLAN_PCP"]]],
  ["mpls_label", null, 4, 20, false, false, S.DEC, P.MPLS, true, 0, V11.EXACT, [[0x0, 0x8000, 34, 4, 3, "OXM_OF_MPLS_LABEL"]]],
  ["mpls_tc", null, 1, 3, false, false, S.DEC, P.MPLS, true, 0, V11.EXACT, [[0x0, 0x8000, 35, 1, 3, "OXM_OF_MPLS_TC"]]],
  ["mpls_bos", null, 1, 1, false, false, S.DEC, P.MPLS, false, 0, 0, [[0x0, 0x8000, 36, 1, 4, "OXM_OF_MPLS_BOS"]]],
  ["mpls_ttl", null, 1, 8, false, false, S.DEC, P.MPLS, true, 0, 0, [[0x0, 0x1, 30, 1, 0, "NXM_NX_MPLS_TTL"]]],
  ["ip_src", "nw_src", 4, 32, false, true, S.IPV4, P.IPV4, true, V10.CIDR, V11.BITWISE, [[0x0, 0x0, 7, 4, 0, "NXM_OF_IP_SRC"], [0x0, 0x8000, 11, 4, 3, "OXM_OF_IPV4_SRC"]]],
  ["ip_dst", "nw_dst", 4, 32, false, true, S.IPV4, P.IPV4, true, V10.CIDR, V11.BITWISE, [[0x0, 0x0, 8, 4, 0, "NXM_OF_IP_DST"], [0x0, 0x8000, 12, 4, 3, "OXM_OF_IPV4_DST"]]],
  ["ipv6_src", null, 16, 128, false, true, S.IPV6, P.IPV6, true, 0, 0, [[0x0, 0x1, 19, 16, 0, "NXM_NX_IPV6_SRC"], [0x0, 0x8000, 26, 16, 3, "OXM_OF_IPV6_SRC"]]],
  ["ipv6_dst", null, 16, 128, false, true, S.IPV6, P.IPV6, true, 0, 0, [[0x0, 0x1, 20, 16, 0, "NXM_NX_IPV6_DST"], [0x0, 0x8000, 27, 16, 3, "OXM_OF_IPV6_DST"]]],
  ["ipv6_label", null, 4, 20, false, true, S.HEX, P.IPV6, true, 0, 0, [[0x0, 0x1, 27, 4, 0, "NXM_NX_IPV6_LABEL"], [0x0, 0x8000, 28, 4, 3, "OXM_OF_IPV6_FLABEL"]]],
  ["nw_proto", "ip_proto", 1, 8, false, false, S.DEC, P.IP_ANY, false, V10.EXACT, V11.EXACT, [[0x0, 0x0, 6, 1, 0, "NXM_OF_IP_PROTO"], [0x0, 0x8000, 10, 1, 3, "OXM_OF_IP_PROTO"]]],
  ["nw_tos", null, 1, 8, false, false, S.DEC, P.IP_ANY, true, V10.EXACT, V11.EXACT, [[0x0, 0x0, 5, 1, 0, "NXM_OF_IP_TOS"]]],
  ["ip_dscp", null, 1, 6, false, false, S.DEC, P.IP_ANY, true, V10.EXACT, V11.EXACT, [[0x0, 0x8000, 8, 1, 3, "OXM_OF_IP_DSCP"]]],
  ["nw_ecn", "ip_ecn", 1, 2, false, false, S.DEC, P.IP_ANY, true, 0, V11.EXACT, [[0x0, 0x1, 28, 1, 0, "NXM_NX_IP_ECN"], [0x0, 0x8000, 9, 1, 3, "OXM_OF_IP_ECN"]]],
  ["nw_ttl", null, 1, 8, false, false, S.DEC, P.IP_ANY, true, 0, 0, [[0x0, 0x1, 29, 1, 0, "NXM_NX_IP_TTL"]]],
  ["ip_frag", "nw_frag", 1, 2, false, true, S.FRAG, P.IP_ANY, false, 0, 0, [[0x0, 0x1, 26, 1, 0, "NXM_NX_IP_FRAG"]]],
  ["arp_op", null, 2, 16, false, false, S.DEC, P.ARP, true, V10.EXACT, V11.EXACT, [[0x0, 0x0, 15, 2, 0, "NXM_OF_ARP_OP"], [0x0, 0x8000, 21, 2, 3, "OXM_OF_ARP_OP"]]],
  ["arp_spa", null, 4, 32, false, true, S.IPV4, P.ARP, true, V10.CIDR, V11.BITWISE, [[0x0, 0x0, 16, 4, 0, "NXM_OF_ARP_SPA"], [0x0, 0x8000, 22, 4, 3, "OXM_OF_ARP_SPA"]]],
  ["arp_tpa", null, 4, 32, false, true, S.IPV4, P.ARP, true, V10.CIDR, V11.BITWISE, [[0x0, 0x0, 17, 4, 0, "NXM_OF_ARP_TPA"], [0x0, 0x8000, 23, 4, 3, "OXM_OF_ARP_TPA"]]],
  ["arp_sha", null, 6, 48, false, true, S.ETH, P.ARP, true, 0, 0, [[0x0, 0x1, 17, 6, 0, "NXM_NX_ARP_SHA"], [0x0, 0x8000, 24, 6, 3, "OXM_OF_ARP_SHA"]]],
  ["arp_tha", null, 6, 48, false, true, S.ETH, P.ARP, true, 0, 0, [[0x0, 0x1, 18, 6, 0, "NXM_NX_ARP_THA"], [0x0, 0x8000, 25, 6, 3, "OXM_OF_ARP_THA"]]],
  ["tcp_src", "tp_src", 2, 16, false, true, S.DEC, P.TCP, true, V10.EXACT, V11.EXACT, [[0x0, 0x0, 9, 2, 0, "NXM_OF_TCP_SRC"], [0x0, 0x8000, 13, 2, 3, "OXM_OF_TCP_SRC"]]],
  ["tcp_dst", "tp_dst", 2, 16, false, true, S.DEC, P.TCP, true, V10.EXACT, V11.EXACT, [[0x0, 0x0, 10, 2, 0, "NXM_OF_TCP_DST"], [0x0, 0x8000, 14, 2, 3, "OXM_OF_TCP_DST"]]],
  ["tcp_flags", null, 2, 12, false, true, S.TCP_FLAGS, P.TCP, false, 0, 0, [[0x0, 0x1, 34, 2, 0, "NXM_NX_TCP_FLAGS"], [0x4f4e4600, 0xffff, 42, 6, 4, "ONFOXM_ET_TCP_FLAGS"], [0x0, 0x8000, 42, 2, 6, "OXM_OF_TCP_FLAGS"]]],
  ["udp_src", null, 2, 16, false, true, S.DEC, P.UDP, true, V10.EXACT, V11.EXACT, [[0x0, 0x0, 11, 2, 0, "NXM_OF_UDP_SRC"], [0x0, 0x8000, 15, 2, 3, "OXM_OF_UDP_SRC"]]],
  ["udp_dst", null, 2, 16, false, true, S.DEC, P.UDP, true, V10.EXACT, V11.EXACT, [[0x0, 0x0, 12, 2, 0, "NXM_OF_UDP_DST"], [0x0, 0x8000, 16, 2, 3, "OXM_OF_UDP_DST"]]],
  ["sctp_src", null, 2, 16, false, true, S.DEC, P.SCTP, true, 0, V11.EXACT, [[0x0, 0x8000, 17, 2, 3, "OXM_OF_SCTP_SRC"]]],
  ["sctp_dst", null, 2, 16, false, true, S.DEC, P.SCTP, true, 0, V11.EXACT, [[0x0, 0x8000, 18, 2, 3, "OXM_OF_SCTP_DST"]]],
  ["icmp_type", null, 1, 8, false, false, S.DEC, P.ICMPV4, true, V10.EXACT, V11.EXACT, [[0x0, 0x0, 13, 1, 0, "NXM_OF_ICMP_TYPE"], [0x0, 0x8000, 19, 1, 3, "OXM_OF_ICMPV4_TYPE"]]],
  ["icmp_code", null, 1, 8, false, false, S.DEC, P.ICMPV4, true, V10.EXACT, V11.EXACT, [[0x0, 0x0, 14, 1, 0, "NXM_OF_ICMP_CODE"], [0x0, 0x8000, 20, 1, 3, "OXM_OF_ICMPV4_CODE"]]],
  ["icmpv6_type", null, 1, 8, false, false, S.DEC, P.ICMPV6, true, 0, 0, [[0x0, 0x1, 21, 1, 0, "NXM_NX_ICMPV6_TYPE"], [0x0, 0x8000, 29, 1, 3, "OXM_OF_ICMPV6_TYPE"]]],
  ["icmpv6_code", null, 1, 8, false, false, S.DEC, P.ICMPV6, true, 0, 0, [[0x0, 0x1, 22, 1, 0, "NXM_NX_ICMPV6_CODE"], [0x0, 0x8000, 30, 1, 3, "OXM_OF_ICMPV6_CODE"]]],
  ["nd_target", null, 16, 128, false, true, S.IPV6, P.ND, true, 0, 0, [[0x0, 0x1, 23, 16, 0, "NXM_NX_ND_TARGET"], [0x0, 0x8000, 31, 16, 3, "OXM_OF_IPV6_ND_TARGET"]]],
  ["nd_sll", null, 6, 48, false, true, S.ETH, P.ND_SOLICIT, true, 0, 0, [[0x0, 0x1, 24, 6, 0, "NXM_NX_ND_SLL"], [0x0, 0x8000, 32, 6, 3, "OXM_OF_IPV6_ND_SLL"]]],
  ["nd_tll", null, 6, 48, false, true, S.ETH, P.ND_ADVERT, true, 0, 0, [[0x0, 0x1, 25, 6, 0, "NXM_NX_ND_TLL"], [0x0, 0x8000, 33, 6, 3, "OXM_OF_IPV6_ND_TLL"]]],
  ["nd_reserved", null, 4, 32, false, false, S.DEC, P.ND, true, 0, 0, [[0x0, 0x1000, 1, 4, 0, "ERICOXM_OF_ICMPV6_ND_RESERVED"]]],
  ["nd_options_type", null, 1, 8, false, false, S.DEC, P.ND, true, 0, 0, [[0x0, 0x1000, 2, 1, 0, "ERICOXM_OF_ICMPV6_ND_OPTIONS_TYPE"]]],
  ["nsh_flags", null, 1, 8, false, true, S.DEC, P.NSH, true, 0, 0, [[0x5ad650, 0xffff, 1, 5, 0, "NXOXM_NSH_FLAGS"]]],
  ["nsh_mdtype", null, 1, 8, false, false, S.DEC, P.NSH, false, 0, 0, [[0x5ad650, 0xffff, 2, 5, 0, "NXOXM_NSH_MDTYPE"]]],
  ["nsh_np", null, 1, 8, false, false, S.DEC, P.NSH, false, 0, 0, [[0x5ad650, 0xffff, 3, 5, 0, "NXOXM_NSH_NP"]]],
  ["nsh_spi", "nsp", 4, 24, false, false, S.HEX, P.NSH, true, 0, 0, [[0x5ad650, 0xffff, 4, 8, 0, "NXOXM_NSH_SPI"]]],
  ["nsh_si", "nsi", 1, 8, false, false, S.DEC, P.NSH, true, 0, 0, [[0x5ad650, 0xffff, 5, 5, 0, "NXOXM_NSH_SI"]]],
  ["nsh_c1", "nshc1", 4, 32, false, true, S.HEX, P.NSH, true, 0, 0, [[0x5ad650, 0xffff, 6, 8, 0, "NXOXM_NSH_C1"]]],
  ["nsh_c2", "nshc2", 4, 32, false, true, S.HEX, P.NSH, true, 0, 0, [[0x5ad650, 0xffff, 7, 8, 0, "NXOXM_NSH_C2"]]],
  ["nsh_c3", "nshc3", 4, 32, false, true, S.HEX, P.NSH, true, 0, 0, [[0x5ad650, 0xffff, 8, 8, 0, "NXOXM_NSH_C3"]]],
  ["nsh_c4", "nshc4", 4, 32, false, true, S.HEX, P.NSH, true, 0, 0, [[0x5ad650, 0xffff, 9, 8, 0, "NXOXM_NSH_C4"]]],
  ["nsh_ttl", null, 1, 8, false, false, S.DEC, P.NSH, true, 0, 0, [[0x5ad650, 0xffff, 10, 5, 0, "NXOXM_NSH_TTL"]]],
];

/** Flow member views for fields that are not plain whole-member copies. */
type View = [off: number, size: number, bits?: number, shift?: number];
function viewOf(id: MF, nBytes: number): View {
  if (id >= MF.REG0 && id <= MF.REG15) return [FL.REGS + 4 * (id - MF.REG0), 4];
  if (id >= MF.XREG0 && id <= MF.XREG7) return [FL.REGS + 8 * (id - MF.XREG0), 8];
  if (id >= MF.XXREG0 && id <= MF.XXREG3) return [FL.REGS + 16 * (id - MF.XXREG0), 16];
  if (id >= MF.NSH_C1 && id <= MF.NSH_C4) return [FL.NSH_CONTEXT + 4 * (id - MF.NSH_C1), 4];
  if (id >= MF.TUN_METADATA0 && id <= MF.TUN_METADATA63) return [FL.TUN_MD_PRESENT, 0];
  const T = FL.VLANS + 2;
  switch (id) {
    case MF.DP_HASH: return [FL.DP_HASH, 4];
    case MF.RECIRC_ID: return [FL.RECIRC_ID, 4];
    case MF.PACKET_TYPE: return [FL.PACKET_TYPE, 4];
    case MF.CONJ_ID: return [FL.CONJ_ID, 4];
    case MF.TUN_ID: return [FL.TUN_ID, 8];
    case MF.TUN_SRC: return [FL.TUN_IP_SRC, 4];
    case MF.TUN_DST: return [FL.TUN_IP_DST, 4];
    case MF.TUN_IPV6_SRC: return [FL.TUN_IPV6_SRC, 16];
    case MF.TUN_IPV6_DST: return [FL.TUN_IPV6_DST, 16];
    case MF.TUN_FLAGS: return [FL.TUN_FLAGS, 2, 0x1];
    case MF.TUN_TTL: return [FL.TUN_TTL, 1];
    case MF.TUN_TOS: return [FL.TUN_TOS, 1];
    case MF.TUN_GBP_ID: return [FL.TUN_GBP_ID, 2];
    case MF.TUN_GBP_FLAGS: return [FL.TUN_GBP_FLAGS, 1];
    case MF.TUN_ERSPAN_IDX: return [FL.TUN_ERSPAN_IDX, 4];
    case MF.TUN_ERSPAN_VER: return [FL.TUN_ERSPAN_VER, 1];
    case MF.TUN_ERSPAN_DIR: return [FL.TUN_ERSPAN_DIR, 1];
    case MF.TUN_ERSPAN_HWID: return [FL.TUN_ERSPAN_HWID, 1];
    case MF.TUN_GTPU_FLAGS: return [FL.TUN_GTPU_FLAGS, 1];
    case MF.TUN_GTPU_MSGTYPE: return [FL.TUN_GTPU_MSGTYPE, 1];
    case MF.METADATA: return [FL.METADATA, 8];
    case MF.IN_PORT: case MF.IN_PORT_OXM: return [FL.IN_PORT, 4, 0xffff];
    case MF.ACTSET_OUTPUT: return [FL.ACTSET_OUTPUT, 4, 0xffff];
    case MF.SKB_PRIORITY: return [FL.SKB_PRIORITY, 4];
    case MF.PKT_MARK: return [FL.PKT_MARK, 4];
    case MF.CT_STATE: return [FL.CT_STATE, 1];
    case MF.CT_ZONE: return [FL.CT_ZONE, 2];
    case MF.CT_MARK: return [FL.CT_MARK, 4];
    case MF.CT_LABEL: return [FL.CT_LABEL, 16];
    case MF.CT_NW_PROTO: return [FL.CT_NW_PROTO, 1];
    case MF.CT_NW_SRC: return [FL.CT_NW_SRC, 4];
    case MF.CT_NW_DST: return [FL.CT_NW_DST, 4];
    case MF.CT_IPV6_SRC: return [FL.CT_IPV6_SRC, 16];
    case MF.CT_IPV6_DST: return [FL.CT_IPV6_DST, 16];
    case MF.CT_TP_SRC: return [FL.CT_TP_SRC, 2];
    case MF.CT_TP_DST: return [FL.CT_TP_DST, 2];
    case MF.ETH_SRC: return [FL.DL_SRC, 6];
    case MF.ETH_DST: return [FL.DL_DST, 6];
    case MF.ETH_TYPE: return [FL.DL_TYPE, 2];
    case MF.VLAN_TCI: return [T, 2];
    case MF.DL_VLAN: return [T, 2, VLAN_VID_MASK];
    case MF.VLAN_VID: return [T, 2, VLAN_VID_MASK | VLAN_CFI];
    case MF.DL_VLAN_PCP: case MF.VLAN_PCP: return [T, 2, VLAN_PCP_MASK, 13];
    case MF.MPLS_LABEL: return [FL.MPLS_LSE, 4, 0xfffff000, 12];
    case MF.MPLS_TC: return [FL.MPLS_LSE, 4, 0xe00, 9];
    case MF.MPLS_BOS: return [FL.MPLS_LSE, 4, 0x100, 8];
    case MF.MPLS_TTL: return [FL.MPLS_LSE, 4, 0xff, 0];
    case MF.IPV4_SRC: case MF.ARP_SPA: return [FL.NW_SRC, 4];
    case MF.IPV4_DST: case MF.ARP_TPA: return [FL.NW_DST, 4];
    case MF.IPV6_SRC: return [FL.IPV6_SRC, 16];
    case MF.IPV6_DST: return [FL.IPV6_DST, 16];
    case MF.IPV6_LABEL: return [FL.IPV6_LABEL, 4];
    case MF.IP_PROTO: case MF.ARP_OP: return [FL.NW_PROTO, 1];
    case MF.IP_DSCP: return [FL.NW_TOS, 1, 0xfc];
    case MF.IP_DSCP_SHIFTED: return [FL.NW_TOS, 1, 0xfc, 2];
    case MF.IP_ECN: return [FL.NW_TOS, 1, 0x03];
    case MF.IP_TTL: return [FL.NW_TTL, 1];
    case MF.IP_FRAG: return [FL.NW_FRAG, 1, 0x03];
    case MF.ARP_SHA: case MF.ND_SLL: return [FL.ARP_SHA, 6];
    case MF.ARP_THA: case MF.ND_TLL: return [FL.ARP_THA, 6];
    case MF.TCP_SRC: case MF.UDP_SRC: case MF.SCTP_SRC:
    case MF.ICMPV4_TYPE: case MF.ICMPV6_TYPE: return [FL.TP_SRC, 2];
    case MF.TCP_DST: case MF.UDP_DST: case MF.SCTP_DST:
    case MF.ICMPV4_CODE: case MF.ICMPV6_CODE: return [FL.TP_DST, 2];
    case MF.TCP_FLAGS: case MF.ND_OPTIONS_TYPE: return [FL.TCP_FLAGS, 2];
    case MF.ND_TARGET: return [FL.ND_TARGET, 16];
    case MF.ND_RESERVED: return [FL.IGMP_GROUP_IP4, 4];
    case MF.NSH_FLAGS: return [FL.NSH_FLAGS, 1];
    case MF.NSH_TTL: return [FL.NSH_TTL, 1];
    case MF.NSH_MDTYPE: return [FL.NSH_MDTYPE, 1];
    case MF.NSH_NP: return [FL.NSH_NP, 1];
    case MF.NSH_SPI: return [FL.NSH_PATH_HDR, 4, 0xffffff00, 8];
    case MF.NSH_SI: return [FL.NSH_PATH_HDR, 4, 0xff];
    default: throw new Error(`meta-flow: no flow view for field ${id} (${nBytes} bytes)`);
  }
}

function memberMask(size: number): number {
  return size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff;
}

function protocolsOf(id: MF, of10: number, of11: number, hasOxm: boolean, maskable: boolean):
  [number, number, number] {
  let any: number;
  if (id === MF.DL_VLAN || id === MF.DL_VLAN_PCP) any = Proto.ANY;
  // "OF1.0" means the standard OF1.0 match only; NXM comes with OXM support.
  else any = (of10 ? Proto.OF10_STD_ANY : 0) | (of11 ? Proto.OF11_STD : 0) | (hasOxm ? Proto.NXM_OXM_ANY : 0);
  if (!maskable) return [any, 0, 0];
  let cidr = any, bitwise = any;
  if (of10 === V10.EXACT) { cidr &= ~Proto.OF10_STD_ANY; bitwise &= ~Proto.OF10_STD_ANY; }
  else if (of10 === V10.CIDR) bitwise &= ~Proto.OF10_STD_ANY;
  if (of11 === V11.EXACT) { cidr &= ~Proto.OF11_STD; bitwise &= ~Proto.OF11_STD; }
  return [any, cidr, bitwise];
}

/** All fields, indexed by MF id. */
export const MF_FIELDS: readonly MfField[] = ROWS.map((r, id) => {
  const [name, extraName, nBytes, nBits, variable, maskable, string, prereqs, writable, of10, of11, oxms] = r;
  const [usableExact, usableCidr, usableBitwise] = protocolsOf(id, of10, of11, oxms.length > 0, maskable);
  const [off, size, bits, shift] = viewOf(id, nBytes);
  return {
    id, name, extraName, nBytes, nBits, variable, maskable, string, prereqs, writable,
    oxm: oxms.map(([vendor, cls, field, len, version, oname]) => ({ vendor, cls, field, len, version, name: oname })),
    usableExact, usableCidr, usableBitwise,
    off, size, bits: bits ?? (size <= 4 ? memberMask(size) : -1), shift: shift ?? 0,
  };
});

const byName = new Map<string, MfField>();
for (const f of MF_FIELDS) {
  byName.set(f.name, f);
  if (f.extraName) byName.set(f.extraName, f);
}

/** Looks a field up by name or alias ("dl_src" or "eth_src"). */
export function mfFromName(name: string): MfField | undefined { return byName.get(name); }

/** The field with id 'id'. */
export function mfFromId(id: MF): MfField { return MF_FIELDS[id]!; }

export function isTunMetadata(f: MfField): boolean {
  return f.id >= MF.TUN_METADATA0 && f.id <= MF.TUN_METADATA63;
}

/* ---- Reading and writing fields through their flow views. ---- */

function readInt(v: Uint8Array, n: number): number {
  let x = 0;
  for (let i = 0; i < n; i++) x = x * 256 + v[i]!;
  return x;
}
function writeInt(v: Uint8Array, n: number, x: number): void {
  for (let i = n - 1; i >= 0; i--) { v[i] = x & 0xff; x = Math.floor(x / 256); }
}

/** Reads field 'f' from a flow (or wildcard mask) array into a new value. */
export function mfGetValue(f: MfField, flow: Uint8Array, match?: Match, fromMask = false): Uint8Array {
  const out = new Uint8Array(f.nBytes);
  if (isTunMetadata(f)) {
    const e = match?.tunMd[f.id - MF.TUN_METADATA0];
    if (e) out.set(fromMask ? e.mask : e.value, f.nBytes - e.len);
    return out;
  }
  if (f.size > 4) {
    for (let i = 0; i < f.size; i++) out[i] = flow[f.off + i]!;
    return out;
  }
  writeInt(out, f.nBytes, mfGetInt(f, flow));
  return out;
}

/** The value of field 'f' (at most 4 bytes wide, not tunnel metadata) in
 * 'flow' as a number: mfGetValue without an array. */
export function mfGetInt(f: MfField, flow: Uint8Array): number {
  const x = ((getN(flow, f.off, f.size) & f.bits) >>> 0) / 2 ** f.shift;
  if (f.id === MF.IN_PORT_OXM || f.id === MF.ACTSET_OUTPUT) return portToOfp11(x);
  if (f.id === MF.NSH_SPI && x === 0xffffff) return 0xffffffff;
  return x;
}

/** Reads the mask of field 'f' in 'match'. */
export function mfGetMask(f: MfField, match: Match): Uint8Array {
  return mfGetValue(f, match.wc, match, true);
}

/** Reads value and mask of field 'f' in 'match'. */
export function mfGet(f: MfField, match: Match): [Uint8Array, Uint8Array] {
  return [mfGetValue(f, match.flow, match), mfGetValue(f, match.wc, match, true)];
}

/** True if 'match' does not look at any bit of field 'f'. */
export function mfIsAllWild(f: MfField, match: Match): boolean {
  if (isTunMetadata(f)) return !match.tunMd[f.id - MF.TUN_METADATA0];
  if (f.size > 4) return isAllZeros(match.wc, f.off, f.size);
  return (getN(match.wc, f.off, f.size) & f.bits) === 0;
}

/** True if 'mask' is acceptable for 'f' (non-maskable fields: all or nothing). */
export function mfIsMaskValid(f: MfField, mask: Uint8Array): boolean {
  return f.maskable || isAllZeros(mask, 0, f.nBytes) || isAllOnes(mask, 0, f.nBytes);
}

const CS_SUPPORTED_MASK = 0xff;

/** True if 'value' makes sense for 'f' (e.g. no bits outside a 6-bit DSCP). */
export function mfIsValueValid(f: MfField, value: Uint8Array): boolean {
  const n = f.nBytes <= 4 ? readInt(value, f.nBytes) : 0;
  switch (f.id) {
    case MF.IN_PORT_OXM: case MF.ACTSET_OUTPUT: return portFromOfp11(n) !== undefined;
    case MF.IP_DSCP: return (n & ~0xfc) === 0;
    case MF.IP_DSCP_SHIFTED: return (n & ~0x3f) === 0;
    case MF.IP_ECN: return (n & ~0x03) === 0;
    case MF.IP_FRAG: return (n & ~0x03) === 0;
    case MF.TCP_FLAGS: return (n & ~0x0fff) === 0;
    case MF.ARP_OP: return (n & 0xff00) === 0;
    case MF.DL_VLAN: return (n & (VLAN_CFI | VLAN_PCP_MASK)) === 0;
    case MF.VLAN_VID: return (n & VLAN_PCP_MASK) === 0;
    case MF.DL_VLAN_PCP: case MF.VLAN_PCP: return (n & ~7) === 0;
    case MF.IPV6_LABEL: return (n & ~IPV6_LABEL_MASK) === 0;
    case MF.MPLS_LABEL: return n <= 0xfffff;
    case MF.MPLS_TC: return n <= 7;
    case MF.MPLS_BOS: return n <= 1;
    case MF.TUN_FLAGS: return (n & ~1) === 0;
    case MF.CT_STATE: return (n & ~CS_SUPPORTED_MASK) === 0;
    case MF.NSH_TTL: return n <= 63;
    case MF.NSH_MDTYPE: return n === 1 || n === 2;
    case MF.NSH_SPI: return n <= 0xffffff;
    default: return true;
  }
}

/* Prerequisites. */

const CS_NEW = 1, CS_ESTABLISHED = 2, CS_RELATED = 4, CS_REPLY_DIR = 8, CS_INVALID = 16,
  CS_TRACKED = 32, CS_SRC_NAT = 64, CS_DST_NAT = 128;

function isIpAny(dl: number): boolean { return dl === ETH_TYPE_IP || dl === ETH_TYPE_IPV6; }

/** True if 'flow' (with optional match mask 'wc') meets the prerequisites 'p'. */
export function prereqsOk(p: P, flow: Uint8Array, wc?: Uint8Array): boolean {
  const dl = flowDlType(flow);
  const proto = flow[FL.NW_PROTO]!;
  const notLater = !(flow[FL.NW_FRAG]! & FLOW_NW_FRAG_LATER);
  switch (p) {
    case P.NONE: return true;
    case P.ETHERNET: return get32(flow, FL.PACKET_TYPE) === PT_ETH;
    case P.ARP: return dl === ETH_TYPE_ARP || dl === ETH_TYPE_RARP;
    case P.IPV4: return dl === ETH_TYPE_IP;
    case P.IPV6: return dl === ETH_TYPE_IPV6;
    case P.VLAN_VID:
      return get32(flow, FL.PACKET_TYPE) === PT_ETH && (get16(flow, FL.VLANS + 2) & VLAN_CFI) !== 0;
    case P.MPLS: return dl === ETH_TYPE_MPLS || dl === ETH_TYPE_MPLS_MCAST;
    case P.IP_ANY: return isIpAny(dl);
    case P.NSH: return dl === ETH_TYPE_NSH;
    case P.CT: {
      const st = flow[FL.CT_STATE]!;
      if (wc) {
        return (st & (CS_NEW | CS_ESTABLISHED | CS_RELATED | CS_REPLY_DIR | CS_SRC_NAT | CS_DST_NAT)) !== 0
          || ((st & CS_TRACKED) !== 0 && (wc[FL.CT_STATE]! & CS_INVALID) !== 0 && (st & CS_INVALID) === 0);
      }
      return (st & (CS_NEW | CS_ESTABLISHED | CS_REPLY_DIR)) !== 0;
    }
    case P.TCP: return isIpAny(dl) && proto === IPPROTO_TCP && notLater;
    case P.UDP: return isIpAny(dl) && proto === IPPROTO_UDP && notLater;
    case P.SCTP: return isIpAny(dl) && proto === IPPROTO_SCTP && notLater;
    case P.ICMPV4: return dl === ETH_TYPE_IP && proto === IPPROTO_ICMP;
    case P.ICMPV6: return dl === ETH_TYPE_IPV6 && proto === IPPROTO_ICMPV6;
    case P.ND: case P.ND_SOLICIT: case P.ND_ADVERT: {
      if (!(dl === ETH_TYPE_IPV6 && proto === IPPROTO_ICMPV6)) return false;
      if (get16(flow, FL.TP_DST) !== 0) return false;
      const t = get16(flow, FL.TP_SRC);
      if (p === P.ND_SOLICIT) return t === ND_NEIGHBOR_SOLICIT;
      if (p === P.ND_ADVERT) return t === ND_NEIGHBOR_ADVERT;
      return t === ND_NEIGHBOR_SOLICIT || t === ND_NEIGHBOR_ADVERT;
    }
  }
}

/** True if a packet 'flow' meets the prerequisites of 'f'. */
export function mfArePrereqsOk(f: MfField, flow: Uint8Array): boolean { return prereqsOk(f.prereqs, flow); }

/** True if 'match' meets the prerequisites of 'f' (mf_are_match_prereqs_ok). */
export function mfAreMatchPrereqsOk(f: MfField, match: Match): boolean {
  return prereqsOk(f.prereqs, match.flow, match.wc);
}

/** Pipeline fields may appear in packet-ins and in table features "match". */
export function mfIsPipelineField(f: MfField): boolean {
  const id = f.id;
  if (id >= MF.TUN_METADATA0 && id <= MF.TUN_METADATA63) return true;
  if (id >= MF.REG0 && id <= MF.XXREG3) return true;
  switch (id) {
    case MF.TUN_ID: case MF.TUN_SRC: case MF.TUN_DST: case MF.TUN_IPV6_SRC: case MF.TUN_IPV6_DST:
    case MF.TUN_FLAGS: case MF.TUN_GBP_ID: case MF.TUN_GBP_FLAGS: case MF.TUN_ERSPAN_VER:
    case MF.TUN_ERSPAN_IDX: case MF.TUN_ERSPAN_DIR: case MF.TUN_ERSPAN_HWID:
    case MF.TUN_GTPU_FLAGS: case MF.TUN_GTPU_MSGTYPE: case MF.METADATA: case MF.IN_PORT:
    case MF.IN_PORT_OXM: case MF.PKT_MARK: case MF.CT_STATE: case MF.CT_ZONE: case MF.CT_MARK:
    case MF.CT_LABEL: case MF.CT_NW_PROTO: case MF.CT_NW_SRC: case MF.CT_NW_DST:
    case MF.CT_IPV6_SRC: case MF.CT_IPV6_DST: case MF.CT_TP_SRC: case MF.CT_TP_DST:
    case MF.PACKET_TYPE:
      return true;
    default:
      return false;
  }
}

/* Setting fields. */

function setTci(match: Match, tci: number, mask: number): void {
  put16(match.flow, FL.VLANS + 2, tci & 0xffff);
  put16(match.wc, FL.VLANS + 2, mask & 0xffff);
}

/* OVS 3.1 stores the value, not the mask, as the mask of these fields
 * (match_set_tun_erspan_ver_masked and friends); kept for identical output. */
function valueIsMask(id: MF): boolean {
  return id === MF.TUN_ERSPAN_VER || id === MF.TUN_ERSPAN_DIR || id === MF.TUN_ERSPAN_HWID
    || id === MF.TUN_GTPU_FLAGS || id === MF.TUN_GTPU_MSGTYPE;
}

/** Makes 'match' match 'f' exactly equal to 'value' (mf_set_value); returns an error text or null. */
export function mfSetValue(f: MfField, value: Uint8Array, match: Match): string | null {
  if (isTunMetadata(f)) return match.setTunMetadata(f.id - MF.TUN_METADATA0, f.name, value, null);
  if (valueIsMask(f.id)) { match.flow[f.off] = value[0]!; match.wc[f.off] = value[0]!; return null; }
  if (f.size > 4) {
    const fl = match.flow, wc = match.wc;
    for (let i = 0; i < f.size; i++) { fl[f.off + i] = value[i]!; wc[f.off + i] = 0xff; }
    return null;
  }
  let x = readInt(value, f.nBytes);
  const T = FL.VLANS + 2;
  switch (f.id) {
    case MF.DL_VLAN: {
      const tci = get16(match.flow, T), m = get16(match.wc, T);
      if (x === OFP10_VLAN_NONE) setTci(match, 0, 0xffff);
      else setTci(match, (tci & ~VLAN_VID_MASK) | (x & VLAN_VID_MASK) | VLAN_CFI, m | VLAN_VID_MASK | VLAN_CFI);
      return null;
    }
    case MF.VLAN_VID:
      return setVlanVidMasked(match, x, VLAN_VID_MASK | VLAN_CFI);
    case MF.DL_VLAN_PCP: case MF.VLAN_PCP: {
      const tci = get16(match.flow, T), m = get16(match.wc, T);
      setTci(match, (tci & ~VLAN_PCP_MASK) | ((x & 7) << 13) | VLAN_CFI, m | VLAN_CFI | VLAN_PCP_MASK);
      return null;
    }
    case MF.IN_PORT_OXM: case MF.ACTSET_OUTPUT:
      x = portFromOfp11(x) ?? 0xffff;
      break;
    case MF.NSH_SPI:
      x &= 0xffffff;
      break;
  }
  const cur = getN(match.flow, f.off, f.size), m = getN(match.wc, f.off, f.size);
  const bits = f.bits >>> 0;
  const v = ((x * 2 ** f.shift) % 2 ** 32) & bits;
  putN(match.flow, f.off, f.size, ((cur & ~bits) | v) >>> 0);
  putN(match.wc, f.off, f.size, (m | bits) >>> 0);
  return null;
}

function setVlanVidMasked(match: Match, vid: number, mask: number): null {
  const T = FL.VLANS + 2;
  mask &= VLAN_VID_MASK | VLAN_CFI;
  const tci = get16(match.flow, T), m = get16(match.wc, T);
  setTci(match, (tci & ~(VLAN_VID_MASK | VLAN_CFI)) | (vid & mask), mask | (m & VLAN_PCP_MASK));
  return null;
}

/** Makes 'match' not look at field 'f' (mf_set_wild). */
export function mfSetWild(f: MfField, match: Match): void {
  if (isTunMetadata(f)) { match.clearTunMetadata(f.id - MF.TUN_METADATA0); return; }
  if (f.size > 4) {
    match.flow.fill(0, f.off, f.off + f.size);
    match.wc.fill(0, f.off, f.off + f.size);
    return;
  }
  const T = FL.VLANS + 2;
  switch (f.id) {
    case MF.DL_VLAN: case MF.VLAN_VID: {
      const m = get16(match.wc, T);
      if (m & VLAN_PCP_MASK) setTci(match, get16(match.flow, T) & ~VLAN_VID_MASK, m & ~VLAN_VID_MASK);
      else setTci(match, 0, 0);
      return;
    }
    case MF.DL_VLAN_PCP: case MF.VLAN_PCP: {
      const m = get16(match.wc, T);
      if (m & VLAN_VID_MASK) setTci(match, get16(match.flow, T) & ~VLAN_PCP_MASK, m & ~VLAN_PCP_MASK);
      else setTci(match, 0, 0);
      return;
    }
    case MF.VLAN_TCI:
      setTci(match, 0, 0);
      return;
  }
  const bits = f.bits >>> 0;
  putN(match.flow, f.off, f.size, (getN(match.flow, f.off, f.size) & ~bits) >>> 0);
  putN(match.wc, f.off, f.size, (getN(match.wc, f.off, f.size) & ~bits) >>> 0);
}

function isCidr32(m: number): boolean {
  const x = (~m) >>> 0;
  return (x & (x + 1)) === 0;
}

/** Result of mfSet: protocols able to express the match, and an error text. */
export interface MfSetResult { usable: number; error: string | null }

/**
 * Makes 'match' match 'f' against 'value' under 'mask' (mf_set).  A null
 * or all-ones mask is an exact match, all-zeros a wildcard.  Returns the
 * OpenFlow protocols (Proto bits) that can express the result; Proto.NONE
 * when the field cannot take that mask.
 */
export function mfSet(f: MfField, value: Uint8Array, mask: Uint8Array | null, match: Match): MfSetResult {
  if (!mask || isAllOnes(mask, 0, f.nBytes)) {
    return { usable: f.usableExact, error: mfSetValue(f, value, match) };
  }
  if (isAllZeros(mask, 0, f.nBytes) && !isTunMetadata(f)) {
    mfSetWild(f, match);
    return { usable: Proto.ANY, error: null };
  }
  if (!f.maskable) return { usable: Proto.NONE, error: null };
  if (isTunMetadata(f)) {
    return { usable: f.usableBitwise, error: match.setTunMetadata(f.id - MF.TUN_METADATA0, f.name, value, mask) };
  }
  let m32 = 0xffffffff;
  if (valueIsMask(f.id)) {
    match.flow[f.off] = value[0]! & mask[0]!;
    match.wc[f.off] = value[0]!;
  } else if (f.size > 4) {
    for (let i = 0; i < f.size; i++) {
      match.flow[f.off + i] = value[i]! & mask[i]!;
      match.wc[f.off + i] = mask[i]!;
    }
  } else {
    let x = readInt(value, f.nBytes), m = readInt(mask, f.nBytes);
    m32 = m;
    if (f.id === MF.VLAN_VID) {
      setVlanVidMasked(match, x, m);
    } else if (f.id === MF.IPV6_LABEL && (m & IPV6_LABEL_MASK) === IPV6_LABEL_MASK) {
      mfSetValue(f, value, match);
    } else {
      if (f.id === MF.NSH_SPI) { x &= 0xffffff; m &= 0xffffff; }
      const bits = f.bits >>> 0;
      const sh = 2 ** f.shift;
      const v = (((x & m) >>> 0) * sh % 2 ** 32) & bits;
      const mm = ((m * sh) % 2 ** 32) & bits;
      putN(match.flow, f.off, f.size, ((getN(match.flow, f.off, f.size) & ~bits) | v) >>> 0);
      putN(match.wc, f.off, f.size, ((getN(match.wc, f.off, f.size) & ~bits) | mm) >>> 0);
    }
  }
  const usable = (f.usableBitwise === f.usableCidr || isCidr32(m32)) ? f.usableCidr : f.usableBitwise;
  return { usable, error: null };
}

/** Adds the implied packet_type=Ethernet when 'f' has prerequisites. */
export function matchAddEthernetPrereq(match: Match, f: MfField): void {
  if (f.prereqs !== P.NONE) match.setDefaultPacketType();
}

/* ---- Fields of a packet's flow (for executing actions). ---- */

/**
 * Writes 'value' into field 'f' of a packet 'flow' (mf_set_flow_value).
 * Tunnel metadata is not part of the flow layout and is ignored here.
 */
export function mfSetFlowValue(f: MfField, value: Uint8Array, flow: Uint8Array): void {
  if (isTunMetadata(f)) return;
  if (f.size > 4) {
    for (let i = 0; i < f.size; i++) flow[f.off + i] = value[i]!;
    return;
  }
  let x = readInt(value, f.nBytes);
  const T = FL.VLANS + 2;
  switch (f.id) {
    case MF.DL_VLAN: {
      const tci = get16(flow, T);
      put16(flow, T, x === OFP10_VLAN_NONE ? 0 : (tci & ~VLAN_VID_MASK) | (x & VLAN_VID_MASK) | VLAN_CFI);
      fixVlanTpid(flow);
      return;
    }
    case MF.VLAN_VID:
      put16(flow, T, (get16(flow, T) & ~(VLAN_VID_MASK | VLAN_CFI)) | (x & (VLAN_VID_MASK | VLAN_CFI)));
      fixVlanTpid(flow);
      return;
    case MF.DL_VLAN_PCP: case MF.VLAN_PCP:
      put16(flow, T, (get16(flow, T) & ~VLAN_PCP_MASK) | ((x & 7) << 13) | VLAN_CFI);
      fixVlanTpid(flow);
      return;
    case MF.IN_PORT_OXM: case MF.ACTSET_OUTPUT:
      x = portFromOfp11(x) ?? 0xffff;
      break;
    case MF.NSH_SPI:
      x &= 0xffffff;
      break;
  }
  const bits = f.bits >>> 0;
  const v = ((x * 2 ** f.shift) % 2 ** 32) & bits;
  putN(flow, f.off, f.size, ((getN(flow, f.off, f.size) & ~bits) | v) >>> 0);
}

function fixVlanTpid(flow: Uint8Array): void {
  if (get16(flow, FL.VLANS) === 0 && get16(flow, FL.VLANS + 2) !== 0) put16(flow, FL.VLANS, 0x8100);
}

/** Sets the bits of field 'f' selected by 'mask' to those of 'value' (mf_set_flow_value_masked). */
export function mfSetFlowValueMasked(f: MfField, value: Uint8Array, mask: Uint8Array, flow: Uint8Array): void {
  const cur = mfGetValue(f, flow);
  for (let i = 0; i < f.nBytes; i++) cur[i] = (value[i]! & mask[i]!) | (cur[i]! & ~mask[i]!);
  mfSetFlowValue(f, cur, flow);
}

/** Un-wildcards the bits of 'f' selected by 'mask' in wildcard array 'wc' (mf_mask_field_masked). */
export function mfMaskFieldMasked(f: MfField, mask: Uint8Array, wc: Uint8Array): void {
  let m = mask;
  if (f.id === MF.DL_VLAN) m = Uint8Array.of(mask[0]! & 0x0f, mask[1]!);
  const cur = mfGetValue(f, wc);
  for (let i = 0; i < f.nBytes; i++) cur[i]! |= m[i]!;
  mfSetFlowValue(f, cur, wc);
}

/** Un-wildcards all of field 'f' in wildcard array 'wc' (mf_mask_field). */
export function mfMaskField(f: MfField, wc: Uint8Array): void {
  mfMaskFieldMasked(f, new Uint8Array(f.nBytes).fill(0xff), wc);
}
