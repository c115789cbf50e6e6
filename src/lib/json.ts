/* json: JSON values as Open vSwitch reads and writes them.
 *
 * Values are plain JavaScript (null, boolean, number, string, arrays, objects)
 * so that JSON.parse output can be used directly.  Two OVS rules are layered on
 * top:
 *
 *   - Integers: OVS integers are 64-bit.  A number that is an integer is an
 *     OVS integer; one outside the safe range travels as a bigint (jsonParse
 *     produces bigints for long digit runs, jsonToString prints them).
 *   - Reals: a non-integral number is printed as C's "%.15g" (OVS's format),
 *     e.g. 1/3 -> 0.333333333333333 and 1e-7 -> 1e-07.
 *
 * jsonToString reproduces OVS's serializer byte for byte, including JSSF_SORT
 * (members sorted bytewise) and JSSF_PRETTY (two-space indentation).  The
 * OVSDB layer (ovsdb/) uses it for error "syntax" members and string quoting.
 */

/** A JSON value as the OVSDB code handles it. */
export type Json = null | boolean | number | bigint | string | Json[] | JsonObject;
/** A JSON object. */
export interface JsonObject { [member: string]: Json }

/** Serialization flags, as OVS's JSSF_*. */
export interface JsonFormat { sort?: boolean; pretty?: boolean }

/** A new empty object for members with ever-changing names (UUIDs).  One
 * place to tune how such objects are made; measurements showed V8's own
 * handling of plain objects (it stops adding hidden-class transitions after
 * a limit) to be as good as forcing dictionary mode. */
export function jsonDict(): JsonObject {
  return {};
}

/** True if 'v' is a JSON object (not an array, not null). */
export function isJsonObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Formats 'x' as C's printf("%.15g", x). */
export function formatReal(x: number): string {
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  if (!Number.isFinite(x)) return Number.isNaN(x) ? (x < 0 ? '-nan' : 'nan') : x > 0 ? 'inf' : '-inf';
  const e = x.toExponential(14);
  const ePos = e.indexOf('e');
  const exp = parseInt(e.slice(ePos + 1), 10);
  if (exp < -4 || exp >= 15) {
    let mant = e.slice(0, ePos);
    if (mant.indexOf('.') >= 0) mant = mant.replace(/0+$/, '').replace(/\.$/, '');
    const a = Math.abs(exp);
    return mant + 'e' + (exp < 0 ? '-' : '+') + (a < 10 ? '0' + a : String(a));
  }
  let f = x.toFixed(14 - exp);
  if (f.indexOf('.') >= 0) f = f.replace(/0+$/, '').replace(/\.$/, '');
  return f;
}

const TWO63 = 9223372036854775808;

/** Formats a number as OVS would: integers as %lld, others as %.15g. */
export function formatNumber(x: number): string {
  if (Number.isInteger(x) && x < TWO63 && x >= -TWO63) {
    return Object.is(x, -0) ? '0' : (Number.isSafeInteger(x) ? String(x) : BigInt(x).toString());
  }
  return formatReal(x);
}

/** Quotes 's' as a JSON string, escaping as OVS does. */
export function quoteString(s: string): string {
  return JSON.stringify(s);
}

function sortedKeys(o: JsonObject): string[] {
  return Object.keys(o).sort(strcmpKeys);
}

function strcmpKeys(a: string, b: string): number {
  return compareStrings(a, b);
}

/** Compares strings as C strcmp() compares their UTF-8 encodings. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      // UTF-16 surrogates (U+10000 and up) sort above U+E000..U+FFFF in UTF-8.
      if (x >= 0xd800 && y >= 0xd800) {
        if (x < 0xe000) x += 0x10000;
        if (y < 0xe000) y += 0x10000;
      }
      return x < y ? -1 : 1;
    }
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/* Compact output (the common case) is built by string concatenation, which
 * V8 turns into ropes cheaply; sorted and pretty output share one routine. */
function compact(v: Json): string {
  switch (typeof v) {
    case 'string': return JSON.stringify(v);
    case 'number': return Number.isSafeInteger(v) ? '' + v : formatNumber(v);
    case 'boolean': return v ? 'true' : 'false';
    case 'bigint': return v.toString();
    default: break;
  }
  if (v === null) return 'null';
  if (Array.isArray(v)) {
    const n = v.length;
    if (n === 0) return '[]';
    let s = '[' + compact(v[0]!);
    for (let i = 1; i < n; i++) s += ',' + compact(v[i]!);
    return s + ']';
  }
  let s = '{';
  let first = true;
  for (const k in v) {
    const m = v[k];
    if (m === undefined) continue;
    s += (first ? '' : ',') + JSON.stringify(k) + ':' + compact(m);
    first = false;
  }
  return s + '}';
}

function formatted(v: Json, fmt: JsonFormat, depth: number): string {
  if (typeof v !== 'object' || v === null) return compact(v);
  const pretty = fmt.pretty === true;
  const nl = pretty ? '\n' + '  '.repeat(depth + 1) : '';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    let s = '[' + nl;
    for (let i = 0; i < v.length; i++) s += (i ? ',' + nl : '') + formatted(v[i]!, fmt, depth + 1);
    return s + ']';
  }
  const keys = fmt.sort ? sortedKeys(v) : Object.keys(v);
  let s = '{' + nl;
  let i = 0;
  for (const k of keys) {
    const m = v[k];
    if (m === undefined) continue;
    s += (i++ ? ',' + nl : '') + JSON.stringify(k) + (pretty ? ': ' : ':') + formatted(m, fmt, depth + 1);
  }
  return s + '}';
}

/** Serializes 'v' exactly as OVS's json_to_string() with the given flags. */
export function jsonToString(v: Json, fmt?: JsonFormat): string {
  return fmt && (fmt.sort || fmt.pretty) ? formatted(v, fmt, 0) : compact(v);
}

/**
 * Fast compact serialization for the wire: the engine's native
 * JSON.stringify, falling back to jsonToString() for values it cannot print
 * (bigints).  Output equals jsonToString() except that non-integer numbers
 * are printed in JavaScript's shortest form rather than "%.15g"; the OVSDB
 * engine rounds reals to 15 significant digits (atomToJson), so the values
 * are OVS's and only the exponent notation can differ (1e-7 vs 1e-07).
 */
export function jsonToWireString(v: Json): string {
  try {
    return JSON.stringify(v);
  } catch (e) {
    if (e instanceof TypeError) return compact(v);
    throw e;
  }
}

/** Thrown by jsonParse on malformed input. */
export class JsonSyntaxError extends Error {}

const LONG_DIGITS = /\d{16}/;

/** Parses JSON text; integers beyond 2^53 become bigints (exact int64). */
export function jsonParse(text: string): Json {
  if (!LONG_DIGITS.test(text)) {
    try {
      return normalizeNegZero(JSON.parse(text) as Json);
    } catch (e) {
      throw new JsonSyntaxError((e as Error).message);
    }
  }
  return new SlowParser(text).parseTop();
}

function normalizeNegZero(v: Json): Json {
  if (typeof v === 'number') return Object.is(v, -0) ? 0 : v;
  return v;
}

/** A small recursive-descent parser used only when big integers may occur. */
class SlowParser {
  private pos = 0;
  constructor(private readonly s: string) {}

  parseTop(): Json {
    const v = this.value();
    this.ws();
    if (this.pos !== this.s.length) this.fail('trailing garbage');
    return v;
  }

  private fail(msg: string): never {
    throw new JsonSyntaxError(`${msg} at offset ${this.pos}`);
  }

  private ws(): void {
    const s = this.s;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c === 32 || c === 9 || c === 10 || c === 13) this.pos++;
      else break;
    }
  }

  private value(): Json {
    this.ws();
    const s = this.s;
    const c = s[this.pos];
    if (c === '{') {
      this.pos++;
      const o: JsonObject = {};
      this.ws();
      if (s[this.pos] === '}') { this.pos++; return o; }
      for (;;) {
        this.ws();
        if (s[this.pos] !== '"') this.fail('expected string');
        const k = this.string();
        this.ws();
        if (s[this.pos] !== ':') this.fail("expected ':'");
        this.pos++;
        o[k] = this.value();
        this.ws();
        if (s[this.pos] === ',') { this.pos++; continue; }
        if (s[this.pos] === '}') { this.pos++; return o; }
        this.fail("expected '}' or ','");
      }
    }
    if (c === '[') {
      this.pos++;
      const a: Json[] = [];
      this.ws();
      if (s[this.pos] === ']') { this.pos++; return a; }
      for (;;) {
        a.push(this.value());
        this.ws();
        if (s[this.pos] === ',') { this.pos++; continue; }
        if (s[this.pos] === ']') { this.pos++; return a; }
        this.fail("expected ']' or ','");
      }
    }
    if (c === '"') return this.string();
    if (s.startsWith('true', this.pos)) { this.pos += 4; return true; }
    if (s.startsWith('false', this.pos)) { this.pos += 5; return false; }
    if (s.startsWith('null', this.pos)) { this.pos += 4; return null; }
    return this.number();
  }

  private string(): string {
    const s = this.s;
    const start = this.pos;
    this.pos++;
    for (;;) {
      if (this.pos >= s.length) this.fail('unterminated string');
      const c = s.charCodeAt(this.pos);
      if (c === 34) break;
      if (c === 92) this.pos++;
      this.pos++;
    }
    this.pos++;
    try {
      return JSON.parse(s.slice(start, this.pos)) as string;
    } catch {
      return this.fail('bad string');
    }
  }

  private number(): Json {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/.exec(this.s.slice(this.pos, this.pos + 400));
    if (!m) this.fail('syntax error');
    this.pos += m[0].length;
    if (!m[2] && !m[3]) {
      const b = BigInt(m[0]);
      if (b >= -9223372036854775808n && b <= 9223372036854775807n) {
        const n = Number(b);
        return Number.isSafeInteger(n) ? (n === 0 ? 0 : n) : b;
      }
    }
    const x = Number(m[0]);
    return x === 0 ? 0 : x;
  }
}
