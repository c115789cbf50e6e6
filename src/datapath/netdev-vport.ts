/* netdev-vport: virtual ports that have no device of their own (OVS
 * lib/netdev-vport.c).
 *
 * "patch": joins two bridges; the datapath resolves it to its peer and never
 * sends or receives on it, so its I/O hooks report EOPNOTSUPP.
 *
 * Tunnels (geneve, gre, vxlan, lisp, stt, erspan, ip6erspan, ip6gre, gtpu,
 * bareudp, as OVS 3.1 registers them): the options of the Interface record
 * become a TunnelConfig (remote_ip/local_ip, keys, dst_port, tos, ttl, csum,
 * df_default, packet_type, exts...), checked with OVS's messages.  Like OVS's
 * userspace datapath, a tunnel netdev does no I/O itself: all tunnel ports of
 * one type and UDP port share one datapath port (netdevVportGetDpifPort(),
 * e.g. "vxlan_sys_4789"), packets are encapsulated by tnl_push and
 * decapsulated by tnl_pop (netdev-native-tnl.ts builds and parses headers),
 * and ofproto/tunnel.ts maps received tunnel metadata to the port.
 */
import { Netdev, NetdevRxq, type NetdevClass, type NetdevStats, emptyStats } from './netdev-provider.js';
import { parseIp } from '../openflow/addr-text.js';
import { parseIpv6Addr } from '../lib/packets/ipv6.js';
import { vlogModule } from '../lib/vlog.js';

const log = vlogModule('netdev_vport');

const EOPNOTSUPP = 95;

/** A vport's state. */
export class NetdevVport extends Netdev {
  /** Peer interface name of a patch port, or null until configured. */
  peer: string | null = null;
  /** Random locally administered address, as OVS gives vports. */
  mac = 0;
  /** Counters kept by the datapath that forwards through the patch. */
  stats: NetdevStats = emptyStats();
  flags = 0;
}

function cast(n: Netdev): NetdevVport { return n as NetdevVport; }

function randomMac(): number {
  const b = new Uint8Array(6);
  crypto.getRandomValues(b);
  b[0] = (b[0]! & 0xfe) | 0x02; // unicast, locally administered
  let m = 0;
  for (const x of b) m = m * 256 + x;
  return m;
}

/** The peer of patch port 'netdev', or null. */
export function netdevVportPatchPeer(netdev: Netdev): string | null {
  return netdev instanceof NetdevVport ? netdev.peer : null;
}

/** The "patch" class. */
export const netdevPatchClass: NetdevClass = {
  type: 'patch',
  alloc: (name) => new NetdevVport(name, netdevPatchClass),
  construct(netdev) {
    cast(netdev).mac = randomMac();
    return 0;
  },
  destruct() { /* nothing held */ },
  getConfig(netdev) {
    const peer = cast(netdev).peer;
    const args: Record<string, string> = {};
    if (peer) args.peer = peer;
    return args;
  },
  setConfig(netdev, args) {
    const peer = args.peer;
    if (!peer) return `${netdev.name}: patch type requires valid 'peer' argument`;
    if (Object.keys(args).length > 1) return `${netdev.name}: patch type takes only a 'peer' argument`;
    if (peer === netdev.name) return `${netdev.name}: patch peer must not be self`;
    const d = cast(netdev);
    if (d.peer !== peer) { d.peer = peer; d.changed(); }
    return null;
  },
  send: () => EOPNOTSUPP,
  setEtherAddr(netdev, mac) {
    cast(netdev).mac = mac;
    return 0;
  },
  getEtherAddr: (netdev) => cast(netdev).mac,
  // Only packet and byte counts are kept; the rest read as unknown (all ones in OVS).
  getStats: (netdev) => {
    const st = cast(netdev).stats, out = emptyStats();
    for (const k of Object.keys(out) as (keyof NetdevStats)[]) out[k] = Number.MAX_SAFE_INTEGER;
    out.rx_packets = st.rx_packets; out.rx_bytes = st.rx_bytes; out.tx_packets = st.tx_packets; out.tx_bytes = st.tx_bytes;
    return out;
  },
  updateFlags(netdev, off, on) {
    const d = cast(netdev);
    const old = d.flags;
    d.flags = (old & ~off) | on;
    return old;
  },
  rxqAlloc: (netdev, queueId) => new NetdevRxq(netdev, queueId),
  rxqConstruct: () => EOPNOTSUPP,
  rxqDestruct() { /* never constructed */ },
  rxqRecv: () => -EOPNOTSUPP,
  rxqWait() { /* never ready */ },
};

/* ---- Tunnels. ---- */

/** Default UDP destination ports (OVS *_DST_PORT). */
export const VXLAN_DST_PORT = 4789, GENEVE_DST_PORT = 6081, LISP_DST_PORT = 4341, STT_DST_PORT = 7471,
  GTPU_DST_PORT = 2152;
/** VXLAN extension bits (OVS_VXLAN_EXT_*). */
export const VXLAN_EXT_GBP = 1 << 0, VXLAN_EXT_GPE = 1 << 1;
const DEFAULT_TTL = 64;

/** How a tunnel port handles packet types (enum netdev_pt_mode). */
export type TunnelPtMode = 'legacy_l2' | 'legacy_l3' | 'ptap';

/** A tunnel port's configuration (struct netdev_tunnel_config).  Addresses
 * are 16-byte IPv6 (IPv4 as ::ffff:a.b.c.d), all zero when unset. */
export interface TunnelConfig {
  ipDst: Uint8Array;
  ipDstFlow: boolean;
  ipSrc: Uint8Array;
  ipSrcFlow: boolean;
  inKey: bigint;
  inKeyPresent: boolean;
  inKeyFlow: boolean;
  outKey: bigint;
  outKeyPresent: boolean;
  outKeyFlow: boolean;
  /** UDP destination port, 0 for GRE/ERSPAN. */
  dstPort: number;
  tos: number;
  tosInherit: boolean;
  ttl: number;
  ttlInherit: boolean;
  csum: boolean;
  setSeq: boolean;
  dontFragment: boolean;
  exts: number;
  ptMode: TunnelPtMode;
  egressPktMark: number | null;
  /** ERSPAN settings: -1 means "flow". */
  erspanVer: number;
  erspanIdx: number;
  erspanDir: number;
  erspanHwid: number;
}

/** A tunnel vport's state. */
export class NetdevTunnel extends NetdevVport {
  cfg: TunnelConfig = emptyTunnelConfig('');
}

/** Tunnel types, their datapath port name stems and whether they carry a UDP port. */
const TUNNEL_TYPES: readonly { type: string; dpifPort: string; dstPort: number }[] = [
  { type: 'geneve', dpifPort: 'genev_sys', dstPort: GENEVE_DST_PORT },
  { type: 'gre', dpifPort: 'gre_sys', dstPort: 0 },
  { type: 'vxlan', dpifPort: 'vxlan_sys', dstPort: VXLAN_DST_PORT },
  { type: 'lisp', dpifPort: 'lisp_sys', dstPort: LISP_DST_PORT },
  { type: 'stt', dpifPort: 'stt_sys', dstPort: STT_DST_PORT },
  { type: 'erspan', dpifPort: 'erspan_sys', dstPort: 0 },
  { type: 'ip6erspan', dpifPort: 'ip6erspan_sys', dstPort: 0 },
  { type: 'ip6gre', dpifPort: 'ip6gre_sys', dstPort: 0 },
  { type: 'gtpu', dpifPort: 'gtpu_sys', dstPort: GTPU_DST_PORT },
  { type: 'bareudp', dpifPort: 'udp_sys', dstPort: 0 },
];
const UDP_TYPES = new Set(['geneve', 'vxlan', 'lisp', 'stt', 'gtpu', 'bareudp']);

function emptyTunnelConfig(type: string): TunnelConfig {
  return {
    ipDst: new Uint8Array(16), ipDstFlow: false, ipSrc: new Uint8Array(16), ipSrcFlow: false,
    inKey: 0n, inKeyPresent: false, inKeyFlow: false, outKey: 0n, outKeyPresent: false, outKeyFlow: false,
    dstPort: TUNNEL_TYPES.find((t) => t.type === type)?.dstPort ?? 0, tos: 0, tosInherit: false, ttl: 0,
    ttlInherit: false, csum: false, setSeq: false, dontFragment: true, exts: 0, ptMode: 'legacy_l2',
    egressPktMark: null, erspanVer: 0, erspanIdx: 0, erspanDir: 0, erspanHwid: 0,
  };
}

/** True if 'netdev' is a tunnel vport. */
export function netdevVportIsTunnel(netdev: unknown): netdev is NetdevTunnel {
  return netdev instanceof NetdevTunnel;
}

/** The tunnel configuration of 'netdev', or null if it is not a tunnel. */
export function netdevGetTunnelConfig(netdev: unknown): TunnelConfig | null {
  return netdev instanceof NetdevTunnel ? netdev.cfg : null;
}

/** The datapath port a tunnel uses (netdev_vport_get_dpif_port): e.g.
 * "vxlan_sys_4789", "gre_sys"; other devices use their own name. */
export function netdevVportGetDpifPort(netdev: Netdev): string {
  const t = TUNNEL_TYPES.find((x) => x.type === netdev.netdevClass.type);
  if (!t || !(netdev instanceof NetdevTunnel)) return netdev.name;
  return UDP_TYPES.has(t.type) ? `${t.dpifPort}_${netdev.cfg.dstPort}` : t.dpifPort;
}

/** Datapath port name stems of the tunnel types (names no interface may take). */
export const TUNNEL_DPIF_PORT_STEMS: readonly string[] = TUNNEL_TYPES.map((t) => t.dpifPort);

/** An IPv4 address as 16 mapped bytes. */
export function ipv4Mapped(ip: number): Uint8Array {
  const b = new Uint8Array(16);
  b[10] = 0xff; b[11] = 0xff;
  b[12] = ip >>> 24; b[13] = (ip >>> 16) & 0xff; b[14] = (ip >>> 8) & 0xff; b[15] = ip & 0xff;
  return b;
}

/** The IPv4 address in 16 mapped bytes, or null if they are not IPv4-mapped. */
export function ipv4FromMapped(b: Uint8Array): number | null {
  for (let i = 0; i < 10; i++) if (b[i]) return null;
  if (b[10] !== 0xff || b[11] !== 0xff) return null;
  return ((b[12]! << 24) | (b[13]! << 16) | (b[14]! << 8) | b[15]!) >>> 0;
}

function isSet(b: Uint8Array): boolean { return b.some((x) => x !== 0); }

/** parse_tunnel_ip: 'flow', an IPv4 or an IPv6 address. */
function parseTunnelIp(value: string, acceptMcast: boolean):
  { flow: true } | { ip: Uint8Array; proto: number } | 'ENOENT' | 'EINVAL' {
  if (value === 'flow') return { flow: true };
  if (value.includes(':')) {
    const ip = parseIpv6Addr(value);
    if (!ip) return 'ENOENT';
    if (!acceptMcast && ip[0] === 0xff) return 'EINVAL';
    return { ip, proto: 0x86dd };
  }
  const ip = parseIp(value);
  if (ip === undefined) return 'ENOENT';
  if (!acceptMcast && (ip >>> 28) === 0xe) return 'EINVAL';
  return { ip: ipv4Mapped(ip), proto: 0x0800 };
}

/** strtoull(s, NULL, 0) / strtol(s, NULL, base): the leading number, 0 if none. */
function cNumber(s: string, base = 0): bigint {
  const t = s.trim();
  let m: RegExpExecArray | null;
  if ((base === 0 || base === 16) && (m = /^(-?)0[xX]([0-9a-fA-F]+)/.exec(t))) return BigInt(`${m[1]}0x${m[2]}`);
  if (base === 16 && (m = /^(-?)([0-9a-fA-F]+)/.exec(t))) return BigInt(`${m[1]}0x${m[2]}`);
  if (base === 0 && (m = /^0([0-7]+)/.exec(t))) return BigInt(`0o${m[1]}`);
  if ((m = /^[-+]?\d+/.exec(t))) return BigInt(m[0]);
  return 0n;
}

function parseKey(args: Record<string, string>, name: string): { key: bigint; present: boolean; flow: boolean } {
  const s = args[name] ?? args.key;
  if (s === undefined) return { key: 0n, present: false, flow: false };
  if (s === 'flow') return { key: 0n, present: true, flow: true };
  return { key: BigInt.asUintN(64, cNumber(s)), present: true, flow: false };
}

const TNL_L2 = 1, TNL_L3 = 2;
function supportedLayers(type: string, cfg: TunnelConfig): number {
  if (type === 'lisp' || type === 'gtpu' || type === 'bareudp') return TNL_L3;
  if (type === 'gre' || (type === 'vxlan' && cfg.exts & VXLAN_EXT_GPE)) return TNL_L2 | TNL_L3;
  return TNL_L2;
}

/** Parses and checks tunnel options (set_tunnel_config): the configuration
 * and the messages to log; 'error' is set when the options are refused. */
export function parseTunnelConfig(name: string, type: string, args: Record<string, string>):
  { cfg: TunnelConfig; warnings: string[]; error: boolean } {
  const cfg = emptyTunnelConfig(type);
  const errors: string[] = [];
  const hasCsum = /gre|geneve|stt|vxlan/.test(type);
  const hasSeq = type.includes('gre');
  const needsDstPort = UDP_TYPES.has(type);
  let srcProto = 0, dstProto = 0;
  const fail = (msg: string) => { errors.push(msg); return { cfg, warnings: errors, error: true }; };
  for (const [key, value] of Object.entries(args)) {
    if (key === 'remote_ip') {
      const r = parseTunnelIp(value, false);
      if (r === 'ENOENT') errors.push(`${name}: bad ${type} 'remote_ip'`);
      else if (r === 'EINVAL') return fail(`${name}: multicast remote_ip=${value} not allowed`);
      else if ('flow' in r) { cfg.ipDstFlow = true; dstProto = 0; } else { cfg.ipDst = r.ip; dstProto = r.proto; }
    } else if (key === 'local_ip') {
      const r = parseTunnelIp(value, true);
      if (r === 'ENOENT' || r === 'EINVAL') errors.push(`${name}: bad ${type} 'local_ip'`);
      else if ('flow' in r) { cfg.ipSrcFlow = true; srcProto = 0; } else { cfg.ipSrc = r.ip; srcProto = r.proto; }
    } else if (key === 'tos') {
      if (value === 'inherit') cfg.tosInherit = true;
      else {
        const ok = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)$/.test(value.trim()) && value.trim() === value;
        const tos = ok ? Number(cNumber(value)) : -1;
        if (ok && tos === (tos & 0xfc)) cfg.tos = tos;
        else errors.push(`${name}: invalid TOS ${value}`);
      }
    } else if (key === 'ttl') {
      if (value === 'inherit') cfg.ttlInherit = true;
      else cfg.ttl = Number(BigInt.asIntN(32, cNumber(value, 10))) & 0xff;
    } else if (key === 'dst_port' && needsDstPort) {
      cfg.dstPort = Number(BigInt.asIntN(32, cNumber(value, 10))) & 0xffff;
    } else if (key === 'csum' && hasCsum) {
      if (value === 'true') cfg.csum = true;
    } else if (key === 'seq' && hasSeq) {
      if (value === 'true') cfg.setSeq = true;
    } else if (key === 'df_default') {
      if (value === 'false') cfg.dontFragment = false;
    } else if (key === 'key' || key === 'in_key' || key === 'out_key' || key === 'packet_type') {
      /* below */
    } else if (key === 'exts' && type === 'vxlan') {
      cfg.exts = 0;
      for (const ext of value.split(',').filter((x) => x)) {
        if (ext === 'gbp') cfg.exts |= VXLAN_EXT_GBP;
        else if (ext === 'gpe') cfg.exts |= VXLAN_EXT_GPE;
        else errors.push(`${name}: unknown extension '${ext}'`);
      }
    } else if (key === 'egress_pkt_mark') {
      cfg.egressPktMark = Number(BigInt.asUintN(32, cNumber(value, 10)));
    } else if (key === 'erspan_idx') {
      if (value === 'flow') cfg.erspanIdx = -1;
      else {
        cfg.erspanIdx = Number(BigInt.asIntN(32, cNumber(value, 16)));
        if (cfg.erspanIdx & ~0xfffff) return fail(`${name}: invalid erspan index: ${value}`);
      }
    } else if (key === 'erspan_ver') {
      if (value === 'flow') { cfg.erspanVer = -1; cfg.erspanIdx = -1; cfg.erspanDir = -1; cfg.erspanHwid = -1; }
      else {
        cfg.erspanVer = Number(BigInt.asIntN(32, cNumber(value, 10)));
        if (cfg.erspanVer !== 1 && cfg.erspanVer !== 2) return fail(`${name}: invalid erspan version: ${value}`);
      }
    } else if (key === 'erspan_dir') {
      if (value === 'flow') cfg.erspanDir = -1;
      else {
        cfg.erspanDir = Number(BigInt.asIntN(32, cNumber(value, 10)));
        if (cfg.erspanDir !== 0 && cfg.erspanDir !== 1) return fail(`${name}: invalid erspan direction: ${value}`);
      }
    } else if (key === 'erspan_hwid') {
      if (value === 'flow') cfg.erspanHwid = -1;
      else {
        cfg.erspanHwid = Number(BigInt.asIntN(32, cNumber(value, 16)));
        if (cfg.erspanHwid & ~0x3f) return fail(`${name}: invalid erspan hardware ID: ${value}`);
      }
    } else if (key === 'payload_type') {
      /* bareudp: accepted, no packet path. */
    } else if (key === 'remote_cert' || key === 'remote_name' || key === 'psk') {
      /* read by ovs-monitor-ipsec */
    } else {
      errors.push(`${name}: unknown ${type} argument '${key}'`);
    }
  }
  const layers = supportedLayers(type, cfg);
  const fullType = type !== 'vxlan' ? type : cfg.exts & VXLAN_EXT_GPE ? 'VXLAN-GPE' : 'VXLAN (without GPE)';
  const pt = args.packet_type;
  if (pt === undefined) cfg.ptMode = layers === TNL_L3 ? 'legacy_l3' : 'legacy_l2';
  else if (pt === 'legacy_l2') {
    cfg.ptMode = 'legacy_l2';
    if (!(layers & TNL_L2)) {
      return fail(`${name}: legacy_l2 configured on ${fullType} tunnel that cannot carry L2 traffic`);
    }
  } else if (pt === 'legacy_l3') {
    cfg.ptMode = 'legacy_l3';
    if (!(layers & TNL_L3)) {
      return fail(`${name}: legacy_l3 configured on ${fullType} tunnel that cannot carry L3 traffic`);
    }
  } else if (pt === 'ptap') cfg.ptMode = 'ptap';
  else return fail(`${name}: unknown packet_type '${pt}'`);
  if (!isSet(cfg.ipDst) && !cfg.ipDstFlow) return fail(`${name}: ${type} type requires valid 'remote_ip' argument`);
  if (cfg.ipSrcFlow && !cfg.ipDstFlow) {
    return fail(`${name}: ${type} type requires 'remote_ip=flow' with 'local_ip=flow'`);
  }
  if (srcProto && dstProto && srcProto !== dstProto) {
    return fail(`${name}: 'remote_ip' and 'local_ip' has to be of the same address family`);
  }
  if (!cfg.ttl) cfg.ttl = DEFAULT_TTL;
  const ik = parseKey(args, 'in_key'), ok = parseKey(args, 'out_key');
  cfg.inKey = ik.key; cfg.inKeyPresent = ik.present; cfg.inKeyFlow = ik.flow;
  cfg.outKey = ok.key; cfg.outKeyPresent = ok.present; cfg.outKeyFlow = ok.flow;
  return { cfg, warnings: errors, error: false };
}

function formatIpv6OrMapped(b: Uint8Array): string {
  const v4 = ipv4FromMapped(b);
  if (v4 !== null) return `${v4 >>> 24}.${(v4 >>> 16) & 0xff}.${(v4 >>> 8) & 0xff}.${v4 & 0xff}`;
  const g: string[] = [];
  for (let i = 0; i < 8; i++) g.push(((b[2 * i]! << 8) | b[2 * i + 1]!).toString(16));
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== '0') { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === '0') j++;
    if (j - i > bestLen && j - i >= 2) { best = i; bestLen = j - i; }
    i = j;
  }
  if (best < 0) return g.join(':');
  return g.slice(0, best).join(':') + '::' + g.slice(best + bestLen).join(':');
}

/** The options a tunnel reports (get_tunnel_config). */
export function tunnelConfigArgs(type: string, c: TunnelConfig): Record<string, string> {
  const a: Record<string, string> = {};
  if (isSet(c.ipDst)) a.remote_ip = formatIpv6OrMapped(c.ipDst);
  else if (c.ipDstFlow) a.remote_ip = 'flow';
  if (isSet(c.ipSrc)) a.local_ip = formatIpv6OrMapped(c.ipSrc);
  else if (c.ipSrcFlow) a.local_ip = 'flow';
  if (c.inKeyFlow && c.outKeyFlow) a.key = 'flow';
  else if (c.inKeyPresent && c.outKeyPresent && c.inKey === c.outKey) a.key = String(c.inKey);
  else {
    if (c.inKeyFlow) a.in_key = 'flow'; else if (c.inKeyPresent) a.in_key = String(c.inKey);
    if (c.outKeyFlow) a.out_key = 'flow'; else if (c.outKeyPresent) a.out_key = String(c.outKey);
  }
  if (c.ttlInherit) a.ttl = 'inherit'; else if (c.ttl !== DEFAULT_TTL) a.ttl = String(c.ttl);
  if (c.tosInherit) a.tos = 'inherit'; else if (c.tos) a.tos = `0x${c.tos.toString(16)}`;
  const def = TUNNEL_TYPES.find((t) => t.type === type)?.dstPort ?? 0;
  if (c.dstPort && (c.dstPort !== def || type === 'bareudp')) a.dst_port = String(c.dstPort);
  if (c.csum) a.csum = 'true';
  if (c.setSeq) a.seq = 'true';
  const layers = supportedLayers(type, c);
  if (c.ptMode !== (layers === TNL_L3 ? 'legacy_l3' : 'legacy_l2')) a.packet_type = c.ptMode;
  if (!c.dontFragment) a.df_default = 'false';
  if (c.egressPktMark !== null) a.egress_pkt_mark = String(c.egressPktMark);
  if (type === 'erspan' || type === 'ip6erspan') {
    const hx = (v: number) => (v < 0 ? 'flow' : `0x${v.toString(16)}`);
    if (c.erspanVer < 0) {
      a.erspan_ver = 'flow'; a.erspan_idx = 'flow'; a.erspan_dir = 'flow'; a.erspan_hwid = 'flow';
    } else {
      a.erspan_ver = String(c.erspanVer);
      if (c.erspanVer === 1) a.erspan_idx = hx(c.erspanIdx);
      else if (c.erspanVer === 2) {
        a.erspan_dir = c.erspanDir < 0 ? 'flow' : String(c.erspanDir);
        a.erspan_hwid = hx(c.erspanHwid);
      }
    }
  }
  return a;
}

function tunnelClass(type: string): NetdevClass {
  const cls: NetdevClass = {
    ...netdevPatchClass,
    type,
    alloc: (name) => {
      const d = new NetdevTunnel(name, cls);
      d.cfg = emptyTunnelConfig(type);
      return d;
    },
    getConfig: (netdev) => tunnelConfigArgs(type, (netdev as NetdevTunnel).cfg),
    setConfig(netdev, args) {
      const r = parseTunnelConfig(netdev.name, type, args);
      if (r.warnings.length) log.warn(r.warnings.join('\n'));
      if (r.error) return r.warnings.join('\n');
      const d = netdev as NetdevTunnel;
      if (JSON.stringify(d.cfg, big) !== JSON.stringify(r.cfg, big)) { d.cfg = r.cfg; d.changed(); }
      return null;
    },
  };
  return cls;
}

function big(_k: string, v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return Array.from(v);
  return v;
}

/** The tunnel classes, one per type OVS 3.1 registers (netdev_vport_tunnel_register). */
export const netdevTunnelClasses: readonly NetdevClass[] = TUNNEL_TYPES.map((t) => tunnelClass(t.type));
