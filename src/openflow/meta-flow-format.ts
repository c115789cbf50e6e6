/* meta-flow-format: field values as text, both ways (mf_parse / mf_format).
 *
 * The syntax depends on the field's MfString: decimal or hex integers with
 * optional "/mask", Ethernet and IP addresses (with prefixes), port names,
 * fragment keywords ("first", "later"...), flag sets for tcp_flags,
 * tun_flags and ct_state, and "(ns,type)" packet types.  "*" wildcards a
 * field.  Errors are the texts ovs-ofctl prints.  Used by the match text
 * (ofp-match-parse.ts, match-format.ts) and by actions such as set_field.
 */
import { type MfField, S, mfIsMaskValid } from './meta-flow.js';
import {
  formatEthMasked, formatHexBytes, formatIpMasked, formatIpv6Masked, parseEth, parseIntString,
  parseIpMasked, parseIpv6Masked, parseFlags, formatFlagsMasked, type BitName,
} from './addr-text.js';
import { type PortNames, parsePort, formatPort, portFromOfp11, portToOfp11 } from './ofp-port-map.js';
import { FLOW_NW_FRAG_ANY as A, FLOW_NW_FRAG_LATER as L, FLOW_NW_FRAG_MASK } from './flow.js';

/** Names of TCP flag bits (packet_tcp_flag_to_string). */
export const tcpFlagName: BitName = (b) => ({
  0x1: 'fin', 0x2: 'syn', 0x4: 'rst', 0x8: 'psh', 0x10: 'ack', 0x20: 'urg', 0x40: 'ece', 0x80: 'cwr',
  0x100: 'ns', 0x200: '[200]', 0x400: '[400]', 0x800: '[800]',
} as Record<number, string>)[b];

/** Names of tunnel flag bits (flow_tun_flag_to_string). */
export const tunFlagName: BitName = (b) => ({ 1: 'oam', 2: 'df', 4: 'csum', 8: 'key' } as Record<number, string>)[b];

/** Names of conntrack state bits (ct_state_to_string). */
export const ctStateName: BitName = (b) => ({
  1: 'new', 2: 'est', 4: 'rel', 8: 'rpl', 16: 'inv', 32: 'trk', 64: 'snat', 128: 'dnat',
} as Record<number, string>)[b];

/** Fragment keywords: [name, mask, value] (all_frags). */
const FRAGS: ReadonlyArray<[string, number, number]> = [
  ['no', A | L, 0], ['first', A | L, A], ['later', A | L, A | L],
  ['no', A, 0], ['yes', A, A], ['not_later', L, 0], ['later', L, L],
];

/** Text of a fragment match (mf_format_frag_string). */
export function formatFrag(value: number, mask: number): string {
  mask &= FLOW_NW_FRAG_MASK;
  value &= mask;
  for (const [n, m, v] of FRAGS) if (value === v && mask === m) return n;
  return '<error>';
}

function readInt(v: Uint8Array): number {
  let x = 0;
  for (const b of v) x = x * 256 + b;
  return x;
}
function bytesOf(x: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = n - 1; i >= 0; i--) { out[i] = x & 0xff; x = Math.floor(x / 256); }
  return out;
}

/** A parsed field value. */
export interface MfValueMask { value: Uint8Array; mask: Uint8Array }

function parseInteger(f: MfField, s: string): MfValueMask | string {
  const v = parseIntString(s, f.nBytes);
  if (v.err || (v.tail < s.length && s[v.tail] !== '/')) {
    return v.err === 'range' ? `${s}: value too large for ${f.nBytes}-byte field ${f.name}`
      : `${s}: bad syntax for ${f.name} value`;
  }
  if (s[v.tail] === '/') {
    const m = parseIntString(s, f.nBytes, v.tail + 1);
    if (m.err || m.tail !== s.length) {
      return m.err === 'range' ? `${s}: mask too large for ${f.nBytes}-byte field ${f.name}`
        : `${s}: bad syntax for ${f.name} mask`;
    }
    return { value: v.value, mask: m.value };
  }
  return { value: v.value, mask: new Uint8Array(f.nBytes).fill(0xff) };
}

function parsePacketType(s: string): Uint8Array | string {
  const bad = (what: string, at: string): string => `${at}: bad syntax for packet type ${what}`;
  if (s[0] !== '(') return bad("missing '('", s);
  const ns = parseIntString(s, 2, 1);
  if (ns.err) return bad('ns', s.slice(1));
  if (s[ns.tail] !== ',') return bad("missing ','", s.slice(1));
  const rest = s.slice(ns.tail + 1);
  const t = parseIntString(rest, 2);
  if (t.err) return bad('ns_type', rest);
  if (rest[t.tail] !== ')') return bad("missing ')'", rest);
  return Uint8Array.of(ns.value[0]!, ns.value[1]!, t.value[0]!, t.value[1]!);
}

/** Parses 's' as a value (and mask) of field 'f' (mf_parse); value/mask or error text. */
export function mfParse(f: MfField, s: string, ports?: PortNames): MfValueMask | string {
  const n = f.nBytes;
  if (s === '*') return { value: new Uint8Array(n), mask: new Uint8Array(n) };
  const ones = (): Uint8Array => new Uint8Array(n).fill(0xff);
  let r: MfValueMask | string;
  switch (f.string) {
    case S.DEC: case S.HEX:
      r = parseInteger(f, s);
      break;
    case S.CT_STATE: {
      const p = parseFlags(s, ctStateName, 'ct_state', 0xff, true);
      r = typeof p === 'string' ? p : { value: bytesOf(p.flags, 4), mask: bytesOf(p.mask, 4) };
      break;
    }
    case S.ETH: {
      const slash = s.indexOf('/');
      const v = parseEth(slash < 0 ? s : s.slice(0, slash));
      const m = slash < 0 ? ones() : parseEth(s.slice(slash + 1));
      r = v && m ? { value: v, mask: m } : `${s}: invalid Ethernet address`;
      break;
    }
    case S.IPV4: {
      const p = parseIpMasked(s);
      r = typeof p === 'string' ? p : { value: bytesOf(p.ip, 4), mask: bytesOf(p.mask, 4) };
      break;
    }
    case S.IPV6: {
      const p = parseIpv6Masked(s);
      r = typeof p === 'string' ? p : { value: p.ip, mask: p.mask };
      break;
    }
    case S.PORT: {
      const p = parsePort(s, ports);
      r = p === undefined ? `${s}: invalid or unknown port for ${f.name}` : { value: bytesOf(p, 2), mask: ones() };
      break;
    }
    case S.PORT_OXM: {
      const p = parsePort(s, ports);
      r = p === undefined ? `${s}: port value out of range for ${f.name}`
        : { value: bytesOf(portToOfp11(p), 4), mask: ones() };
      break;
    }
    case S.FRAG: {
      const h = FRAGS.find(([name]) => name.toLowerCase() === s.toLowerCase());
      r = h ? { value: Uint8Array.of(h[2]), mask: Uint8Array.of(h[1] | (~FLOW_NW_FRAG_MASK & 0xff)) }
        : `${s}: unknown fragment type (valid types are "no", "yes", "first", "later", "not_later"`;
      break;
    }
    case S.TNL_FLAGS: {
      const p = parseFlags(s, tunFlagName, 'tunnel', 1, true);
      r = typeof p === 'string' ? p : { value: bytesOf(p.flags & 0xffff, 2), mask: bytesOf(p.mask & 0xffff, 2) };
      break;
    }
    case S.TCP_FLAGS: {
      const p = parseFlags(s, tcpFlagName, 'TCP', 0x0fff, true);
      r = typeof p === 'string' ? p : { value: bytesOf(p.flags & 0xffff, 2), mask: bytesOf(p.mask & 0xffff, 2) };
      break;
    }
    case S.PACKET_TYPE: {
      const p = parsePacketType(s);
      r = typeof p === 'string' ? p : { value: p, mask: ones() };
      break;
    }
  }
  if (typeof r !== 'string' && !mfIsMaskValid(f, r.mask)) return `${s}: invalid mask for field ${f.name}`;
  return r;
}

/** Parses an exact value of 'f' (mf_parse_value); wildcards are an error. */
export function mfParseValue(f: MfField, s: string, ports?: PortNames): Uint8Array | string {
  const r = mfParse(f, s, ports);
  if (typeof r === 'string') return r;
  if (!r.mask.every((b) => b === 0xff)) return `${s}: wildcards not allowed here`;
  return r.value;
}

function formatInteger(f: MfField, v: Uint8Array, m: Uint8Array | null): string {
  let s: string;
  if (f.string === S.HEX) s = formatHexBytes(v, 0, f.nBytes);
  else {
    let x = 0n;
    for (let i = 0; i < f.nBytes; i++) x = (x << 8n) | BigInt(v[i]!);
    if (x >= 1n << 63n) x -= 1n << 64n; // printed with %lld
    s = x.toString();
  }
  if (m) s += '/' + formatHexBytes(m, 0, f.nBytes);
  return s;
}

function formatU16Masked(v: number, m: number): string {
  if (!m) return '*';
  let s = v > 9 ? '0x' + v.toString(16) : String(v);
  if (m !== 0xffff) s += '/0x' + m.toString(16);
  return s;
}

/** Text of a packet type match (format_packet_type_masked). */
export function formatPacketTypeMasked(v: number, m: number): string {
  if (v === 0 && m >>> 0 === 0xffffffff) return 'eth';
  return `packet_type=(${formatU16Masked(v >>> 16, m >>> 16)},${formatU16Masked(v & 0xffff, m & 0xffff)})`;
}

/** Formats a value (and mask, null = exact) of field 'f' (mf_format). */
export function mfFormat(f: MfField, value: Uint8Array, mask: Uint8Array | null, ports?: PortNames): string {
  if (mask) {
    if (mask.subarray(0, f.nBytes).every((b) => b === 0)) return 'ANY';
    if (mask.subarray(0, f.nBytes).every((b) => b === 0xff)) mask = null;
  }
  switch (f.string) {
    case S.PORT_OXM:
      if (!mask) return formatPort(portFromOfp11(readInt(value.subarray(0, 4))) ?? 0xffff, ports);
      return formatInteger(f, value, mask);
    case S.PORT:
      if (!mask) return formatPort(readInt(value.subarray(0, 2)), ports);
      return formatInteger(f, value, mask);
    case S.DEC: case S.HEX:
      return formatInteger(f, value, mask);
    case S.CT_STATE:
      return formatFlagsMasked(ctStateName, readInt(value.subarray(0, 4)), mask ? readInt(mask.subarray(0, 4)) : 0xffffffff, 0xffff);
    case S.ETH:
      return formatEthMasked(value, mask);
    case S.IPV4:
      return formatIpMasked(readInt(value.subarray(0, 4)), mask ? readInt(mask.subarray(0, 4)) : 0xffffffff);
    case S.IPV6:
      return formatIpv6Masked(value, mask);
    case S.FRAG:
      return formatFrag(value[0]!, mask ? mask[0]! : 0xff);
    case S.TNL_FLAGS:
      return formatFlagsMasked(tunFlagName, readInt(value.subarray(0, 2)), (mask ? readInt(mask.subarray(0, 2)) : 0xffff) & 1, 1);
    case S.TCP_FLAGS:
      return formatFlagsMasked(tcpFlagName, readInt(value.subarray(0, 2)), (mask ? readInt(mask.subarray(0, 2)) : 0xffff) & 0x0fff, 0x0fff);
    case S.PACKET_TYPE:
      return formatPacketTypeMasked(readInt(value.subarray(0, 4)), mask ? readInt(mask.subarray(0, 4)) : 0xffffffff);
  }
}

