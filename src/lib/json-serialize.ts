/* json-serialize: JSON text exactly as Open vSwitch writes it (lib/json.c).
 *
 * Values are plain JavaScript JSON values (null, boolean, number, bigint for
 * integers beyond 2^53, string, array, object or Map).  Differences from
 * JSON.stringify that matter for byte-compatible output:
 *   - object members come out either sorted bytewise (JSSF_SORT) or in the
 *     order OVS's hash map would iterate them (shash-order.ts), the order OVS
 *     itself uses when it does not sort (e.g. records in database files);
 *   - non-integral numbers use C's "%.15g";
 *   - integers print as integers (OVS turns 1e3 into the integer 1000 too).
 * String escaping is the same as JSON.stringify's for well-formed strings.
 */
import { shashOrder } from './shash-order.js';

/** A JSON value as the OVS code in this project passes it around. */
export type Json = null | boolean | number | bigint | string | Json[] | JsonObject | Map<string, Json>;
/** A JSON object. */
export interface JsonObject { [key: string]: Json }

/** How object members are ordered on output. */
export const enum JsonOrder {
  /** The iteration order of OVS's shash (what OVS writes when not sorting). */
  Hash = 0,
  /** Bytewise sorted, like OVS's JSSF_SORT. */
  Sort = 1,
  /** JavaScript insertion order (cheapest; not what OVS would write). */
  Insertion = 2,
}

/** Formats 'x' as C's printf("%.15g") does. */
export function formatReal(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? (Math.sign(x) < 0 ? '-nan' : 'nan') : x < 0 ? '-inf' : 'inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const e = x.toExponential(14);
  const ePos = e.indexOf('e');
  const exp = parseInt(e.slice(ePos + 1), 10);
  if (exp < -4 || exp >= 15) {
    let mant = e.slice(0, ePos);
    if (mant.includes('.')) mant = mant.replace(/0+$/, '').replace(/\.$/, '');
    const absExp = Math.abs(exp);
    return `${mant}e${exp < 0 ? '-' : '+'}${absExp < 10 ? '0' : ''}${absExp}`;
  }
  let fixed = x.toFixed(14 - exp);
  if (fixed.includes('.')) fixed = fixed.replace(/0+$/, '').replace(/\.$/, '');
  return fixed;
}

const INT64_LIMIT = 2 ** 63;

/** Formats a JSON number as OVS would: integers as integers, others "%.15g". */
export function formatNumber(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < INT64_LIMIT) {
    return Math.abs(x) < 1e21 ? String(x === 0 ? 0 : x) : BigInt(x).toString();
  }
  return formatReal(x);
}

function orderedKeys(keys: string[], order: JsonOrder): string[] {
  if (keys.length < 2 || order === JsonOrder.Insertion) return keys;
  if (order === JsonOrder.Sort) return keys.sort(compareBytewise);
  return shashOrder(keys);
}

/** Compares strings by their UTF-8 bytes (strcmp order). */
export function compareBytewise(a: string, b: string): number {
  // UTF-16 code unit order equals UTF-8 byte order except around surrogates.
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca !== cb) {
      const sa = ca >= 0xd800 && ca <= 0xdfff;
      const sb = cb >= 0xd800 && cb <= 0xdfff;
      if (sa !== sb) return sa ? 1 : -1; // surrogates encode above U+FFFF
      return ca - cb;
    }
  }
  return a.length - b.length;
}

function serialize(value: Json, order: JsonOrder, out: string[]): void {
  switch (typeof value) {
    case 'string': out.push(JSON.stringify(value)); return;
    case 'number': out.push(formatNumber(value)); return;
    case 'bigint': out.push(value.toString()); return;
    case 'boolean': out.push(value ? 'true' : 'false'); return;
    default: break;
  }
  if (value === null) { out.push('null'); return; }
  if (Array.isArray(value)) {
    out.push('[');
    for (let i = 0; i < value.length; i++) {
      if (i) out.push(',');
      serialize(value[i]!, order, out);
    }
    out.push(']');
    return;
  }
  if (value instanceof Map) {
    const keys = orderedKeys([...value.keys()], order);
    out.push('{');
    for (let i = 0; i < keys.length; i++) {
      if (i) out.push(',');
      out.push(JSON.stringify(keys[i]!), ':');
      serialize(value.get(keys[i]!)!, order, out);
    }
    out.push('}');
    return;
  }
  const obj = value as JsonObject;
  const keys = orderedKeys(Object.keys(obj), order);
  out.push('{');
  let first = true;
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined) continue;
    if (!first) out.push(',');
    first = false;
    out.push(JSON.stringify(k), ':');
    serialize(v, order, out);
  }
  out.push('}');
}

/** Serializes 'value' as OVS's json_to_string() would (no pretty-printing). */
export function jsonToString(value: Json, order: JsonOrder = JsonOrder.Hash): string {
  const out: string[] = [];
  serialize(value, order, out);
  return out.join('');
}
