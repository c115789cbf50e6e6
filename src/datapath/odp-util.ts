/* odp-util: the datapath flow key text syntax, printed and parsed (OVS lib/odp-util.c).
 *
 *   recirc_id(0),in_port(1),packet_type(ns=0,id=0),eth(src=..,dst=..),
 *   eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=6,tos=0,ttl=64,frag=no),
 *   tcp(src=80,dst=8080),tcp_flags(syn|ack)
 *
 * Keys and masks are flow.ts layouts.  formatFlowKey() prints the attributes a
 * key has, in the datapath's attribute order; with a mask (dpctl/dump-flows)
 * an attribute whose mask is all zero is left out and a field is printed as
 * "value" when exact, "value/mask" when partial and not at all when
 * wildcarded — unless 'verbose', which prints everything with its mask.
 * parseFlowKey() reads the same syntax back (attributes in any order; a field
 * without "/mask" is exact, an absent field is wildcarded).
 *
 * Each attribute is a row of ATTRS: its name, when a key has it, and its
 * fields (word, shift, width, print style).  Special cases (in_port names,
 * eth_type, VLAN + encap, flags) are handled beside the table.
 */
import { W, FLOW_WORDS, VLAN_CFI, FragType } from './flow.js';
import { EthType } from '../lib/packets/ethernet.js';
import { formatIpv6Addr, parseIpv6Addr } from '../lib/packets/ipv6.js';
import { IpProto } from '../lib/packets/ipv4.js';
import { TCP_FLAG_NAMES } from '../lib/packets/tcp.js';

/** How a field's value is printed. */
type Style = 'u' | 'x' | 'x0' | 'ip4' | 'ip6' | 'eth' | 'frag' | 'x64' | 'label';

/** One field of an attribute: 'bits' wide at 'shift' in word 'w' (for 'ip6',
 * 'eth' and 'x64' the field spans 4, 2 (hi16, lo32) or 2 words). */
interface Field { name: string; w: number; shift: number; bits: number; style: Style }

const f = (name: string, w: number, style: Style, shift = 0, bits = 32): Field => ({ name, w, shift, bits, style });

const FRAG_NAMES = ['no', 'first', 'later'];
const CT_STATE_NAMES: [number, string][] = [
  [0x01, 'new'], [0x02, 'est'], [0x04, 'rel'], [0x08, 'rpl'], [0x10, 'inv'], [0x20, 'trk'],
  [0x40, 'snat'], [0x80, 'dnat'],
];
const TUN_FLAG_NAMES: [number, string][] = [[1, 'oam'], [2, 'df'], [4, 'csum'], [8, 'key']];

/** Options for formatFlowKey. */
export interface FormatOptions {
  /** Print every attribute and field, with masks (dpctl --verbose). */
  verbose?: boolean;
  /** Port number -> name, used for in_port when exact. */
  portNames?: Map<number, string>;
}

/* ---- word helpers ------------------------------------------------------- */

function fieldMax(fl: Field): number {
  return fl.bits === 32 ? 0xffffffff : (2 ** fl.bits - 1);
}
function getField(a: Uint32Array, base: number, fl: Field): number {
  const w = a[base + fl.w]!;
  return fl.bits === 32 ? w : (w >>> fl.shift) & (2 ** fl.bits - 1);
}
function setField(a: Uint32Array, base: number, fl: Field, v: number): void {
  if (fl.bits === 32) { a[base + fl.w] = v >>> 0; return; }
  const m = ((2 ** fl.bits - 1) << fl.shift) >>> 0;
  a[base + fl.w] = ((a[base + fl.w]! & ~m) | ((v << fl.shift) & m)) >>> 0;
}
function nWords(style: Style): number {
  return style === 'ip6' ? 4 : style === 'eth' || style === 'x64' ? 2 : 1;
}
function fieldIsZero(a: Uint32Array, base: number, fl: Field): boolean {
  const n = nWords(fl.style);
  if (n === 1) return getField(a, base, fl) === 0;
  for (let i = 0; i < n; i++) if (a[base + fl.w + i] !== 0) return false;
  return true;
}
function fieldIsFull(a: Uint32Array, base: number, fl: Field): boolean {
  if (fl.style === 'eth') return a[base + fl.w] === 0xffff && a[base + fl.w + 1] === 0xffffffff;
  if (fl.style === 'label') return (a[base + fl.w]! & 0xfffff) === 0xfffff;
  const n = nWords(fl.style);
  if (n === 1) return getField(a, base, fl) === fieldMax(fl);
  for (let i = 0; i < n; i++) if (a[base + fl.w + i] !== 0xffffffff) return false;
  return true;
}

/** C's "%#x": 0 prints as "0". */
function hexC(v: number): string {
  return v === 0 ? '0' : `0x${(v >>> 0).toString(16)}`;
}
function ip4(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}.${v & 0xff}`;
}
function eth(hi: number, lo: number): string {
  const b = [hi >>> 8, hi & 0xff, lo >>> 24, (lo >>> 16) & 0xff, (lo >>> 8) & 0xff, lo & 0xff];
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}
const ip6buf = new Uint8Array(16);
function ip6(a: Uint32Array, at: number): string {
  for (let i = 0; i < 4; i++) {
    const w = a[at + i]!;
    ip6buf[4 * i] = w >>> 24; ip6buf[4 * i + 1] = w >>> 16; ip6buf[4 * i + 2] = w >>> 8; ip6buf[4 * i + 3] = w;
  }
  return formatIpv6Addr(ip6buf);
}
function x64(a: Uint32Array, at: number): string {
  const hi = a[at]!, lo = a[at + 1]!;
  return hi ? `0x${hi.toString(16)}${lo.toString(16).padStart(8, '0')}` : `0x${lo.toString(16)}`;
}

/** Text of field 'fl' of key (k) under mask (m, or exact); '' if omitted. */
function formatField(fl: Field, key: Uint32Array, k: number, mask: Uint32Array | null, m: number,
                     verbose: boolean): string {
  const empty = mask !== null && fieldIsZero(mask, m, fl);
  const full = mask === null || fieldIsFull(mask, m, fl);
  if (fl.style === 'frag') {
    if (empty) return '';
    if (!full) return `error: partial mask not supported for frag (${hexC(getField(mask!, m, fl))}),`;
    return `${fl.name}=${FRAG_NAMES[getField(key, k, fl)] ?? '<error>'},`;
  }
  if (!verbose && empty) return '';
  switch (fl.style) {
    case 'u': {
      const s = `${fl.name}=${getField(key, k, fl)}`;
      return `${s}${full ? '' : `/${hexC(getField(mask!, m, fl))}`},`;
    }
    case 'x0':
      return `${fl.name}=0x${getField(key, k, fl).toString(16)},`;
    case 'x': case 'label': {
      const s = `${fl.name}=${hexC(getField(key, k, fl))}`;
      return `${s}${full ? '' : `/${hexC(getField(mask!, m, fl))}`},`;
    }
    case 'ip4':
      return `${fl.name}=${ip4(key[k + fl.w]!)}${full ? '' : `/${ip4(mask![m + fl.w]!)}`},`;
    case 'ip6':
      return `${fl.name}=${ip6(key, k + fl.w)}${full ? '' : `/${ip6(mask!, m + fl.w)}`},`;
    case 'eth':
      return `${fl.name}=${eth(key[k + fl.w]!, key[k + fl.w + 1]!)}`
        + `${full ? '' : `/${eth(mask![m + fl.w]!, mask![m + fl.w + 1]!)}`},`;
    case 'x64':
      return `${fl.name}=${x64(key, k + fl.w)}${full ? '' : `/${x64(mask!, m + fl.w)}`},`;
    default:
      return '';
  }
}

function formatFlags(names: [number, string][], v: number): string {
  if (!v) return '0';
  const out: string[] = [];
  let bad = 0;
  for (let bit = 1; bit <= v && bit !== 0; bit = (bit << 1) >>> 0) {
    if (!(v & bit)) continue;
    const n = names.find(([b]) => b === bit);
    if (n) out.push(n[1]); else bad |= bit;
  }
  if (bad) out.push(`0x${bad.toString(16)}`);
  return out.join('|');
}

function formatFlagsMasked(names: [number, string][], v: number, mask: number, max: number): string {
  if (mask === max) return formatFlags(names, v);
  if (!mask) return '0/0';
  let s = '';
  for (let bit = 1; bit <= mask && bit !== 0; bit = (bit << 1) >>> 0) {
    if (!(mask & bit)) continue;
    const n = names.find(([b]) => b === bit);
    s += `${v & bit ? '+' : '-'}${n ? n[1] : '[Unknown]'}`;
  }
  return s;
}

/* ---- the attribute table ------------------------------------------------ */

/** Kinds of attribute printing. */
type Kind = 'scalar' | 'fields' | 'in_port' | 'eth_type' | 'ct_state' | 'ct_label' | 'tcp_flags' | 'tunnel';

interface Attr {
  name: string;
  kind: Kind;
  fields: Field[];
  /** True if a key has this attribute; 'l3' is the EtherType inside the VLAN tags. */
  has(key: Uint32Array, k: number, l3: number): boolean;
  /** For 'scalar': print even when the mask is empty (unmasked keys always print). */
  hexScalar?: boolean;
}

function proto(key: Uint32Array, k: number): number { return key[k + W.NW_INFO]! >>> 24; }
function frag(key: Uint32Array, k: number): number { return key[k + W.NW_INFO]! & 0xff; }
const isIp = (l3: number) => l3 === EthType.IP || l3 === EthType.IPV6;
const l4ok = (key: Uint32Array, k: number) => frag(key, k) !== FragType.LATER;
const tunPresent = (key: Uint32Array, k: number) => key[k + W.TUN_DST] !== 0
  || key[k + W.TUN_IPV6_DST] !== 0 || key[k + W.TUN_IPV6_DST + 1] !== 0
  || key[k + W.TUN_IPV6_DST + 2] !== 0 || key[k + W.TUN_IPV6_DST + 3] !== 0;

const TUN_FIELDS: Field[] = [
  f('tun_id', W.TUN_ID, 'x64'), f('src', W.TUN_SRC, 'ip4'), f('dst', W.TUN_DST, 'ip4'),
  f('ipv6_src', W.TUN_IPV6_SRC, 'ip6'), f('ipv6_dst', W.TUN_IPV6_DST, 'ip6'),
  f('tos', W.TUN_TOS_TTL_FLAGS, 'x', 24, 8), f('ttl', W.TUN_TOS_TTL_FLAGS, 'u', 16, 8),
  f('tp_src', W.TUN_TP, 'u', 16, 16), f('tp_dst', W.TUN_TP, 'u', 0, 16),
];
const TUN_FLAGS_FIELD = f('flags', W.TUN_TOS_TTL_FLAGS, 'x', 0, 16);

/** Attributes before the Ethernet part, in the datapath's order. */
const META_ATTRS: Attr[] = [
  { name: 'skb_priority', kind: 'scalar', fields: [f('', W.SKB_PRIORITY, 'x')], has: () => true },
  { name: 'tunnel', kind: 'tunnel', fields: TUN_FIELDS, has: tunPresent },
  { name: 'skb_mark', kind: 'scalar', fields: [f('', W.SKB_MARK, 'x')], has: () => true },
  { name: 'ct_state', kind: 'ct_state', fields: [f('', W.CT_STATE, 'x')], has: () => true },
  { name: 'ct_zone', kind: 'scalar', fields: [f('', W.CT_ZONE, 'x', 0, 16)], has: () => true, hexScalar: true },
  { name: 'ct_mark', kind: 'scalar', fields: [f('', W.CT_MARK, 'x')], has: () => true, hexScalar: true },
  { name: 'ct_label', kind: 'ct_label', fields: [f('', W.CT_LABEL, 'ip6')], has: () => true },
  { name: 'recirc_id', kind: 'scalar', fields: [f('', W.RECIRC_ID, 'x')], has: () => true },
  { name: 'dp_hash', kind: 'scalar', fields: [f('', W.DP_HASH, 'x')], has: () => true },
  { name: 'in_port', kind: 'in_port', fields: [f('', W.IN_PORT, 'u')], has: () => true },
  { name: 'packet_type', kind: 'fields', has: () => true,
    fields: [f('ns', W.PACKET_TYPE, 'u', 16, 16), f('id', W.PACKET_TYPE, 'x', 0, 16)] },
  { name: 'eth', kind: 'fields', has: (key, k) => key[k + W.PACKET_TYPE] === 0,
    fields: [f('src', W.ETH_SRC_HI, 'eth'), f('dst', W.ETH_DST_HI, 'eth')] },
];

/** Attributes after eth_type, in order. */
const L3_ATTRS: Attr[] = [
  { name: 'ipv4', kind: 'fields', has: (_k, _i, l3) => l3 === EthType.IP, fields: [
    f('src', W.NW_SRC, 'ip4'), f('dst', W.NW_DST, 'ip4'), f('proto', W.NW_INFO, 'u', 24, 8),
    f('tos', W.NW_INFO, 'x', 16, 8), f('ttl', W.NW_INFO, 'u', 8, 8), f('frag', W.NW_INFO, 'frag', 0, 8)] },
  { name: 'ipv6', kind: 'fields', has: (_k, _i, l3) => l3 === EthType.IPV6, fields: [
    f('src', W.IPV6_SRC, 'ip6'), f('dst', W.IPV6_DST, 'ip6'), f('label', W.IPV6_LABEL, 'label', 0, 20),
    f('proto', W.NW_INFO, 'u', 24, 8), f('tclass', W.NW_INFO, 'x', 16, 8), f('hlimit', W.NW_INFO, 'u', 8, 8),
    f('frag', W.NW_INFO, 'frag', 0, 8)] },
  { name: 'arp', kind: 'fields', has: (_k, _i, l3) => l3 === EthType.ARP || l3 === EthType.RARP, fields: [
    f('sip', W.NW_SRC, 'ip4'), f('tip', W.NW_DST, 'ip4'), f('op', W.NW_INFO, 'u', 24, 8),
    f('sha', W.ARP_SHA_HI, 'eth'), f('tha', W.ARP_THA_HI, 'eth')] },
  { name: 'tcp', kind: 'fields', has: (key, k, l3) => isIp(l3) && proto(key, k) === IpProto.TCP && l4ok(key, k),
    fields: [f('src', W.TP, 'u', 16, 16), f('dst', W.TP, 'u', 0, 16)] },
  { name: 'tcp_flags', kind: 'tcp_flags', fields: [f('', W.TCP_FLAGS, 'x', 0, 12)],
    has: (key, k, l3) => isIp(l3) && proto(key, k) === IpProto.TCP && l4ok(key, k) },
  { name: 'udp', kind: 'fields', has: (key, k, l3) => isIp(l3) && proto(key, k) === IpProto.UDP && l4ok(key, k),
    fields: [f('src', W.TP, 'u', 16, 16), f('dst', W.TP, 'u', 0, 16)] },
  { name: 'sctp', kind: 'fields', has: (key, k, l3) => isIp(l3) && proto(key, k) === IpProto.SCTP && l4ok(key, k),
    fields: [f('src', W.TP, 'u', 16, 16), f('dst', W.TP, 'u', 0, 16)] },
  { name: 'icmp', kind: 'fields', has: (key, k, l3) => l3 === EthType.IP && proto(key, k) === IpProto.ICMP && l4ok(key, k),
    fields: [f('type', W.TP, 'u', 16, 8), f('code', W.TP, 'u', 0, 8)] },
  { name: 'icmpv6', kind: 'fields', has: (key, k, l3) => l3 === EthType.IPV6 && proto(key, k) === IpProto.ICMPV6 && l4ok(key, k),
    fields: [f('type', W.TP, 'u', 16, 8), f('code', W.TP, 'u', 0, 8)] },
  { name: 'nd', kind: 'fields', has: (key, k, l3) => l3 === EthType.IPV6 && proto(key, k) === IpProto.ICMPV6
      && l4ok(key, k) && (key[k + W.TP]! >>> 16 === 135 || key[k + W.TP]! >>> 16 === 136) && (key[k + W.TP]! & 0xff) === 0,
    fields: [f('target', W.ND_TARGET, 'ip6'), f('sll', W.ARP_SHA_HI, 'eth'), f('tll', W.ARP_THA_HI, 'eth')] },
  { name: 'nd_ext', kind: 'fields', has: (key, k, l3) => l3 === EthType.IPV6 && proto(key, k) === IpProto.ICMPV6
      && (key[k + W.ND_RESERVED] !== 0 || key[k + W.ND_OPTIONS_TYPE] !== 0),
    fields: [f('nd_reserved', W.ND_RESERVED, 'x0'), f('nd_options_type', W.ND_OPTIONS_TYPE, 'u', 0, 8)] },
];

const ETH_TYPE_FIELD = f('', W.DL_TYPE, 'x', 0, 16);
const ALL_ATTRS = [...META_ATTRS, ...L3_ATTRS];

/* ---- printing ------------------------------------------------------------ */

function attrMaskIsZero(a: Attr, mask: Uint32Array, m: number): boolean {
  if (a.kind === 'tunnel') return [...TUN_FIELDS, TUN_FLAGS_FIELD].every((fl) => fieldIsZero(mask, m, fl));
  return a.fields.every((fl) => fieldIsZero(mask, m, fl));
}
function attrMaskIsExact(a: Attr, mask: Uint32Array, m: number): boolean {
  return a.fields.every((fl) => fieldIsFull(mask, m, fl));
}

function formatAttrBody(a: Attr, key: Uint32Array, k: number, mask: Uint32Array | null, m: number,
                        opts: FormatOptions): string {
  const verbose = !!opts.verbose;
  const exact = mask === null || attrMaskIsExact(a, mask, m);
  const fl0 = a.fields[0]!;
  switch (a.kind) {
    case 'scalar': {
      const v = getField(key, k, fl0);
      if (a.hexScalar && !verbose && mask && fieldIsZero(mask, m, fl0)) return '';
      return hexC(v) + (exact ? '' : `/${hexC(getField(mask!, m, fl0))}`);
    }
    case 'in_port': {
      const v = key[k + W.IN_PORT]!;
      if (exact) return opts.portNames?.get(v) ?? String(v);
      return `${v}/${hexC(mask![m + W.IN_PORT]!)}`;
    }
    case 'ct_state': {
      const v = key[k + W.CT_STATE]! & 0xff, mv = mask ? mask[m + W.CT_STATE]! : 0xffffffff;
      if (verbose) return hexC(v) + (exact ? '' : `/${hexC(mv)}`);
      if (!exact) return formatFlagsMasked(CT_STATE_NAMES, v, mv, 0xffffffff);
      return formatFlags(CT_STATE_NAMES, v);
    }
    case 'ct_label': {
      if (!verbose && mask && fieldIsZero(mask, m, fl0)) return '';
      const hex = (a: Uint32Array, at: number) => {
        let s = '';
        for (let i = 0; i < 4; i++) s += a[at + i]!.toString(16).padStart(8, '0');
        s = s.replace(/^0+/, '');
        return s === '' ? '0' : `0x${s}`;
      };
      return hex(key, k + W.CT_LABEL) + (exact ? '' : `/${hex(mask!, m + W.CT_LABEL)}`);
    }
    case 'tcp_flags': {
      const v = key[k + W.TCP_FLAGS]! & 0xfff;
      if (!exact) return formatFlagsMasked(TCP_FLAG_NAMES as [number, string][], v, mask![m + W.TCP_FLAGS]! & 0xfff, 0xfff);
      return formatFlags(TCP_FLAG_NAMES as [number, string][], v);
    }
    case 'tunnel': {
      let s = '';
      const fl = key[k + W.TUN_TOS_TTL_FLAGS]! & 0xffff;
      for (const field of TUN_FIELDS) {
        // A tunnel attribute lists only the fields the tunnel has.
        const present = field.name === 'tun_id' ? (fl & 8) !== 0
          : field.name === 'ttl' ? true : !fieldIsZero(key, k, field);
        if (present) s += formatField(field, key, k, mask, m, verbose);
      }
      const mflags = mask ? mask[m + W.TUN_TOS_TTL_FLAGS]! & 0xffff : 0xf;
      if (verbose || mflags) {
        s += `flags(${mask ? formatFlagsMasked(TUN_FLAG_NAMES, fl, mflags & 0xf, 0xf) : formatFlags(TUN_FLAG_NAMES, fl)}),`;
      }
      return s.replace(/,$/, '');
    }
    default: {
      let s = '';
      for (const field of a.fields) s += formatField(field, key, k, mask, m, verbose);
      return s.replace(/,$/, '');
    }
  }
}

function formatVlanTci(tci: number, mask: number, verbose: boolean): string {
  let s = '';
  const vid = tci & 0xfff, mvid = mask & 0xfff, pcp = tci >>> 13, mpcp = (mask >>> 13) & 7;
  if (verbose || vid || mvid) s += `vid=${vid}${mvid !== 0xfff ? `/0x${mvid.toString(16)}` : ''},`;
  if (verbose || pcp || mpcp) s += `pcp=${pcp}${mpcp !== 7 ? `/0x${mpcp.toString(16)}` : ''},`;
  if (!(tci & VLAN_CFI)) s += 'cfi=0,';
  return s.replace(/,$/, '');
}

/** Prints key[k..] (with mask[m..] if given) in the datapath flow syntax. */
export function formatFlowKey(key: Uint32Array, k = 0, mask: Uint32Array | null = null, m = 0,
                              opts: FormatOptions = {}): string {
  const verbose = !!opts.verbose;
  const out: string[] = [];
  let hasPacketType = false;
  for (const a of META_ATTRS) {
    if (!a.has(key, k, 0)) continue;
    const wildcard = mask !== null && attrMaskIsZero(a, mask, m);
    if (a.name === 'packet_type') hasPacketType = !wildcard;
    if (verbose || !wildcard || a.kind === 'tunnel') {
      out.push(`${a.name}(${formatAttrBody(a, key, k, mask, m, opts)})`);
    } else if (a.name === 'eth' && !hasPacketType) {
      out.push('eth()');
    }
  }
  // VLAN tags (Ethernet packets only) nest the rest inside encap(...).
  let closing = '';
  let rest = '';
  const mm = mask;
  for (let n = 0; n < 2 && key[k + W.PACKET_TYPE] === 0; n++) {
    const vw = key[k + W.VLAN0 + n]!;
    if (!(vw & VLAN_CFI) && !(mm && (mm[m + W.VLAN0 + n]! >>> 16))) break;
    const tpid = vw >>> 16, mtpid = mm ? mm[m + W.VLAN0 + n]! >>> 16 : 0xffff;
    rest += `eth_type(0x${tpid.toString(16).padStart(4, '0')}${mtpid !== 0xffff ? `/0x${mtpid.toString(16).padStart(4, '0')}` : ''}),`;
    rest += `vlan(${formatVlanTci(vw & 0xffff, mm ? mm[m + W.VLAN0 + n]! & 0xffff : 0xffff, verbose)}),encap(`;
    closing += ')';
  }
  const inner: string[] = [];
  const l3 = key[k + W.DL_TYPE]!;
  if (l3 !== 0 || (mask && mask[m + W.DL_TYPE])) {
    const ma = mask ? mask[m + W.DL_TYPE]! & 0xffff : 0xffff;
    if (verbose || !mask || ma) {
      inner.push(`eth_type(0x${l3.toString(16).padStart(4, '0')}${ma !== 0xffff ? `/0x${ma.toString(16).padStart(4, '0')}` : ''})`);
    }
    for (const a of L3_ATTRS) {
      if (!a.has(key, k, l3)) continue;
      // tcp_flags is in a key only when set, or when the mask matches on it.
      if (a.kind === 'tcp_flags' && !key[k + W.TCP_FLAGS] && !(mask && mask[m + W.TCP_FLAGS])) continue;
      const wildcard = mask !== null && attrMaskIsZero(a, mask, m);
      if (verbose || !wildcard) inner.push(`${a.name}(${formatAttrBody(a, key, k, mask, m, opts)})`);
    }
  }
  const tail = rest + inner.join(',') + closing;
  if (tail) out.push(tail);
  return out.join(',');
}

/* ---- parsing ------------------------------------------------------------- */

/** Splits 's' at top-level commas. */
function splitTop(s: string): string[] {
  const parts: string[] = [];
  let depth = 0, start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) { parts.push(s.slice(start, i)); start = i + 1; }
  }
  const last = s.slice(start);
  if (last.trim() !== '' || parts.length) parts.push(last);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

function parseNum(s: string, max: number): number | null {
  if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(s)) return null;
  const v = Number(s);
  return v > max ? null : v;
}

function parseIp4(s: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  const b = m.slice(1).map(Number);
  if (b.some((x) => x > 255)) return null;
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
}

function parseEthWords(s: string): [number, number] | null {
  const parts = s.split(':');
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p))) return null;
  const b = parts.map((p) => parseInt(p, 16));
  return [(b[0]! << 8) | b[1]!, ((b[2]! << 24) | (b[3]! << 16) | (b[4]! << 8) | b[5]!) >>> 0];
}

/** Parses one field value (and mask, or full) into key/mask words; error text or null. */
function parseField(fl: Field, text: string, key: Uint32Array, k: number, mask: Uint32Array, m: number): string | null {
  const slash = text.indexOf('/');
  const vs = slash < 0 ? text : text.slice(0, slash);
  const ms = slash < 0 ? null : text.slice(slash + 1);
  const bad = () => `${fl.name || 'value'}: bad value "${text}"`;
  switch (fl.style) {
    case 'u': case 'x': case 'x0': case 'label': {
      const max = fl.style === 'label' ? 0xfffff : fieldMax(fl);
      const v = parseNum(vs, max);
      const mv = ms === null ? max : parseNum(ms, max);
      if (v === null || mv === null) return bad();
      setField(key, k, fl, v); setField(mask, m, fl, mv);
      return null;
    }
    case 'frag': {
      const v = FRAG_NAMES.indexOf(vs);
      if (v < 0 || (ms !== null && ms !== '0xff' && ms !== '255')) return bad();
      setField(key, k, fl, v); setField(mask, m, fl, 0xff);
      return null;
    }
    case 'ip4': {
      const v = parseIp4(vs);
      const mv = ms === null ? 0xffffffff : parseIp4(ms);
      if (v === null || mv === null) return bad();
      key[k + fl.w] = v; mask[m + fl.w] = mv;
      return null;
    }
    case 'ip6': {
      const v = parseIpv6Addr(vs);
      const mv = ms === null ? null : parseIpv6Addr(ms);
      if (!v || (ms !== null && !mv)) return bad();
      for (let i = 0; i < 4; i++) {
        key[k + fl.w + i] = ((v[4 * i]! << 24) | (v[4 * i + 1]! << 16) | (v[4 * i + 2]! << 8) | v[4 * i + 3]!) >>> 0;
        mask[m + fl.w + i] = mv
          ? ((mv[4 * i]! << 24) | (mv[4 * i + 1]! << 16) | (mv[4 * i + 2]! << 8) | mv[4 * i + 3]!) >>> 0 : 0xffffffff;
      }
      return null;
    }
    case 'eth': {
      const v = parseEthWords(vs);
      const mv = ms === null ? [0xffff, 0xffffffff] : parseEthWords(ms);
      if (!v || !mv) return bad();
      key[k + fl.w] = v[0]; key[k + fl.w + 1] = v[1];
      mask[m + fl.w] = mv[0]!; mask[m + fl.w + 1] = mv[1]!;
      return null;
    }
    case 'x64': {
      const pv = (s: string) => (/^(0x[0-9a-fA-F]{1,16}|\d+)$/.test(s) ? BigInt(s) : null);
      const v = pv(vs), mv = ms === null ? 0xffffffffffffffffn : pv(ms);
      if (v === null || mv === null || v > 0xffffffffffffffffn || mv > 0xffffffffffffffffn) return bad();
      key[k + fl.w] = Number(v >> 32n); key[k + fl.w + 1] = Number(v & 0xffffffffn);
      mask[m + fl.w] = Number(mv >> 32n); mask[m + fl.w + 1] = Number(mv & 0xffffffffn);
      return null;
    }
  }
}

function parseFlagsText(names: [number, string][], text: string, max: number): [number, number] | string {
  const named = (n: string) => names.find(([, s]) => s === n)?.[0];
  if (text === '0/0') return [0, 0];
  if (text === '') return [0, max]; // "flags()": none set
  if (/^[+-]/.test(text)) {
    let v = 0, mk = 0;
    const re = /([+-])([a-z0-9[\]]+)/g;
    let mt: RegExpExecArray | null;
    let consumed = 0;
    while ((mt = re.exec(text)) !== null) {
      const bit = named(mt[2]!);
      if (bit === undefined) return `unknown flag "${mt[2]}"`;
      mk |= bit;
      if (mt[1] === '+') v |= bit;
      consumed += mt[0].length;
    }
    if (consumed !== text.length) return `bad flags "${text}"`;
    return [v, mk];
  }
  const slash = text.indexOf('/');
  const vs = slash < 0 ? text : text.slice(0, slash);
  let v = 0;
  if (vs !== '0') {
    for (const n of vs.split('|')) {
      const bit = named(n) ?? (/^0x[0-9a-f]+$/i.test(n) ? Number(n) : undefined);
      if (bit === undefined) return `unknown flag "${n}"`;
      v |= bit;
    }
  }
  let mk = max;
  if (slash >= 0) {
    const mv = parseNum(text.slice(slash + 1), max);
    if (mv === null) return `bad mask in "${text}"`;
    mk = mv;
  }
  return [v, mk];
}

/** Options for parseFlowKey. */
export interface ParseOptions {
  /** Port name -> number, for in_port(NAME). */
  portNumbers?: Map<string, number>;
}

/** Parses datapath flow text into key[k..] and mask[m..] (both zeroed
 * first).  Returns null on success or a one-line error message. */
export function parseFlowKey(text: string, key: Uint32Array, mask: Uint32Array, k = 0, m = 0,
                             opts: ParseOptions = {}): string | null {
  key.fill(0, k, k + FLOW_WORDS);
  mask.fill(0, m, m + FLOW_WORDS);
  const seen = { l2: false };
  const e = parseAttrs(text, key, mask, k, m, opts, 0, seen);
  if (e) return e;
  // Without eth() or packet_type() the key describes a packet that starts at
  // its L3 header: packet type (1, EtherType), as OVS's parser makes it.
  if (!seen.l2 && key[k + W.DL_TYPE]) {
    key[k + W.PACKET_TYPE] = ((1 << 16) | key[k + W.DL_TYPE]!) >>> 0;
  }
  return null;
}

function parseAttrs(text: string, key: Uint32Array, mask: Uint32Array, k: number, m: number,
                    opts: ParseOptions, depth: number, seen: { l2: boolean }): string | null {
  let lastEthType = -1;
  for (const item of splitTop(text)) {
    const mt = /^([a-z0-9_]+)\((.*)\)$/s.exec(item);
    if (!mt) return `syntax error at "${item}"`;
    const name = mt[1]!, body = mt[2]!;
    if (name === 'eth_type') {
      const slash = body.indexOf('/');
      const v = parseNum(slash < 0 ? body : body.slice(0, slash), 0xffff);
      const mv = slash < 0 ? 0xffff : parseNum(body.slice(slash + 1), 0xffff);
      if (v === null || mv === null) return `eth_type: bad value "${body}"`;
      setField(key, k, ETH_TYPE_FIELD, v); setField(mask, m, ETH_TYPE_FIELD, mv);
      lastEthType = v;
      continue;
    }
    if (name === 'vlan') {
      if (depth >= 2) return 'too many VLAN headers';
      const w = W.VLAN0 + depth;
      const tpid = lastEthType >= 0 ? lastEthType : EthType.VLAN_8021Q;
      let tci = VLAN_CFI, tmask = VLAN_CFI;
      for (const kv of splitTop(body)) {
        const [fname, fval = ''] = kv.split('=', 2) as [string, string?];
        const slash = fval.indexOf('/');
        const v = parseNum(slash < 0 ? fval : fval.slice(0, slash), 0xfff);
        if (v === null) return `vlan: bad value "${kv}"`;
        if (fname === 'vid') {
          const mv = slash < 0 ? 0xfff : parseNum(fval.slice(slash + 1), 0xfff);
          if (mv === null) return `vlan: bad mask "${kv}"`;
          tci |= v & 0xfff; tmask |= mv;
        } else if (fname === 'pcp') {
          const mv = slash < 0 ? 7 : parseNum(fval.slice(slash + 1), 7);
          if (v > 7 || mv === null) return `vlan: bad value "${kv}"`;
          tci |= v << 13; tmask |= mv << 13;
        } else if (fname === 'cfi') {
          if (v === 0) tci &= ~VLAN_CFI; else if (v !== 1) return `vlan: bad value "${kv}"`;
        } else {
          return `vlan: unknown field "${fname}"`;
        }
      }
      key[k + w] = ((tpid << 16) | tci) >>> 0;
      mask[m + w] = ((0xffff << 16) | tmask) >>> 0;
      key[k + W.DL_TYPE] = 0; mask[m + W.DL_TYPE] = 0;
      continue;
    }
    if (name === 'encap') {
      const e = parseAttrs(body, key, mask, k, m, opts, depth + 1, seen);
      if (e) return e;
      continue;
    }
    if (name === 'eth' || name === 'packet_type') seen.l2 = true;
    if (name === 'eth' && body === '') continue;
    const a = ALL_ATTRS.find((x) => x.name === name);
    if (!a) return `unknown attribute "${name}"`;
    const e = parseAttr(a, body, key, mask, k, m, opts);
    if (e) return `${name}: ${e}`;
  }
  return null;
}

function parseAttr(a: Attr, body: string, key: Uint32Array, mask: Uint32Array, k: number, m: number,
                   opts: ParseOptions): string | null {
  const fl0 = a.fields[0]!;
  switch (a.kind) {
    case 'scalar':
      return parseField(fl0, body, key, k, mask, m);
    case 'in_port': {
      const n = opts.portNumbers?.get(body);
      if (n !== undefined) { key[k + W.IN_PORT] = n; mask[m + W.IN_PORT] = 0xffffffff; return null; }
      return parseField(fl0, body, key, k, mask, m);
    }
    case 'ct_label': {
      const slash = body.indexOf('/');
      const pv = (s: string) => (/^(0x[0-9a-fA-F]{1,32}|\d+)$/.test(s) ? BigInt(s) : null);
      const v = pv(slash < 0 ? body : body.slice(0, slash));
      const mv = slash < 0 ? (1n << 128n) - 1n : pv(body.slice(slash + 1));
      if (v === null || mv === null) return `bad value "${body}"`;
      for (let i = 0; i < 4; i++) {
        const sh = BigInt(96 - 32 * i);
        key[k + W.CT_LABEL + i] = Number((v >> sh) & 0xffffffffn);
        mask[m + W.CT_LABEL + i] = Number((mv >> sh) & 0xffffffffn);
      }
      return null;
    }
    case 'ct_state': case 'tcp_flags': {
      const names = a.kind === 'ct_state' ? CT_STATE_NAMES : TCP_FLAG_NAMES as [number, string][];
      const max = a.kind === 'ct_state' ? 0xffffffff : 0xfff;
      const r = parseFlagsText(names, body, max);
      if (typeof r === 'string') return r;
      key[k + fl0.w] = r[0] >>> 0; mask[m + fl0.w] = r[1] >>> 0;
      return null;
    }
    case 'tunnel': {
      for (const kv of splitTop(body)) {
        const fm = /^flags\((.*)\)$/.exec(kv);
        if (fm) {
          const r = parseFlagsText(TUN_FLAG_NAMES, fm[1]!, 0xf);
          if (typeof r === 'string') return r;
          setField(key, k, TUN_FLAGS_FIELD, (getField(key, k, TUN_FLAGS_FIELD) & ~0xf) | r[0]);
          setField(mask, m, TUN_FLAGS_FIELD, r[1]);
          continue;
        }
        const eq = kv.indexOf('=');
        const field = TUN_FIELDS.find((x) => x.name === kv.slice(0, eq));
        if (eq < 0 || !field) return `unknown field "${kv}"`;
        const e = parseField(field, kv.slice(eq + 1), key, k, mask, m);
        if (e) return e;
        if (field.name === 'tun_id') key[k + W.TUN_TOS_TTL_FLAGS] = key[k + W.TUN_TOS_TTL_FLAGS]! | 8;
      }
      return null;
    }
    default: {
      for (const kv of splitTop(body)) {
        const eq = kv.indexOf('=');
        const field = a.fields.find((x) => x.name === kv.slice(0, eq));
        if (eq < 0 || !field) return `unknown field "${kv}"`;
        const e = parseField(field, kv.slice(eq + 1), key, k, mask, m);
        if (e) return e;
      }
      return null;
    }
  }
}

/** Sets mask[m..] to match every bit of every field a key has (an exact-match
 * mask, as an EMC entry or an unwildcarded megaflow would use). */
export function exactMask(mask: Uint32Array, m = 0): void {
  mask.fill(0xffffffff, m, m + FLOW_WORDS);
}
