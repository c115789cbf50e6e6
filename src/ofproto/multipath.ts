/* multipath: how the multipath and bundle actions pick a link, as OVS does.
 *
 * Both hash a choice of packet fields (the nx_hash_fields: eth_src,
 * symmetric_l4, symmetric_l3l4[+udp], nw_src, nw_dst, symmetric_l3) with
 * flow_hash_fields(), un-wildcard what the hash read (flow_mask_hash_fields),
 * and turn the hash into a link: multipath by one of its algorithms
 * (modulo_n, hash_threshold, hrw, iter_hash), bundle by highest random weight
 * over its live members or the first live one (active_backup).  The select
 * group's default method hashes symmetric_l4 too.  Used by
 * ofproto-dpif-xlate.ts; the hashes come from lib/jhash.ts and lib/hash.ts,
 * the flow layout from openflow/flow.ts.
 */
import { jhashBytes } from '../lib/jhash.js';
import { hashAdd, hashFinish } from '../lib/hash.js';
import { hashInt } from '../lib/hash.js';
import {
  FL, get16, get32, ETH_TYPE_IP, ETH_TYPE_IPV6, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP, FLOW_NW_FRAG_MASK, PT_ETH,
} from '../openflow/flow.js';

/** nx_hash_fields values. */
export const NX_HASH_FIELDS = {
  ETH_SRC: 0, SYMMETRIC_L4: 1, SYMMETRIC_L3L4: 2, SYMMETRIC_L3L4_UDP: 3, NW_SRC: 4, NW_DST: 5, SYMMETRIC_L3: 6,
} as const;

const le32 = (p: Uint8Array, i: number): number =>
  ((p[i] ?? 0) | ((p[i + 1] ?? 0) << 8) | ((p[i + 2] ?? 0) << 16) | ((p[i + 3] ?? 0) << 24)) >>> 0;

/** XOR of the flow's source and destination bytes at 'a' and 'b' ('n' bytes) into 'out' at 'o'. */
function xorInto(out: Uint8Array, o: number, flow: Uint8Array, a: number, b: number, n: number): void {
  for (let i = 0; i < n; i++) out[o + i] = flow[a + i]! ^ flow[b + i]!;
}

/** VLAN VIDs of both headers XORed (network order), as the symmetric hashes take them. */
function vidXor(flow: Uint8Array): number {
  return (get16(flow, FL.VLANS + 2) ^ get16(flow, FL.VLANS + 6)) & 0x0fff;
}

function put16be(p: Uint8Array, o: number, v: number): void { p[o] = v >>> 8; p[o + 1] = v & 0xff; }

/** flow_hash_symmetric_l4(): jhash of a 32-byte record of XORed addresses, ports and types. */
export function flowHashSymmetricL4(flow: Uint8Array, basis: number): number {
  // Layout: address XOR (16), eth_type (2), vlan_tci (2), tp_port (2), eth_addr XOR (6), ip_proto (1), pad.
  const f = new Uint8Array(32);
  xorInto(f, 22, flow, FL.DL_SRC, FL.DL_DST, 6);
  put16be(f, 18, vidXor(flow));
  const t = get16(flow, FL.DL_TYPE);
  put16be(f, 16, t);
  if (t === ETH_TYPE_IP || t === ETH_TYPE_IPV6) {
    if (t === ETH_TYPE_IP) xorInto(f, 0, flow, FL.NW_SRC, FL.NW_DST, 4);
    else xorInto(f, 0, flow, FL.IPV6_SRC, FL.IPV6_DST, 16);
    const p = flow[FL.NW_PROTO]!;
    f[28] = p;
    if (p === IPPROTO_TCP || p === IPPROTO_SCTP) xorInto(f, 20, flow, FL.TP_SRC, FL.TP_DST, 2);
  }
  return jhashBytes(f, basis);
}

/** flow_hash_symmetric_l2(): murmur of type, VID and MAC XORs. */
function flowHashSymmetricL2(flow: Uint8Array, basis: number): number {
  if (get32(flow, FL.PACKET_TYPE) !== PT_ETH) return 0;
  const f = new Uint8Array(12);
  put16be(f, 0, get16(flow, FL.DL_TYPE));
  put16be(f, 2, vidXor(flow));
  xorInto(f, 4, flow, FL.DL_SRC, FL.DL_DST, 6);
  let h = basis;
  for (let i = 0; i < 12; i += 4) h = hashAdd(h, le32(f, i));
  return hashFinish(h, basis);
}

/** flow_hash_symmetric_l3l4(): murmur of the address XOR, protocol and (TCP, SCTP, UDP if asked) port XOR. */
function flowHashSymmetricL3L4(flow: Uint8Array, basis: number, incUdp: boolean): number {
  let h = basis;
  const t = get16(flow, FL.DL_TYPE);
  const x = new Uint8Array(16);
  if (t === ETH_TYPE_IP) {
    xorInto(x, 0, flow, FL.NW_SRC, FL.NW_DST, 4);
    h = hashAdd(h, le32(x, 0));
  } else if (t === ETH_TYPE_IPV6) {
    xorInto(x, 0, flow, FL.IPV6_SRC, FL.IPV6_DST, 16);
    for (let i = 0; i < 16; i += 4) h = hashAdd(h, le32(x, i));
  } else {
    return flowHashSymmetricL2(flow, basis);
  }
  const p = flow[FL.NW_PROTO]!;
  h = hashAdd(h, p);
  if (!(flow[FL.NW_FRAG]! & FLOW_NW_FRAG_MASK)
      && (p === IPPROTO_TCP || p === IPPROTO_SCTP || (incUdp && p === IPPROTO_UDP))) {
    const a = flow[FL.TP_SRC]! ^ flow[FL.TP_DST]!, b = flow[FL.TP_SRC + 1]! ^ flow[FL.TP_DST + 1]!;
    h = hashAdd(h, a | (b << 8));
  }
  return hashFinish(h, basis);
}

/** flow_hash_symmetric_l3(): jhash of the address XOR and the Ethertype. */
function flowHashSymmetricL3(flow: Uint8Array, basis: number): number {
  const f = new Uint8Array(20);
  const t = get16(flow, FL.DL_TYPE);
  put16be(f, 16, t);
  if (t === ETH_TYPE_IP) xorInto(f, 0, flow, FL.NW_SRC, FL.NW_DST, 4);
  else if (t === ETH_TYPE_IPV6) xorInto(f, 0, flow, FL.IPV6_SRC, FL.IPV6_DST, 16);
  return jhashBytes(f, basis);
}

/** flow_hash_fields(): the hash of 'fields' (NX_HASH_FIELDS) of 'flow' with 'basis'. */
export function flowHashFields(flow: Uint8Array, fields: number, basis: number): number {
  const t = get16(flow, FL.DL_TYPE);
  switch (fields) {
    case NX_HASH_FIELDS.ETH_SRC: return jhashBytes(flow.subarray(FL.DL_SRC, FL.DL_SRC + 6), basis);
    case NX_HASH_FIELDS.SYMMETRIC_L4: return flowHashSymmetricL4(flow, basis);
    case NX_HASH_FIELDS.SYMMETRIC_L3L4: return flowHashSymmetricL3L4(flow, basis, false);
    case NX_HASH_FIELDS.SYMMETRIC_L3L4_UDP: return flowHashSymmetricL3L4(flow, basis, true);
    case NX_HASH_FIELDS.NW_SRC:
      return t === ETH_TYPE_IP ? jhashBytes(flow.subarray(FL.NW_SRC, FL.NW_SRC + 4), basis)
        : t === ETH_TYPE_IPV6 ? jhashBytes(flow.subarray(FL.IPV6_SRC, FL.IPV6_SRC + 16), basis) : basis;
    case NX_HASH_FIELDS.NW_DST:
      return t === ETH_TYPE_IP ? jhashBytes(flow.subarray(FL.NW_DST, FL.NW_DST + 4), basis)
        : t === ETH_TYPE_IPV6 ? jhashBytes(flow.subarray(FL.IPV6_DST, FL.IPV6_DST + 16), basis) : basis;
    case NX_HASH_FIELDS.SYMMETRIC_L3: return flowHashSymmetricL3(flow, basis);
    default: return basis;
  }
}

const ones = (wc: Uint8Array, off: number, n: number): void => { wc.fill(0xff, off, off + n); };

/** flow_mask_hash_fields(): un-wildcards in 'wc' what flowHashFields() reads for 'fields'. */
export function flowMaskHashFields(flow: Uint8Array, wc: Uint8Array, fields: number): void {
  const t = get16(flow, FL.DL_TYPE);
  const isIp = t === ETH_TYPE_IP || t === ETH_TYPE_IPV6;
  const addrs = (src: boolean, dst: boolean): void => {
    if (t === ETH_TYPE_IP) { if (src) ones(wc, FL.NW_SRC, 4); if (dst) ones(wc, FL.NW_DST, 4); }
    else if (t === ETH_TYPE_IPV6) { if (src) ones(wc, FL.IPV6_SRC, 16); if (dst) ones(wc, FL.IPV6_DST, 16); }
  };
  const ports = (): void => { ones(wc, FL.TP_SRC, 2); ones(wc, FL.TP_DST, 2); };
  const notFrag = !(flow[FL.NW_FRAG]! & FLOW_NW_FRAG_MASK);
  switch (fields) {
    case NX_HASH_FIELDS.ETH_SRC: ones(wc, FL.DL_SRC, 6); break;
    case NX_HASH_FIELDS.SYMMETRIC_L4:
      ones(wc, FL.DL_SRC, 6);
      ones(wc, FL.DL_DST, 6);
      addrs(true, true);
      if (isIp) {
        wc[FL.NW_PROTO] = 0xff;
        if (flow[FL.NW_PROTO] !== IPPROTO_UDP) ports();
      }
      for (let i = 0; i < 2; i++) {
        // VID and CFI of both VLAN headers' TCI.
        wc[FL.VLANS + 4 * i + 2]! |= 0x1f;
        wc[FL.VLANS + 4 * i + 3] = 0xff;
      }
      break;
    case NX_HASH_FIELDS.SYMMETRIC_L3L4_UDP:
    case NX_HASH_FIELDS.SYMMETRIC_L3L4:
      if (fields === NX_HASH_FIELDS.SYMMETRIC_L3L4_UDP && isIp && flow[FL.NW_PROTO] === IPPROTO_UDP && notFrag) ports();
      if (!isIp) break;
      addrs(true, true);
      wc[FL.NW_PROTO] = 0xff;
      if ((flow[FL.NW_PROTO] === IPPROTO_TCP || flow[FL.NW_PROTO] === IPPROTO_SCTP) && notFrag) ports();
      break;
    case NX_HASH_FIELDS.NW_SRC: addrs(true, false); break;
    case NX_HASH_FIELDS.NW_DST: addrs(false, true); break;
    case NX_HASH_FIELDS.SYMMETRIC_L3: addrs(true, true); break;
  }
}

/** multipath_algorithm(): link 0..nLinks-1 for 'hash' by 'algorithm'
 * (0 modulo_n, 1 hash_threshold, 2 hrw, 3 iter_hash with 'arg'). */
export function multipathAlgorithm(hash: number, algorithm: number, nLinks: number, arg: number): number {
  switch (algorithm) {
    case 0: return hash % nLinks;
    case 1: return nLinks === 1 ? 0 : Math.floor(hash / (Math.floor(0xffffffff / nLinks) + 1));
    case 2: return nLinks <= 64 ? hrw(hash, nLinks) : iterHash(hash, nLinks, 0);
    case 3: return iterHash(hash, nLinks, arg);
    default: return 0;
  }
}

function hrw(hash: number, nLinks: number): number {
  let best = 0, bestWeight = hashInt(hash, 0);
  for (let link = 1; link < nLinks; link++) {
    const w = hashInt(hash, link);
    if (w > bestWeight) { best = link; bestWeight = w; }
  }
  return best;
}

function iterHash(hash: number, nLinks: number, modulo: number): number {
  if (modulo < nLinks || modulo / 2 > nLinks) {
    modulo = 1;
    while (modulo < nLinks) modulo *= 2;
  }
  let link: number, i = 0;
  do link = hashInt(hash, i++) % modulo; while (link >= nLinks);
  return link;
}

/** bundle_execute(): the member the bundle action picks (0 active_backup:
 * the first enabled; 1 hrw: highest hash among the enabled), or null. */
export function bundleSelect(algorithm: number, fields: number, basis: number, members: readonly number[],
                             flow: Uint8Array, wc: Uint8Array, enabled: (port: number) => boolean): number | null {
  if (algorithm === 0) return members.find(enabled) ?? null;
  if (members.length > 1) flowMaskHashFields(flow, wc, fields);
  const h = flowHashFields(flow, fields, basis);
  let best = -1, bestHash = 0;
  members.forEach((m, i) => {
    if (!enabled(m)) return;
    const x = hashInt(i, h);
    if (best < 0 || x > bestHash) { best = i; bestHash = x; }
  });
  return best >= 0 ? members[best]! : null;
}
