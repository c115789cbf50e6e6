/* odp-commit: turns flow changes into datapath set/push/pop actions.
 *
 * Translation (ofproto-dpif-xlate.ts) keeps two flows: 'flow', the packet
 * as OpenFlow actions have changed it so far, and 'base', the packet as the
 * datapath will have it after the datapath actions emitted so far.  Before
 * anything looks at the packet (an output, a userspace action, a
 * recirculation...), commitOdpActions() appends the actions that make 'base'
 * equal to 'flow' and updates 'base', in OVS's order: Ethernet addresses,
 * MPLS pops, L3 (IPv4/IPv6/ND/ARP), L4 ports, ICMP, MPLS pushes, VLANs,
 * skb_priority, pkt_mark (OVS's commit_odp_actions in lib/odp-util.c).
 *
 * With 'useMasked' (the userspace datapath supports masked sets) a change to
 * some fields of a header becomes a masked set of just those fields, using
 * the megaflow mask the actions built ('wc'); a change that covers a whole
 * header becomes a plain set, which un-wildcards the whole header.
 */
import {
  FL, get16, get32, put16, put32, ETH_TYPE_IP, ETH_TYPE_IPV6, ETH_TYPE_ARP, ETH_TYPE_RARP, ETH_TYPE_MPLS,
  ETH_TYPE_MPLS_MCAST, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP, IPPROTO_ICMP, IPPROTO_ICMPV6, PT_ETH, VLAN_CFI,
  ETH_TYPE_VLAN,
} from '../openflow/flow.js';
import { type OdpAction, OdpKey, ODP_KEY_LAYOUTS, SLOW_ACTION } from '../datapath/odp-actions.js';

const ETH_TYPE_VLAN_8021AD = 0x88a8;
const MPLS_BOS = 0x100;
const FLOW_MAX_MPLS_LABELS = 3;
const FLOW_MAX_VLAN_HEADERS = 2;

function isMpls(dlType: number): boolean { return dlType === ETH_TYPE_MPLS || dlType === ETH_TYPE_MPLS_MCAST; }
function isVlanTpid(tpid: number): boolean { return tpid === ETH_TYPE_VLAN || tpid === ETH_TYPE_VLAN_8021AD; }

/** Copies a key's fields out of a flow-layout array into the key layout. */
function getKey(key: OdpKey, src: Uint8Array): Uint8Array {
  const layout = ODP_KEY_LAYOUTS[key];
  const out = new Uint8Array(layout.size);
  for (const fd of layout.fields) {
    /* A narrower flow member is right-aligned in the key field (arp op). */
    out.set(src.subarray(fd.flowOff, fd.flowOff + fd.flowSize), fd.off + fd.size - fd.flowSize);
  }
  return out;
}

/** Copies a key's fields back into a flow-layout array. */
function putKey(key: OdpKey, k: Uint8Array, dst: Uint8Array, onlyWritable = false): void {
  for (const fd of ODP_KEY_LAYOUTS[key].fields) {
    if (onlyWritable && !fd.writable) continue;
    dst.set(k.subarray(fd.off + fd.size - fd.flowSize, fd.off + fd.size), fd.flowOff);
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array, off: number, n: number): boolean {
  /* Same offsets in both arrays. */
  for (let i = off; i < off + n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Commits one key attribute (OVS's commit()): if any writable field differs
 * between 'flow' and 'base', emits a (masked) set and updates 'base' and
 * 'wc'.  Returns true if an action was emitted.
 */
function commitKey(key: OdpKey, useMasked: boolean, flow: Uint8Array, base: Uint8Array, wc: Uint8Array,
                   out: OdpAction[], ignoreMask?: (mask: Uint8Array) => void): boolean {
  const layout = ODP_KEY_LAYOUTS[key];
  /* Most commits change nothing: look before allocating. */
  let any = false;
  for (const fd of layout.fields) {
    if (fd.writable && !bytesEqual(flow, base, fd.flowOff, fd.flowSize)) { any = true; break; }
  }
  if (!any) return false;
  const k = getKey(key, flow), b = getKey(key, base), mask = getKey(key, wc);
  for (const fd of layout.fields) if (!fd.writable) mask.fill(0, fd.off, fd.off + fd.size);
  ignoreMask?.(mask);
  let differ = false;
  for (const fd of layout.fields) {
    if (bytesEqual(k, b, fd.off, fd.size)) mask.fill(0, fd.off, fd.off + fd.size);
    else differ = true;
  }
  if (!differ) return false;
  let fullyMasked = true;
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0xff) { fullyMasked = false; break; }
  if (useMasked && !fullyMasked) {
    const v = new Uint8Array(k.length);
    for (let i = 0; i < k.length; i++) v[i] = k[i]! & mask[i]!;
    out.push({ type: 'set_masked', key, value: v, mask });
  } else {
    out.push({ type: 'set', key, value: k });
    if (!fullyMasked) {
      /* A plain set rewrites every field, so every field matters. */
      mask.fill(0xff);
    }
  }
  putKey(key, k, base, true);
  /* wc |= mask (the fields the set depended on). */
  for (const fd of layout.fields) {
    const lo = fd.off + fd.size - fd.flowSize;
    for (let i = 0; i < fd.flowSize; i++) wc[fd.flowOff + i]! |= mask[lo + i]!;
  }
  return true;
}

function commitSetEther(flow: Uint8Array, base: Uint8Array, wc: Uint8Array, out: OdpAction[], useMasked: boolean): void {
  if (get32(flow, FL.PACKET_TYPE) !== PT_ETH || get32(base, FL.PACKET_TYPE) !== PT_ETH) return;
  commitKey(OdpKey.ETHERNET, useMasked, flow, base, wc, out);
}

function commitSetNw(flow: Uint8Array, base: Uint8Array, wc: Uint8Array, out: OdpAction[], useMasked: boolean): number {
  if (!flow[FL.NW_PROTO]) return 0;
  switch (get16(base, FL.DL_TYPE)) {
    case ETH_TYPE_IP:
      commitKey(OdpKey.IPV4, useMasked, flow, base, wc, out);
      return 0;
    case ETH_TYPE_IPV6:
      commitKey(OdpKey.IPV6, useMasked, flow, base, wc, out);
      if (base[FL.NW_PROTO] === IPPROTO_ICMPV6) {
        return commitKey(OdpKey.ND, useMasked, flow, base, wc, out) ? SLOW_ACTION : 0;
      }
      return 0;
    case ETH_TYPE_ARP:
    case ETH_TYPE_RARP:
      return commitKey(OdpKey.ARP, true, flow, base, wc, out) ? SLOW_ACTION : 0;
    default:
      return 0;
  }
}

function isIpAny(f: Uint8Array): boolean {
  const t = get16(f, FL.DL_TYPE);
  return t === ETH_TYPE_IP || t === ETH_TYPE_IPV6;
}

function commitSetPort(flow: Uint8Array, base: Uint8Array, wc: Uint8Array, out: OdpAction[], useMasked: boolean): void {
  const proto = flow[FL.NW_PROTO];
  if (!proto || !isIpAny(base)) return;
  const key = proto === IPPROTO_TCP ? OdpKey.TCP : proto === IPPROTO_UDP ? OdpKey.UDP
    : proto === IPPROTO_SCTP ? OdpKey.SCTP : null;
  if (key) commitKey(key, useMasked, flow, base, wc, out);
}

function commitSetIcmp(flow: Uint8Array, base: Uint8Array, wc: Uint8Array, out: OdpAction[]): number {
  const t = get16(flow, FL.DL_TYPE), proto = flow[FL.NW_PROTO];
  let key: OdpKey;
  if (t === ETH_TYPE_IP && proto === IPPROTO_ICMP) key = OdpKey.ICMP;
  else if (t === ETH_TYPE_IPV6 && proto === IPPROTO_ICMPV6) key = OdpKey.ICMPV6;
  else return 0;
  return commitKey(key, false, flow, base, wc, out) ? SLOW_ACTION : 0;
}

/** Number of MPLS labels in a flow (flow_count_mpls_labels). */
export function countMplsLabels(f: Uint8Array): number {
  if (!isMpls(get16(f, FL.DL_TYPE))) return 0;
  let cnt = 0;
  for (let i = 0; i < FLOW_MAX_MPLS_LABELS; i++) {
    const lse = get32(f, FL.MPLS_LSE + 4 * i);
    if (lse & MPLS_BOS) return i + 1;
    if (lse) cnt++;
  }
  return cnt;
}

function commonMplsLabels(a: Uint8Array, an: number, b: Uint8Array, bn: number): number {
  const n = Math.min(an, bn);
  let common = 0;
  for (let i = 0; i < n; i++) {
    if (get32(a, FL.MPLS_LSE + 4 * (an - 1 - i)) !== get32(b, FL.MPLS_LSE + 4 * (bn - 1 - i))) break;
    common++;
  }
  return common;
}

/** Pushes a label onto a flow's MPLS stack (flow_push_mpls, keeping L3). */
export function flowPushMpls(f: Uint8Array, n: number, ethertype: number, lse: number): void {
  for (let i = Math.min(n, FLOW_MAX_MPLS_LABELS - 1); i > 0; i--) put32(f, FL.MPLS_LSE + 4 * i, get32(f, FL.MPLS_LSE + 4 * (i - 1)));
  put32(f, FL.MPLS_LSE, lse);
  put16(f, FL.DL_TYPE, ethertype);
}

/** Pops the top label (flow_pop_mpls); 'ethertype' becomes the new dl_type when the stack empties. */
export function flowPopMpls(f: Uint8Array, n: number, ethertype: number): void {
  for (let i = 0; i + 1 < n && i + 1 < FLOW_MAX_MPLS_LABELS; i++) put32(f, FL.MPLS_LSE + 4 * i, get32(f, FL.MPLS_LSE + 4 * (i + 1)));
  put32(f, FL.MPLS_LSE + 4 * Math.min(n - 1, FLOW_MAX_MPLS_LABELS - 1), 0);
  if (n === 1) put16(f, FL.DL_TYPE, ethertype);
}

function commitMpls(flow: Uint8Array, base: Uint8Array, out: OdpAction[]): void {
  let baseN = countMplsLabels(base);
  const flowN = countMplsLabels(flow);
  let common = commonMplsLabels(flow, flowN, base, baseN);
  while (baseN > common) {
    if (baseN - 1 === common && flowN > common) {
      const lse = get32(flow, FL.MPLS_LSE + 4 * (flowN - baseN));
      const v = new Uint8Array(4);
      put32(v, 0, lse);
      out.push({ type: 'set', key: OdpKey.MPLS, value: v });
      put32(base, FL.MPLS_LSE, lse);
      common++;
    } else {
      const dl = get16(flow, FL.DL_TYPE);
      const ethertype = !isMpls(dl) && baseN > 1 ? ETH_TYPE_MPLS : dl;
      out.push({ type: 'pop_mpls', ethertype });
      flowPopMpls(base, baseN, dl);
      baseN--;
    }
  }
  while (baseN < flowN) {
    const lse = get32(flow, FL.MPLS_LSE + 4 * (flowN - baseN - 1));
    const dl = get16(flow, FL.DL_TYPE);
    out.push({ type: 'push_mpls', lse, ethertype: dl });
    flowPushMpls(base, baseN, dl, lse);
    baseN++;
  }
}

/** Number of VLAN headers in a flow (flow_count_vlan_headers). */
export function countVlanHeaders(f: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < FLOW_MAX_VLAN_HEADERS; i++) {
    if (!(get16(f, FL.VLANS + 4 * i + 2) & VLAN_CFI)) break;
    n++;
  }
  return n;
}

function commitVlan(flow: Uint8Array, base: Uint8Array, wc: Uint8Array, out: OdpAction[]): void {
  let baseN = countVlanHeaders(base), flowN = countVlanHeaders(flow);
  /* Skip the outer headers both share (counting from the innermost). */
  while (baseN > 0 && flowN > 0) {
    const bo = FL.VLANS + 4 * (baseN - 1), fo = FL.VLANS + 4 * (flowN - 1);
    if (get32(base, bo) !== get32(flow, fo)) break;
    baseN--;
    flowN--;
  }
  for (let i = baseN - 1; i >= 0; i--) {
    out.push({ type: 'pop_vlan' });
    put32(wc, FL.VLANS + 4 * i, 0xffffffff);
  }
  for (let i = flowN - 1; i >= 0; i--) {
    out.push({ type: 'push_vlan', tpid: get16(flow, FL.VLANS + 4 * i), tci: get16(flow, FL.VLANS + 4 * i + 2) });
  }
  base.set(flow.subarray(FL.VLANS, FL.VLANS + 4 * FLOW_MAX_VLAN_HEADERS), FL.VLANS);
}

/**
 * Appends to 'out' the actions that turn 'base' into 'flow', updating 'base'
 * and un-wildcarding in 'wc' what they depend on.  Returns slow-path
 * reasons (SLOW_ACTION for sets the fast path cannot do).
 */
export function commitOdpActions(flow: Uint8Array, base: Uint8Array, wc: Uint8Array, out: OdpAction[],
                                 useMasked = true): number {
  commitSetEther(flow, base, wc, out, useMasked);
  let mplsDone = false;
  if (isMpls(get16(base, FL.DL_TYPE)) && !isMpls(get16(flow, FL.DL_TYPE))) {
    commitMpls(flow, base, out);
    mplsDone = true;
  }
  const slow1 = commitSetNw(flow, base, wc, out, useMasked);
  commitSetPort(flow, base, wc, out, useMasked);
  const slow2 = commitSetIcmp(flow, base, wc, out);
  if (!mplsDone) commitMpls(flow, base, out);
  commitVlan(flow, base, wc, out);
  commitKey(OdpKey.PRIORITY, useMasked, flow, base, wc, out);
  commitKey(OdpKey.SKB_MARK, useMasked, flow, base, wc, out);
  return slow1 || slow2;
}

export { isVlanTpid };
