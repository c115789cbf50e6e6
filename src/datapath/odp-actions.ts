/* odp-actions: datapath actions, the compact list the datapath executes.
 *
 * ofproto-dpif-xlate.ts translates OpenFlow actions into a list of these;
 * dpif-netdev executes them on packets (and caches them in megaflows).  They
 * are the in-memory form of OVS's OVS_ACTION_ATTR_* netlink actions, and
 * formatOdpActions() prints them exactly as OVS's format_odp_actions() does
 * ("set(ipv4(src=10.0.0.9)),2,push_vlan(vid=17,pcp=0),3").
 *
 * Header rewrites ("set" and "set_masked") name a key attribute (OdpKey) and
 * carry its value (and mask) in the kernel's ovs_key_* byte layout, big-endian
 * like the packet.  ODP_KEY_LAYOUTS describes each layout field by field,
 * together with the flow member (openflow/flow.ts FL.*) the field mirrors, so
 * one table drives formatting, committing flow changes (xlate) and applying
 * them to packets (datapath).
 *
 * Layering: lib -> openflow -> datapath (this file) -> ofproto.
 */
import { FL } from '../openflow/flow.js';
import { formatTnlPushHeader } from './netdev-native-tnl.js';

/* ---- Key attributes for set actions. ---- */

/** Key attributes a set action may rewrite (OVS_KEY_ATTR_*). */
export const enum OdpKey {
  PRIORITY = 'skb_priority',
  SKB_MARK = 'skb_mark',
  ETHERNET = 'eth',
  MPLS = 'mpls',
  IPV4 = 'ipv4',
  IPV6 = 'ipv6',
  TCP = 'tcp',
  UDP = 'udp',
  SCTP = 'sctp',
  ICMP = 'icmp',
  ICMPV6 = 'icmpv6',
  ARP = 'arp',
  ND = 'nd',
  CT_MARK = 'ct_mark',
  CT_LABELS = 'ct_label',
}

/** How a layout field is printed. */
export const enum OdpFmt { DEC, HEX, ETH, IPV4, IPV6, FRAG, LABEL, MPLS_LSE }

/** One field of a key layout. */
export interface OdpKeyField {
  name: string;
  /** Offset and size in the key's byte layout. */
  off: number;
  size: number;
  /** Flow member offset and size it mirrors (sizes may differ, e.g. arp op). */
  flowOff: number;
  flowSize: number;
  fmt: OdpFmt;
  /** False for fields a set action may not change (ipv4 proto, frag). */
  writable: boolean;
}

function f(name: string, off: number, size: number, flowOff: number, fmt: OdpFmt,
           writable = true, flowSize = size): OdpKeyField {
  return { name, off, size, flowOff, flowSize, fmt, writable };
}

/** The byte layout of each key attribute (struct ovs_key_*). */
export const ODP_KEY_LAYOUTS: Readonly<Record<OdpKey, { size: number; fields: readonly OdpKeyField[] }>> = {
  [OdpKey.PRIORITY]: { size: 4, fields: [f('', 0, 4, FL.SKB_PRIORITY, OdpFmt.HEX)] },
  [OdpKey.SKB_MARK]: { size: 4, fields: [f('', 0, 4, FL.PKT_MARK, OdpFmt.HEX)] },
  [OdpKey.ETHERNET]: {
    size: 12, fields: [f('src', 0, 6, FL.DL_SRC, OdpFmt.ETH), f('dst', 6, 6, FL.DL_DST, OdpFmt.ETH)],
  },
  [OdpKey.MPLS]: { size: 4, fields: [f('lse', 0, 4, FL.MPLS_LSE, OdpFmt.MPLS_LSE)] },
  [OdpKey.IPV4]: {
    size: 12, fields: [
      f('src', 0, 4, FL.NW_SRC, OdpFmt.IPV4), f('dst', 4, 4, FL.NW_DST, OdpFmt.IPV4),
      f('proto', 8, 1, FL.NW_PROTO, OdpFmt.DEC, false), f('tos', 9, 1, FL.NW_TOS, OdpFmt.HEX),
      f('ttl', 10, 1, FL.NW_TTL, OdpFmt.DEC), f('frag', 11, 1, FL.NW_FRAG, OdpFmt.FRAG, false),
    ],
  },
  [OdpKey.IPV6]: {
    size: 40, fields: [
      f('src', 0, 16, FL.IPV6_SRC, OdpFmt.IPV6), f('dst', 16, 16, FL.IPV6_DST, OdpFmt.IPV6),
      f('label', 32, 4, FL.IPV6_LABEL, OdpFmt.LABEL), f('proto', 36, 1, FL.NW_PROTO, OdpFmt.DEC, false),
      f('tclass', 37, 1, FL.NW_TOS, OdpFmt.HEX), f('hlimit', 38, 1, FL.NW_TTL, OdpFmt.DEC),
      f('frag', 39, 1, FL.NW_FRAG, OdpFmt.FRAG, false),
    ],
  },
  [OdpKey.TCP]: { size: 4, fields: [f('src', 0, 2, FL.TP_SRC, OdpFmt.DEC), f('dst', 2, 2, FL.TP_DST, OdpFmt.DEC)] },
  [OdpKey.UDP]: { size: 4, fields: [f('src', 0, 2, FL.TP_SRC, OdpFmt.DEC), f('dst', 2, 2, FL.TP_DST, OdpFmt.DEC)] },
  [OdpKey.SCTP]: { size: 4, fields: [f('src', 0, 2, FL.TP_SRC, OdpFmt.DEC), f('dst', 2, 2, FL.TP_DST, OdpFmt.DEC)] },
  [OdpKey.ICMP]: {
    size: 2, fields: [f('type', 0, 1, FL.TP_SRC + 1, OdpFmt.DEC), f('code', 1, 1, FL.TP_DST + 1, OdpFmt.DEC)],
  },
  [OdpKey.ICMPV6]: {
    size: 2, fields: [f('type', 0, 1, FL.TP_SRC + 1, OdpFmt.DEC), f('code', 1, 1, FL.TP_DST + 1, OdpFmt.DEC)],
  },
  [OdpKey.ARP]: {
    size: 22, fields: [
      f('sip', 0, 4, FL.NW_SRC, OdpFmt.IPV4), f('tip', 4, 4, FL.NW_DST, OdpFmt.IPV4),
      f('op', 8, 2, FL.NW_PROTO, OdpFmt.DEC, true, 1), f('sha', 10, 6, FL.ARP_SHA, OdpFmt.ETH),
      f('tha', 16, 6, FL.ARP_THA, OdpFmt.ETH),
    ],
  },
  [OdpKey.ND]: {
    size: 28, fields: [
      f('target', 0, 16, FL.ND_TARGET, OdpFmt.IPV6), f('sll', 16, 6, FL.ARP_SHA, OdpFmt.ETH),
      f('tll', 22, 6, FL.ARP_THA, OdpFmt.ETH),
    ],
  },
  [OdpKey.CT_MARK]: { size: 4, fields: [f('', 0, 4, FL.CT_MARK, OdpFmt.HEX)] },
  [OdpKey.CT_LABELS]: { size: 16, fields: [f('', 0, 16, FL.CT_LABEL, OdpFmt.HEX)] },
};

/* ---- Userspace action cookies. ---- */

/** What a userspace action asks the slow path to do (struct user_action_cookie). */
export type UserCookie =
  | { type: 'slow_path'; reason: number }
  | { type: 'flow_sample'; probability: number; collectorSetId: number; obsDomainId: number;
      obsPointId: number; outputPort: number; direction: number }
  | { type: 'ipfix'; outputPort: number }
  | { type: 'sflow'; vlanTci: number; output: number }
  | { type: 'controller'; reason: number; dontSend: boolean; continuation: boolean; recircId: number;
      ruleCookie: bigint; controllerId: number; maxLen: number };

/** Slow-path reasons (enum slow_path_reason), bit positions. */
export const SLOW_CFM = 1, SLOW_BFD = 2, SLOW_LACP = 4, SLOW_STP = 8, SLOW_LLDP = 16, SLOW_ACTION = 32,
  SLOW_MATCH = 64;
const SLOW_NAMES: [number, string][] = [
  [SLOW_CFM, 'cfm'], [SLOW_BFD, 'bfd'], [SLOW_LACP, 'lacp'], [SLOW_STP, 'stp'], [SLOW_LLDP, 'lldp'],
  [SLOW_ACTION, 'action'], [SLOW_MATCH, 'match'],
];

/** Direction of a sampled flow (NX_ACTION_SAMPLE_*). */
export const SAMPLE_DEFAULT = 0, SAMPLE_INGRESS = 1, SAMPLE_EGRESS = 2;

/* ---- Connection tracking. ---- */

/** The ct() datapath action. */
export interface OdpCt {
  commit: boolean;
  force: boolean;
  zone: number;
  /** [value, mask] or null. */
  mark: [number, number] | null;
  /** 16-byte value and mask, or null. */
  labels: { value: Uint8Array; mask: Uint8Array } | null;
  helper: string | null;
  timeout: string | null;
  /** NAT as ovs-dpctl prints it inside ct(), e.g. "nat(src=10.0.0.1)", or null. */
  nat: string | null;
}

/* ---- Actions. ---- */

/** Hash algorithms of the hash() action. */
export const HASH_ALG_L4 = 0, HASH_ALG_SYM_L4 = 1;

/** One datapath action (OVS_ACTION_ATTR_*). */
export type OdpAction =
  | { type: 'output'; port: number }
  | { type: 'userspace'; pid: number; cookie: UserCookie | null; userdata: Uint8Array | null;
      actions: boolean; tunnelOutPort: number | null }
  /** Rewrites every field of a key attribute; 'value' in the key's layout. */
  | { type: 'set'; key: OdpKey; value: Uint8Array }
  /** Rewrites the bits of 'mask'; 'value' already masked. */
  | { type: 'set_masked'; key: OdpKey; value: Uint8Array; mask: Uint8Array }
  | { type: 'push_vlan'; tpid: number; tci: number }
  | { type: 'pop_vlan' }
  | { type: 'push_mpls'; lse: number; ethertype: number }
  | { type: 'pop_mpls'; ethertype: number }
  | { type: 'recirc'; id: number }
  | { type: 'hash'; alg: number; basis: number }
  /** Runs 'actions' on a copy of the packet with probability/UINT32_MAX. */
  | { type: 'sample'; probability: number; actions: OdpAction[] }
  | { type: 'clone'; actions: OdpAction[] }
  | { type: 'trunc'; maxLen: number }
  | { type: 'meter'; id: number }
  | { type: 'ct'; ct: OdpCt }
  | { type: 'ct_clear' }
  | { type: 'check_pkt_len'; size: number; gt: OdpAction[]; le: OdpAction[] }
  | { type: 'push_eth'; src: Uint8Array; dst: Uint8Array }
  | { type: 'pop_eth' }
  | { type: 'drop'; reason: number }
  /** Prepends a tunnel header built at translation (netdev-native-tnl.ts) and
   * sends the result to 'outPort'; 'tnlPort' is the tunnel's datapath port. */
  | { type: 'tnl_push'; tnlPort: number; outPort: number; tnlType: number; header: Uint8Array }
  /** Decapsulates and recirculates with datapath port 'port' as in_port. */
  | { type: 'tnl_pop'; port: number }
  /** Sets the tunnel a kernel-style tunnel port encapsulates with
   * (set(tunnel(...))); fields as in the flow. */
  | { type: 'set_tunnel'; tun: OdpTunnel };

/** The tunnel of a set(tunnel(...)) action (struct flow_tnl, the parts kept). */
export interface OdpTunnel {
  tunId: bigint; ipSrc: number; ipDst: number; ipv6Src: Uint8Array; ipv6Dst: Uint8Array;
  tos: number; ttl: number; tpSrc: number; tpDst: number;
  /** FLOW_TNL_F_* bits: OAM 1, DF 2, CSUM 4, KEY 8. */
  flags: number;
}

function formatOdpTunnel(t: OdpTunnel): string {
  const parts: string[] = [];
  if (t.flags & 8) parts.push(`tun_id=0x${t.tunId.toString(16)}`);
  if (t.ipSrc) parts.push(`src=${fmtIpv4u(t.ipSrc)}`);
  if (t.ipDst) parts.push(`dst=${fmtIpv4u(t.ipDst)}`);
  if (t.ipv6Src.some((b) => b)) parts.push(`ipv6_src=${fmtIpv6(t.ipv6Src, 0)}`);
  if (t.ipv6Dst.some((b) => b)) parts.push(`ipv6_dst=${fmtIpv6(t.ipv6Dst, 0)}`);
  if (t.tos) parts.push(`tos=0x${t.tos.toString(16)}`);
  parts.push(`ttl=${t.ttl}`);
  if (t.tpSrc) parts.push(`tp_src=${t.tpSrc}`);
  if (t.tpDst) parts.push(`tp_dst=${t.tpDst}`);
  const fl = ([[2, 'df'], [4, 'csum'], [8, 'key'], [1, 'oam']] as const).filter(([b]) => t.flags & b).map(([, n]) => n);
  parts.push(`flags(${fl.join('|')})`);
  return `set(tunnel(${parts.join(',')}))`;
}

function fmtIpv4u(v: number): string { return `${v >>> 24}.${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}.${v & 0xff}`; }

/* ---- Formatting. ---- */

const hex = (n: number): string => (n === 0 ? '0' : '0x' + n.toString(16));

function readUint(b: Uint8Array, off: number, size: number): number {
  let v = 0;
  for (let i = 0; i < size; i++) v = v * 256 + b[off + i]!;
  return v;
}

function fmtEth(b: Uint8Array, off: number): string {
  const parts: string[] = [];
  for (let i = 0; i < 6; i++) parts.push(b[off + i]!.toString(16).padStart(2, '0'));
  return parts.join(':');
}

function fmtIpv4(b: Uint8Array, off: number): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

/** IPv6 text with the longest run of zero groups compressed, as inet_ntop. */
function fmtIpv6(b: Uint8Array, off: number): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[off + 2 * i]! << 8) | b[off + 2 * i + 1]!);
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && (g[5] === 0xffff)) {
    return `::ffff:${b[off + 12]}.${b[off + 13]}.${b[off + 14]}.${b[off + 15]}`;
  }
  let bestStart = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const h = (x: number): string => x.toString(16);
  if (bestStart < 0) return g.map(h).join(':');
  return g.slice(0, bestStart).map(h).join(':') + '::' + g.slice(bestStart + bestLen).map(h).join(':');
}

const FRAG_NAMES = ['no', 'first', 'later'];

function isAll(b: Uint8Array, off: number, size: number, v: number): boolean {
  for (let i = 0; i < size; i++) if (b[off + i] !== v) return false;
  return true;
}

/** Prints one layout field as OVS's format_* helpers do; '' when masked out. */
function formatKeyField(fd: OdpKeyField, v: Uint8Array, m: Uint8Array | null, verbose: boolean): string {
  const empty = m !== null && isAll(m, fd.off, fd.size, 0);
  if (!verbose && empty) return '';
  const full = m === null || isAll(m, fd.off, fd.size, 0xff);
  const name = fd.name ? fd.name + '=' : '';
  switch (fd.fmt) {
    case OdpFmt.ETH:
      return name + fmtEth(v, fd.off) + (full ? '' : '/' + fmtEth(m!, fd.off));
    case OdpFmt.IPV4:
      return name + fmtIpv4(v, fd.off) + (full ? '' : '/' + fmtIpv4(m!, fd.off));
    case OdpFmt.IPV6:
      return name + fmtIpv6(v, fd.off) + (full ? '' : '/' + fmtIpv6(m!, fd.off));
    case OdpFmt.FRAG:
      if (!empty && !full) return `error: partial mask not supported for frag (${hex(m![fd.off]!)})`;
      return empty ? '' : name + (FRAG_NAMES[v[fd.off]!] ?? '<error>');
    case OdpFmt.LABEL: {
      const fullLabel = m === null || (readUint(m, fd.off, 4) & 0xfffff) === 0xfffff;
      return name + hex(readUint(v, fd.off, 4)) + (fullLabel ? '' : '/' + hex(readUint(m!, fd.off, 4)));
    }
    case OdpFmt.HEX:
      return name + hex(readUint(v, fd.off, fd.size)) + (full ? '' : '/' + hex(readUint(m!, fd.off, fd.size)));
    case OdpFmt.MPLS_LSE: {
      const lse = readUint(v, fd.off, 4);
      return `label=${lse >>> 12},tc=${(lse >>> 9) & 7},ttl=${lse & 0xff},bos=${(lse >>> 8) & 1}`;
    }
    case OdpFmt.DEC:
    default: {
      const x = readUint(v, fd.off, fd.size);
      return name + x + (full ? '' : '/' + hex(readUint(m!, fd.off, fd.size)));
    }
  }
}

/** Formats a key attribute "ipv4(src=...,ttl=...)" (format_odp_key_attr). */
export function formatOdpKey(key: OdpKey, value: Uint8Array, mask: Uint8Array | null, verbose: boolean): string {
  const layout = ODP_KEY_LAYOUTS[key];
  if (layout.fields.length === 1 && !layout.fields[0]!.name) {
    const fd = layout.fields[0]!;
    const full = mask === null || isAll(mask, 0, fd.size, 0xff);
    return `${key}(${hex(readUint(value, 0, fd.size))}${full ? '' : '/' + hex(readUint(mask!, 0, fd.size))})`;
  }
  const parts: string[] = [];
  for (const fd of layout.fields) {
    const s = formatKeyField(fd, value, mask, verbose);
    if (s) parts.push(s);
  }
  return `${key}(${parts.join(',')})`;
}

function formatVlanTci(tci: number): string {
  const parts = [`vid=${tci & 0xfff}`, `pcp=${tci >>> 13}`];
  if (!(tci & 0x1000)) parts.push('cfi=0');
  return parts.join(',');
}

function formatCookie(c: UserCookie, port: (p: number) => string): string {
  switch (c.type) {
    case 'slow_path': {
      const names = SLOW_NAMES.filter(([bit]) => c.reason & bit).map(([, n]) => n);
      return `,slow_path(${names.join(',')})`;
    }
    case 'flow_sample':
      return `,flow_sample(probability=${c.probability},collector_set_id=${c.collectorSetId},`
        + `obs_domain_id=${c.obsDomainId},obs_point_id=${c.obsPointId},output_port=${port(c.outputPort)}`
        + (c.direction === SAMPLE_INGRESS ? ',ingress' : c.direction === SAMPLE_EGRESS ? ',egress' : '') + ')';
    case 'ipfix':
      return `,ipfix(output_port=${port(c.outputPort)})`;
    case 'sflow':
      return `,sFlow(vid=${c.vlanTci & 0xfff},pcp=${c.vlanTci >>> 13},output=${c.output})`;
    case 'controller':
      return `,controller(reason=${c.reason},dont_send=${c.dontSend ? 1 : 0},continuation=${c.continuation ? 1 : 0},`
        + `recirc_id=${c.recircId},rule_cookie=${c.ruleCookie === 0n ? '0' : '0x' + c.ruleCookie.toString(16)},`
        + `controller_id=${c.controllerId},max_len=${c.maxLen})`;
  }
}

function formatCt(ct: OdpCt): string {
  const parts: string[] = [];
  if (ct.commit) parts.push('commit');
  if (ct.force) parts.push('force_commit');
  if (ct.zone) parts.push(`zone=${ct.zone}`);
  if (ct.mark) parts.push(`mark=${hex(ct.mark[0])}/${hex(ct.mark[1])}`);
  if (ct.labels) {
    const v = ct.labels.value, m = ct.labels.mask;
    const hx = (b: Uint8Array): string => {
      let s = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('').replace(/^0+/, '');
      if (!s) s = '0';
      return '0x' + s;
    };
    parts.push(`label=${hx(v)}/${hx(m)}`);
  }
  if (ct.helper) parts.push(`helper=${ct.helper}`);
  if (ct.timeout) parts.push(`timeout=${ct.timeout}`);
  if (ct.nat) parts.push(ct.nat);
  return parts.length ? `ct(${parts.join(',')})` : 'ct';
}

/** Formats one action (format_odp_action); 'portName' maps datapath ports to text. */
export function formatOdpAction(a: OdpAction, portName: (p: number) => string = String): string {
  switch (a.type) {
    case 'output': return portName(a.port);
    case 'userspace':
      return `userspace(pid=${a.pid}`
        + (a.cookie ? formatCookie(a.cookie, portName)
          : a.userdata ? `,userdata(${Array.from(a.userdata, (x) => x.toString(16).padStart(2, '0')).join('')})` : '')
        + (a.actions ? ',actions' : '')
        + (a.tunnelOutPort !== null ? `,tunnel_out_port=${portName(a.tunnelOutPort)}` : '') + ')';
    case 'set': return `set(${formatOdpKey(a.key, a.value, null, true)})`;
    case 'set_masked': return `set(${formatOdpKey(a.key, a.value, a.mask, false)})`;
    case 'push_vlan':
      return `push_vlan(${a.tpid !== 0x8100 ? `tpid=0x${a.tpid.toString(16).padStart(4, '0')},` : ''}${formatVlanTci(a.tci)})`;
    case 'pop_vlan': return 'pop_vlan';
    case 'push_mpls':
      return `push_mpls(label=${a.lse >>> 12},tc=${(a.lse >>> 9) & 7},ttl=${a.lse & 0xff},bos=${(a.lse >>> 8) & 1},`
        + `eth_type=0x${a.ethertype.toString(16)})`;
    case 'pop_mpls': return `pop_mpls(eth_type=0x${a.ethertype.toString(16)})`;
    case 'recirc': return `recirc(${hex(a.id)})`;
    case 'hash':
      return a.alg === HASH_ALG_L4 ? `hash(l4(${a.basis}))` : a.alg === HASH_ALG_SYM_L4 ? `hash(sym_l4(${a.basis}))`
        : `hash(Unknown hash algorithm(${a.alg}))`;
    case 'sample':
      return `sample(sample=${((100 * a.probability) / 0xffffffff).toFixed(1)}%,actions(${formatOdpActions(a.actions, portName)}))`;
    case 'clone': return `clone(${formatOdpActions(a.actions, portName)})`;
    case 'trunc': return `trunc(${a.maxLen})`;
    case 'meter': return `meter(${a.id})`;
    case 'ct': return formatCt(a.ct);
    case 'ct_clear': return 'ct_clear';
    case 'check_pkt_len':
      return `check_pkt_len(size=${a.size},gt(${formatOdpActions(a.gt, portName)}),le(${formatOdpActions(a.le, portName)}))`;
    case 'push_eth': return `push_eth(src=${fmtEth(a.src, 0)},dst=${fmtEth(a.dst, 0)})`;
    case 'pop_eth': return 'pop_eth';
    case 'drop': return 'drop';
    case 'tnl_push':
      return `tnl_push(tnl_port(${portName(a.tnlPort)}),${formatTnlPushHeader(a.tnlType, a.header)},out_port(${portName(a.outPort)}))`;
    case 'tnl_pop': return `tnl_pop(${portName(a.port)})`;
    case 'set_tunnel': return formatOdpTunnel(a.tun);
  }
}

/** Formats an action list as OVS does ("drop" when empty). */
export function formatOdpActions(actions: readonly OdpAction[], portName: (p: number) => string = String): string {
  if (!actions.length) return 'drop';
  return actions.map((a) => formatOdpAction(a, portName)).join(',');
}

/** True if the list outputs the packet anywhere (output, userspace, recirc, nested). */
export function odpActionsOutput(actions: readonly OdpAction[]): boolean {
  for (const a of actions) {
    switch (a.type) {
      case 'output': case 'userspace': case 'recirc': case 'tnl_push': case 'tnl_pop': return true;
      case 'clone': case 'sample': if (odpActionsOutput(a.actions)) return true; break;
      case 'check_pkt_len': if (odpActionsOutput(a.gt) || odpActionsOutput(a.le)) return true; break;
      default: break;
    }
  }
  return false;
}
