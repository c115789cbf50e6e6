/* ovsdb-parser: picks typed members out of a JSON object, as OVS's
 * lib/ovsdb-parser.c does, with the same error texts ("Parsing %s failed:
 * Required 'x' member is missing.", "Type mismatch for member 'x'.", "Member
 * 'x' is present but not allowed here.").  Schemas (schema.ts, types.ts),
 * operations (execution.ts) and monitor requests (monitor.ts) use it.
 *
 * The first error is kept; later member lookups return undefined.
 */
import { type Json, type JsonObject, isJsonObject } from '../lib/json.js';
import { OvsdbError, syntaxError } from './ovsdb-error.js';

/** Bits for the JSON types a member may have. */
export const OP_NULL = 1, OP_FALSE = 2, OP_TRUE = 4, OP_OBJECT = 8, OP_ARRAY = 16,
  OP_STRING = 32, OP_INTEGER = 64, OP_REAL = 128;
export const OP_BOOLEAN = OP_FALSE | OP_TRUE;
export const OP_NUMBER = OP_INTEGER | OP_REAL;
export const OP_ANY = OP_NULL | OP_BOOLEAN | OP_OBJECT | OP_ARRAY | OP_STRING | OP_NUMBER;
/** A string that is a valid <id>. */
export const OP_ID = 256;
/** The member may be absent. */
export const OP_OPTIONAL = 512;

/** True if 's' is an <id>: a letter or '_' followed by letters, digits, '_'. */
export function isId(s: string): boolean {
  const n = s.length;
  if (n === 0) return false;
  let c = s.charCodeAt(0);
  if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95)) return false;
  for (let i = 1; i < n; i++) {
    c = s.charCodeAt(i);
    if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95)) return false;
  }
  return true;
}

/** The OP_* bit for the type of 'v'. */
export function jsonTypeBit(v: Json): number {
  switch (typeof v) {
    case 'string': return OP_STRING;
    case 'number': return Number.isInteger(v) ? OP_INTEGER : OP_REAL;
    case 'bigint': return OP_INTEGER;
    case 'boolean': return v ? OP_TRUE : OP_FALSE;
    default: return v === null ? OP_NULL : Array.isArray(v) ? OP_ARRAY : OP_OBJECT;
  }
}

/** Extracts members from a JSON object with type checks. */
export class OvsdbParser {
  readonly json: JsonObject | null;
  error: OvsdbError | null = null;
  private used: string[] = [];

  /** 'name' describes the object in error messages; a function is called only if an error occurs. */
  constructor(json: Json | undefined, private readonly name: string | (() => string)) {
    this.json = isJsonObject(json) ? json : null;
    if (!this.json) this.raise('Object expected.');
  }

  /** Returns member 'name' if present with one of 'types', else undefined (raising an error unless optional). */
  member(name: string, types: number): Json | undefined {
    const o = this.json;
    if (!o) return undefined;
    const v = Object.prototype.hasOwnProperty.call(o, name) ? o[name] : undefined;
    if (v === undefined) {
      if (!(types & OP_OPTIONAL)) this.raise(`Required '${name}' member is missing.`);
      return undefined;
    }
    const bit = jsonTypeBit(v);
    if ((types & bit) || ((types & OP_ID) && bit === OP_STRING && isId(v as string))) {
      if (!this.used.includes(name)) this.used.push(name);
      return v;
    }
    this.raise(`Type mismatch for member '${name}'.`);
    return undefined;
  }

  /** Records an error (only the first one is kept). */
  raise(message: string): void {
    if (!this.error) {
      const name = typeof this.name === 'string' ? this.name : this.name();
      this.error = syntaxError(this.json ?? undefined, null, `Parsing ${name} failed: ${message}`);
    }
  }

  /** Records 'error' unless there is one already. */
  putError(error: OvsdbError): void {
    if (!this.error) this.error = error;
  }

  /** Checks for unused members; returns the first error, if any. */
  finish(): OvsdbError | null {
    if (!this.error && this.json) {
      let nUnused = 0;
      let first: string | null = null;
      for (const k in this.json) {
        if (!this.used.includes(k) && this.json[k] !== undefined) {
          if (first === null) first = k;
          nUnused++;
        }
      }
      if (nUnused > 1) {
        this.raise(`Member '${first}' and ${nUnused - 1} other member${nUnused > 2 ? 's' : ''} are present but not allowed here.`);
      } else if (nUnused === 1) {
        this.raise(`Member '${first}' is present but not allowed here.`);
      }
    }
    return this.error;
  }
}
