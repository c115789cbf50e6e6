/* ofp-port-map: OpenFlow port numbers as text and across protocol versions.
 *
 * OVS works with 16-bit OpenFlow 1.0 port numbers internally; OpenFlow 1.1+
 * 32-bit ports map onto them (reserved ports 0xffffff00.. <-> 0xff00..).
 * This file holds those conversions, the reserved port names (IN_PORT,
 * LOCAL, ...) and the name<->number map that ovs-ofctl uses to print and
 * parse port names.  Match and action text (match-format.ts,
 * ofp-actions*.ts) and the message layer use it.
 */
import { vlogModule } from '../lib/vlog.js';

const log = vlogModule('ofp_port');
const tableLog = vlogModule('ofp_table');

export const OFPP_MAX = 0xff00;
export const OFPP_FIRST_RESV = 0xfff7;
export const OFPP_UNSET = 0xfff7;
export const OFPP_IN_PORT = 0xfff8;
export const OFPP_TABLE = 0xfff9;
export const OFPP_NORMAL = 0xfffa;
export const OFPP_FLOOD = 0xfffb;
export const OFPP_ALL = 0xfffc;
export const OFPP_CONTROLLER = 0xfffd;
export const OFPP_LOCAL = 0xfffe;
export const OFPP_NONE = 0xffff;
export const OFPP_ANY = 0xffff;
export const OFPP_LAST_RESV = 0xffff;
/** OFPP11_MAX - OFPP_MAX. */
export const OFPP11_OFFSET = 0xffff0000;
export const OFPP11_MAX = 0xffffff00;

/** Reserved port names in the order OVS lists them (NONE last: parse only). */
const RESERVED: ReadonlyArray<[string, number]> = [
  ['IN_PORT', OFPP_IN_PORT], ['TABLE', OFPP_TABLE], ['NORMAL', OFPP_NORMAL],
  ['FLOOD', OFPP_FLOOD], ['ALL', OFPP_ALL], ['CONTROLLER', OFPP_CONTROLLER],
  ['LOCAL', OFPP_LOCAL], ['ANY', OFPP_ANY], ['UNSET', OFPP_UNSET],
];

/** Port names for printing and parsing: a PortNamer, or a plain number->name Map
 * (the message layer's PortMap), or null for none. */
export type PortNames = PortNamer | ReadonlyMap<number, string> | null | undefined;

function nameOf(names: PortNames, p: number): string | undefined {
  if (!names) return undefined;
  if (names instanceof Map) return names.get(p);
  return (names as PortNamer).nameOf(p);
}
function numberOf(names: PortNames, n: string): number | undefined {
  if (!names) return undefined;
  if (names instanceof Map) {
    let found: number | undefined, dup = false;
    for (const [k, v] of names) if (v === n) { dup = found !== undefined; found = k; }
    return dup ? undefined : found;
  }
  return (names as PortNamer).numberOf(n);
}

/** Port names for printing and parsing; ovs-ofctl builds one from the switch's ports. */
export interface PortNamer {
  /** Name of 'port', or undefined (also when the name is ambiguous). */
  nameOf(port: number): string | undefined;
  /** Number of the port called 'name', or undefined. */
  numberOf(name: string): number | undefined;
}

/** A port map like ofputil_port_map: duplicate names or numbers become unusable. */
export class PortMap implements PortNamer {
  private byNumber = new Map<number, string | null>();
  private byName = new Map<string, number | null>();
  put(port: number, name: string): void {
    const n = this.byNumber.get(port);
    this.byNumber.set(port, n === undefined || n === name ? name : null);
    const p = this.byName.get(name);
    this.byName.set(name, p === undefined || p === port ? port : null);
  }
  nameOf(port: number): string | undefined { return this.byNumber.get(port) ?? undefined; }
  numberOf(name: string): number | undefined { return this.byName.get(name) ?? undefined; }
}

/** Converts a 32-bit OF1.1+ port to a 16-bit port; undefined if out of range. */
export function portFromOfp11(p: number): number | undefined {
  p >>>= 0;
  if (p < OFPP_MAX) return p;
  if (p >= OFPP11_MAX) return (p - OFPP11_OFFSET) >>> 0;
  return undefined;
}

/** Converts a 16-bit port to its 32-bit OF1.1+ number. */
export function portToOfp11(p: number): number {
  return p < OFPP_MAX ? p : (p + OFPP11_OFFSET) >>> 0;
}

/** Name of a reserved port ("LOCAL"), or undefined. */
export function reservedPortName(p: number): string | undefined {
  for (const [n, v] of RESERVED) if (v === p) return n;
  return undefined;
}

function nameNeedsQuotes(name: string): boolean {
  if (!/^[A-Za-z]/.test(name)) return true;
  return !/^[A-Za-z][A-Za-z0-9]*$/.test(name);
}

/** Formats a port as ovs-ofctl does: reserved name, mapped name, or decimal. */
export function formatPort(p: number, names?: PortNames): string {
  const r = reservedPortName(p);
  if (r) return r;
  const n = nameOf(names, p);
  if (n !== undefined) return nameNeedsQuotes(n) ? JSON.stringify(n) : n;
  return String(p);
}

/** Parses a decimal unsigned integer the way str_to_uint does (no sign, base 10). */
function parseUint10(s: string): number | undefined {
  if (!/^\s*\+?[0-9]+$/.test(s)) return undefined;
  const v = Number(s.trim());
  return v <= 0xffffffff ? v : undefined;
}

let warnedDeprecated = false;

/** Parses a port name or number as ovs-ofctl does (ofputil_port_from_string,
 * with its warnings); undefined if invalid. */
export function parsePort(s: string, names?: PortNames): number | undefined {
  if (s.startsWith('-')) {
    log.warn(`Negative value ${s} is not a valid port number.`);
    return undefined;
  }
  const v = parseUint10(s);
  if (v !== undefined) {
    if (v < OFPP_MAX) return v;
    if (v < OFPP_FIRST_RESV) {
      log.warn(`port ${v} is a reserved OF1.0 port number that will be translated to ${v + OFPP11_OFFSET} when talking to an OF1.1 or later controller`);
      return v;
    }
    if (v <= OFPP_LAST_RESV) {
      if (!warnedDeprecated) {
        warnedDeprecated = true;
        log.warn(`referring to port ${formatPort(v)} as ${v} is deprecated for compatibility with OpenFlow 1.1 and later`);
      }
      return v;
    }
    if (v < OFPP11_MAX) {
      log.warn(`port ${v} is outside the supported range 0 through ffff or 0x${OFPP11_MAX.toString(16)} through 0xffffffff`);
      return undefined;
    }
    return (v - OFPP11_OFFSET) >>> 0;
  }
  const up = s.toUpperCase();
  for (const [n, p] of RESERVED) if (n === up) return p;
  if (up === 'NONE') return OFPP_NONE;
  if (!names) return undefined;
  if (s.startsWith('"')) {
    if (s.length < 2 || !s.endsWith('"')) return undefined;
    try {
      const name = JSON.parse(s) as unknown;
      return typeof name === 'string' ? numberOf(names, name) : undefined;
    } catch { return undefined; }
  }
  return numberOf(names, s);
}

/** Table names for printing and parsing: a number->name Map, or none. */
export type TableNames = ReadonlyMap<number, string> | null | undefined;

/** Formats a table id as ovs-ofctl does: its name when known, else decimal. */
export function formatTable(t: number, names?: TableNames): string {
  const n = names?.get(t);
  if (n !== undefined) return nameNeedsQuotes(n) ? JSON.stringify(n) : n;
  return String(t);
}

/** Parses a table number (0-255) or name; undefined if invalid. */
export function parseTable(s: string, names?: TableNames): number | undefined {
  if (s.startsWith('-')) {
    tableLog.warn(`Negative value ${s} is not a valid table number.`);
    return undefined;
  }
  const v = parseUint10(s);
  if (v !== undefined) {
    if (v <= 255) return v;
    tableLog.warn(`table ${v} is outside the supported range 0 through 255`);
    return undefined;
  }
  if (!names) return undefined;
  let name = s;
  if (s.startsWith('"')) {
    if (s.length < 2 || !s.endsWith('"')) return undefined;
    try { name = JSON.parse(s) as string; } catch { return undefined; }
  }
  let found: number | undefined, dup = false;
  for (const [k, v2] of names) if (v2 === name) { dup = found !== undefined; found = k; }
  return dup ? undefined : found;
}
