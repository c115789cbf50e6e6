/* json-print: JSON text exactly as OVS's json_to_string(json, flags) prints it
 * for a value that OVS itself parsed or built.
 *
 * Without JSSF_SORT, OVS prints object members in its hash-map order, which
 * depends on the members' hashes and insertion order (shash-order.ts); tools
 * that print JSON they received (ovsdb-client transact, table --format=json)
 * therefore show members in that order.  json.ts prints sorted or in insertion
 * order, json-shash.ts in hash order but never pretty; this module adds the
 * combination of hash order and JSSF_PRETTY (two spaces per level).
 */
import { type Json, formatNumber, jsonToString } from './json.js';
import { shashOrder } from './shash-order.js';

/** OVS's JSSF_* flags. */
export interface JsonPrintFlags { sort?: boolean; pretty?: boolean }

/** Serializes 'v' as OVS's json_to_string() with 'flags'. */
export function jsonPrint(v: Json, flags: JsonPrintFlags = {}): string {
  if (flags.sort) return jsonToString(v, flags);
  const out: string[] = [];
  serialize(v, flags.pretty === true, 0, out);
  return out.join('');
}

function indent(out: string[], pretty: boolean, depth: number): void {
  if (pretty) out.push('\n' + '  '.repeat(depth));
}

function serialize(v: Json, pretty: boolean, depth: number, out: string[]): void {
  switch (typeof v) {
    case 'string': out.push(JSON.stringify(v)); return;
    case 'number': out.push(formatNumber(v)); return;
    case 'bigint': out.push(v.toString()); return;
    case 'boolean': out.push(v ? 'true' : 'false'); return;
    default: break;
  }
  if (v === null) { out.push('null'); return; }
  if (Array.isArray(v)) {
    out.push('[');
    if (v.length > 0) {
      indent(out, pretty, depth + 1);
      for (let i = 0; i < v.length; i++) {
        if (i) { out.push(','); indent(out, pretty, depth + 1); }
        serialize(v[i]!, pretty, depth + 1, out);
      }
    }
    out.push(']');
    return;
  }
  out.push('{');
  indent(out, pretty, depth + 1);
  let i = 0;
  for (const k of shashOrder(Object.keys(v).filter((key) => v[key] !== undefined))) {
    if (i++) { out.push(','); indent(out, pretty, depth + 1); }
    out.push(JSON.stringify(k), pretty ? ': ' : ':');
    serialize(v[k]!, pretty, depth + 1, out);
  }
  out.push('}');
}
