/* test-ovsdb: our counterpart of OVS's tests/test-ovsdb.c helper, for the
 * commands that exercise the database engine (parse-atoms, parse-data,
 * parse-schema, execute, trigger, transact, ...).  OVS's tests/ovsdb-*.at
 * files invoke "test-ovsdb <command> <args>" and compare its stdout (or look
 * for a message on stderr and exit status 1); ovsdb-at.test.ts runs those
 * checks against this function.  Output formats follow test-ovsdb.c.
 */
import { type Json, jsonParse, jsonToString } from '../../src/lib/json.js';
import { OvsdbError } from '../../src/ovsdb/ovsdb-error.js';
import {
  atomCompare, atomDefault, atomFromJson, atomFromString, atomIsDefault, atomToJson, atomToString,
} from '../../src/ovsdb/atom.js';
import {
  datumApplyDiff, datumDefault, datumDiff, datumEquals, datumFromJson, datumFromJsonTransient, datumFromString,
  datumToJson, datumToString, datumIsDefault,
} from '../../src/ovsdb/datum.js';
import {
  type AtomicType, BaseType, Type, atomicTypeFromJson, baseTypeFromJson, typeFromJson,
} from '../../src/ovsdb/types.js';
import { columnFromJson, columnSetFromJson } from '../../src/ovsdb/column.js';
import { DatabaseSchema, TableSchema } from '../../src/ovsdb/schema.js';
import { Table } from '../../src/ovsdb/table.js';
import { type Row, rowEqualColumns, rowFromJson, rowToJson } from '../../src/ovsdb/row.js';
import { Condition, queryRowArray } from '../../src/ovsdb/condition.js';
import { MutationSet } from '../../src/ovsdb/mutation.js';
import { Database } from '../../src/ovsdb/database.js';
import { transact, executeCompose } from '../../src/ovsdb/execution.js';
import { uuidGenerate } from '../../src/ovsdb/uuid.js';
import { hashAdd, hashFinish, hashString } from '../../src/lib/hash.js';
import type { Datum } from '../../src/ovsdb/datum.js';
import type { Atom } from '../../src/ovsdb/types.js';
import type { ColumnSchema } from '../../src/ovsdb/column.js';

/* OVS's ovsdb_datum_hash() (Murmur-based lib/hash.h), for compare-rows output. */
const TYPE_NUM: { [t: string]: number } = { void: 0, integer: 1, real: 2, boolean: 3, string: 4, uuid: 5 };
function hashInt(x: number, basis: number): number { return hashFinish(hashAdd(hashAdd(x >>> 0, 0), basis >>> 0), 8); }
function hashAtom(a: Atom, t: AtomicType, basis: number): number {
  switch (t) {
    case 'integer': return hashInt(Number(BigInt.asUintN(32, BigInt(a as number | bigint))), basis);
    case 'real': {
      const dv = new DataView(new ArrayBuffer(8));
      dv.setFloat64(0, a as number, true);
      return hashFinish(hashAdd(hashAdd(hashAdd(dv.getUint32(0, true), 0), dv.getUint32(4, true)), basis >>> 0), 12);
    }
    case 'boolean': return ((a ? 0xc2b73583 : 0xe90f1258) ^ (((basis << 1) | (basis >>> 31)) >>> 0)) >>> 0;
    case 'string': return hashString(a as string, basis);
    case 'uuid': return hashInt(parseInt((a as string).slice(0, 8), 16), basis);
  }
}
function hashDatum(d: Datum, type: Type, basis: number): number {
  for (const a of d.keys) basis = hashAtom(a, type.key.type, basis);
  basis = (basis ^ ((TYPE_NUM[type.key.type]! << 24) | (TYPE_NUM[type.value ? type.value.type : 'void']! << 16) | d.keys.length)) >>> 0;
  if (type.value) for (const a of d.values!) basis = hashAtom(a, type.value.type, basis);
  return basis;
}
function hashRow(row: Row, columns: readonly ColumnSchema[]): number {
  let basis = 0;
  for (const c of columns) basis = hashDatum(row.fields[c.index]!, c.type, basis);
  return basis;
}

/** The result of one run. */
export interface RunResult { status: number; stdout: string; stderr: string }

class Fatal {
  constructor(readonly message: string) {}
}

class Out {
  stdout = '';
  stderr = '';
  print(s: string): void { this.stdout += s + '\n'; }
  write(s: string): void { this.stdout += s; }
  error(s: string): void { this.stderr += `test-ovsdb: ${s}\n`; }
}

function parseJson(s: string): Json {
  try {
    return jsonParse(s);
  } catch (e) {
    // OVS's parser stops at the end of the first complete value.
    const m = /after JSON at position (\d+)/.exec((e as Error).message);
    if (m) return parseJson(s.slice(0, Number(m[1])));
    throw new Fatal(`"${s}": ${(e as Error).message}`);
  }
}

function unbox(j: Json): Json {
  return Array.isArray(j) && j.length === 1 ? j[0]! : j;
}

function check<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof OvsdbError) throw new Fatal(e.toString());
    throw e;
  }
}

function sorted(j: Json): string {
  return jsonToString(j, { sort: true });
}

function tableFromSchemaArg(arg: string): Table {
  const ts = check(() => TableSchema.fromJson(unbox(parseJson(arg)), 'mytable'));
  return new Table(ts);
}

function parseRow(table: Table, json: Json): Row {
  const row = table.newRow(uuidGenerate());
  check(() => rowFromJson(row, json, null, null));
  return row;
}

type Command = (args: string[], out: Out) => number | void;

const ATOMIC: AtomicType[] = ['integer', 'real', 'boolean', 'string', 'uuid'];

const commands: { [name: string]: Command } = {
  'default-atoms': (_a, out) => {
    for (const t of ATOMIC) out.print(`${t}: ${atomIsDefault(atomDefault(t), t) ? 'OK' : 'wrong'}`);
  },
  'default-data': (_a, out) => {
    for (const nMin of [0, 1]) {
      for (const k of ATOMIC) {
        for (const v of ['void', ...ATOMIC] as const) {
          const kb = new BaseType(k); kb.updateChecked();
          let vb: BaseType | null = null;
          if (v !== 'void') { vb = new BaseType(v); vb.updateChecked(); }
          const type = new Type(kb, vb, nMin, 1);
          const ok = datumIsDefault(datumDefault(type), type);
          out.print(`key ${k}, value ${v}, n_min ${nMin}: ${ok ? 'OK' : 'wrong'}`);
        }
      }
    }
  },
  'diff-data': (args, out) => {
    const type = check(() => typeFromJson(unbox(parseJson(args[0]!))));
    for (let i = 1; i + 1 < args.length; i += 2) {
      const old = check(() => datumFromJson(type, unbox(parseJson(args[i]!)), null));
      const nw = check(() => datumFromJsonTransient(type, unbox(parseJson(args[i + 1]!))));
      const diff = datumDiff(old, nw, type);
      const re = check(() => datumApplyDiff(old, diff, type));
      if (!datumEquals(nw, re, type)) throw new Fatal('failed to apply diff');
      out.print('diff: ' + sorted(datumToJson(diff, type)));
      out.print('apply diff: ' + sorted(datumToJson(re, type)));
      out.print('apply diff in place: ' + sorted(datumToJson(re, type)));
      out.print('OK');
    }
  },
  'parse-atomic-type': (args, out) => {
    out.print(sorted(check(() => atomicTypeFromJson(unbox(parseJson(args[0]!))))));
  },
  'parse-base-type': (args, out) => {
    out.print(sorted(check(() => baseTypeFromJson(unbox(parseJson(args[0]!)))).toJson()));
  },
  'parse-type': (args, out) => {
    out.print(sorted(check(() => typeFromJson(unbox(parseJson(args[0]!)))).toJson()));
  },
  'parse-atoms': (args, out) => {
    const base = check(() => baseTypeFromJson(unbox(parseJson(args[0]!))));
    for (const a of args.slice(1)) {
      try {
        out.print(sorted(atomToJson(atomFromJson(base, unbox(parseJson(a)), null), base.type)));
      } catch (e) {
        if (!(e instanceof OvsdbError)) throw e;
        out.print(e.toString());
      }
    }
  },
  'parse-atom-strings': (args, out) => {
    const base = check(() => baseTypeFromJson(unbox(parseJson(args[0]!))));
    for (const a of args.slice(1)) {
      const r = atomFromString(base, a, null, true);
      if (typeof r === 'string') throw new Fatal(r);
      let s = atomToString(r.atom, base.type);
      if (r.rangeEnd !== null) s += '-' + atomToString(r.rangeEnd, base.type);
      out.print(s);
    }
  },
  'parse-data': (args, out) => {
    const type = check(() => typeFromJson(unbox(parseJson(args[0]!))));
    for (const a of args.slice(1)) {
      out.print(sorted(datumToJson(check(() => datumFromJson(type, unbox(parseJson(a)), null)), type)));
    }
  },
  'parse-data-strings': (args, out) => {
    const type = check(() => typeFromJson(unbox(parseJson(args[0]!))));
    for (const a of args.slice(1)) {
      const d = datumFromString(type, a, null);
      if (typeof d === 'string') throw new Fatal(d);
      out.print(datumToString(d, type));
    }
  },
  'sort-atoms': (args, out) => {
    const base = check(() => baseTypeFromJson(unbox(parseJson(args[0]!))));
    const json = unbox(parseJson(args[1]!));
    if (!Array.isArray(json)) throw new Fatal('second argument must be array');
    const atoms = json.map((j) => check(() => atomFromJson(base, j, null)));
    atoms.sort((a, b) => atomCompare(a, b, base.type));
    out.print(sorted(atoms.map((a) => atomToJson(a, base.type))));
  },
  'parse-column': (args, out) => {
    out.print(sorted(check(() => columnFromJson(parseJson(args[1]!), args[0]!)).toJson()));
  },
  'parse-table': (args, out) => {
    const dflt = args.length > 2 && args[2] === 'true';
    out.print(sorted(check(() => TableSchema.fromJson(parseJson(args[1]!), args[0]!)).toJson(dflt)));
  },
  'parse-rows': (args, out) => {
    const table = tableFromSchemaArg(args[0]!);
    for (const a of args.slice(1)) {
      const row = table.newRow('00000000-0000-0000-0000-000000000000');
      const cols: typeof table.schema.columnList = [];
      check(() => rowFromJson(row, unbox(parseJson(a)), null, cols));
      out.print(sorted(rowToJson(row, table.schema.allColumns)));
      out.print(cols.length ? cols.map((c) => c.name).sort().join(', ') : '<none>');
    }
  },
  'compare-rows': (args, out) => {
    const table = tableFromSchemaArg(args[0]!);
    const rows: Row[] = [];
    const names: string[] = [];
    for (const a of args.slice(1)) {
      const j = parseJson(a);
      if (!Array.isArray(j) || j.length !== 2 || typeof j[0] !== 'string') {
        throw new Fatal(`"${a}" does not have expected form ["name", {data}]`);
      }
      names.push(j[0]);
      const row = table.newRow('00000000-0000-0000-0000-000000000000');
      check(() => rowFromJson(row, j[1]!, null, null));
      rows.push(row);
    }
    const cols = table.schema.allColumns;
    for (let i = 0; i < rows.length; i++) {
      const hi = hashRow(rows[i]!, cols);
      for (let j = i + 1; j < rows.length; j++) {
        const hj = hashRow(rows[j]!, cols);
        if (rowEqualColumns(rows[i]!, rows[j]!, cols)) {
          out.print(`${names[i]} == ${names[j]}`);
          if (hi !== hj) out.print(`but hash(${names[i]}) != hash(${names[j]})`);
        } else if (hi === hj) {
          out.print(`hash(${names[i]}) == hash(${names[j]})`);
        }
      }
    }
  },
  'parse-conditions': (args, out) => {
    const ts = check(() => TableSchema.fromJson(unbox(parseJson(args[0]!)), 'mytable'));
    let status = 0;
    for (const a of args.slice(1)) {
      try {
        out.print(sorted(Condition.fromJson(ts, parseJson(a), null).toJson()));
      } catch (e) {
        if (!(e instanceof OvsdbError)) throw e;
        out.error(e.toString());
        status = 1;
      }
    }
    return status;
  },
  'evaluate-conditions': (args, out) => evaluateConditions(args, out, false),
  'evaluate-conditions-any': (args, out) => evaluateConditions(args, out, true),
  'compare-conditions': (args, out) => {
    const table = tableFromSchemaArg(args[0]!);
    const j = parseJson(args[1]!);
    if (!Array.isArray(j)) throw new Fatal('CONDITION argument is not JSON array');
    const cs = j.map((c) => check(() => Condition.fromJson(table.schema, c, null)));
    for (let i = 0; i + 1 < cs.length; i++) out.print(`condition ${i}-${i + 1}: ${cs[i]!.compare(cs[i + 1]!)}`);
  },
  'parse-mutations': (args, out) => {
    const ts = check(() => TableSchema.fromJson(unbox(parseJson(args[0]!)), 'mytable'));
    let status = 0;
    for (const a of args.slice(1)) {
      try {
        out.print(sorted(MutationSet.fromJson(ts, parseJson(a), null).toJson()));
      } catch (e) {
        if (!(e instanceof OvsdbError)) throw e;
        out.error(e.toString());
        status = 1;
      }
    }
    return status;
  },
  'execute-mutations': (args, out) => {
    const table = tableFromSchemaArg(args[0]!);
    const mj = parseJson(args[1]!);
    if (!Array.isArray(mj)) throw new Fatal('MUTATION argument is not JSON array');
    const sets = mj.map((m) => check(() => MutationSet.fromJson(table.schema, m, null)));
    const rj = parseJson(args[2]!);
    if (!Array.isArray(rj)) throw new Fatal('ROW argument is not JSON array');
    const rows = rj.map((r) => parseRow(table, r));
    sets.forEach((set, i) => {
      out.print(`mutation ${String(i).padStart(2)}:`);
      rows.forEach((row, j) => {
        const copy = row.copy();
        out.write(`row ${j}: `);
        try {
          set.execute(copy);
          const changed = table.schema.allColumns.filter(
            (c) => !datumEquals(copy.fields[c.index]!, row.fields[c.index]!, c.type));
          out.print(changed.length ? sorted(rowToJson(copy, changed)) : 'no change');
        } catch (e) {
          if (!(e instanceof OvsdbError)) throw e;
          out.print(e.toString());
        }
      });
      out.print('');
    });
  },
  query: (args, out) => {
    const table = tableFromSchemaArg(args[0]!);
    const rj = parseJson(args[1]!);
    if (!Array.isArray(rj)) throw new Fatal('ROW argument is not JSON array');
    const rows = rj.map((r) => parseRow(table, r));
    for (const r of rows) table.rows.set(r.uuid, r);
    const cj = parseJson(args[2]!);
    if (!Array.isArray(cj)) throw new Fatal('CONDITION argument is not JSON array');
    let status = 0;
    cj.forEach((c, i) => {
      const cnd = check(() => Condition.fromJson(table.schema, c, null));
      const hits = new Map<Row, number>();
      for (const r of queryRowArray(table.rows, cnd)) hits.set(r, (hits.get(r) ?? 0) + 1);
      let line = `query ${String(i).padStart(2)}:`;
      rows.forEach((r, j) => {
        if (j % 5 === 0) line += ' ';
        const n = hits.get(r) ?? 0;
        if (n > 1) status = 1;
        line += n ? String(n) : '-';
      });
      out.print(line);
    });
    return status;
  },
  'query-distinct': (args, out) => {
    const table = tableFromSchemaArg(args[0]!);
    const columns = check(() => columnSetFromJson(parseJson(args[3]!), table.schema));
    const rj = parseJson(args[1]!);
    if (!Array.isArray(rj)) throw new Fatal('ROW argument is not JSON array');
    const rows = rj.map((r) => parseRow(table, r));
    const classes: Row[] = [];
    const classOf = rows.map((r) => {
      let k = classes.findIndex((ex) => rowEqualColumns(r, ex, columns));
      if (k < 0) { k = classes.length; classes.push(r); }
      return k;
    });
    for (const r of rows) table.rows.set(r.uuid, r);
    const cj = parseJson(args[2]!);
    if (!Array.isArray(cj)) throw new Fatal('CONDITION argument is not JSON array');
    let status = 0;
    cj.forEach((c, i) => {
      const cnd = check(() => Condition.fromJson(table.schema, c, null));
      const counts = new Array<number>(classes.length).fill(0);
      const results = queryRowArray(table.rows, cnd);
      const seen = new Set<number>();
      const distinct = columns.some((col) => col.index === 0)
        ? results
        : results.filter((r) => { const k = classOf[rows.indexOf(r)]!; if (seen.has(k)) return false; seen.add(k); return true; });
      for (const r of distinct) counts[classOf[rows.indexOf(r)]!]!++;
      let line = `query ${String(i).padStart(2)}:`;
      rows.forEach((_r, j) => {
        if (j % 5 === 0) line += ' ';
        const n = counts[classOf[j]!]!;
        if (n > 1) { line += String(n); status = 1; } else if (n === 1) line += 'abcdefghijklmnopqrstuvwxyz'[classOf[j]!]; else line += '-';
      });
      out.print(line);
    });
    return status;
  },
  'parse-schema': (args, out) => {
    out.print(sorted(check(() => DatabaseSchema.fromJson(parseJson(args[0]!))).toJson()));
  },
  execute: (args, out) => execute(args, out, false),
  'execute-readonly': (args, out) => execute(args, out, true),
  trigger: (args, out) => {
    const db = new Database(check(() => DatabaseSchema.fromJson(parseJson(args[0]!))));
    let runTriggers = false;
    db.addCommitListener(() => { runTriggers = true; });
    interface Trigger { number: number; params: Json; created: number; timeout: number }
    const triggers: Trigger[] = [];
    let now = 0;
    let number = 0;
    const tryTrigger = (t: Trigger): Json | null => {
      const r = transact(db, t.params, { elapsedMs: now - t.created });
      if (r.status === 'wait') { t.timeout = r.timeoutMs; return null; }
      return r.result;
    };
    const dump = (t: Trigger, title: string, result: Json): void => {
      out.print(`t=${now}: trigger ${t.number} (${title}): ${sorted(result)}`);
    };
    const completions: [Trigger, Json][] = [];
    const run = (): void => {
      const all = runTriggers;
      runTriggers = false;
      for (const t of [...triggers]) {
        if (all || now - t.created >= t.timeout) {
          const r = tryTrigger(t);
          if (r !== null) {
            triggers.splice(triggers.indexOf(t), 1);
            completions.push([t, r]);
          }
        }
      }
    };
    for (const a of args.slice(1)) {
      const params = parseJson(a);
      if (Array.isArray(params) && params.length === 2 && params[0] === 'advance' && typeof params[1] === 'number') {
        now += params[1];
      } else {
        const t: Trigger = { number: number++, params, created: now, timeout: Infinity };
        const r = tryTrigger(t);
        if (r !== null) dump(t, 'immediate', r);
        else { triggers.push(t); out.print(`t=${now}: new trigger ${t.number}`); }
      }
      run();
      while (completions.length) {
        const [t, r] = completions.shift()!;
        dump(t, 'delayed', r);
        run();
      }
    }
  },
  transact: (args, out) => {
    const db = new Database(check(() => DatabaseSchema.fromJson(parseJson(
      '{"name": "testdb", "tables": {"mytable": {"columns": {"i": {"type": "integer"}, "j": {"type": "integer"}}}}}'))));
    const table = db.getTable('mytable')!;
    const ci = table.schema.columns.get('i')!.index, cj = table.schema.columns.get('j')!.index;
    const uuidOf = (s: string): string => '00000000-0000-0000-0000-' + (parseInt(s, 10) >>> 0).toString(16).padStart(12, '0');
    let txn = db.newTxn();
    const setIJ = (row: Row, i: string, j: string): void => {
      const iv = parseInt(i, 10), jv = parseInt(j, 10);
      if (iv !== -1) row.fields[ci] = datumFromJson(table.schema.columnList[ci]!.type, iv, null);
      if (jv !== -1) row.fields[cj] = datumFromJson(table.schema.columnList[cj]!.type, jv, null);
    };
    const find = (s: string): Row => {
      const r = table.rows.get(uuidOf(s));
      if (!r) throw new Fatal(`table does not contain row with UUID ${uuidOf(s)}`);
      return r;
    };
    args.forEach((a, n) => {
      const cmd = parseJson(a);
      if (!Array.isArray(cmd)) throw new Fatal(`transaction ${n + 1} must be JSON array with at least 1 element`);
      const words = cmd.map((w, k) => {
        if (typeof w !== 'string') throw new Fatal(`transaction ${n + 1} argument ${k} must be JSON string`);
        return w;
      });
      out.write(words.join(' ') + ':');
      switch (words[0]) {
        case 'commit': {
          db.commit(txn);
          txn = db.newTxn();
          break;
        }
        case 'abort': txn.abort(); txn = db.newTxn(); break;
        case 'insert': {
          const u = uuidOf(words[1]!);
          if (table.rows.has(u)) throw new Fatal(`table already contains row with UUID ${u}`);
          const row = table.newRow(u);
          setIJ(row, words[2]!, words[3]!);
          txn.rowInsert(row);
          break;
        }
        case 'delete': txn.rowDelete(find(words[1]!)); break;
        case 'modify': setIJ(txn.rowModify(find(words[1]!)), words[2]!, words[3]!); break;
        case 'print': {
          const rows = [...table.rows.values()].sort((x, y) => (x.uuid < y.uuid ? -1 : 1));
          for (const r of rows) {
            out.write(`\n${parseInt(r.uuid.slice(24), 16)}: i=${r.fields[ci]!.keys[0]}, j=${r.fields[cj]!.keys[0]}`);
          }
          break;
        }
        default: throw new Fatal(`unknown command '${words[0]}'`);
      }
      out.write('\n');
    });
    txn.abort();
  },
};

function evaluateConditions(args: string[], out: Out, any: boolean): void {
  const table = tableFromSchemaArg(args[0]!);
  const cj = parseJson(args[1]!);
  if (!Array.isArray(cj)) throw new Fatal('CONDITION argument is not JSON array');
  const cs = cj.map((c) => check(() => Condition.fromJson(table.schema, c, null)));
  const rj = parseJson(args[2]!);
  if (!Array.isArray(rj)) throw new Fatal('ROW argument is not JSON array');
  const rows = rj.map((r) => parseRow(table, r));
  cs.forEach((c, i) => {
    let line = `condition ${String(i).padStart(2)}:`;
    rows.forEach((r, j) => {
      if (j % 5 === 0) line += ' ';
      line += (any ? c.matchAny(r.fields) : c.matchEvery(r.fields)) ? 'T' : '-';
    });
    out.print(line);
  });
}

function execute(args: string[], out: Out, readOnly: boolean): void {
  const db = new Database(check(() => DatabaseSchema.fromJson(parseJson(args[0]!))));
  for (const a of args.slice(1)) {
    const params = parseJson(a);
    const c = executeCompose(db, params, { readOnly, triggers: false });
    let results = c.results;
    if (c.txn) {
      const r = db.commit(c.txn, c.durable);
      if (r instanceof OvsdbError) (results as Json[]).push(r.toJson());
    }
    out.print(sorted(results));
  }
}

/** Runs "test-ovsdb ARGS" and returns its exit status and output. */
export function runTestOvsdb(argv: string[]): RunResult {
  const out = new Out();
  // GNU getopt permutes: options may follow the command name until "--".
  const args: string[] = [];
  let dashDash = false;
  for (const a of argv) {
    if (dashDash) args.push(a);
    else if (a === '--') dashDash = true;
    else if (a.startsWith('-') && a.length > 1) continue;
    else args.push(a);
  }
  const name = args.shift();
  const cmd = name ? commands[name] : undefined;
  if (!cmd) {
    out.error(`unknown command '${name}'; use --help for help`);
    return { status: 1, stdout: out.stdout, stderr: out.stderr };
  }
  try {
    const status = cmd(args, out) ?? 0;
    return { status, stdout: out.stdout, stderr: out.stderr };
  } catch (e) {
    if (e instanceof Fatal) {
      out.error(e.message);
      return { status: 1, stdout: out.stdout, stderr: out.stderr };
    }
    throw e;
  }
}

/** The commands this harness implements. */
export const TEST_OVSDB_COMMANDS = Object.keys(commands);
