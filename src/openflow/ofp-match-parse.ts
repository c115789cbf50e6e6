/* ofp-match-parse: ovs-ofctl's match syntax into a Match.
 *
 * A match is a comma/space separated list of "field=value[/mask]" (any
 * field name or alias of meta-flow.ts), protocol shorthands ("tcp",
 * "ipv6", "arp"...), "eth" (packet_type), and subfield assignments
 * ("reg0[0..7]=5").  Each field also narrows the set of OpenFlow protocols
 * able to express the match (usable, Proto bits), as ovs-ofctl uses to pick
 * a protocol.  Flow-mod keywords (priority, cookie, table, actions...) are
 * the message layer's: parseMatchKeyValue() tells it which keys it handled.
 * The inverse is match-format.ts.
 */
import { Match } from './match.js';
import {
  Proto, mfFromName, mfSet, matchAddEthernetPrereq, mfGet, type MfField,
} from './meta-flow.js';
import { mfParse, mfFormat } from './meta-flow-format.js';
import { parseKeyValues, parseProtocol } from './ofp-parse.js';
import { parseSubfield } from './nx-match.js';
import { parseIntString } from './addr-text.js';
import type { PortNames } from './ofp-port-map.js';
import {
  FL, get16, get32, put16, ETH_TYPE_IPV6, OFPHTN_ETHERTYPE, PT_ETH,
} from './flow.js';

/** Protocols usable so far, narrowed as fields are parsed. */
export interface Usable { p: number }

/** Parses "field=value" for field 'f' into 'm' (ofp_parse_field); error text or null. */
export function parseField(m: Match, f: MfField, value: string, ports: PortNames, usable: Usable): string | null {
  const r = mfParse(f, value || '0/0', ports);
  if (typeof r === 'string') return r;
  const s = mfSet(f, r.value, r.mask, m);
  usable.p &= s.usable;
  matchAddEthernetPrereq(m, f);
  return s.error;
}

function bitsAllZeroAbove(v: Uint8Array, nBits: number): boolean {
  const total = v.length * 8;
  for (let bit = nBits; bit < total; bit++) {
    const byte = v.length - 1 - (bit >> 3);
    if (v[byte]! & (1 << (bit & 7))) return false;
  }
  return true;
}

/** Copies the low 'n' bits of 'src' to bit offset 'ofs' of 'dst' (both big-endian, same width). */
export function bitwiseCopy(src: Uint8Array, dst: Uint8Array, ofs: number, n: number): void {
  const w = dst.length;
  for (let i = 0; i < n; i++) {
    const sb = src[src.length - 1 - (i >> 3)]! & (1 << (i & 7));
    const d = ofs + i, db = w - 1 - (d >> 3), bit = 1 << (d & 7);
    if (sb) dst[db]! |= bit; else dst[db]! &= ~bit;
  }
}

/** Sets bits [ofs, ofs+n) of 'dst' to one. */
export function bitwiseOne(dst: Uint8Array, ofs: number, n: number): void {
  const w = dst.length;
  for (let i = 0; i < n; i++) {
    const d = ofs + i;
    dst[w - 1 - (d >> 3)]! |= 1 << (d & 7);
  }
}

/** Parses "field[a..b]=value" (parse_subfield); error text or null. */
function parseSubfieldAssign(m: Match, name: string, value: string, usable: Usable): string | null {
  const sf = parseSubfield(name);
  if (typeof sf === 'string') return sf;
  const n = sf.field.nBytes;
  const v = parseIntString(value, n);
  if (v.err || v.tail !== value.length) return `${name}: cannot parse integer value: ${value}`;
  if (!bitsAllZeroAbove(v.value, sf.nBits)) {
    return `${name}: value ${mfFormat(sf.field, v.value, null)} does not fit into ${sf.nBits} bits`;
  }
  const [cur, mask] = mfGet(sf.field, m);
  bitwiseCopy(v.value, cur, sf.ofs, sf.nBits);
  bitwiseOne(mask, sf.ofs, sf.nBits);
  const r = mfSet(sf.field, cur, mask, m);
  usable.p &= r.usable;
  matchAddEthernetPrereq(m, sf.field);
  return r.error;
}

/**
 * Applies one key/value of the flow syntax to 'm' if it is a match key.
 * Returns undefined if 'key' is not a match key (the caller handles it),
 * null on success, or an error text.
 */
export function parseMatchKeyValue(m: Match, key: string, value: string, ports: PortNames, usable: Usable):
  string | null | undefined {
  const p = parseProtocol(key);
  if (p) {
    m.setDlType(p.dlType);
    if (p.nwProto) m.setNwProto(p.nwProto);
    m.setDefaultPacketType();
    return null;
  }
  if (key === 'eth') { m.setPacketType(PT_ETH); return null; }
  const f = mfFromName(key);
  if (f) return parseField(m, f, value, ports, usable);
  if (key.includes('[')) return parseSubfieldAssign(m, key, value, usable);
  return undefined;
}

/** Final fix-ups after all keys are parsed (packet_type ethertype, IPv6 L4 needs NXM/OXM). */
export function finishMatchParse(m: Match, usable: Usable): void {
  if (get32(m.wc, FL.PACKET_TYPE) === 0xffffffff && get32(m.flow, FL.PACKET_TYPE) >>> 16 === OFPHTN_ETHERTYPE) {
    put16(m.flow, FL.DL_TYPE, get32(m.flow, FL.PACKET_TYPE) & 0xffff);
  }
  if (get16(m.flow, FL.DL_TYPE) === ETH_TYPE_IPV6) {
    const w = m.wc;
    if (w[FL.NW_PROTO] || w[FL.NW_TOS] || get16(w, FL.TP_SRC) || get16(w, FL.TP_DST)) usable.p &= Proto.NXM_OXM_ANY;
  }
}

/** Result of parsing a match. */
export interface ParsedMatch { match: Match; usable: number }

/**
 * Parses a match alone ("tcp,nw_src=10.0.0.0/8,tp_dst=80").  Keys that are
 * not match keys are errors ("unknown keyword K"); flow-mod parsing should
 * use parseMatchKeyValue instead.
 */
export function parseMatch(s: string, ports?: PortNames): ParsedMatch | string {
  const m = new Match();
  const usable: Usable = { p: Proto.ANY };
  for (const { key, value } of parseKeyValues(s)) {
    const r = parseMatchKeyValue(m, key, value, ports ?? null, usable);
    if (r === undefined) {
      if (!value) return `field ${key} missing value`;
      return `unknown keyword ${key}`;
    }
    if (r) return r;
  }
  finishMatchParse(m, usable);
  return { match: m, usable: usable.p };
}
