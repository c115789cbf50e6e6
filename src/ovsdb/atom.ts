/* atom: single OVSDB values (OVS lib/ovsdb-data.c, the ovsdb_atom_* part).
 *
 * Representation (see types.ts for the Atom type):
 *   integer  number, or bigint when outside +-(2^53-1) (always normalized, so
 *            === compares integers correctly)
 *   real     number (never -0 from parsing)
 *   boolean  boolean
 *   string   string
 *   uuid     canonical lowercase string (string order == OVS's uuid order)
 *
 * This file parses atoms from JSON (RFC 7047 notation, with "named-uuid"
 * through a SymbolTable) and from the string syntax of ovs-vsctl and friends,
 * prints them both ways, orders them as OVS does and checks constraints,
 * all with OVS's error texts.  datum.ts builds sets and maps on top.
 */
import { type Json, compareStrings, formatReal, quoteString } from '../lib/json.js';
import { OvsdbError, ovsdbError, syntaxError } from './ovsdb-error.js';
import { isId } from './ovsdb-parser.js';
import { UUID_ZERO, uuidFromString, uuidGenerate, uuidIsValid } from './uuid.js';
import { type Atom, type AtomicType, type BaseType, DBL_MAX, INT64_MAX, INT64_MIN, UINT_MAX } from './types.js';

/** Largest integer range "a-b" accepted in string syntax. */
export const MAX_ATOM_RANGE_SIZE = 4096;

/** The default atom of a type: 0, 0.0, false, "" or the all-zeros UUID. */
export function atomDefault(t: AtomicType): Atom {
  switch (t) {
    case 'integer': return 0;
    case 'real': return 0;
    case 'boolean': return false;
    case 'string': return '';
    case 'uuid': return UUID_ZERO;
  }
}

/** True if 'a' is the default atom for 't'. */
export function atomIsDefault(a: Atom, t: AtomicType): boolean {
  switch (t) {
    case 'integer': case 'real': return a === 0 || a === 0n;
    case 'boolean': return a === false;
    case 'string': return a === '';
    case 'uuid': return a === UUID_ZERO;
  }
}

/** Three-way comparison in OVS's order for atoms of type 't'. */
export function atomCompare(a: Atom, b: Atom, t: AtomicType): number {
  if (a === b) return 0;
  if (t === 'string') return compareStrings(a as string, b as string);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Normalizes an integer: safe integers as numbers, others as bigints. */
export function normInt(v: number | bigint): number | bigint {
  if (typeof v === 'bigint') {
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : v;
  }
  return v === 0 ? 0 : v;
}

/** Named UUIDs of one transaction ("uuid-name" / "named-uuid" / "@name"). */
export interface OvsdbSymbol {
  uuid: string;
  /** Set when an insert created the row. */
  created: boolean;
  strongRef: boolean;
  weakRef: boolean;
}

/** Maps names to UUIDs within a transaction or command line. */
export class SymbolTable {
  private map: Map<string, OvsdbSymbol> | null = null;

  /** All symbols by name. */
  get symbols(): Map<string, OvsdbSymbol> { return this.map ??= new Map(); }

  /** The symbol named 'name', if any. */
  get(name: string): OvsdbSymbol | undefined { return this.map?.get(name); }

  /** Adds a symbol; the name must be new. */
  put(name: string, uuid: string, created: boolean): OvsdbSymbol {
    const sym: OvsdbSymbol = { uuid, created, strongRef: false, weakRef: false };
    this.symbols.set(name, sym);
    return sym;
  }

  /** Returns the symbol named 'name', creating it with a fresh UUID if needed. */
  insert(name: string): OvsdbSymbol {
    return this.get(name) ?? this.put(name, uuidGenerate(), false);
  }
}

function symbolReferenced(sym: OvsdbSymbol, base: BaseType): void {
  if (base.refTableName !== null) {
    if (base.refType === 'strong') sym.strongRef = true;
    else sym.weakRef = true;
  }
}

function jsonTypeName(v: Json): string {
  switch (typeof v) {
    case 'string': return 'string';
    case 'number': return Number.isInteger(v) ? 'integer' : 'real';
    case 'bigint': return 'integer';
    case 'boolean': return v ? 'true' : 'false';
    default: return v === null ? 'null' : Array.isArray(v) ? 'array' : 'object';
  }
}

function parseUuid(json: Json, symtab: SymbolTable | null, base: BaseType): string {
  if (Array.isArray(json) && json.length === 2 && typeof json[1] === 'string') {
    const tag = json[0];
    if (tag === 'uuid') {
      const u = uuidFromString(json[1]);
      if (u === null) throw syntaxError(json, null, `"${json[1]}" is not a valid UUID`);
      return u;
    }
    if (tag === 'named-uuid' && symtab) {
      if (!isId(json[1])) throw syntaxError(json, null, 'named-uuid string is not a valid <id>');
      const sym = symtab.insert(json[1]);
      symbolReferenced(sym, base);
      return sym.uuid;
    }
  }
  throw syntaxError(json, null, 'expected ["uuid", <string>]');
}

/** Parses 'json' as an atom of 'base' (no constraint check). Throws OvsdbError. */
export function atomFromJsonUnchecked(base: BaseType, json: Json, symtab: SymbolTable | null): Atom {
  switch (base.type) {
    case 'integer':
      if (typeof json === 'number') {
        if (Number.isSafeInteger(json)) return json === 0 ? 0 : json;
        if (Number.isInteger(json) && json >= -9223372036854775808 && json < 9223372036854775808) {
          return normInt(BigInt(json));
        }
      } else if (typeof json === 'bigint' && json >= INT64_MIN && json <= INT64_MAX) {
        return normInt(json);
      }
      break;
    case 'real':
      if (typeof json === 'number') return json === 0 ? 0 : json;
      if (typeof json === 'bigint') return Number(json);
      break;
    case 'boolean':
      if (typeof json === 'boolean') return json;
      break;
    case 'string':
      if (typeof json === 'string') return json;
      break;
    case 'uuid':
      return parseUuid(json, symtab, base);
  }
  throw syntaxError(json, null, `expected ${base.type}`);
}

/** Parses 'json' as an atom of 'base' and checks its constraints. Throws OvsdbError. */
export function atomFromJson(base: BaseType, json: Json, symtab: SymbolTable | null): Atom {
  const a = atomFromJsonUnchecked(base, json, symtab);
  if (base.checked) {
    const err = atomCheckConstraints(a, base);
    if (err) throw err;
  }
  return a;
}

/** The JSON form of an atom (uuids as ["uuid", "..."]).  Reals are rounded
 * to the 15 significant digits OVS prints ("%.15g"), so every serializer
 * sends OVS's values. */
export function atomToJson(a: Atom, t: AtomicType): Json {
  if (t === 'uuid') return ['uuid', a as string];
  if (t === 'real' && !Number.isInteger(a)) return roundReal(a as number);
  return a;
}

/** 'x' rounded to 15 significant digits (what "%.15g" prints). */
export function roundReal(x: number): number {
  return Number.isFinite(x) ? Number(x.toPrecision(15)) : x;
}

function enumToString(base: BaseType): string {
  const keys = base.enum!.keys;
  let s = '[';
  for (let i = 0; i < keys.length; i++) {
    if (i) s += ', ';
    s += atomToString(keys[i]!, base.type);
  }
  return s + ']';
}

function enumContains(base: BaseType, a: Atom): boolean {
  const keys = base.enum!.keys;
  let lo = 0, hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = atomCompare(a, keys[mid]!, base.type);
    if (c < 0) hi = mid;
    else if (c > 0) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Number of characters (code points) in 's', as OVS counts UTF-8 characters. */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff && i > 0) {
      const p = s.charCodeAt(i - 1);
      if (p >= 0xd800 && p <= 0xdbff) n--;
    }
  }
  return n;
}

/** Checks 'a' against the constraints of 'base'; returns the violation or null. */
export function atomCheckConstraints(a: Atom, base: BaseType): OvsdbError | null {
  if (base.enum && !enumContains(base, a)) {
    return ovsdbError('constraint violation',
      `${atomToString(a, base.type)} is not one of the allowed values (${enumToString(base)})`);
  }
  switch (base.type) {
    case 'integer': {
      const v = a as number | bigint;
      if (v >= base.minInteger && v <= base.maxInteger) return null;
      if (base.minInteger !== INT64_MIN) {
        if (base.maxInteger !== INT64_MAX) {
          return ovsdbError('constraint violation',
            `${v} is not in the valid range ${base.minInteger} to ${base.maxInteger} (inclusive)`);
        }
        return ovsdbError('constraint violation', `${v} is less than minimum allowed value ${base.minInteger}`);
      }
      return ovsdbError('constraint violation', `${v} is greater than maximum allowed value ${base.maxInteger}`);
    }
    case 'real': {
      const v = a as number;
      if (v >= base.minReal && v <= base.maxReal) return null;
      if (base.minReal !== -DBL_MAX) {
        if (base.maxReal !== DBL_MAX) {
          return ovsdbError('constraint violation',
            `${formatReal(v)} is not in the valid range ${formatReal(base.minReal)} to ${formatReal(base.maxReal)} (inclusive)`);
        }
        return ovsdbError('constraint violation',
          `${formatReal(v)} is less than minimum allowed value ${formatReal(base.minReal)}`);
      }
      return ovsdbError('constraint violation',
        `${formatReal(v)} is greater than maximum allowed value ${formatReal(base.maxReal)}`);
    }
    case 'string': {
      if (base.minLength === 0 && base.maxLength === UINT_MAX) return null;
      const s = a as string;
      const n = utf8Length(s);
      if (n < base.minLength) {
        return ovsdbError('constraint violation',
          `"${s}" length ${n} is less than minimum allowed length ${base.minLength}`);
      }
      if (n > base.maxLength) {
        return ovsdbError('constraint violation',
          `"${s}" length ${n} is greater than maximum allowed length ${base.maxLength}`);
      }
      return null;
    }
    default:
      return null;
  }
}

/* ---- String syntax (ovs-vsctl, ovsdb-client, ovsdb-tool). ---- */

const SPACE_RE = /^[ \t\n\v\f\r]*/;
const INT_RE = /^[ \t\n\v\f\r]*([+-]?\d+)/;
const REAL_RE = /^[ \t\n\v\f\r]*[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)$/;
const REAL_SPECIAL_RE = /^[ \t\n\v\f\r]*([+-]?)(inf|infinity|nan)$/i;

/** strtoll-style prefix parse: returns [value, length consumed] or null. */
function strtollPrefix(s: string): [number | bigint, number] | null {
  const m = INT_RE.exec(s);
  if (!m) return null;
  const b = BigInt(m[1]!);
  if (b < INT64_MIN || b > INT64_MAX) return null;
  return [normInt(b), m[0].length];
}

/** C's str_to_llong(): the whole string must be an integer. */
export function strToLlong(s: string): number | bigint | null {
  const r = strtollPrefix(s);
  return r && r[1] === s.length ? r[0] : null;
}

/** C's str_to_double(): the whole string must be a number. */
export function strToDouble(s: string): number | null {
  if (REAL_RE.test(s)) {
    const x = Number(s.replace(SPACE_RE, ''));
    return Number.isFinite(x) ? x : null;
  }
  const m = REAL_SPECIAL_RE.exec(s);
  if (m) {
    const neg = m[1] === '-';
    return m[2]!.toLowerCase() === 'nan' ? NaN : neg ? -Infinity : Infinity;
  }
  return null;
}

/** Result of parsing an atom from a string: the atom and, for "a-b" ranges, the end. */
export interface AtomParse { atom: Atom; rangeEnd: Atom | null }

function rangeCheckSize(start: number | bigint, end: number | bigint): OvsdbError | null {
  if (BigInt(end) - BigInt(start) >= BigInt(MAX_ATOM_RANGE_SIZE)) {
    return ovsdbError('constraint violation',
      `Range "${start}-${end}" is too big. Maximum allowed size is ${MAX_ATOM_RANGE_SIZE}.`);
  }
  return null;
}

/** Unescapes the inside of a JSON string; returns [string] or an error text. */
export function jsonStringUnescape(s: string): { ok: true; value: string } | { ok: false; error: string } {
  let out = '';
  let i = 0;
  const n = s.length;
  while (i < n) {
    const c = s[i]!;
    if (c === '"') return { ok: false, error: 'quoted string may not include unescaped "' };
    if (c !== '\\') { out += c; i++; continue; }
    i++;
    if (i >= n) return { ok: false, error: 'quoted string may not end with backslash' };
    const e = s[i++]!;
    switch (e) {
      case '"': case '\\': case '/': out += e; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        const hex4 = (at: number): number | string => {
          if (at + 4 > n) return 'quoted string ends within \\u escape';
          const h = s.slice(at, at + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(h)) return 'malformed \\u escape';
          const v = parseInt(h, 16);
          return v === 0 ? 'null bytes not supported in quoted strings' : v;
        };
        const c0 = hex4(i);
        if (typeof c0 === 'string') return { ok: false, error: c0 };
        i += 4;
        if (c0 < 0xd800 || c0 > 0xdbff) { out += String.fromCharCode(c0); break; }
        if (i + 2 > n || s[i] !== '\\' || s[i + 1] !== 'u') {
          return { ok: false, error: 'malformed escaped surrogate pair' };
        }
        i += 2;
        const c1 = hex4(i);
        if (typeof c1 === 'string') return { ok: false, error: c1 };
        i += 4;
        if (c1 < 0xdc00 || c1 > 0xdfff) {
          return { ok: false, error: 'second half of escaped surrogate pair is not trailing surrogate' };
        }
        out += String.fromCharCode(c0, c1);
        break;
      }
      default:
        return { ok: false, error: `bad escape \\${e}` };
    }
  }
  return { ok: true, value: out };
}

function atomFromStringUnchecked(base: BaseType, s: string, symtab: SymbolTable | null,
                                 allowRange: boolean): AtomParse | string {
  switch (base.type) {
    case 'integer': {
      if (allowRange) {
        const r = strtollPrefix(s);
        if (r && s[r[1]] === '-') {
          const end = strToLlong(s.slice(r[1] + 1));
          if (end !== null) {
            if (end < r[0]) return `"${s}" is not a valid range. Range end cannot be before start.`;
            return { atom: r[0], rangeEnd: end };
          }
        }
      }
      const v = strToLlong(s);
      if (v === null) return `"${s}" is not a valid integer or range`;
      return { atom: v, rangeEnd: null };
    }
    case 'real': {
      const x = strToDouble(s);
      if (x === null) return `"${s}" is not a valid real number`;
      return { atom: x === 0 ? 0 : x, rangeEnd: null };
    }
    case 'boolean':
      if (s === 'true' || s === 'yes' || s === 'on' || s === '1') return { atom: true, rangeEnd: null };
      if (s === 'false' || s === 'no' || s === 'off' || s === '0') return { atom: false, rangeEnd: null };
      return `"${s}" is not a valid boolean (use "true" or "false")`;
    case 'string':
      if (s === '') return 'An empty string is not valid as input; use "" to represent the empty string';
      if (s[0] === '"') {
        if (s.length < 2 || s[s.length - 1] !== '"') return `${s}: missing quote at end of quoted string`;
        const r = jsonStringUnescape(s.slice(1, -1));
        if (!r.ok) return `${s}: ${r.error}`;
        return { atom: r.value, rangeEnd: null };
      }
      return { atom: s, rangeEnd: null };
    case 'uuid': {
      if (s[0] === '@' && symtab) {
        const sym = symtab.insert(s);
        symbolReferenced(sym, base);
        return { atom: sym.uuid, rangeEnd: null };
      }
      const u = uuidFromString(s);
      if (u === null) return `"${s}" is not a valid UUID`;
      return { atom: u, rangeEnd: null };
    }
  }
}

/** Parses an atom from the string syntax (OVS's ovsdb_atom_from_string); returns an error text on failure. */
export function atomFromString(base: BaseType, s: string, symtab: SymbolTable | null,
                               allowRange = false): AtomParse | string {
  const r = atomFromStringUnchecked(base, s, symtab, allowRange);
  if (typeof r === 'string') return r;
  let err = atomCheckConstraints(r.atom, base);
  if (!err && r.rangeEnd !== null) {
    const start = r.atom as number | bigint;
    const end = r.rangeEnd as number | bigint;
    if (base.enum) {
      for (let i = BigInt(start) + 1n; i <= BigInt(end) && !err; i++) {
        err = atomCheckConstraints(normInt(i), base);
      }
    } else {
      err = atomCheckConstraints(end, base);
    }
    if (!err) err = rangeCheckSize(start, end);
  }
  return err ? err.toString() : r;
}

function isAlpha(c: number): boolean { return (c >= 65 && c <= 90) || (c >= 97 && c <= 122); }
function isDigit(c: number): boolean { return c >= 48 && c <= 57; }

/** True if a string atom must be quoted in the string syntax. */
export function stringNeedsQuotes(s: string): boolean {
  if (s.length === 0) return true;
  let c = s.charCodeAt(0);
  if (!isAlpha(c) && c !== 95) return true;
  for (let i = 1; i < s.length; i++) {
    c = s.charCodeAt(i);
    if (!isAlpha(c) && !isDigit(c) && c !== 95 && c !== 45 && c !== 46) return true;
  }
  if (s === 'true' || s === 'false') return true;
  return uuidIsValid(s);
}

/** Prints an atom in the string syntax (OVS's ovsdb_atom_to_string). */
export function atomToString(a: Atom, t: AtomicType): string {
  switch (t) {
    case 'integer': return String(a);
    case 'real': return formatReal(a as number);
    case 'boolean': return a ? 'true' : 'false';
    case 'string': return stringNeedsQuotes(a as string) ? quoteString(a as string) : a as string;
    case 'uuid': return a as string;
  }
}

/** Prints an atom in the "bare" syntax: strings unquoted. */
export function atomToBare(a: Atom, t: AtomicType): string {
  return t === 'string' ? a as string : atomToString(a, t);
}

/** Type names used in error messages about JSON values. */
export { jsonTypeName };
