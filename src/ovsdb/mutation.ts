/* mutation: the "mutate" operation's mutations (RFC 7047 section 5.1; OVS
 * ovsdb/mutation.c).
 *
 * Mutators: += -= *= /= %= on integer/real scalars and sets (element-wise),
 * and insert/delete on sets and maps.  Integer arithmetic is 64-bit with
 * OVS's overflow checks ("range error"), division by zero is a "domain
 * error", and results must still satisfy the column's constraints
 * ("constraint violation").  execution.ts applies a MutationSet to each row
 * matched by the "where" clause.
 */
import type { Json } from '../lib/json.js';
import { OvsdbError, internalError, ovsdbError, syntaxError } from './ovsdb-error.js';
import { type SymbolTable, atomCheckConstraints, normInt } from './atom.js';
import type { ColumnSchema } from './column.js';
import {
  Datum, datumConformsToType, datumFromJson, datumFromUnsorted, datumSubtract, datumToJson, datumUnion,
} from './datum.js';
import type { Row } from './row.js';
import type { TableSchema } from './schema.js';
import { type Atom, INT64_MAX, INT64_MIN, DBL_MAX, Type, UINT_MAX } from './types.js';

/** Mutators in OVS's order. */
export const MUTATORS = ['+=', '-=', '*=', '/=', '%=', 'insert', 'delete'] as const;
const M_ADD = 0, M_SUB = 1, M_MUL = 2, M_DIV = 3, M_MOD = 4, M_INSERT = 5, M_DELETE = 6;

/** One mutation. */
export interface Mutation {
  mutator: number;
  column: ColumnSchema;
  arg: Datum;
  /** The type 'arg' was parsed with (relaxed from the column's). */
  type: Type;
}

/** Looks up a mutator; throws "unknown mutator". */
export function mutatorFromString(name: string): number {
  const i = (MUTATORS as readonly string[]).indexOf(name);
  if (i < 0) throw syntaxError(undefined, 'unknown mutator', `No mutator named ${name}.`);
  return i;
}

function typeMismatch(m: { mutator: number; column: ColumnSchema }, json: Json): OvsdbError {
  return syntaxError(json, null, `Type mismatch: "${MUTATORS[m.mutator]}" operator may not be applied to column ${m.column.name} of type ${m.column.type.toEnglish()}.`);
}

function mutationFromJson(ts: TableSchema, json: Json, symtab: SymbolTable | null): Mutation {
  if (!Array.isArray(json) || json.length !== 3 || typeof json[0] !== 'string' || typeof json[1] !== 'string') {
    throw syntaxError(json, null, 'Parse error in mutation.');
  }
  const column = ts.columns.get(json[0]);
  if (!column) throw syntaxError(json, 'unknown column', `No column ${json[0]} in table ${ts.name}.`);
  if (!column.mutable) {
    throw syntaxError(json, 'constraint violation', `Cannot mutate immutable column ${json[0]} in table ${ts.name}.`);
  }
  const mutator = mutatorFromString(json[1]);
  const ct = column.type;
  let type: Type;
  let arg: Datum;
  switch (mutator) {
    case M_ADD: case M_SUB: case M_MUL: case M_DIV: case M_MOD:
      if ((!ct.isScalar() && !ct.isSet())
          || (ct.key.type !== 'integer' && ct.key.type !== 'real')
          || (mutator === M_MOD && ct.key.type === 'real')) {
        throw typeMismatch({ mutator, column }, json);
      }
      type = new Type(ct.key.unconstrained(), ct.value, 1, 1);
      arg = datumFromJson(type, json[2]!, symtab);
      break;
    default: {
      if (!ct.isSet() && !ct.isMap()) throw typeMismatch({ mutator, column }, json);
      type = ct.withBounds(0, mutator === M_DELETE ? UINT_MAX : ct.max);
      try {
        arg = datumFromJson(type, json[2]!, symtab);
      } catch (e) {
        if (!(e instanceof OvsdbError) || !ct.isMap() || mutator !== M_DELETE) throw e;
        // Deleting from a map by keys only: a set of keys.
        type = new Type(ct.key, null, 0, UINT_MAX);
        arg = datumFromJson(type, json[2]!, symtab);
      }
      break;
    }
  }
  return { mutator, column, arg, type };
}

/** A list of mutations for one table. */
export class MutationSet {
  constructor(readonly mutations: Mutation[]) {}

  /** Parses a "mutations" array (OVS's ovsdb_mutation_set_from_json). Throws OvsdbError. */
  static fromJson(ts: TableSchema, json: Json, symtab: SymbolTable | null): MutationSet {
    const arr = json as Json[];
    return new MutationSet(arr.map((m) => mutationFromJson(ts, m, symtab)));
  }

  /** JSON form. */
  toJson(): Json {
    return this.mutations.map((m) => [m.column.name, MUTATORS[m.mutator]!, datumToJson(m.arg, m.type)]);
  }

  /** Applies the mutations to 'row' (a transaction's writable copy). Throws OvsdbError. */
  execute(row: Row): void {
    for (const m of this.mutations) {
      const idx = m.column.index;
      const ct = m.column.type;
      switch (m.mutator) {
        case M_INSERT: {
          const d = datumUnion(row.fields[idx]!, m.arg, ct);
          row.fields[idx] = d;
          checkCount(d, ct);
          break;
        }
        case M_DELETE: {
          const d = datumSubtract(row.fields[idx]!, ct, m.arg, m.type);
          row.fields[idx] = d;
          checkCount(d, ct);
          break;
        }
        default:
          row.fields[idx] = mutateScalar(row.fields[idx]!, ct, m.arg.keys[0]!, m.mutator);
          break;
      }
    }
  }
}

function checkCount(d: Datum, type: Type): void {
  if (!datumConformsToType(d, type)) {
    throw ovsdbError('constraint violation', `Attempted to store ${d.keys.length} elements in ${type.toEnglish()}.`);
  }
}

function rangeError(mutator: number): OvsdbError {
  return ovsdbError('range error', `Result of "${MUTATORS[mutator]}" operation is out of range.`);
}

/** C99 integer division truncates toward zero; so does BigInt division. */
function intOp(x: bigint, y: bigint, mutator: number): bigint {
  switch (mutator) {
    case M_ADD: {
      const r = x + y;
      if (r > INT64_MAX || r < INT64_MIN) throw rangeError(mutator);
      return r;
    }
    case M_SUB: {
      const r = x - y;
      if (r > INT64_MAX || r < INT64_MIN) throw rangeError(mutator);
      return r;
    }
    case M_MUL: {
      // OVS's overflow test (Hacker's Delight), reproduced including its
      // conservative cases.
      const overflow = x > 0n
        ? (y > 0n ? x >= INT64_MAX / y : y < INT64_MIN / x)
        : (y > 0n ? x < INT64_MIN / y : x !== 0n && y !== 0n && y < INT64_MAX / y);
      if (overflow) throw rangeError(mutator);
      return x * y;
    }
    case M_DIV: case M_MOD:
      if (y === 0n) throw ovsdbError('domain error', 'Division by zero.');
      if (x === INT64_MIN && y === -1n) throw rangeError(mutator);
      return mutator === M_DIV ? x / y : x % y;
    default:
      throw internalError('bad mutator');
  }
}

function intOpFast(x: number, y: number, mutator: number): number | null {
  let r: number;
  switch (mutator) {
    case M_ADD: r = x + y; break;
    case M_SUB: r = x - y; break;
    case M_MUL: r = x * y; break;
    default: return null;
  }
  return Number.isSafeInteger(r) ? (r === 0 ? 0 : r) : null;
}

function realOp(x: number, y: number, mutator: number): number {
  let r: number;
  switch (mutator) {
    case M_ADD: r = x + y; break;
    case M_SUB: r = x - y; break;
    case M_MUL: r = x * y; break;
    case M_DIV:
      if (y === 0) throw ovsdbError('domain error', 'Division by zero.');
      r = x / y;
      break;
    default: throw internalError('bad mutator');
  }
  if (!(r >= -DBL_MAX && r <= DBL_MAX)) throw rangeError(mutator);
  return r;
}

function mutateScalar(dst: Datum, type: Type, arg: Atom, mutator: number): Datum {
  const base = type.key;
  const out = new Array<Atom>(dst.keys.length);
  if (base.type === 'integer') {
    for (let i = 0; i < dst.keys.length; i++) {
      const x = dst.keys[i] as number | bigint;
      const y = arg as number | bigint;
      // The multiplication overflow test is conservative, so always take the exact path for it.
      const fast = typeof x === 'number' && typeof y === 'number' && mutator !== M_MUL
        ? intOpFast(x, y, mutator) : null;
      out[i] = fast !== null ? fast : normInt(intOp(BigInt(x), BigInt(y), mutator));
    }
  } else {
    for (let i = 0; i < dst.keys.length; i++) out[i] = realOp(dst.keys[i] as number, arg as number, mutator);
  }
  for (const a of out) {
    const e = atomCheckConstraints(a, base);
    if (e) throw e;
  }
  try {
    return datumFromUnsorted(out, null, type);
  } catch (e) {
    if (!(e instanceof OvsdbError)) throw e;
    throw ovsdbError('constraint violation', `Result of "${MUTATORS[mutator]}" operation contains duplicates.`);
  }
}
