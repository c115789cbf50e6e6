/* ofp-table: flow-table configuration messages: table-mod (OF1.1-1.3 miss
 * config, OF1.4+ eviction and vacancy properties), table description
 * (OF1.4 multipart) and table-status, with their text.  Table statistics
 * and features live in ofp-table-stats.ts. */
import { OfpReader, type OfpWriter } from './ofp-buffer.js';
import { OfpError } from './ofp-errors.js';
import { startMsg, msgBody, type OfpMsg } from './ofp-msgs.js';
import { pullProp, unknownProp, startProp, endProp } from './ofp-prop.js';
import { bitNames } from './ofp-format.js';
import type { Ds } from '../lib/dynamic-string.js';
import { vlogModule } from '../lib/vlog.js';

const log = vlogModule('ofp_table');

/** Table-miss behaviour (OVS's ofputil_table_miss). */
export const MISS_DEFAULT = 0, MISS_CONTROLLER = 1, MISS_CONTINUE = 2, MISS_DROP = 3;
/** Tri-state eviction / vacancy settings. */
export const SETTING_DEFAULT = 0, SETTING_ON = 1, SETTING_OFF = 2;
const MISS_NAMES = ['default', 'controller', 'continue', 'drop'];
const SETTING_NAMES = ['default', 'on', 'off'];
const OFPTC14_EVICTION = 4, OFPTC14_VACANCY_EVENTS = 8;
export const OFPTR_VACANCY_DOWN = 3, OFPTR_VACANCY_UP = 4;

/** Vacancy thresholds in percent. */
export interface TableVacancy { down: number; up: number; vacancy: number }

/** A table-mod request. */
export interface TableMod {
  tableId: number; miss: number; eviction: number; evictionFlags: number; vacancy: number; tableVacancy: TableVacancy;
}

function decodeMiss(config: number, version: number): number {
  if (version === 2 || version === 3) {
    switch (config & 3) {
      case 0: return MISS_CONTROLLER;
      case 1: return MISS_CONTINUE;
      case 2: return MISS_DROP;
      default:
        log.warn(`bad table miss config ${config}`);
        return MISS_CONTROLLER;
    }
  }
  return MISS_DEFAULT;
}

function encodeConfig(miss: number, eviction: number, vacancy: number, version: number): number {
  if (version === 2 || version === 3) return miss === MISS_CONTINUE ? 1 : miss === MISS_DROP ? 2 : 0;
  if (version >= 5) return (eviction === SETTING_ON ? OFPTC14_EVICTION : 0) | (vacancy === SETTING_ON ? OFPTC14_VACANCY_EVENTS : 0);
  return 0;
}

export function decodeTableMod(msg: OfpMsg): TableMod {
  const r = new OfpReader(msgBody(msg));
  const tm: TableMod = {
    tableId: r.u8(), miss: MISS_DEFAULT, eviction: SETTING_DEFAULT, evictionFlags: 0xffffffff,
    vacancy: SETTING_DEFAULT, tableVacancy: { down: 0, up: 0, vacancy: 0 },
  };
  r.skip(3);
  const config = r.u32();
  tm.miss = decodeMiss(config, msg.version);
  if (msg.info.raw === 'OFPT14_TABLE_MOD') {
    tm.eviction = config & OFPTC14_EVICTION ? SETTING_ON : SETTING_OFF;
    tm.vacancy = config & OFPTC14_VACANCY_EVENTS ? SETTING_ON : SETTING_OFF;
    while (r.remaining) {
      const p = pullProp(r);
      if (p.type === 2) {
        if (p.body.remaining !== 4) throw new OfpError('OFPBPC_BAD_LEN');
        tm.evictionFlags = p.body.u32();
      } else if (p.type === 3) {
        if (p.raw.length !== 8) throw new OfpError('OFPBPC_BAD_LEN');
        const down = p.body.u8(), up = p.body.u8(), vac = p.body.u8();
        if (down > up) { log.warn('Value of vacancy_down is greater than vacancy_up'); throw new OfpError('OFPBPC_BAD_VALUE'); }
        if (down > 100 || up > 100) { log.warn('Vacancy threshold percentage should not be greater than 100'); throw new OfpError('OFPBPC_BAD_VALUE'); }
        if (vac) { log.warn('Vacancy value should be zero for table-mod messages'); throw new OfpError('OFPBPC_BAD_VALUE'); }
        tm.tableVacancy = { down, up, vacancy: vac };
      } else throw new OfpError('OFPBRC_BAD_TYPE');
    }
  }
  return tm;
}

/** Encodes a table-mod (OF1.1+). */
export function encodeTableMod(tm: TableMod, version: number, xid = 0): Uint8Array {
  const w = startMsg(version >= 5 ? 'OFPT14_TABLE_MOD' : 'OFPT11_TABLE_MOD', version, xid);
  w.u8(tm.tableId).zeros(3).u32(encodeConfig(tm.miss, tm.eviction, tm.vacancy, version));
  if (version >= 5) {
    if (tm.evictionFlags !== 0xffffffff) { const a = startProp(w, 2); w.u32(tm.evictionFlags); endProp(w, a); }
    if (tm.vacancy === SETTING_ON) { const a = startProp(w, 3); w.u8(tm.tableVacancy.down).u8(tm.tableVacancy.up).zeros(2); endProp(w, a); }
  }
  return w.finishMsg();
}

function evictionFlagsText(f: number): string {
  if (f === 0xffffffff) return '(default)';
  return bitNames(f, (b) => (b === 1 ? 'OTHER' : b === 2 ? 'IMPORTANCE' : b === 4 ? 'LIFETIME' : null), '|');
}

export function formatTableModText(tm: TableMod): string {
  let s = tm.tableId === 0xff ? ' table_id: ALL_TABLES' : ` table_id=${tm.tableId}`;
  if (tm.miss !== MISS_DEFAULT) s += `, flow_miss_config=${MISS_NAMES[tm.miss]}`;
  if (tm.eviction !== SETTING_DEFAULT) s += `, eviction=${SETTING_NAMES[tm.eviction]}`;
  if (tm.evictionFlags !== 0xffffffff) s += 'eviction_flags=' + evictionFlagsText(tm.evictionFlags);
  if (tm.vacancy !== SETTING_DEFAULT) {
    s += `, vacancy=${SETTING_NAMES[tm.vacancy]}`;
    if (tm.vacancy === SETTING_ON) s += ` vacancy:${tm.tableVacancy.down},${tm.tableVacancy.up}`;
  }
  return s;
}

export function formatTableModMsg(ds: Ds, msg: OfpMsg): void {
  ds.put(formatTableModText(decodeTableMod(msg)));
}

/* ---- table description ---- */

/** One table's description (OF1.4+). */
export interface TableDesc { tableId: number; eviction: number; evictionFlags: number; vacancy: number; tableVacancy: TableVacancy }

function pullTableDesc(r: OfpReader, version: number): TableDesc {
  if (r.remaining < 8) {
    log.warn(`OFP14_TABLE_DESC reply has ${r.remaining} leftover bytes at end`);
    throw new OfpError('OFPBRC_BAD_LEN');
  }
  const length = r.u16(), tableId = r.u8();
  r.skip(1);
  const config = r.u32();
  if (length < 8 || length - 8 > r.remaining) {
    log.warn(`OFP14_TABLE_DESC reply claims invalid length ${length}`);
    throw new OfpError('OFPBRC_BAD_LEN');
  }
  const td: TableDesc = {
    tableId, eviction: version < 5 ? SETTING_DEFAULT : config & OFPTC14_EVICTION ? SETTING_ON : SETTING_OFF,
    evictionFlags: 0xffffffff, vacancy: version < 5 ? SETTING_DEFAULT : config & OFPTC14_VACANCY_EVENTS ? SETTING_ON : SETTING_OFF,
    tableVacancy: { down: 0, up: 0, vacancy: 0 },
  };
  const props = r.sub(length - 8);
  while (props.remaining) {
    const p = pullProp(props);
    if (p.type === 2) {
      if (p.body.remaining !== 4) throw new OfpError('OFPBPC_BAD_LEN');
      td.evictionFlags = p.body.u32();
    } else if (p.type === 3) {
      if (p.raw.length !== 8) throw new OfpError('OFPBPC_BAD_LEN');
      const down = p.body.u8(), up = p.body.u8(), vac = p.body.u8();
      if (down > up || down > 100 || up > 100) throw new OfpError('OFPBPC_BAD_VALUE');
      td.tableVacancy = { down, up, vacancy: vac };
    } else unknownProp(log, true, 'table_desc', p);
  }
  return td;
}

/** Decodes a table-desc reply. */
export function decodeTableDescReply(msg: OfpMsg): TableDesc[] {
  const r = new OfpReader(msgBody(msg));
  const out: TableDesc[] = [];
  while (r.remaining) out.push(pullTableDesc(r, msg.version));
  return out;
}

/** Appends one table description. */
export function putTableDesc(w: OfpWriter, td: TableDesc, version: number): void {
  const start = w.len;
  w.u16(0).u8(td.tableId).zeros(1).u32(encodeConfig(MISS_DEFAULT, td.eviction, td.vacancy, version));
  if (td.evictionFlags !== 0xffffffff) { const a = startProp(w, 2); w.u32(td.evictionFlags); endProp(w, a); }
  if (td.vacancy === SETTING_ON) {
    const a = startProp(w, 3);
    w.u8(td.tableVacancy.down).u8(td.tableVacancy.up).u8(td.tableVacancy.vacancy).zeros(1);
    endProp(w, a);
  }
  w.set16(start, w.len - start);
}

/** One table description's text. */
export function formatTableDesc(td: TableDesc): string {
  let s = `\n  table ${td.tableId}:\n   eviction=${SETTING_NAMES[td.eviction]} eviction_flags=${evictionFlagsText(td.evictionFlags)}\n`;
  s += `   vacancy=${SETTING_NAMES[td.vacancy]}`;
  if (td.vacancy === SETTING_ON) s += ` vacancy_down=${td.tableVacancy.down}% vacancy_up=${td.tableVacancy.up}% vacancy=${td.tableVacancy.vacancy}%`;
  return s + '\n';
}

export function formatTableDescReply(ds: Ds, msg: OfpMsg): void {
  const r = new OfpReader(msgBody(msg));
  while (r.remaining) ds.put(formatTableDesc(pullTableDesc(r, msg.version)));
}

/* ---- table status ---- */

export function decodeTableStatus(msg: OfpMsg): { reason: number; desc: TableDesc } {
  const r = new OfpReader(msgBody(msg));
  const reason = r.u8();
  r.skip(7);
  if (reason !== OFPTR_VACANCY_DOWN && reason !== OFPTR_VACANCY_UP) throw new OfpError('OFPBPC_BAD_VALUE');
  return { reason, desc: pullTableDesc(r, msg.version) };
}

export function encodeTableStatus(reason: number, td: TableDesc, version: number): Uint8Array {
  const w = startMsg('OFPT14_TABLE_STATUS', version, 0);
  w.u8(reason).zeros(7);
  putTableDesc(w, td, version);
  return w.finishMsg();
}

export function formatTableStatusMsg(ds: Ds, msg: OfpMsg): void {
  const ts = decodeTableStatus(msg);
  ds.put(ts.reason === OFPTR_VACANCY_DOWN ? ' reason=VACANCY_DOWN' : ' reason=VACANCY_UP');
  ds.put('\ntable_desc:-' + formatTableDesc(ts.desc));
}

/* ---- table-mod text (ovs-ofctl mod-table) ---- */

function strToIntC(s: string): number | null {
  const m = /^\s*[+-]?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return null;
  const t = s.trim();
  const neg = t.startsWith('-');
  const b = t.replace(/^[+-]/, '');
  const v = /^0[xX]/.test(b) ? parseInt(b.slice(2), 16) : b.length > 1 && b.startsWith('0') ? parseInt(b, 8) : parseInt(b, 10);
  return neg ? -v : v;
}

function parseVacancy(tm: TableMod, setting: string): string | null {
  const rest = setting.includes(':') ? setting.slice(setting.indexOf(':') + 1) : '';
  const parts = rest.split(',').filter((p) => p.length > 0);
  const down = parts[0], up = parts[1];
  if (down === undefined) return 'Vacancy down value missing';
  const d = strToIntC(down);
  if (d === null || d < 0 || d > 100) return `Invalid vacancy down value "${down}"`;
  if (up === undefined) return 'Vacancy up value missing';
  const u = strToIntC(up);
  if (u === null || u < 0 || u > 100) return `Invalid vacancy up value "${up}"`;
  if (d > u) return 'Invalid vacancy range, vacancy up should be greater than vacancy down (OFPBPC_BAD_VALUE)';
  tm.tableVacancy.down = d;
  tm.tableVacancy.up = u;
  return null;
}

/** Parses ovs-ofctl mod-table's TABLE and SETTING ('tableId' already
 * resolved; 0xff for "all").  Returns the table-mod, a new name for
 * "name:NAME", and the OpenFlow versions (bitmap) that can express it. */
export function parseTableMod(tableId: number, setting: string):
  { tm: TableMod; name: string | null; versions: number } | string {
  const tm: TableMod = {
    tableId, miss: MISS_DEFAULT, eviction: SETTING_DEFAULT, evictionFlags: 0xffffffff, vacancy: SETTING_DEFAULT,
    tableVacancy: { down: 0, up: 0, vacancy: 0 },
  };
  const V11_12 = (1 << 2) | (1 << 3), V14_15 = (1 << 5) | (1 << 6), V13_15 = (1 << 4) | V14_15;
  let versions = 0, name: string | null = null;
  const head = setting.split(':')[0]!;
  if (setting === 'controller') { tm.miss = MISS_CONTROLLER; versions = V11_12; }
  else if (setting === 'continue') { tm.miss = MISS_CONTINUE; versions = V11_12; }
  else if (setting === 'drop') { tm.miss = MISS_DROP; versions = V11_12; }
  else if (setting === 'evict') { tm.eviction = SETTING_ON; versions = V14_15; }
  else if (setting === 'noevict') { tm.eviction = SETTING_OFF; versions = V14_15; }
  else if ('vacancy'.startsWith(head)) {
    tm.vacancy = SETTING_ON;
    versions = V14_15;
    const err = parseVacancy(tm, setting);
    if (err) return err;
  } else if (setting === 'novacancy') { tm.vacancy = SETTING_OFF; versions = V14_15; }
  else if (tableId !== 0xff && setting.startsWith('name:')) { name = setting.slice(5); versions = V13_15; }
  else return `invalid table_mod setting ${setting}`;
  if (tm.tableId === 0xfe && tm.miss === MISS_CONTINUE) return "last table's flow miss handling can not be continue";
  return { tm, name, versions };
}
