/* mf-flow: meta-flow operations on a packet's flow and its megaflow mask.
 *
 * Translation reads and writes OpenFlow fields (openflow/meta-flow.ts
 * MfField) directly in flow-layout arrays, and whatever it reads must be
 * un-wildcarded in the megaflow mask 'wc'.  These are OVS's
 * mf_set_flow_value_masked, mf_mask_field_masked, mf_are_prereqs_ok (with
 * un-wildcarding), mf_read_subfield / mf_write_subfield_flow and friends,
 * written against the flow layout's field views (off, size, bits, shift).
 * Values are big-endian byte arrays of the field's width, as in meta-flow.
 * Subfields are handled as bigints (at most 128 bits).
 */
import {
  FL, get16, get32, flowDlType, ETH_TYPE_IP, ETH_TYPE_IPV6, ETH_TYPE_ARP, ETH_TYPE_RARP, ETH_TYPE_MPLS,
  ETH_TYPE_MPLS_MCAST, ETH_TYPE_NSH, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP, IPPROTO_ICMP, IPPROTO_ICMPV6,
  FLOW_NW_FRAG_LATER, PT_ETH, VLAN_CFI,
} from './flow.js';
import { type MfField, MF, P, mfGetValue } from './meta-flow.js';
import type { MfSubfield } from './nx-match.js';

/** Sets every bit of a flow member range in 'wc'. */
export function wcMask(wc: Uint8Array, off: number, n: number): void {
  wc.fill(0xff, off, off + n);
}

function isIpAny(flow: Uint8Array): boolean {
  const t = get16(flow, FL.DL_TYPE);
  return t === ETH_TYPE_IP || t === ETH_TYPE_IPV6;
}

/**
 * True if 'flow' meets prerequisites 'p', un-wildcarding in 'wc' the fields
 * the check looked at (mf_are_prereqs_ok with a mask).
 */
export function prereqsOkWc(p: P, flow: Uint8Array, wc: Uint8Array | null): boolean {
  const m = (off: number, n: number): void => { if (wc) wcMask(wc, off, n); };
  const dl = flowDlType(flow);
  switch (p) {
    case P.NONE: return true;
    case P.ETHERNET: m(FL.PACKET_TYPE, 4); return get32(flow, FL.PACKET_TYPE) === PT_ETH;
    case P.ARP: m(FL.DL_TYPE, 2); return dl === ETH_TYPE_ARP || dl === ETH_TYPE_RARP;
    case P.IPV4: m(FL.DL_TYPE, 2); return dl === ETH_TYPE_IP;
    case P.IPV6: m(FL.DL_TYPE, 2); return dl === ETH_TYPE_IPV6;
    case P.VLAN_VID:
      if (wc) wc[FL.VLANS + 2]! |= VLAN_CFI >> 8;
      return (get16(flow, FL.VLANS + 2) & VLAN_CFI) !== 0;
    case P.MPLS: m(FL.DL_TYPE, 2); return dl === ETH_TYPE_MPLS || dl === ETH_TYPE_MPLS_MCAST;
    case P.IP_ANY: m(FL.DL_TYPE, 2); return dl === ETH_TYPE_IP || dl === ETH_TYPE_IPV6;
    case P.NSH: m(FL.DL_TYPE, 2); return dl === ETH_TYPE_NSH;
    case P.CT: {
      m(FL.CT_STATE, 1);
      const st = flow[FL.CT_STATE]!;
      return (st & 0x20) !== 0 && (st & 0x10) === 0;
    }
    case P.TCP: case P.UDP: case P.SCTP: {
      const proto = p === P.TCP ? IPPROTO_TCP : p === P.UDP ? IPPROTO_UDP : IPPROTO_SCTP;
      if (!prereqsOkWc(P.IP_ANY, flow, wc)) return false;
      m(FL.NW_PROTO, 1);
      if (flow[FL.NW_PROTO] !== proto) return false;
      if (wc) wc[FL.NW_FRAG]! |= FLOW_NW_FRAG_LATER;
      return !(flow[FL.NW_FRAG]! & FLOW_NW_FRAG_LATER);
    }
    case P.ICMPV4:
      if (!prereqsOkWc(P.IPV4, flow, wc)) return false;
      m(FL.NW_PROTO, 1);
      return flow[FL.NW_PROTO] === IPPROTO_ICMP;
    case P.ICMPV6:
      if (!prereqsOkWc(P.IPV6, flow, wc)) return false;
      m(FL.NW_PROTO, 1);
      return flow[FL.NW_PROTO] === IPPROTO_ICMPV6;
    case P.ND: case P.ND_SOLICIT: case P.ND_ADVERT: {
      if (!prereqsOkWc(P.ICMPV6, flow, wc)) return false;
      if (wc) { wc[FL.TP_SRC + 1] = 0xff; wc[FL.TP_DST + 1] = 0xff; }
      if (get16(flow, FL.TP_DST) !== 0) return false;
      const t = get16(flow, FL.TP_SRC);
      if (p === P.ND_SOLICIT) return t === 135;
      if (p === P.ND_ADVERT) return t === 136;
      return t === 135 || t === 136;
    }
  }
}

/** Un-wildcards nw_proto when setting L3 fields (mf_set_mask_l3_prereqs). */
export function setMaskL3Prereqs(f: MfField, flow: Uint8Array, wc: Uint8Array): void {
  switch (f.id) {
    case MF.IPV4_SRC: case MF.IPV4_DST: case MF.IPV6_SRC: case MF.IPV6_DST: case MF.IPV6_LABEL:
    case MF.IP_DSCP: case MF.IP_ECN: case MF.IP_TTL:
      if (isIpAny(flow)) wc[FL.NW_PROTO] = 0xff;
      break;
    case MF.ARP_OP: case MF.ARP_SHA: case MF.ARP_THA: case MF.ARP_SPA: case MF.ARP_TPA:
      if (get16(flow, FL.DL_TYPE) === ETH_TYPE_ARP) wc[FL.NW_PROTO] = 0xff;
      break;
    default:
      break;
  }
}

/* ---- Whole-field values. ---- */

function readMember(b: Uint8Array, off: number, size: number): number {
  return size === 1 ? b[off]! : size === 2 ? get16(b, off) : get32(b, off);
}
function writeMember(b: Uint8Array, off: number, size: number, v: number): void {
  if (size === 1) b[off] = v & 0xff;
  else if (size === 2) { b[off] = (v >>> 8) & 0xff; b[off + 1] = v & 0xff; }
  else { b[off] = (v >>> 24) & 0xff; b[off + 1] = (v >>> 16) & 0xff; b[off + 2] = (v >>> 8) & 0xff; b[off + 3] = v & 0xff; }
}
function valueToInt(v: Uint8Array): number {
  let x = 0;
  for (let i = 0; i < v.length; i++) x = x * 256 + v[i]!;
  return x;
}

/** Reads field 'f' of 'flow' (mf_get_value). */
export function fieldGet(f: MfField, flow: Uint8Array): Uint8Array {
  return mfGetValue(f, flow);
}

/**
 * Writes 'value' under 'mask' into field 'f' of 'flow'
 * (mf_set_flow_value_masked).  'mask' null means exact.
 */
export function fieldSetMasked(f: MfField, flow: Uint8Array, value: Uint8Array, mask: Uint8Array | null): void {
  if (f.size === 0) return; /* tun_metadata: not in the flow layout. */
  if (f.size > 4 || (f.bits === -1)) {
    /* Plain byte member (addresses, 64/128-bit fields). */
    for (let i = 0; i < f.nBytes; i++) {
      const mb = mask ? mask[i]! : 0xff;
      flow[f.off + i] = (flow[f.off + i]! & ~mb) | (value[i]! & mb);
    }
    return;
  }
  const bits = f.bits >>> 0;
  const v = valueToInt(value), mk = mask ? valueToInt(mask) : 0xffffffff;
  const member = readMember(flow, f.off, f.size);
  const m = ((mk * 2 ** f.shift) % 2 ** 32 >>> 0) & bits;
  const x = ((v * 2 ** f.shift) % 2 ** 32 >>> 0) & m;
  let out = ((member & ~m) | x) >>> 0;
  if (f.id === MF.VLAN_PCP || f.id === MF.DL_VLAN_PCP) out |= VLAN_CFI;
  if (f.id === MF.DL_VLAN) out |= VLAN_CFI;
  writeMember(flow, f.off, f.size, out);
}

/** Un-wildcards the bits of 'mask' (null: all) of field 'f' (mf_mask_field_masked). */
export function fieldMaskMasked(f: MfField, wc: Uint8Array, mask: Uint8Array | null): void {
  if (f.size === 0) return;
  if (f.size > 4 || f.bits === -1) {
    for (let i = 0; i < f.nBytes; i++) wc[f.off + i]! |= mask ? mask[i]! : 0xff;
    return;
  }
  const bits = f.bits >>> 0;
  const mk = mask ? valueToInt(mask) : 0xffffffff;
  const m = ((mk * 2 ** f.shift) % 2 ** 32 >>> 0) & bits;
  writeMember(wc, f.off, f.size, (readMember(wc, f.off, f.size) | m) >>> 0);
}

/* ---- Subfields. ---- */

function bytesToBig(v: Uint8Array): bigint {
  let x = 0n;
  for (let i = 0; i < v.length; i++) x = (x << 8n) | BigInt(v[i]!);
  return x;
}
function bigToBytes(x: bigint, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = n - 1; i >= 0; i--) { out[i] = Number(x & 0xffn); x >>= 8n; }
  return out;
}

/** Reads bits [ofs, ofs+nBits) of a subfield's field from 'flow' (mf_read_subfield). */
export function subfieldRead(sf: MfSubfield, flow: Uint8Array): bigint {
  const v = bytesToBig(fieldGet(sf.field, flow));
  return (v >> BigInt(sf.ofs)) & ((1n << BigInt(sf.nBits)) - 1n);
}

/** Writes 'x' into a subfield of 'flow' (mf_write_subfield_flow). */
export function subfieldWrite(sf: MfSubfield, flow: Uint8Array, x: bigint): void {
  const n = sf.field.nBytes;
  const bitsMask = ((1n << BigInt(sf.nBits)) - 1n) << BigInt(sf.ofs);
  fieldSetMasked(sf.field, flow, bigToBytes((x << BigInt(sf.ofs)) & bitsMask, n), bigToBytes(bitsMask, n));
}

/** Un-wildcards a subfield's bits in 'wc' (mf_write_subfield_flow of all-ones into the mask). */
export function subfieldMask(sf: MfSubfield, wc: Uint8Array): void {
  const n = sf.field.nBytes;
  const bitsMask = ((1n << BigInt(sf.nBits)) - 1n) << BigInt(sf.ofs);
  fieldMaskMasked(sf.field, wc, bigToBytes(bitsMask, n));
}

/** The full value of a subfield as big-endian bytes of the field's width (for learn/stack). */
export function subfieldValueBytes(sf: MfSubfield, x: bigint): Uint8Array {
  return bigToBytes(x << BigInt(sf.ofs), sf.field.nBytes);
}

/** The mask of a subfield as big-endian bytes of the field's width. */
export function subfieldMaskBytes(sf: MfSubfield): Uint8Array {
  return bigToBytes(((1n << BigInt(sf.nBits)) - 1n) << BigInt(sf.ofs), sf.field.nBytes);
}

export { bytesToBig, bigToBytes };
