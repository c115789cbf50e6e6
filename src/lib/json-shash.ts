/* json-shash: JSON text with object members in Open vSwitch's hash order.
 *
 * When OVS serializes JSON without sorting (JSSF_SORT off), object members
 * come out in the order its string hash map iterates them, which depends on
 * the members' hashes and insertion order (shash-order.ts).  Database files
 * are written that way, so producing the same order makes our files
 * byte-for-byte like OVS's (apart from timestamps).  Everything else about the
 * text (numbers, string escapes) is json.ts's.
 */
import { type Json, formatNumber } from './json.js';
import { shashOrder } from './shash-order.js';

function serialize(value: Json, out: string[]): void {
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
      serialize(value[i]!, out);
    }
    out.push(']');
    return;
  }
  let keys = Object.keys(value);
  if (keys.length > 1) keys = shashOrder(keys);
  out.push('{');
  let first = true;
  for (const k of keys) {
    const v = value[k];
    if (v === undefined) continue;
    if (!first) out.push(',');
    first = false;
    out.push(JSON.stringify(k), ':');
    serialize(v, out);
  }
  out.push('}');
}

/** Serializes 'value' as OVS's json_to_string(value, 0) would: members in
 * OVS hash-map order, given JavaScript insertion order as OVS's insertion
 * order. */
export function jsonToStringHashOrder(value: Json): string {
  const out: string[] = [];
  serialize(value, out);
  return out.join('');
}
