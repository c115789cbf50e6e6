/* tnl-neigh-cache: the ARP/ND cache of native tunnels (OVS
 * lib/tnl-neigh-cache.c).
 *
 * To build an outer Ethernet header, xlate needs the MAC of the next hop on
 * the underlay bridge.  Entries come from snooping ARP replies, gratuitous
 * ARPs and neighbour advertisements that translation sees arriving on a
 * bridge whose port has an IP address (tnlNeighSnoop), from the source of
 * decapsulated packets, and from `tnl/neigh/set`.  Entries expire after the
 * aging time (default 900 s, `tnl/neigh/aging`), measured on the warpable
 * clock (lib/timeval.ts).  Keys are (bridge name, 16-byte address, IPv4
 * mapped).  The tnl/arp/* names are the older aliases OVS keeps.
 */
import { unixctlCommandRegister, UnixctlError } from '../lib/unixctl.js';
import { timeMsec } from '../lib/timeval.js';
import { parseIp, parseEth } from '../openflow/addr-text.js';
import { parseIpv6Addr } from '../lib/packets/ipv6.js';
import { ipv4Mapped } from '../datapath/netdev-vport.js';
import { formatMapped } from './ovs-router.js';

/** Default and largest aging time, in seconds. */
export const NEIGH_ENTRY_DEFAULT_IDLE_TIME_S = 15 * 60, NEIGH_ENTRY_MAX_AGING_TIME_S = 3600;

interface NeighEntry { ip: Uint8Array; mac: Uint8Array; br: string; expires: number }

const table = new Map<string, NeighEntry>();
let agingMs = NEIGH_ENTRY_DEFAULT_IDLE_TIME_S * 1000;

function keyOf(br: string, ip: Uint8Array): string { return `${br}|${Array.from(ip).join('.')}`; }

let onChange: (() => void) | null = null;

/** Sets what to call when an entry is added or changes its MAC (cached
 * datapath flows that dropped or used the old one must be translated again). */
export function tnlNeighSetChangeHook(fn: () => void): void { onChange = fn; }

/** Adds or refreshes an entry (tnl_neigh_set). */
export function tnlNeighSet(br: string, ip: Uint8Array, mac: Uint8Array): void {
  const k = keyOf(br, ip);
  const e = table.get(k);
  if (e && e.mac.every((b, i) => b === mac[i])) { e.expires = timeMsec() + agingMs; return; }
  table.set(k, { ip: ip.slice(), mac: mac.slice(0, 6), br, expires: timeMsec() + agingMs });
  onChange?.();
}

/** The MAC of 'ip' as seen on bridge 'br' (tnl_neigh_lookup), refreshing the
 * entry; null if unknown or expired. */
export function tnlNeighLookup(br: string, ip: Uint8Array): Uint8Array | null {
  const e = table.get(keyOf(br, ip));
  if (!e) return null;
  const now = timeMsec();
  if (e.expires <= now) return null;
  e.expires = now + agingMs;
  return e.mac;
}

/** Removes the entries learned on device or bridge 'name' (when it goes away). */
export function tnlNeighFlushName(name: string): void {
  for (const [k, e] of table) if (e.br === name) table.delete(k);
}

/** Removes every entry (tnl_neigh_flush). */
export function tnlNeighFlush(): void { table.clear(); }

function expire(): void {
  const now = timeMsec();
  for (const [k, e] of table) if (e.expires <= now) table.delete(k);
}

function show(): string {
  expire();
  let s = 'IP                                            MAC                 Bridge\n'
    + '==========================================================================\n';
  for (const e of table.values()) {
    const ip = formatMapped(e.ip);
    const mac = Array.from(e.mac, (b) => b.toString(16).padStart(2, '0')).join(':');
    s += `${ip}${' '.repeat(Math.max(0, 46 - ip.length))}${mac}   ${e.br}\n`;
  }
  return s;
}

function add(args: string[]): string {
  const v4 = parseIp(args[1]!);
  const ip = v4 !== undefined ? ipv4Mapped(v4) : parseIpv6Addr(args[1]!);
  if (!ip) throw new UnixctlError('bad IP address');
  const mac = parseEth(args[2]!);
  if (!mac) throw new UnixctlError('bad MAC address');
  tnlNeighSet(args[0]!, ip, mac);
  return 'OK';
}

function aging(args: string[]): string {
  if (!args.length) return String(agingMs / 1000);
  const m = /^\d+/.exec(args[0]!.trim());
  const v = m ? Number(m[0]) : 0;
  if (!v || v > NEIGH_ENTRY_MAX_AGING_TIME_S) throw new UnixctlError('bad aging value');
  agingMs = v * 1000;
  const newExp = timeMsec() + agingMs;
  for (const e of table.values()) if (newExp < e.expires) e.expires = newExp;
  return 'OK';
}

/** Registers tnl/neigh/* and tnl/arp/* (tnl_neigh_cache_init). */
export function tnlNeighCacheUnixctlRegister(): void {
  for (const p of ['tnl/arp', 'tnl/neigh']) {
    unixctlCommandRegister(`${p}/show`, '', 0, 0, show);
    unixctlCommandRegister(`${p}/set`, 'BRIDGE IP MAC', 3, 3, add);
    unixctlCommandRegister(`${p}/flush`, '', 0, 0, () => { tnlNeighFlush(); return 'OK'; });
    unixctlCommandRegister(`${p}/aging`, '[SECS]', 0, 1, aging);
  }
}
