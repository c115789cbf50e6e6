/* types: OVSDB column types (RFC 7047 section 3.2, OVS lib/ovsdb-types.c).
 *
 * A BaseType is an atomic type (integer, real, boolean, string, uuid) with
 * optional constraints: an enum, an integer/real range, a string length range
 * (in characters), or for uuids a reference to a table ("strong" or "weak").
 * A Type is a key BaseType, an optional value BaseType (maps) and the number
 * of elements allowed, min 0..1 and max 1..unlimited (UINT_MAX).
 *
 * Atoms and datums (atom.ts, datum.ts) are interpreted through these types;
 * schema.ts parses them for each column.
 */
import { type Json, type JsonObject, isJsonObject } from '../lib/json.js';
import { OvsdbError, syntaxError } from './ovsdb-error.js';
import {
  OvsdbParser, OP_ANY, OP_ID, OP_INTEGER, OP_NUMBER, OP_OBJECT, OP_OPTIONAL, OP_STRING,
} from './ovsdb-parser.js';
import type { Datum } from './datum.js';
import { datumFromJson, datumToJson } from './datum.js';

/** The five atomic types. */
export type AtomicType = 'integer' | 'real' | 'boolean' | 'string' | 'uuid';

/** An atom: integer (number, or bigint beyond 2^53), real, boolean, string or uuid (canonical string). */
export type Atom = number | bigint | boolean | string;

export const INT64_MIN = -9223372036854775808n;
export const INT64_MAX = 9223372036854775807n;
export const DBL_MAX = Number.MAX_VALUE;
export const UINT_MAX = 4294967295;

const ATOMIC_TYPES: readonly string[] = ['integer', 'real', 'boolean', 'string', 'uuid'];

/** True if 's' names an atomic type. */
export function isAtomicType(s: string): s is AtomicType {
  return ATOMIC_TYPES.includes(s);
}

/** An atomic type with constraints. */
export class BaseType {
  enum: Datum | null = null;
  minInteger: number | bigint = INT64_MIN;
  maxInteger: number | bigint = INT64_MAX;
  minReal = -DBL_MAX;
  maxReal = DBL_MAX;
  minLength = 0;
  maxLength = UINT_MAX;
  refTableName: string | null = null;
  refType: 'strong' | 'weak' = 'strong';
  /** True if any constraint other than a reference is set (fast path for checks). */
  checked = false;

  constructor(readonly type: AtomicType) {}

  /** True if this is a uuid referencing a table. */
  isRef(): boolean { return this.refTableName !== null; }
  /** True for a strong reference. */
  isStrongRef(): boolean { return this.refTableName !== null && this.refType === 'strong'; }
  /** True for a weak reference. */
  isWeakRef(): boolean { return this.refTableName !== null && this.refType === 'weak'; }

  /** True if the base type has any constraint (OVS's ovsdb_base_type_has_constraints). */
  hasConstraints(): boolean {
    if (this.enum) return true;
    switch (this.type) {
      case 'integer': return this.minInteger !== INT64_MIN || this.maxInteger !== INT64_MAX;
      case 'real': return this.minReal !== -DBL_MAX || this.maxReal !== DBL_MAX;
      case 'string': return this.minLength !== 0 || this.maxLength !== UINT_MAX;
      case 'uuid': return this.refTableName !== null;
      default: return false;
    }
  }

  /** Recomputes 'checked' after constraints change. */
  updateChecked(): void {
    this.checked = this.enum !== null
      || (this.type === 'integer' && (this.minInteger !== INT64_MIN || this.maxInteger !== INT64_MAX))
      || (this.type === 'real' && (this.minReal !== -DBL_MAX || this.maxReal !== DBL_MAX))
      || (this.type === 'string' && (this.minLength !== 0 || this.maxLength !== UINT_MAX));
  }

  /** A copy without any constraints. */
  unconstrained(): BaseType {
    const b = new BaseType(this.type);
    b.updateChecked();
    return b;
  }

  /** A copy of this base type. */
  clone(): BaseType {
    const b = new BaseType(this.type);
    b.enum = this.enum;
    b.minInteger = this.minInteger; b.maxInteger = this.maxInteger;
    b.minReal = this.minReal; b.maxReal = this.maxReal;
    b.minLength = this.minLength; b.maxLength = this.maxLength;
    b.refTableName = this.refTableName; b.refType = this.refType;
    b.checked = this.checked;
    return b;
  }

  /** JSON form, a bare type name when unconstrained. */
  toJson(): Json {
    if (!this.hasConstraints()) return this.type;
    const o: JsonObject = { type: this.type };
    if (this.enum) o['enum'] = datumToJson(this.enum, enumType(this.type));
    switch (this.type) {
      case 'integer':
        if (this.minInteger !== INT64_MIN) o['minInteger'] = this.minInteger;
        if (this.maxInteger !== INT64_MAX) o['maxInteger'] = this.maxInteger;
        break;
      case 'real':
        if (this.minReal !== -DBL_MAX) o['minReal'] = this.minReal;
        if (this.maxReal !== DBL_MAX) o['maxReal'] = this.maxReal;
        break;
      case 'string':
        if (this.minLength !== 0) o['minLength'] = this.minLength;
        if (this.maxLength !== UINT_MAX) o['maxLength'] = this.maxLength;
        break;
      case 'uuid':
        if (this.refTableName !== null) {
          o['refTable'] = this.refTableName;
          if (this.refType === 'weak') o['refType'] = 'weak';
        }
        break;
      default: break;
    }
    return o;
  }
}

/** A column type: key, optional value, element count bounds. */
export class Type {
  constructor(
    readonly key: BaseType,
    readonly value: BaseType | null,
    readonly min: number,
    readonly max: number,
  ) {}

  /** A single atom. */
  isScalar(): boolean { return this.value === null && this.min === 1 && this.max === 1; }
  /** min is 0. */
  isOptional(): boolean { return this.min === 0; }
  /** Zero or one atom. */
  isOptionalScalar(): boolean { return this.value === null && this.min === 0 && this.max === 1; }
  /** More than one element allowed. */
  isComposite(): boolean { return this.max > 1; }
  /** A set (not a scalar). */
  isSet(): boolean { return this.value === null && (this.min !== 1 || this.max !== 1); }
  /** A map. */
  isMap(): boolean { return this.value !== null; }

  /** OVS's ovsdb_type_is_valid(). */
  isValid(): boolean {
    return isBaseValid(this.key) && (this.value === null || isBaseValid(this.value))
      && this.min <= 1 && this.max >= 1;
  }

  /** A copy with different bounds. */
  withBounds(min: number, max: number): Type {
    return new Type(this.key, this.value, min, max);
  }

  /** JSON form (OVS's ovsdb_type_to_json). */
  toJson(): Json {
    if (this.isScalar() && !this.key.hasConstraints()) return this.key.toJson();
    const o: JsonObject = { key: this.key.toJson() };
    if (this.value) o['value'] = this.value.toJson();
    if (this.min !== 1) o['min'] = this.min;
    if (this.max === UINT_MAX) o['max'] = 'unlimited';
    else if (this.max !== 1) o['max'] = this.max;
    return o;
  }

  /** English description, e.g. "set of up to 3 integers" (OVS's ovsdb_type_to_english). */
  toEnglish(): string {
    const key = this.key.type;
    if (this.isScalar()) return key;
    let s = this.isSet() ? 'set' : 'map';
    if (this.max === UINT_MAX) s += this.min ? ` of ${this.min} or more` : ' of';
    else if (this.min) s += ` of ${this.min} to ${this.max}`;
    else s += ` of up to ${this.max}`;
    if (this.isSet()) s += ` ${key}s`;
    else s += ` (${key}, ${this.value!.type}) pairs`;
    return s;
  }
}

function isBaseValid(b: BaseType): boolean {
  switch (b.type) {
    case 'integer': return b.minInteger <= b.maxInteger;
    case 'real': return b.minReal <= b.maxReal;
    case 'string': return b.minLength <= b.maxLength;
    default: return true;
  }
}

function scalar(t: AtomicType): Type {
  const b = new BaseType(t);
  b.updateChecked();
  return new Type(b, null, 1, 1);
}

/** Unconstrained scalar types. */
export const TYPE_INTEGER = scalar('integer');
export const TYPE_REAL = scalar('real');
export const TYPE_BOOLEAN = scalar('boolean');
export const TYPE_STRING = scalar('string');
export const TYPE_UUID = scalar('uuid');

const enumTypes = new Map<AtomicType, Type>();

/** The type of an enum's datum: a set of 1 or more unconstrained atoms. */
export function enumType(t: AtomicType): Type {
  let et = enumTypes.get(t);
  if (!et) {
    const b = new BaseType(t);
    b.updateChecked();
    et = new Type(b, null, 1, UINT_MAX);
    enumTypes.set(t, et);
  }
  return et;
}

/** Parses an atomic type name. */
export function atomicTypeFromJson(json: Json): AtomicType {
  if (typeof json === 'string') {
    if (isAtomicType(json)) return json;
    throw syntaxError(json, null, `"${json}" is not an atomic-type`);
  }
  throw syntaxError(json, null, 'atomic-type expected');
}

function toInt64Number(v: Json): number | bigint {
  if (typeof v === 'bigint') {
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : v;
  }
  const n = v as number;
  return Number.isSafeInteger(n) ? n : BigInt(n);
}

function parseOptionalUint(parser: OvsdbParser, member: string): number | null {
  const json = parser.member(member, OP_INTEGER | OP_OPTIONAL);
  if (json === undefined) return null;
  const v = Number(json);
  if (v < 0 || v > UINT_MAX) {
    throw syntaxError(json, null, `${member} out of valid range 0 to ${UINT_MAX}`);
  }
  return v;
}

/** Parses a base type from JSON (OVS's ovsdb_base_type_from_json). */
export function baseTypeFromJson(json: Json): BaseType {
  if (typeof json === 'string') {
    const b = new BaseType(atomicTypeFromJson(json));
    b.updateChecked();
    return b;
  }
  const parser = new OvsdbParser(json, 'ovsdb type');
  const typeJson = parser.member('type', OP_STRING);
  if (parser.error) throw parser.finish()!;
  const base = new BaseType(atomicTypeFromJson(typeJson!));
  let error: OvsdbError | null = null;
  try {
    const enumJson = parser.member('enum', OP_ANY | OP_OPTIONAL);
    if (enumJson !== undefined) {
      base.enum = datumFromJson(enumType(base.type), enumJson, null);
    } else if (base.type === 'integer') {
      const min = parser.member('minInteger', OP_INTEGER | OP_OPTIONAL);
      const max = parser.member('maxInteger', OP_INTEGER | OP_OPTIONAL);
      if (min !== undefined) base.minInteger = toInt64Number(min);
      if (max !== undefined) base.maxInteger = toInt64Number(max);
      if (base.minInteger > base.maxInteger) throw syntaxError(json, null, 'minInteger exceeds maxInteger');
    } else if (base.type === 'real') {
      const min = parser.member('minReal', OP_NUMBER | OP_OPTIONAL);
      const max = parser.member('maxReal', OP_NUMBER | OP_OPTIONAL);
      if (min !== undefined) base.minReal = Number(min);
      if (max !== undefined) base.maxReal = Number(max);
      if (base.minReal > base.maxReal) throw syntaxError(json, null, 'minReal exceeds maxReal');
    } else if (base.type === 'string') {
      const min = parseOptionalUint(parser, 'minLength');
      const max = parseOptionalUint(parser, 'maxLength');
      if (min !== null) base.minLength = min;
      if (max !== null) base.maxLength = max;
      if (base.minLength > base.maxLength) throw syntaxError(json, null, 'minLength exceeds maxLength');
    } else if (base.type === 'uuid') {
      const refTable = parser.member('refTable', OP_ID | OP_OPTIONAL);
      if (refTable !== undefined) {
        base.refTableName = refTable as string;
        const refType = parser.member('refType', OP_ID | OP_OPTIONAL);
        if (refType !== undefined) {
          if (refType === 'strong' || refType === 'weak') base.refType = refType;
          else throw syntaxError(json, null, `refType must be "strong" or "weak" (not "${refType as string}")`);
        }
      }
    }
  } catch (e) {
    if (!(e instanceof OvsdbError)) throw e;
    error = e;
  }
  if (error) throw error;
  const perr = parser.finish();
  if (perr) throw perr;
  base.updateChecked();
  return base;
}

function nFromJson(json: Json | undefined, dflt: number): number {
  if (json === undefined) return dflt;
  if ((typeof json === 'number' && Number.isInteger(json)) || typeof json === 'bigint') {
    const n = Number(json);
    if (n >= 0 && n < UINT_MAX) return n;
  }
  throw syntaxError(json, null, 'bad min or max value');
}

/** Parses a column type from JSON (OVS's ovsdb_type_from_json). */
export function typeFromJson(json: Json): Type {
  if (typeof json === 'string') return new Type(baseTypeFromJson(json), null, 1, 1);
  if (isJsonObject(json)) {
    const parser = new OvsdbParser(json, 'ovsdb type');
    const key = parser.member('key', OP_STRING | OP_OBJECT);
    const value = parser.member('value', OP_STRING | OP_OBJECT | OP_OPTIONAL);
    const min = parser.member('min', OP_INTEGER | OP_OPTIONAL);
    const max = parser.member('max', OP_INTEGER | OP_STRING | OP_OPTIONAL);
    const err = parser.finish();
    if (err) throw err;
    const keyType = baseTypeFromJson(key!);
    const valueType = value !== undefined ? baseTypeFromJson(value) : null;
    const nMin = nFromJson(min, 1);
    const nMax = max === 'unlimited' ? UINT_MAX : nFromJson(max, 1);
    const t = new Type(keyType, valueType, nMin, nMax);
    if (!t.isValid()) throw syntaxError(json, null, 'ovsdb type fails constraint checks');
    return t;
  }
  throw syntaxError(json, null, 'ovsdb type expected');
}
