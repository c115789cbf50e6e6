/* ovs-router: the routing table native tunnels use to pick the underlay
 * device, gateway and source address of an encapsulated packet (OVS
 * lib/ovs-router.c).
 *
 * Routes are added with `ovs-appctl ovs/route/add PREFIX/LEN BRIDGE [GW]
 * [pkt_mark=N]`; the source address is the device's address in the same
 * subnet (datapath/netdev.ts netdevGetAddrList: netdev-dummy/ip4addr or the
 * system's addresses).  Lookups are longest-prefix match among routes with
 * the packet's mark.  Addresses are 16 bytes, IPv4 mapped into IPv6
 * (::ffff:a.b.c.d) as OVS keeps them; an IPv4 prefix length L is stored as
 * L + 96.  xlate (ofproto-dpif-xlate-tnl.ts) calls ovsRouterLookup(); the
 * unixctl commands are registered by ovsRouterUnixctlRegister().
 */
import { unixctlCommandRegister, UnixctlError } from '../lib/unixctl.js';
import { parseIp } from '../openflow/addr-text.js';
import { parseIpv6Addr, formatIpv6Addr } from '../lib/packets/ipv6.js';
import { netdevGetAddrList } from '../datapath/netdev.js';
import { ipv4Mapped, ipv4FromMapped } from '../datapath/netdev-vport.js';
import { vlogModule } from '../lib/vlog.js';
import { tnlPortMapInsertIpdev } from './tnl-ports.js';

const log = vlogModule('ovs_router');

/** One route (struct ovs_router_entry). */
export interface OvsRoute {
  /** Network address (masked), 16 bytes. */
  nwAddr: Uint8Array;
  /** Prefix length over the 16 bytes. */
  plen: number;
  mark: number;
  dev: string;
  gw: Uint8Array;
  src: Uint8Array;
  priority: number;
  local: boolean;
}

const routes: OvsRoute[] = [];
/** Bumped on every change: cached translations that used a route depend on it. */
let routeSeq = 0;

let onChange: (() => void) | null = null;

/** Change counter of the table (tnl_conf_seq's role). */
export function ovsRouterSeq(): number { return routeSeq; }

/** Sets what to call when routes change (translations depend on them). */
export function ovsRouterSetChangeHook(fn: () => void): void { onChange = fn; }

function maskBytes(plen: number): Uint8Array {
  const m = new Uint8Array(16);
  for (let i = 0; i < plen; i++) m[i >> 3]! |= 0x80 >> (i & 7);
  return m;
}

function masked(a: Uint8Array, plen: number): Uint8Array {
  const m = maskBytes(plen);
  return a.map((x, i) => x & m[i]!);
}

function inPrefix(a: Uint8Array, net: Uint8Array, plen: number): boolean {
  const m = maskBytes(plen);
  for (let i = 0; i < 16; i++) if ((a[i]! & m[i]!) !== net[i]) return false;
  return true;
}

/** Formats 16 address bytes as OVS's ipv6_format_mapped (IPv4 dotted when mapped). */
export function formatMapped(a: Uint8Array): string {
  const v4 = ipv4FromMapped(a);
  return v4 !== null ? `${v4 >>> 24}.${(v4 >>> 16) & 0xff}.${(v4 >>> 8) & 0xff}.${v4 & 0xff}` : formatIpv6Addr(a, 0);
}

function isSet(a: Uint8Array): boolean { return a.some((x) => x !== 0); }

/** The device's address closest to 'dst' (ovs_router_get_netdev_source_address). */
export function ovsRouterSourceAddress(dst: Uint8Array, dev: string): Uint8Array | null {
  const isV4 = ipv4FromMapped(dst) !== null;
  let best: Uint8Array | null = null, bestLen = -1;
  for (const { addr, mask } of netdevGetAddrList(dev)) {
    if (isV4 && ipv4FromMapped(addr) === null) continue;
    let same = true, bits = 0;
    for (let i = 0; i < 16; i++) {
      if ((dst[i]! & mask[i]!) !== (addr[i]! & mask[i]!)) same = false;
      for (let b = mask[i]!; b; b &= b - 1) bits++;
    }
    if (same && bits > bestLen) { best = addr; bestLen = bits; }
  }
  return best;
}

/** Adds or replaces a route (ovs_router_insert__); 0 or ENOENT when the
 * device has no address to send from. */
export function ovsRouterInsert(mark: number, dst: Uint8Array, plen: number, dev: string, gw: Uint8Array,
                                local = false, priority = plen + 32): number {
  const nwAddr = masked(dst, plen);
  let src = ovsRouterSourceAddress(dst, dev);
  if (!src && isSet(gw)) src = ovsRouterSourceAddress(gw, dev);
  if (!src) {
    log.dbg(`src addr not available for route ${formatMapped(dst)}`);
    return 2;
  }
  const r: OvsRoute = { nwAddr, plen, mark, dev, gw: gw.slice(), src: src.slice(), priority, local };
  const i = routes.findIndex((x) => x.mark === mark && x.plen === plen && x.priority === priority
    && x.nwAddr.every((b, j) => b === nwAddr[j]));
  if (i >= 0) routes[i] = r; else routes.push(r);
  routes.sort((a, b) => b.priority - a.priority);
  tnlPortMapInsertIpdev(dev);
  routeSeq++;
  onChange?.();
  return 0;
}

/** Removes a route; false if there was none. */
export function ovsRouterDelete(mark: number, dst: Uint8Array, plen: number): boolean {
  const nwAddr = masked(dst, plen);
  const i = routes.findIndex((x) => x.mark === mark && x.plen === plen && x.nwAddr.every((b, j) => b === nwAddr[j]));
  if (i < 0) return false;
  routes.splice(i, 1);
  routeSeq++;
  onChange?.();
  return true;
}

/** Removes every route (ovs_router_flush). */
export function ovsRouterFlush(): void { routes.length = 0; routeSeq++; }

/** Longest-prefix lookup for 'dst' under 'mark' (ovs_router_lookup): the
 * output device, gateway (zero if direct) and source address, or null. */
export function ovsRouterLookup(mark: number, dst: Uint8Array): { dev: string; gw: Uint8Array; src: Uint8Array } | null {
  let best: OvsRoute | null = null;
  for (const r of routes) {
    if (r.mark !== mark || !inPrefix(dst, r.nwAddr, r.plen)) continue;
    if (!best || r.priority > best.priority) best = r;
  }
  return best && { dev: best.dev, gw: best.gw, src: best.src };
}

/* ---- unixctl ---- */

/** "a.b.c.d[/len]" or "ipv6[/len]": 16 bytes and a 0..128 prefix length, or null. */
function scanRoute(s: string): { ip: Uint8Array; plen: number; v4: boolean } | null {
  const m = /^([^/]+)(?:\/(\d+))?$/.exec(s);
  if (!m) return null;
  const v4 = parseIp(m[1]!);
  if (v4 !== undefined) {
    const plen = m[2] === undefined ? 32 : Number(m[2]);
    if (plen > 32) return null;
    return { ip: ipv4Mapped(v4), plen: plen + 96, v4: true };
  }
  const v6 = parseIpv6Addr(m[1]!);
  if (!v6) return null;
  const plen = m[2] === undefined ? 128 : Number(m[2]);
  if (plen > 128) return null;
  return { ip: v6, plen, v4: false };
}

function scanMark(s: string): number | null {
  const m = /^pkt_mark=(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)/.exec(s);
  if (!m) return null;
  const t = m[1]!;
  const v = /^0[xX]/.test(t) ? Number(t) : t.length > 1 && t.startsWith('0') ? Number.parseInt(t.slice(1), 8) : Number(t);
  return v >>> 0;
}

function cmdAdd(args: string[]): string {
  const r = scanRoute(args[0]!);
  if (!r) throw new UnixctlError('Invalid parameters');
  let mark = 0;
  let gw: Uint8Array = new Uint8Array(16);
  if (args.length > 2) {
    const m = scanMark(args[2]!);
    if (m !== null) mark = m;
    else {
      const g = r.v4 ? (parseIp(args[2]!) !== undefined ? ipv4Mapped(parseIp(args[2]!)!) : null) : parseIpv6Addr(args[2]!);
      if (!g) throw new UnixctlError(r.v4 ? 'Invalid pkt_mark or gateway' : 'Invalid pkt_mark or IPv6 gateway');
      gw = g;
    }
  }
  if (args.length > 3) {
    const m = scanMark(args[3]!);
    if (m === null) throw new UnixctlError('Invalid pkt_mark');
    mark = m;
  }
  if (ovsRouterInsert(mark, r.ip, r.plen, args[1]!, gw)) throw new UnixctlError('Error while inserting route.');
  return 'OK';
}

function cmdDel(args: string[]): string {
  const r = scanRoute(args[0]!);
  if (!r) throw new UnixctlError('Invalid parameters');
  let mark = 0;
  if (args.length > 1) {
    const m = scanMark(args[1]!);
    if (m === null) throw new UnixctlError('Invalid pkt_mark');
    mark = m;
  }
  if (!ovsRouterDelete(mark, r.ip, r.plen)) throw new UnixctlError('Not found');
  return 'OK';
}

function cmdShow(): string {
  let s = 'Route Table:\n';
  for (const r of routes) {
    s += r.priority === r.plen || r.local ? 'Cached: ' : 'User: ';
    s += `${formatMapped(r.nwAddr)}/${ipv4FromMapped(r.nwAddr) !== null ? r.plen - 96 : r.plen}`;
    if (r.mark) s += ` MARK ${r.mark}`;
    s += ` dev ${r.dev}`;
    if (isSet(r.gw)) s += ` GW ${formatMapped(r.gw)}`;
    s += ` SRC ${formatMapped(r.src)}`;
    if (r.local) s += ' local';
    s += '\n';
  }
  return s;
}

function cmdLookup(args: string[]): string {
  const r = scanRoute(args[0]!);
  if (!r || r.plen !== 128) throw new UnixctlError('Invalid parameters');
  let mark = 0;
  if (args.length > 1) {
    const m = scanMark(args[1]!);
    if (m === null) throw new UnixctlError('Invalid pkt_mark');
    mark = m;
  }
  const x = ovsRouterLookup(mark, r.ip);
  if (!x) throw new UnixctlError('Not found');
  return `src ${formatMapped(x.src)}\ngateway ${formatMapped(x.gw)}\ndev ${x.dev}\n`;
}

/** Registers ovs/route/add|show|del|lookup (ovs_router_init). */
export function ovsRouterUnixctlRegister(): void {
  unixctlCommandRegister('ovs/route/add', 'ip_addr/prefix_len out_br_name [gw] [pkt_mark=mark]', 2, 4, cmdAdd);
  unixctlCommandRegister('ovs/route/show', '', 0, 0, cmdShow);
  unixctlCommandRegister('ovs/route/del', 'ip_addr/prefix_len [pkt_mark=mark]', 1, 2, cmdDel);
  unixctlCommandRegister('ovs/route/lookup', 'ip_addr [pkt_mark=mark]', 1, 2, cmdLookup);
}
