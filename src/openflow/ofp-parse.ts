/* ofp-parse: the small text parsers ovs-ofctl's flow syntax is built from
 * (OVS's lib/ofp-parse.c): the "key=value, key(value), key:value" tokenizer
 * with nested parentheses, str_to_u8/u16/u32/u64 with OVS's error texts,
 * and the protocol shorthands (ip, tcp6, arp, mpls...).  Used by the match
 * parser (ofp-match-parse.ts), the action parser and the flow-mod parser.
 */
import { strtoull } from './addr-text.js';
import {
  ETH_TYPE_IP, ETH_TYPE_IPV6, ETH_TYPE_ARP, ETH_TYPE_RARP, ETH_TYPE_MPLS, ETH_TYPE_MPLS_MCAST,
  IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP, IPPROTO_ICMPV6,
} from './flow.js';

/** A cursor over a string for ofputilParseKeyValue. */
export interface KvCursor { s: string; pos: number }

function parseValueLen(s: string, start: number, delims: string): number {
  let n = start;
  while (n < s.length && !delims.includes(s[n]!)) {
    if (s[n] === '(') {
      let level = 0;
      do {
        if (n >= s.length) return n - start;
        if (s[n] === '(') level++;
        else if (s[n] === ')') level--;
        n++;
      } while (level > 0);
    } else n++;
  }
  return n - start;
}

/**
 * Reads the next "key", "key=value", "key:value" or "key(value)" from the
 * cursor (ofputil_parse_key_value); null at the end.  Parentheses nest, and
 * "key(x)->y" keeps "x)->y" as the value.
 */
export function parseKeyValue(c: KvCursor): { key: string; value: string } | null {
  const s = c.s;
  while (c.pos < s.length && ', \t\r\n'.includes(s[c.pos]!)) c.pos++;
  if (c.pos >= s.length) return null;
  const keyStart = c.pos;
  let keyEnd = keyStart;
  while (keyEnd < s.length && !':=(, \t\r\n'.includes(s[keyEnd]!)) keyEnd++;
  const key = s.slice(keyStart, keyEnd);
  const delim = s[keyEnd];
  c.pos = keyEnd + (delim !== undefined ? 1 : 0);
  let delims: string;
  if (delim === ':' || delim === '=') delims = ', \t\r\n';
  else if (delim === '(') delims = ')';
  else return { key, value: '' };
  const vStart = c.pos;
  let vLen = parseValueLen(s, vStart, delims);
  if (delim === '(' && s[vStart + vLen] === ')' && s[vStart + vLen + 1] === '-' && s[vStart + vLen + 2] === '>') {
    vLen += parseValueLen(s, vStart + vLen, ', \t\r\n');
  }
  const value = s.slice(vStart, vStart + vLen);
  c.pos = vStart + vLen + (vStart + vLen < s.length ? 1 : 0);
  return { key, value };
}

/** Splits a whole string into key/value pairs. */
export function parseKeyValues(s: string): Array<{ key: string; value: string }> {
  const c: KvCursor = { s, pos: 0 };
  const out: Array<{ key: string; value: string }> = [];
  for (let kv = parseKeyValue(c); kv; kv = parseKeyValue(c)) out.push(kv);
  return out;
}

/** C str_to_int semantics (strtol base 0, whole string, int range). */
export function strToInt(s: string): number | undefined {
  const r = strtoull(s, 0);
  if (r.end === 0 || r.end !== s.length || r.overflow) return undefined;
  let v = r.value;
  if (v >= 1n << 63n) v -= 1n << 64n;
  if (v > 2147483647n || v < -2147483648n) return undefined;
  return Number(v);
}

/** Parses an 8-bit value; result or the error "invalid NAME \"STR\"". */
export function strToU8(s: string, name: string): number | string {
  const v = strToInt(s);
  return v === undefined || v < 0 || v > 255 ? `invalid ${name} "${s}"` : v;
}

/** Parses a 16-bit value; result or the error "invalid NAME \"STR\"". */
export function strToU16(s: string, name: string): number | string {
  const v = strToInt(s);
  return v === undefined || v < 0 || v > 65535 ? `invalid ${name} "${s}"` : v;
}

/** Parses a 32-bit value (strtoul base 0); result or error text. */
export function strToU32(s: string): number | string {
  if (!s) return 'missing required numeric argument';
  const r = strtoull(s, 0);
  if (r.end !== s.length || r.end === 0 || r.overflow) return `invalid numeric format ${s}`;
  return Number(r.value & 0xffffffffn);
}

/** Parses a 64-bit value (strtoull base 0); result or error text. */
export function strToU64(s: string): bigint | string {
  if (!s) return 'missing required numeric argument';
  const r = strtoull(s, 0);
  if (r.end !== s.length || r.end === 0 || r.overflow) return `invalid numeric format ${s}`;
  return r.value;
}

/** A protocol shorthand: name, Ethertype, IP protocol (0: none). */
export interface OfpProtocol { name: string; dlType: number; nwProto: number }

const PROTOCOLS: readonly OfpProtocol[] = [
  { name: 'ip', dlType: ETH_TYPE_IP, nwProto: 0 },
  { name: 'ipv4', dlType: ETH_TYPE_IP, nwProto: 0 },
  { name: 'ip4', dlType: ETH_TYPE_IP, nwProto: 0 },
  { name: 'arp', dlType: ETH_TYPE_ARP, nwProto: 0 },
  { name: 'icmp', dlType: ETH_TYPE_IP, nwProto: IPPROTO_ICMP },
  { name: 'tcp', dlType: ETH_TYPE_IP, nwProto: IPPROTO_TCP },
  { name: 'udp', dlType: ETH_TYPE_IP, nwProto: IPPROTO_UDP },
  { name: 'sctp', dlType: ETH_TYPE_IP, nwProto: IPPROTO_SCTP },
  { name: 'ipv6', dlType: ETH_TYPE_IPV6, nwProto: 0 },
  { name: 'ip6', dlType: ETH_TYPE_IPV6, nwProto: 0 },
  { name: 'icmp6', dlType: ETH_TYPE_IPV6, nwProto: IPPROTO_ICMPV6 },
  { name: 'tcp6', dlType: ETH_TYPE_IPV6, nwProto: IPPROTO_TCP },
  { name: 'udp6', dlType: ETH_TYPE_IPV6, nwProto: IPPROTO_UDP },
  { name: 'sctp6', dlType: ETH_TYPE_IPV6, nwProto: IPPROTO_SCTP },
  { name: 'rarp', dlType: ETH_TYPE_RARP, nwProto: 0 },
  { name: 'mpls', dlType: ETH_TYPE_MPLS, nwProto: 0 },
  { name: 'mplsm', dlType: ETH_TYPE_MPLS_MCAST, nwProto: 0 },
];

/** The protocol shorthand called 'name' (ofp_parse_protocol), or undefined. */
export function parseProtocol(name: string): OfpProtocol | undefined {
  return PROTOCOLS.find((p) => p.name === name);
}

/** The text after "actions=" (or "action="), or undefined; 'before' gets the rest. */
export function extractActions(s: string): { before: string; actions: string } | undefined {
  const i = s.indexOf('action');
  if (i < 0) return undefined;
  const eq = s.indexOf('=', i + 1);
  if (eq < 0) return undefined;
  return { before: s.slice(0, i), actions: s.slice(eq + 1) };
}

/** strtoull(s, NULL, 0) as C code uses it: leading number or 0, never an error. */
export function strtoullOrZero(s: string): bigint {
  return strtoull(s, 0).value;
}
