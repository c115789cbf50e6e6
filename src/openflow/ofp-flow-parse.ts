/* ofp-flow-parse: flow-mod text ("priority=5,ip,nw_src=10.0.0.1,
 * actions=output:2") into a FlowMod, with the set of protocols able to
 * carry it, as ovs-ofctl's add-flow/parse-flow/del-flows do (OVS's
 * parse_ofp_str).  Match keys and actions are parsed by the flow-language
 * side (ofp-match-parse.ts, ofp-actions.ts); this file handles the flow-mod
 * keywords (table, priority, timeouts, cookie, flags, out_port...). */
import { Match } from './match.js';
import { parseKeyValue, extractActions, strToU16, strToU64, type KvCursor } from './ofp-parse.js';
import { parseMatchKeyValue, finishMatchParse, type Usable } from './ofp-match-parse.js';
import { parseInstructions, checkActions } from './ofp-actions-all.js';
import { normalizeMatchLogged } from './ofp-match-codec.js';
import { Proto } from './ofp-protocol.js';
import { parsePort, parseTable, type PortNames } from './ofp-port-map.js';
import { ofpactsFrom, emptyOfpacts } from './ofpact-codec.js';
import {
  OFPFC_ADD, OFPFC_MODIFY, OFPFC_MODIFY_STRICT, OFPFC_DELETE, OFPFC_DELETE_STRICT, U64_MAX,
  FF_SEND_FLOW_REM, FF_CHECK_OVERLAP, FF_RESET_COUNTS, FF_NO_PKT_COUNTS, FF_NO_BYT_COUNTS, type FlowMod,
} from './ofp-flow.js';
import { OFPG_ANY, OFPG_ALL } from './ofp-group.js';
import { vlogModule } from '../lib/vlog.js';

const log = vlogModule('ofp_flow');

const F_OUT_PORT = 1, F_ACTIONS = 2, F_IMPORTANCE = 4, F_TIMEOUT = 8, F_PRIORITY = 16, F_FLAGS = 32;

/** A parsed flow-mod and the protocols able to express it. */
export interface ParsedFlowMod { fm: FlowMod; usable: number }

/** Optional name maps for ports and tables. */
export interface FlowParseOptions { ports?: PortNames; tables?: ReadonlyMap<number, string> }

/** ofputil_table_from_string: a number (0-255) or a table name; null if neither. */
export function tableFromString(s: string, tables?: ReadonlyMap<number, string>): number | null {
  return parseTable(s, tables) ?? null;
}

function groupFromString(s: string): number | null {
  const l = s.toLowerCase();
  if (l === 'any') return OFPG_ANY;
  if (l === 'all') return OFPG_ALL;
  if (/^[0-9]+$/.test(s) && Number(s) <= 0xffffffff) return Number(s);
  log.warn(`${s} is not a valid group ID.  (Valid group IDs are 32-bit nonnegative integers or the keywords ANY or ALL.)`);
  return null;
}

/**
 * Parses flow-mod text for 'command' (OFPFC_*; -1 for a flow-stats/monitor
 * style "match only" string; -2 to read the command from a leading add/
 * delete/modify word, as in add-flows files).  Returns the flow-mod or an
 * error text exactly as ovs-ofctl prints it.
 */
export function parseFlowModStr(text: string, command: number, opts: FlowParseOptions = {}): ParsedFlowMod | string {
  let string = text;
  if (command === -2) {
    string = string.replace(/^[ \t\r\n]+/, '');
    const m = /^[^, \t\r\n]*/.exec(string)![0];
    const cmds: [string, number][] = [['add', OFPFC_ADD], ['delete', OFPFC_DELETE], ['delete_strict', OFPFC_DELETE_STRICT],
      ['modify', OFPFC_MODIFY], ['modify_strict', OFPFC_MODIFY_STRICT]];
    const hit = cmds.find(([w]) => w.startsWith(m) && m.length > 0 && (m === w || w.slice(0, m.length) === m));
    if (hit && m.length) {
      command = hit[1];
      string = string.slice(m.length);
    } else command = OFPFC_ADD;
  }
  let fields: number;
  switch (command) {
    case -1: fields = F_OUT_PORT; break;
    case OFPFC_ADD: fields = F_ACTIONS | F_TIMEOUT | F_PRIORITY | F_FLAGS | F_IMPORTANCE; break;
    case OFPFC_DELETE: fields = F_OUT_PORT; break;
    case OFPFC_DELETE_STRICT: fields = F_OUT_PORT | F_PRIORITY; break;
    default: fields = F_ACTIONS | F_TIMEOUT | F_PRIORITY | F_FLAGS; break;
  }
  const usable: Usable = { p: Proto.ANY };
  const match = new Match();
  const fm: FlowMod = {
    match, priority: 0x8000, cookie: 0n, cookieMask: 0n, newCookie: 0n, modifyCookie: false, tableId: 0xff,
    command: command < 0 ? OFPFC_ADD : command, idleTimeout: 0, hardTimeout: 0, importance: 0, bufferId: 0xffffffff,
    outPort: 0xffff, outGroup: OFPG_ANY, flags: 0, ofpacts: emptyOfpacts(1),
  };
  if (command === OFPFC_MODIFY || command === OFPFC_MODIFY_STRICT) fm.newCookie = U64_MAX;
  let actStr: string | undefined;
  if (fields & F_ACTIONS) {
    const ex = extractActions(string);
    if (!ex) return 'must specify an action';
    string = ex.before;
    actStr = ex.actions;
  }
  const cur: KvCursor = { s: string, pos: 0 };
  for (let kv = parseKeyValue(cur); kv; kv = parseKeyValue(cur)) {
    const { key: name, value } = kv;
    let error: string | null = null;
    if (fields & F_FLAGS && name === 'send_flow_rem') fm.flags |= FF_SEND_FLOW_REM;
    else if (fields & F_FLAGS && name === 'check_overlap') fm.flags |= FF_CHECK_OVERLAP;
    else if (fields & F_FLAGS && name === 'reset_counts') { fm.flags |= FF_RESET_COUNTS; usable.p &= Proto.OF12_UP; }
    else if (fields & F_FLAGS && name === 'no_packet_counts') { fm.flags |= FF_NO_PKT_COUNTS; usable.p &= Proto.OF13_UP; }
    else if (fields & F_FLAGS && name === 'no_byte_counts') { fm.flags |= FF_NO_BYT_COUNTS; usable.p &= Proto.OF13_UP; }
    else if (name === 'no_readonly_table' || name === 'allow_hidden_fields') { /* ignored */ }
    else {
      const r = parseMatchKeyValue(match, name, value, opts.ports ?? null, usable);
      if (r !== undefined) error = r;
      else if (!value) return `field ${name} missing value`;
      else if (name === 'table') {
        const t = tableFromString(value, opts.tables);
        if (t === null) return `unknown table "${value}"`;
        fm.tableId = t;
        if (t !== 0xff) usable.p &= Proto.TID;
      } else if (fields & F_OUT_PORT && name === 'out_port') {
        const p = parsePort(value, opts.ports);
        if (p === undefined) error = `${value} is not a valid OpenFlow port`;
        else fm.outPort = p;
      } else if (fields & F_OUT_PORT && name === 'out_group') {
        usable.p &= Proto.OF11_UP;
        const g = groupFromString(value);
        if (g === null) error = `${value} is not a valid OpenFlow group`;
        else fm.outGroup = g;
      } else if (fields & F_PRIORITY && name === 'priority') {
        const v = strToU16(value, name);
        if (typeof v === 'string') error = v; else fm.priority = v;
      } else if (fields & F_TIMEOUT && name === 'idle_timeout') {
        const v = strToU16(value, name);
        if (typeof v === 'string') error = v; else fm.idleTimeout = v;
      } else if (fields & F_TIMEOUT && name === 'hard_timeout') {
        const v = strToU16(value, name);
        if (typeof v === 'string') error = v; else fm.hardTimeout = v;
      } else if (fields & F_IMPORTANCE && name === 'importance') {
        const v = strToU16(value, name);
        if (typeof v === 'string') error = v; else fm.importance = v;
      } else if (name === 'cookie') {
        const slash = value.indexOf('/');
        if (slash >= 0) {
          if (command === OFPFC_ADD) return 'flow additions cannot use a cookie mask';
          const c = strToU64(value.slice(0, slash));
          if (typeof c === 'string') return c;
          fm.cookie = c;
          const m = strToU64(value.slice(slash + 1));
          if (typeof m === 'string') error = m;
          else {
            fm.cookieMask = m;
            if (m) usable.p &= Proto.NXM_OF11_UP;
          }
        } else {
          if (command !== OFPFC_ADD && command !== OFPFC_MODIFY && command !== OFPFC_MODIFY_STRICT) {
            return `cannot set cookie (to match on a cookie, specify a mask, e.g. cookie=${value}/-1)`;
          }
          const c = strToU64(value);
          if (typeof c === 'string') error = c;
          else { fm.newCookie = c; fm.modifyCookie = true; }
        }
      } else if (['duration', 'n_packets', 'n_bytes', 'idle_age', 'hard_age'].includes(name)) {
        /* Ignored so that dump-flows output can be fed back. */
      } else {
        error = `unknown keyword ${name}`;
      }
    }
    if (error) return error;
  }
  finishMatchParse(match, usable);
  if (!fm.cookieMask && fm.newCookie === U64_MAX && (command === OFPFC_MODIFY || command === OFPFC_MODIFY_STRICT)) {
    fm.newCookie = 0n;
  }
  if (fields & F_ACTIONS) {
    const pa = parseInstructions(actStr!, { ports: opts.ports, tables: opts.tables });
    if (typeof pa === 'string') return pa;
    usable.p &= pa.usable;
    const ck = checkActions(pa.ofpacts, match, { maxPorts: 0xff00, tableId: fm.tableId, nTables: 255 });
    usable.p &= ck.usable;
    let err = ck.error;
    if (!err && !usable.p) err = 'OFPBAC_MATCH_INCONSISTENT';
    if (err) return `actions are invalid with specified match (${err})`;
    fm.ofpacts = ofpactsFrom(pa.ofpacts, 1);
  }
  return { fm, usable: usable.p };
}

/** parseFlowModStr plus OVS's normalization check (logged, not applied). */
export function parseFlowModText(text: string, command: number, opts: FlowParseOptions = {}): ParsedFlowMod | string {
  const r = parseFlowModStr(text, command, opts);
  if (typeof r === 'string') return r;
  normalizeMatchLogged(r.fm.match.clone());
  return r;
}

/** Splits a flows file into the lines OVS reads (comments and blank lines
 * dropped), keeping line numbers for error messages. */
export function preprocessedLines(text: string): { line: string; number: number }[] {
  const out: { line: string; number: number }[] = [];
  const lines = text.split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  lines.forEach((l, i) => {
    const hash = l.indexOf('#');
    const s = hash >= 0 ? l.slice(0, hash) : l;
    if (/[^ \t\n]/.test(s)) out.push({ line: s, number: i + 1 });
  });
  return out;
}
