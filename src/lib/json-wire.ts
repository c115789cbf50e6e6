/* json-wire: fast serialization of JSON-RPC messages for the wire.
 *
 * Produces exactly the text of json.ts's jsonToString(value) (members in
 * insertion order, 64-bit integers from bigints, reals as OVS's %.15g) but
 * builds it by string concatenation, which V8 turns into cheap ropes: on
 * the small replies and updates a busy ovsdb-server sends, it is several
 * times faster than collecting tokens in an array, and faster than
 * JSON.stringify (which would also print reals differently and reject
 * bigints).
 */
import { formatNumber } from './json.js';

/** The JSON text of 'v' (undefined members are skipped, as json.ts does). */
export function jsonWireText(v: unknown): string {
  switch (typeof v) {
    case 'string': return JSON.stringify(v);
    case 'number': return Number.isInteger(v) && v < 1e21 && v > -1e21 && !Object.is(v, -0) ? String(v) : formatNumber(v);
    case 'boolean': return v ? 'true' : 'false';
    case 'bigint': return v.toString();
    case 'object': {
      if (v === null) return 'null';
      if (Array.isArray(v)) {
        let s = '[';
        for (let i = 0; i < v.length; i++) {
          if (i) s += ',';
          s += jsonWireText(v[i]);
        }
        return s + ']';
      }
      let s = '{';
      let first = true;
      const o = v as Record<string, unknown>;
      for (const k in o) {
        const x = o[k];
        if (x === undefined) continue;
        if (first) first = false; else s += ',';
        s += JSON.stringify(k) + ':' + jsonWireText(x);
      }
      return s + '}';
    }
    default: return 'null';
  }
}
