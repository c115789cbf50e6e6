/* datum: OVSDB column values (OVS lib/ovsdb-data.c, the ovsdb_datum_* part).
 *
 * A Datum is a sorted set of atoms ('keys') or, for maps, sorted keys with a
 * parallel array of 'values'.  Keys are unique and in atomCompare() order,
 * which is what makes equality, comparison and the RFC 7047 "includes" /
 * "excludes" tests cheap.  Datums are treated as immutable once built: rows
 * share them freely, and every operation here returns a new Datum rather than
 * modifying its input.  That is what lets transactions copy rows shallowly.
 *
 * Parsing and printing: JSON notation (["set", [...]], ["map", [[k, v]...]],
 * a bare atom for a one-element set) and the ovs-vsctl string syntax
 * ("[a, b]", "{k=v}", "a,b"), with OVS's exact error texts.  Diffs (used by
 * monitor_cond "modify" updates and the on-disk log) are also here.
 */
import type { Json } from '../lib/json.js';
import { OvsdbError, ovsdbError, syntaxError } from './ovsdb-error.js';
import {
  type SymbolTable, atomCheckConstraints, atomCompare, atomDefault, atomFromJson, atomFromJsonUnchecked,
  atomFromString, atomIsDefault, atomToBare, atomToJson, atomToString, normInt,
} from './atom.js';
import { type Atom, type AtomicType, BaseType, Type, UINT_MAX } from './types.js';
import { uuidRowName } from './uuid.js';

/** A set (values === null) or map of atoms, sorted by key. */
export class Datum {
  constructor(readonly keys: Atom[], readonly values: Atom[] | null) {}
  /** Number of elements. */
  get n(): number { return this.keys.length; }
}

const EMPTY_SET = new Datum([], null);
const EMPTY_MAP = new Datum([], []);

/** An empty datum for 'type'. */
export function datumEmpty(type: Type): Datum {
  return type.value ? EMPTY_MAP : EMPTY_SET;
}

/** A datum holding the single atom 'a' (and value 'v' for maps). */
export function datumSingle(a: Atom, v: Atom | null = null): Datum {
  return new Datum([a], v === null ? null : [v]);
}

const defaultCache = new Map<string, Datum>();

/** The default datum of 'type': empty if min is 0, else one default atom (or pair). */
export function datumDefault(type: Type): Datum {
  if (type.min === 0) return datumEmpty(type);
  const vt = type.value ? type.value.type : 'void';
  const k = type.key.type + '/' + vt;
  let d = defaultCache.get(k);
  if (!d) {
    d = new Datum([atomDefault(type.key.type)], type.value ? [atomDefault(type.value.type)] : null);
    defaultCache.set(k, d);
  }
  return d;
}

/** True if 'd' equals the default datum of 'type'. */
export function datumIsDefault(d: Datum, type: Type): boolean {
  if (d.keys.length !== type.min) return false;
  for (let i = 0; i < d.keys.length; i++) {
    if (!atomIsDefault(d.keys[i]!, type.key.type)) return false;
    if (type.value && !atomIsDefault(d.values![i]!, type.value.type)) return false;
  }
  return true;
}

/** True if the number of elements is within the bounds of 'type'. */
export function datumConformsToType(d: Datum, type: Type): boolean {
  return d.keys.length >= type.min && d.keys.length <= type.max;
}

/* ---- Ordering and search. ---- */

/** Three-way comparison (OVS's ovsdb_datum_compare_3way): by size, then keys, then values. */
export function datumCompare(a: Datum, b: Datum, type: Type): number {
  if (a === b) return 0;
  const n = a.keys.length;
  if (n !== b.keys.length) return n < b.keys.length ? -1 : 1;
  const kt = type.key.type;
  for (let i = 0; i < n; i++) {
    const c = atomCompare(a.keys[i]!, b.keys[i]!, kt);
    if (c) return c;
  }
  if (type.value) {
    const vt = type.value.type;
    for (let i = 0; i < n; i++) {
      const c = atomCompare(a.values![i]!, b.values![i]!, vt);
      if (c) return c;
    }
  }
  return 0;
}

/** True if 'a' and 'b' hold the same elements. */
export function datumEquals(a: Datum, b: Datum, type: Type): boolean {
  if (a === b) return true;
  const n = a.keys.length;
  if (n !== b.keys.length) return false;
  const ak = a.keys, bk = b.keys;
  for (let i = 0; i < n; i++) if (ak[i] !== bk[i]) return false;
  if (type.value) {
    const av = a.values!, bv = b.values!;
    for (let i = 0; i < n; i++) if (av[i] !== bv[i]) return false;
  }
  return true;
}

/** Index of 'key' in 'd', or -(insertion point) - 1. */
export function datumFindKey(d: Datum, key: Atom, kt: AtomicType): number {
  const keys = d.keys;
  let lo = 0, hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = atomCompare(key, keys[mid]!, kt);
    if (c < 0) hi = mid;
    else if (c > 0) lo = mid + 1;
    else return mid;
  }
  return -lo - 1;
}

/** Index of the pair (key, value) in 'd' (value ignored if vt is null), or -1. */
export function datumFindKeyValue(d: Datum, key: Atom, kt: AtomicType, value: Atom | null,
                                  vt: AtomicType | null): number {
  const i = datumFindKey(d, key, kt);
  if (i < 0) return -1;
  if (vt !== null && d.values![i] !== value) return -1;
  return i;
}

/** True if every element of 'a' is in 'b' (keys and, for maps, values). */
export function datumIncludesAll(a: Datum, b: Datum, type: Type): boolean {
  if (a.keys.length > b.keys.length) return false;
  const kt = type.key.type, vt = type.value ? type.value.type : null;
  for (let i = 0; i < a.keys.length; i++) {
    if (datumFindKeyValue(b, a.keys[i]!, kt, vt ? a.values![i]! : null, vt) < 0) return false;
  }
  return true;
}

/** True if no element of 'a' is in 'b'. */
export function datumExcludesAll(a: Datum, b: Datum, type: Type): boolean {
  const kt = type.key.type, vt = type.value ? type.value.type : null;
  for (let i = 0; i < a.keys.length; i++) {
    if (datumFindKeyValue(b, a.keys[i]!, kt, vt ? a.values![i]! : null, vt) >= 0) return false;
  }
  return true;
}

/* ---- Building and sorting. ---- */

function isStrictlySorted(keys: Atom[], kt: AtomicType): boolean {
  for (let i = 1; i < keys.length; i++) {
    if (atomCompare(keys[i - 1]!, keys[i]!, kt) >= 0) return false;
  }
  return true;
}

/** Sorts parallel key/value arrays by key (then value); returns new arrays. */
function sortPairs(keys: Atom[], values: Atom[] | null, kt: AtomicType,
                   vt: AtomicType | null): [Atom[], Atom[] | null] {
  const idx = keys.map((_, i) => i);
  idx.sort((x, y) => {
    const c = atomCompare(keys[x]!, keys[y]!, kt);
    if (c || !values || vt === null) return c;
    return atomCompare(values[x]!, values[y]!, vt);
  });
  return [idx.map((i) => keys[i]!), values ? idx.map((i) => values[i]!) : null];
}

/** Builds a datum from unsorted elements; throws OvsdbError on duplicate keys. */
export function datumFromUnsorted(keys: Atom[], values: Atom[] | null, type: Type): Datum {
  const kt = type.key.type;
  if (keys.length < 2 || isStrictlySorted(keys, kt)) return new Datum(keys, values);
  const [k, v] = sortPairs(keys, values, kt, null);
  for (let i = 1; i < k.length; i++) {
    if (k[i - 1] === k[i] || atomCompare(k[i - 1]!, k[i]!, kt) === 0) {
      throw ovsdbError(null, values ? 'map contains duplicate key' : 'set contains duplicate');
    }
  }
  return new Datum(k, v);
}

/** Builds a datum from unsorted elements, dropping duplicates (keeping the smallest value). */
export function datumFromUnsortedUnique(keys: Atom[], values: Atom[] | null, type: Type): Datum {
  const kt = type.key.type;
  if (keys.length < 2 || isStrictlySorted(keys, kt)) return new Datum(keys, values);
  const [k, v] = sortPairs(keys, values, kt, type.value ? type.value.type : null);
  const ok: Atom[] = [k[0]!];
  const ov: Atom[] | null = v ? [v[0]!] : null;
  for (let i = 1; i < k.length; i++) {
    if (atomCompare(k[i]!, ok[ok.length - 1]!, kt) !== 0) {
      ok.push(k[i]!);
      if (ov) ov.push(v![i]!);
    }
  }
  return new Datum(ok, ov);
}

/** Checks every atom against the constraints in 'type'; returns the first violation. */
export function datumCheckConstraints(d: Datum, type: Type): OvsdbError | null {
  if (type.key.checked) {
    for (const a of d.keys) {
      const e = atomCheckConstraints(a, type.key);
      if (e) return e;
    }
  }
  if (type.value && type.value.checked) {
    for (const a of d.values!) {
      const e = atomCheckConstraints(a, type.value);
      if (e) return e;
    }
  }
  return null;
}

/* ---- JSON. ---- */

/** Parses 'json' as a datum of 'type' (RFC 7047 notation). Throws OvsdbError. */
export function datumFromJson(type: Type, json: Json, symtab: SymbolTable | null): Datum {
  const isMap = type.value !== null;
  if (isMap || (Array.isArray(json) && json.length > 0 && json[0] === 'set')) {
    const cls = isMap ? 'map' : 'set';
    if (!Array.isArray(json) || json.length !== 2 || json[0] !== cls || !Array.isArray(json[1])) {
      throw syntaxError(json, null, `expected ["${cls}", <array>]`);
    }
    const inner = json[1];
    const n = inner.length;
    if (n < type.min || n > type.max) {
      if (type.min === 1 && type.max === 1) {
        throw syntaxError(json, null, `${cls} must have exactly one member but ${n} are present`);
      }
      throw syntaxError(json, null, `${cls} must have ${type.min} to ${type.max} members but ${n} are present`);
    }
    const keys = new Array<Atom>(n);
    if (!isMap) {
      for (let i = 0; i < n; i++) keys[i] = atomFromJson(type.key, inner[i]!, symtab);
      return datumFromUnsorted(keys, null, type);
    }
    const values = new Array<Atom>(n);
    for (let i = 0; i < n; i++) {
      const e = inner[i]!;
      if (!Array.isArray(e) || e.length !== 2) throw syntaxError(e, null, 'expected 2-element array');
      keys[i] = atomFromJson(type.key, e[0]!, symtab);
      values[i] = atomFromJson(type.value!, e[1]!, symtab);
    }
    return datumFromUnsorted(keys, values, type);
  }
  return new Datum([atomFromJson(type.key, json, symtab)], null);
}

/** Parses 'json' ignoring element-count bounds (OVS's ovsdb_transient_datum_from_json). */
export function datumFromJsonTransient(type: Type, json: Json): Datum {
  return datumFromJson(type.withBounds(0, UINT_MAX), json, null);
}

/** Parses 'json' ignoring all constraints (OVS's ovsdb_unconstrained_datum_from_json). */
export function datumFromJsonUnconstrained(type: Type, json: Json): Datum {
  const t = new Type(type.key.unconstrained(), type.value ? type.value.unconstrained() : null, 0, UINT_MAX);
  return datumFromJson(t, json, null);
}

/** The JSON form of 'd' (RFC 7047 notation). */
export function datumToJson(d: Datum, type: Type): Json {
  const kt = type.key.type;
  const n = d.keys.length;
  if (type.value) {
    const vt = type.value.type;
    const pairs = new Array<Json>(n);
    for (let i = 0; i < n; i++) pairs[i] = [atomToJson(d.keys[i]!, kt), atomToJson(d.values![i]!, vt)];
    return ['map', pairs];
  }
  if (n === 1) return atomToJson(d.keys[0]!, kt);
  const elems = new Array<Json>(n);
  for (let i = 0; i < n; i++) elems[i] = atomToJson(d.keys[i]!, kt);
  return ['set', elems];
}

/* Datums are immutable, so common single values can be shared: every
 * integer-or-real 0..1023 and both booleans. */
const SMALL_INT_DATUMS: Datum[] = Array.from({ length: 1024 }, (_, i) => new Datum([i], null));
const TRUE_DATUM = new Datum([true], null);
const FALSE_DATUM = new Datum([false], null);

/** A datum holding just 'a' (possibly a shared instance). */
export function datumOfAtom(a: Atom): Datum {
  if (typeof a === 'number') {
    if (a >= 0 && a < 1024 && (a | 0) === a) return SMALL_INT_DATUMS[a]!;
  } else if (typeof a === 'boolean') {
    return a ? TRUE_DATUM : FALSE_DATUM;
  }
  return new Datum([a], null);
}

/** Like datumToJson, but references print as ["named-uuid", "row<uuid>"] (OVS's ovsdb_datum_to_json_with_row_names). */
export function datumToJsonWithRowNames(d: Datum, type: Type): Json {
  const conv = (a: Atom, b: BaseType): Json =>
    b.type === 'uuid' && b.refTableName !== null ? ['named-uuid', uuidRowName(a as string)] : atomToJson(a, b.type);
  const n = d.keys.length;
  if (type.value) {
    const pairs = new Array<Json>(n);
    for (let i = 0; i < n; i++) pairs[i] = [conv(d.keys[i]!, type.key), conv(d.values![i]!, type.value)];
    return ['map', pairs];
  }
  if (n === 1) return conv(d.keys[0]!, type.key);
  return ['set', d.keys.map((a) => conv(a, type.key))];
}

/** Unchecked quick parse for the common scalar-column case (used by row parsing). */
export function datumFromJsonScalarFast(type: Type, json: Json, symtab: SymbolTable | null): Datum | null {
  if (type.value !== null || Array.isArray(json)) return null;
  const a = atomFromJsonUnchecked(type.key, json, symtab);
  if (type.key.checked) {
    const e = atomCheckConstraints(a, type.key);
    if (e) throw e;
  }
  return datumOfAtom(a);
}

/* ---- Set algebra and diffs. ---- */

/** 'a' plus the elements of 'b' whose keys are not in 'a'. */
export function datumUnion(a: Datum, b: Datum, type: Type): Datum {
  if (b.keys.length === 0) return a;
  const kt = type.key.type;
  const keys: Atom[] = [];
  const values: Atom[] | null = type.value ? [] : null;
  let i = 0, j = 0, added = false;
  const an = a.keys.length, bn = b.keys.length;
  while (i < an || j < bn) {
    const c = i >= an ? 1 : j >= bn ? -1 : atomCompare(a.keys[i]!, b.keys[j]!, kt);
    if (c <= 0) {
      keys.push(a.keys[i]!);
      if (values) values.push(a.values![i]!);
      i++;
      if (c === 0) j++;
    } else {
      keys.push(b.keys[j]!);
      if (values) values.push(b.values![j]!);
      j++;
      added = true;
    }
  }
  return added ? new Datum(keys, values) : a;
}

/** 'a' minus the elements in 'b' (matching keys and, if 'bType' has values, values). */
export function datumSubtract(a: Datum, aType: Type, b: Datum, bType: Type): Datum {
  if (b.keys.length === 0 || a.keys.length === 0) return a;
  const kt = aType.key.type;
  const vt = bType.value ? bType.value.type : null;
  const drop = new Set<number>();
  for (let j = 0; j < b.keys.length; j++) {
    const i = datumFindKeyValue(a, b.keys[j]!, kt, vt ? b.values![j]! : null, vt);
    if (i >= 0) drop.add(i);
  }
  if (drop.size === 0) return a;
  const keys: Atom[] = [];
  const values: Atom[] | null = a.values ? [] : null;
  for (let i = 0; i < a.keys.length; i++) {
    if (drop.has(i)) continue;
    keys.push(a.keys[i]!);
    if (values) values.push(a.values![i]!);
  }
  return new Datum(keys, values);
}

/** The elements added to and removed from 'old' to make 'new' (OVS's ovsdb_datum_added_removed). */
export function datumAddedRemoved(old: Datum, nw: Datum, type: Type): { added: Datum; removed: Datum } {
  if (!type.isComposite()) return { added: nw, removed: old };
  const kt = type.key.type;
  const vt = type.value ? type.value.type : null;
  const ak: Atom[] = [], rk: Atom[] = [];
  const av: Atom[] | null = vt ? [] : null, rv: Atom[] | null = vt ? [] : null;
  let oi = 0, ni = 0;
  const on = old.keys.length, nn = nw.keys.length;
  while (oi < on && ni < nn) {
    const c = atomCompare(old.keys[oi]!, nw.keys[ni]!, kt);
    if (c < 0) {
      rk.push(old.keys[oi]!); if (rv) rv.push(old.values![oi]!); oi++;
    } else if (c > 0) {
      ak.push(nw.keys[ni]!); if (av) av.push(nw.values![ni]!); ni++;
    } else {
      if (vt && old.values![oi] !== nw.values![ni]) {
        rk.push(old.keys[oi]!); rv!.push(old.values![oi]!);
        ak.push(nw.keys[ni]!); av!.push(nw.values![ni]!);
      }
      oi++; ni++;
    }
  }
  for (; oi < on; oi++) { rk.push(old.keys[oi]!); if (rv) rv.push(old.values![oi]!); }
  for (; ni < nn; ni++) { ak.push(nw.keys[ni]!); if (av) av.push(nw.values![ni]!); }
  return { added: new Datum(ak, av), removed: new Datum(rk, rv) };
}

/** The diff that turns 'old' into 'new' (OVS's ovsdb_datum_diff); applying it again undoes it. */
export function datumDiff(old: Datum, nw: Datum, type: Type): Datum {
  if (!type.isComposite()) return nw;
  const kt = type.key.type;
  const vt = type.value ? type.value.type : null;
  const dk: Atom[] = [];
  const dv: Atom[] | null = vt ? [] : null;
  let oi = 0, ni = 0;
  const on = old.keys.length, nn = nw.keys.length;
  while (oi < on && ni < nn) {
    const c = atomCompare(old.keys[oi]!, nw.keys[ni]!, kt);
    if (c < 0) {
      dk.push(old.keys[oi]!); if (dv) dv.push(old.values![oi]!); oi++;
    } else if (c > 0) {
      dk.push(nw.keys[ni]!); if (dv) dv.push(nw.values![ni]!); ni++;
    } else {
      if (vt && old.values![oi] !== nw.values![ni]) {
        dk.push(nw.keys[ni]!); dv!.push(nw.values![ni]!);
      }
      oi++; ni++;
    }
  }
  for (; oi < on; oi++) { dk.push(old.keys[oi]!); if (dv) dv.push(old.values![oi]!); }
  for (; ni < nn; ni++) { dk.push(nw.keys[ni]!); if (dv) dv.push(nw.values![ni]!); }
  return new Datum(dk, dv);
}

/** Applies 'diff' to 'old' (OVS's ovsdb_datum_apply_diff); throws if the result breaks the size bounds. */
export function datumApplyDiff(old: Datum, diff: Datum, type: Type): Datum {
  const d = datumDiff(old, diff, type);
  if (d.keys.length < type.min || d.keys.length > type.max) {
    throw ovsdbError(null, 'Datum crated by diff has size error');
  }
  return d;
}

/* ---- String syntax. ---- */

/** True if 'c' delimits tokens in the string syntax. */
export function tokenIsDelim(c: string): boolean {
  return c === '' || ':=, []{}!<>'.includes(c);
}

/** Extracts one token from 's' starting at 'pos' (OVS's ovsdb_token_parse). */
export function tokenParse(s: string, pos: number): { token: string; end: number } | { error: string } {
  let out = '';
  let inQuotes = false;
  let p = pos;
  while (p < s.length) {
    const c = s[p++]!;
    if (c === '\\') {
      if (inQuotes) out += '\\';
      if (p >= s.length) return { error: `${s.slice(pos)}: backslash at end of argument` };
      out += s[p++];
    } else if (!inQuotes && tokenIsDelim(c)) {
      p--;
      break;
    } else {
      out += c;
      if (c === '"') inQuotes = !inQuotes;
    }
  }
  if (inQuotes) return { error: `${s.slice(pos)}: quoted string extends past end of argument` };
  return { token: out, end: p };
}

function skipSpaces(s: string, p: number): number {
  while (p < s.length) {
    const c = s.charCodeAt(p);
    if (c === 32 || (c >= 9 && c <= 13)) p++;
    else break;
  }
  return p;
}

/** Parses a datum from the string syntax (OVS's ovsdb_datum_from_string); returns an error text on failure. */
export function datumFromString(type: Type, s: string, symtab: SymbolTable | null): Datum | string {
  const isMap = type.value !== null;
  let p = skipSpaces(s, 0);
  let endDelim = '';
  if (s[p] === (isMap ? '{' : '[')) {
    endDelim = isMap ? '}' : ']';
    p = skipSpaces(s, p + 1);
  } else if (p >= s.length) {
    return isMap ? 'use "{}" to specify the empty map' : 'use "[]" to specify the empty set';
  }
  const keys: Atom[] = [];
  const values: Atom[] | null = isMap ? [] : null;
  while (p < s.length && s[p] !== endDelim) {
    const c = s[p]!;
    if (tokenIsDelim(c)) return `${s}: unexpected "${c}" parsing ${type.toEnglish()}`;
    const start = p;
    let t = tokenParse(s, p);
    if ('error' in t) return t.error;
    const k = atomFromString(type.key, t.token, symtab, !isMap);
    if (typeof k === 'string') return k;
    p = t.end;
    let v: Atom | null = null;
    if (isMap) {
      p = skipSpaces(s, p);
      if (s[p] !== '=') {
        // OVS formats the offending character with %c; at the end of the
        // string that is a NUL, which cuts the message short.
        return p < s.length ? `${s.slice(start)}: syntax error at "${s[p]}" expecting "="`
                            : `${s.slice(start)}: syntax error at "`;
      }
      p = skipSpaces(s, p + 1);
      t = tokenParse(s, p);
      if ('error' in t) return t.error;
      const vr = atomFromString(type.value!, t.token, symtab, false);
      if (typeof vr === 'string') return vr;
      v = vr.atom;
      p = t.end;
    }
    if (k.rangeEnd !== null && k.atom <= k.rangeEnd) {
      for (let i = BigInt(k.atom as number | bigint); i <= BigInt(k.rangeEnd as number | bigint); i++) {
        keys.push(normInt(i));
      }
    } else {
      keys.push(k.atom);
      if (values) values.push(v!);
    }
    p = skipSpaces(s, p);
    if (s[p] === ',') p = skipSpaces(s, p + 1);
  }
  if ((s[p] ?? '') !== endDelim) return `${s}: missing "${endDelim}" at end of data`;
  if (endDelim) {
    p = skipSpaces(s, p + 1);
    if (p < s.length) return `${s}: trailing garbage after "${endDelim}"`;
  }
  const what = isMap ? 'pair(s)' : 'value(s)';
  if (keys.length < type.min) return `${s}: ${keys.length} ${what} specified but the minimum number is ${type.min}`;
  if (keys.length > type.max) return `${s}: ${keys.length} ${what} specified but the maximum number is ${type.max}`;
  try {
    return datumFromUnsorted(keys, values, type);
  } catch (e) {
    if (!(e instanceof OvsdbError)) throw e;
    return isMap ? `${s}: map contains duplicate key` : `${s}: set contains duplicate value`;
  }
}

/** Prints 'd' in the string syntax (OVS's ovsdb_datum_to_string). */
export function datumToString(d: Datum, type: Type): string {
  const isMap = type.value !== null;
  const brackets = type.max > 1 || d.keys.length === 0;
  let s = brackets ? (isMap ? '{' : '[') : '';
  for (let i = 0; i < d.keys.length; i++) {
    if (i) s += ', ';
    s += atomToString(d.keys[i]!, type.key.type);
    if (isMap) s += '=' + atomToString(d.values![i]!, type.value!.type);
  }
  if (brackets) s += isMap ? '}' : ']';
  return s;
}

/** Prints 'd' in the bare syntax: space-separated, strings unquoted. */
export function datumToBare(d: Datum, type: Type): string {
  let s = '';
  for (let i = 0; i < d.keys.length; i++) {
    if (i) s += ' ';
    s += atomToBare(d.keys[i]!, type.key.type);
    if (type.value) s += '=' + atomToBare(d.values![i]!, type.value.type);
  }
  return s;
}

/* ---- Keys for hashing (indexes, distinct queries, wait). ---- */

function atomKey(a: Atom, t: AtomicType): string {
  return t === 'string' ? JSON.stringify(a) : String(a);
}

/** A string that is equal for two datums exactly when datumEquals() is true. */
export function datumKey(d: Datum, type: Type): string {
  const n = d.keys.length;
  if (n === 1 && !type.value) return atomKey(d.keys[0]!, type.key.type);
  let s = '#' + n;
  const kt = type.key.type;
  for (let i = 0; i < n; i++) s += '\u0001' + atomKey(d.keys[i]!, kt);
  if (type.value) {
    const vt = type.value.type;
    for (let i = 0; i < n; i++) s += '\u0001' + atomKey(d.values![i]!, vt);
  }
  return s;
}

export { BaseType };
