/* ofp-table-stats: table statistics (OF1.0-1.3+ forms, which before OF1.3
 * also describe the table's capabilities) and OF1.3+ table features, with
 * the compact text ovs-ofctl prints ("eth_{src,dst}", "reg0...reg7",
 * "ditto" runs for identical tables). */
import { OfpReader, type OfpWriter } from './ofp-buffer.js';
import { OfpError } from './ofp-errors.js';
import { msgBody, type OfpMsg } from './ofp-msgs.js';
import { pullProp, unknownProp, startProp, endProp } from './ofp-prop.js';
import { actionBitmapNames, actionBitmapFromNames } from './ofpact-bitmap.js';
import { MF, MF_N_IDS, mfFromId } from './meta-flow.js';
import { nxmFieldByMfId, nxPullHeader, nxPutHeader } from './nx-match.js';
import { MISS_DEFAULT, MISS_CONTROLLER, MISS_CONTINUE, MISS_DROP } from './ofp-table.js';
import type { Ds } from '../lib/dynamic-string.js';
import { vlogModule } from '../lib/vlog.js';

const log = vlogModule('ofp_table');

/** A set of meta-flow field ids. */
export type MfSet = Set<number>;

/** Supported actions of one instruction kind. */
export interface TableActionFeatures { ofpacts: string[]; setFields: MfSet }
/** Instructions usable in a table (for miss or non-miss flows). */
export interface TableInstructionFeatures { next: Set<number>; instructions: number; write: TableActionFeatures; apply: TableActionFeatures }

/** OVS's ofputil_table_features. */
export interface TableFeatures {
  tableId: number; command: number; name: string; metadataMatch: bigint; metadataWrite: bigint;
  missConfig: number; supportsEviction: number; supportsVacancyEvents: number; maxEntries: number;
  nonmiss: TableInstructionFeatures; miss: TableInstructionFeatures;
  match: MfSet; mask: MfSet; wildcard: MfSet;
}

/** Table statistics. */
export interface TableStats { tableId: number; activeCount: number; lookupCount: bigint; matchedCount: bigint }

function emptyActions(): TableActionFeatures { return { ofpacts: [], setFields: new Set() }; }
function emptyInst(): TableInstructionFeatures { return { next: new Set(), instructions: 0, write: emptyActions(), apply: emptyActions() }; }
function cloneInst(t: TableInstructionFeatures): TableInstructionFeatures {
  return { next: new Set(t.next), instructions: t.instructions,
    write: { ofpacts: [...t.write.ofpacts], setFields: new Set(t.write.setFields) },
    apply: { ofpacts: [...t.apply.ofpacts], setFields: new Set(t.apply.setFields) } };
}
export function emptyTableFeatures(tableId: number): TableFeatures {
  return {
    tableId, command: 0, name: '', metadataMatch: 0n, metadataWrite: 0n, missConfig: MISS_DEFAULT,
    supportsEviction: -1, supportsVacancyEvents: -1, maxEntries: 0, nonmiss: emptyInst(), miss: emptyInst(),
    match: new Set(), mask: new Set(), wildcard: new Set(),
  };
}

const OF10_WC: [number, MF][] = [
  [1 << 0, MF.IN_PORT], [1 << 1, MF.VLAN_VID], [1 << 2, MF.ETH_SRC], [1 << 3, MF.ETH_DST], [1 << 4, MF.ETH_TYPE],
  [1 << 5, MF.IP_PROTO], [1 << 6, MF.TCP_SRC], [1 << 7, MF.TCP_DST], [0x3f << 8, MF.IPV4_SRC], [0x3f << 14, MF.IPV4_DST],
  [1 << 20, MF.VLAN_PCP], [1 << 21, MF.IP_DSCP],
];
const OF11_WC: [number, MF][] = [
  [1 << 0, MF.IN_PORT], [1 << 1, MF.VLAN_VID], [1 << 2, MF.VLAN_PCP], [1 << 3, MF.ETH_TYPE], [1 << 4, MF.IP_DSCP],
  [1 << 5, MF.IP_PROTO], [1 << 6, MF.TCP_SRC], [1 << 7, MF.TCP_DST], [1 << 8, MF.MPLS_LABEL], [1 << 9, MF.MPLS_TC],
  [1 << 11, MF.ETH_SRC], [1 << 12, MF.ETH_DST], [1 << 13, MF.IPV4_SRC], [1 << 14, MF.IPV4_DST], [1 << 15, MF.METADATA],
];

function fromWcMap(map: [number, MF][], bits: number): MfSet {
  const s: MfSet = new Set();
  for (const [b, id] of map) if (bits & b) s.add(id);
  return s;
}

function fromOxmBitmap(bits: bigint, version: number): MfSet {
  const s: MfSet = new Set();
  for (let id = 0; id < MF_N_IDS; id++) {
    const nf = nxmFieldByMfId(id, version);
    // Only code points that exist in 'version' (a field newer than the message is not in it).
    if (nf && version >= nf.version && nf.header.cls === 0x8000 && nf.header.field < 64
      && (bits >> BigInt(nf.header.field)) & 1n) s.add(id);
  }
  return s;
}

/** Wire instruction type -> OVS instruction bit (meter, apply, clear,
 * write, write_metadata, goto_table). */
const INST_FROM_WIRE: Record<number, number> = { 6: 0, 4: 1, 5: 2, 3: 3, 2: 4, 1: 5 };
const INST_NAMES = ['meter', 'apply_actions', 'clear_actions', 'write_actions', 'write_metadata', 'goto_table'];

function instFromBitmap(bits: number): number {
  let out = 0;
  for (const [wire, i] of Object.entries(INST_FROM_WIRE)) if (bits & (1 << Number(wire))) out |= 1 << i;
  return out;
}

function decodeMiss11(config: number): number {
  switch (config & 3) {
    case 0: return MISS_CONTROLLER;
    case 1: return MISS_CONTINUE;
    case 2: return MISS_DROP;
    default: log.warn(`bad table miss config ${config}`); return MISS_CONTROLLER;
  }
}

/** Pulls one table stats entry (and the features it implies). */
function pullTableStats(version: number, r: OfpReader): { stats: TableStats; features: TableFeatures } | null {
  if (!r.remaining) return null;
  const f = emptyTableFeatures(0);
  const st: TableStats = { tableId: 0, activeCount: 0, lookupCount: 0n, matchedCount: 0n };
  if (version === 1) {
    if (r.remaining < 64) throw new OfpError('OFPBRC_BAD_LEN');
    f.tableId = st.tableId = r.u8();
    r.skip(3);
    f.name = r.str(32);
    const wc = r.u32();
    f.maxEntries = r.u32();
    f.match = fromWcMap(OF10_WC, wc);
    f.wildcard = new Set(f.match);
  } else if (version === 2) {
    if (r.remaining < 88) throw new OfpError('OFPBRC_BAD_LEN');
    f.tableId = st.tableId = r.u8();
    r.skip(7);
    f.name = r.str(32);
    const wc = r.u32(), match = r.u32(), inst = r.u32(), write = r.u32();
    r.u32();
    const config = r.u32();
    f.maxEntries = r.u32();
    f.nonmiss.instructions = instFromBitmap(inst);
    f.nonmiss.write.ofpacts = actionBitmapNames(write, 2);
    f.nonmiss.apply.ofpacts = actionBitmapNames(write, 2);
    f.miss = cloneInst(f.nonmiss);
    f.missConfig = decodeMiss11(config);
    f.match = fromWcMap(OF11_WC, match);
    f.wildcard = fromWcMap(OF11_WC, wc);
    for (const x of f.wildcard) f.match.add(x);
  } else if (version === 3) {
    if (r.remaining < 128) throw new OfpError('OFPBRC_BAD_LEN');
    f.tableId = st.tableId = r.u8();
    r.skip(7);
    f.name = r.str(32);
    const match = r.u64(), wc = r.u64(), write = r.u32(), apply = r.u32(), wsf = r.u64(), asf = r.u64();
    f.metadataMatch = r.u64();
    f.metadataWrite = r.u64();
    const inst = r.u32(), config = r.u32();
    f.maxEntries = r.u32();
    f.missConfig = decodeMiss11(config);
    f.nonmiss.instructions = instFromBitmap(inst);
    f.nonmiss.write.ofpacts = actionBitmapNames(write, 3);
    f.nonmiss.apply.ofpacts = actionBitmapNames(apply, 3);
    f.nonmiss.write.setFields = fromOxmBitmap(wsf, 3);
    f.nonmiss.apply.setFields = fromOxmBitmap(asf, 3);
    f.miss = cloneInst(f.nonmiss);
    f.match = fromOxmBitmap(match, 3);
    f.wildcard = fromOxmBitmap(wc, 3);
    for (const x of f.wildcard) f.match.add(x);
  } else {
    if (r.remaining < 24) throw new OfpError('OFPBRC_BAD_LEN');
    f.tableId = st.tableId = r.u8();
    r.skip(3);
  }
  st.activeCount = r.u32();
  st.lookupCount = r.u64();
  st.matchedCount = r.u64();
  return { stats: st, features: f };
}

/** Decodes a table stats reply. */
export function decodeTableStatsReply(msg: OfpMsg): { stats: TableStats; features: TableFeatures }[] {
  const r = new OfpReader(msgBody(msg));
  const out: { stats: TableStats; features: TableFeatures }[] = [];
  for (let e; (e = pullTableStats(msg.version, r));) out.push(e);
  return out;
}

/** Appends OF1.3+ table stats (24 bytes). */
export function putTableStats13(w: OfpWriter, st: TableStats): void {
  w.u8(st.tableId).zeros(3).u32(st.activeCount).u64(st.lookupCount).u64(st.matchedCount);
}

/* ---- encoding table stats and features (a switch's replies) ---- */

function toWcMap(map: [number, MF][], set: MfSet): number {
  let bits = 0;
  for (const [b, id] of map) if (set.has(id)) bits |= b;
  return bits >>> 0;
}

function toOxmBitmap(set: MfSet, version: number): bigint {
  let bits = 0n;
  for (const id of set) {
    const nf = nxmFieldByMfId(id, version);
    if (nf && nf.header.cls === 0x8000 && nf.header.field < 64) bits |= 1n << BigInt(nf.header.field);
  }
  return bits;
}

/** OVS instruction bits -> wire instruction bitmap of 'version' (OF1.3/1.4 know meter). */
function instToBitmap(inst: number, version: number): number {
  let out = 0;
  for (const [wire, i] of Object.entries(INST_FROM_WIRE)) {
    if (Number(wire) === 6 && version !== 4 && version !== 5) continue;
    if (inst & (1 << i)) out |= 1 << Number(wire);
  }
  return out >>> 0;
}

function encodeMiss11(miss: number): number {
  return miss === MISS_CONTINUE ? 1 : miss === MISS_DROP ? 2 : 0;
}

/** Fields that are wildcardable or cannot be matched at all (wild_or_nonmatchable_fields). */
function wildOrNonmatchable(f: TableFeatures): MfSet {
  const s: MfSet = new Set(f.wildcard);
  for (let id = 0; id < MF_N_IDS; id++) if (!f.match.has(id)) s.add(id);
  return s;
}

/** Appends one table stats entry in the OF1.0, 1.1 or 1.2 form, which also describes the table. */
export function putTableStats10(w: OfpWriter, version: number, st: TableStats, f: TableFeatures): void {
  if (version === 1) {
    w.u8(f.tableId).zeros(3).str(f.name, 32).u32(toWcMap(OF10_WC, wildOrNonmatchable(f))).u32(f.maxEntries)
      .u32(st.activeCount).u64(st.lookupCount).u64(st.matchedCount);
  } else if (version === 2) {
    w.u8(f.tableId).zeros(7).str(f.name, 32).u32(toWcMap(OF11_WC, wildOrNonmatchable(f))).u32(toWcMap(OF11_WC, f.match))
      .u32(instToBitmap(f.nonmiss.instructions, 2)).u32(actionBitmapFromNames(f.nonmiss.write.ofpacts, 2))
      .u32(actionBitmapFromNames(f.nonmiss.apply.ofpacts, 2)).u32(encodeMiss11(f.missConfig)).u32(f.maxEntries)
      .u32(st.activeCount).u64(st.lookupCount).u64(st.matchedCount);
  } else if (version === 3) {
    w.u8(f.tableId).zeros(7).str(f.name, 32).u64(toOxmBitmap(f.match, 3)).u64(toOxmBitmap(f.wildcard, 3))
      .u32(actionBitmapFromNames(f.nonmiss.write.ofpacts, 3)).u32(actionBitmapFromNames(f.nonmiss.apply.ofpacts, 3))
      .u64(toOxmBitmap(f.nonmiss.write.setFields, 3)).u64(toOxmBitmap(f.nonmiss.apply.setFields, 3))
      .u64(f.metadataMatch).u64(f.metadataWrite).u32(instToBitmap(f.nonmiss.instructions, 3))
      .u32(encodeMiss11(f.missConfig)).u32(f.maxEntries).u32(st.activeCount).u64(st.lookupCount).u64(st.matchedCount);
  } else {
    putTableStats13(w, st);
  }
}

function putBitmapProp(w: OfpWriter, type: number, bits: number): void {
  const at = startProp(w, type);
  for (let b = 0; b < 32; b++) if ((bits >>> b) & 1) w.u16(b).u16(4);
  endProp(w, at);
}

function putFieldsProp(w: OfpWriter, type: number, fields: MfSet, masks: MfSet | null, version: number): void {
  const at = startProp(w, type);
  for (const id of [...fields].sort((a, b) => a - b)) nxPutHeader(w, id, version, !!masks && masks.has(id));
  endProp(w, at);
}

function putInstFeatures(w: OfpWriter, t: TableInstructionFeatures, miss: number, version: number): void {
  putBitmapProp(w, 0 + miss, instToBitmap(t.instructions, version));
  const at = startProp(w, 2 + miss);
  for (const id of [...t.next].sort((a, b) => a - b)) w.u8(id);
  endProp(w, at);
  putBitmapProp(w, 4 + miss, actionBitmapFromNames(t.write.ofpacts, version));
  putFieldsProp(w, 12 + miss, t.write.setFields, null, version);
  putBitmapProp(w, 6 + miss, actionBitmapFromNames(t.apply.ofpacts, version));
  putFieldsProp(w, 14 + miss, t.apply.setFields, null, version);
}

/** Appends one OF1.3+ table features entry (ofputil_append_table_features). */
export function putTableFeatures(w: OfpWriter, version: number, f: TableFeatures): void {
  const start = w.len;
  let caps = 0;
  if (version >= 5) {
    if (f.supportsEviction > 0) caps |= 4;
    if (f.supportsVacancyEvents > 0) caps |= 8;
  }
  w.u16(0).u8(f.tableId).u8(version >= 6 ? f.command : 0).zeros(4).str(f.name, 32).u64(f.metadataMatch)
    .u64(f.metadataWrite).u32(caps).u32(f.maxEntries);
  putInstFeatures(w, f.nonmiss, 0, version);
  putInstFeatures(w, f.miss, 1, version);
  putFieldsProp(w, 8, f.match, f.mask, version);
  putFieldsProp(w, 10, f.wildcard, null, version);
  w.set16(start, w.len - start);
}

/* ---- table features ---- */

function parseOxmIds(b: OfpReader, loose: boolean, exact: MfSet | null, masked: MfSet | null): void {
  let pos = b.pos;
  const end = b.end;
  while (pos < end) {
    const h = nxPullHeader(b.data.subarray(0, end), pos, end, true);
    if (h instanceof OfpError) {
      if (h.error === 'OFPBMC_BAD_FIELD' && loose) {
        // Skip the unknown header (4 bytes, 8 for experimenter).
        const cls = (b.data[pos]! << 8) | b.data[pos + 1]!;
        pos += cls === 0xffff ? 8 : 4;
        continue;
      }
      throw h;
    }
    const target = h.masked ? masked : exact;
    if (!target) throw new OfpError('OFPBMC_BAD_MASK');
    target.add(h.field.id);
    pos = h.end;
  }
}

function parseIds(b: OfpReader): number[] {
  const ids: number[] = [];
  while (b.remaining) {
    if (b.remaining < 4) throw new OfpError('OFPBPC_BAD_LEN');
    const type = b.peek16(0), len = b.peek16(2);
    if (len < 4 || len > b.remaining) throw new OfpError('OFPBPC_BAD_LEN');
    b.skip(len);
    ids.push(type);
  }
  return ids;
}

/** Pulls one table features entry; 'loose' tolerates unknown ids. */
export function pullTableFeatures(version: number, r: OfpReader, loose: boolean): TableFeatures {
  if (r.remaining < 64) throw new OfpError('OFPBPC_BAD_LEN');
  const len = r.peek16(0);
  if (len < 64 || len % 8 || len > r.remaining) throw new OfpError('OFPBPC_BAD_LEN');
  const tr = r.sub(len);
  tr.skip(2);
  const f = emptyTableFeatures(tr.u8());
  const command = tr.u8();
  if (version >= 6) {
    if (command > 3) throw new OfpError('OFPTFFC_BAD_COMMAND');
    f.command = command;
  }
  if (f.tableId === 0xff) throw new OfpError('OFPTFFC_BAD_TABLE');
  tr.skip(4);
  f.name = tr.str(32);
  f.metadataMatch = tr.u64();
  f.metadataWrite = tr.u64();
  const caps = tr.u32();
  if (version >= 5) {
    f.supportsEviction = caps & 4 ? 1 : 0;
    f.supportsVacancyEvents = caps & 8 ? 1 : 0;
  }
  f.maxEntries = tr.u32();
  const anyProps = tr.remaining > 0;
  let seen = 0;
  while (tr.remaining) {
    const p = pullProp(tr);
    const b = p.body;
    const type = p.type;
    if (type >= 0 && type < 32) {
      if (seen & (1 << type)) throw new OfpError('OFPTFFC_BAD_FEATURES');
      seen |= 1 << type;
    }
    const inst = type & 1 ? f.miss : f.nonmiss;
    switch (type) {
      case 0: case 1:
        for (const id of parseIds(b)) {
          const i = INST_FROM_WIRE[id];
          if (i !== undefined) inst.instructions |= 1 << i;
          else if (!loose) throw new OfpError('OFPBIC_UNKNOWN_INST');
        }
        break;
      case 2: case 3:
        while (b.remaining) {
          const id = b.u8();
          if (id >= 255) throw new OfpError('OFPBPC_BAD_VALUE');
          inst.next.add(id);
        }
        break;
      case 4: case 5: case 6: case 7: {
        let bits = 0;
        for (const id of parseIds(b)) if (id < 32) bits |= 1 << id;
        (type < 6 ? inst.write : inst.apply).ofpacts = actionBitmapNames(bits >>> 0, version);
        break;
      }
      case 8: parseOxmIds(b, loose, f.match, f.mask); break;
      case 10: parseOxmIds(b, loose, f.wildcard, null); break;
      case 12: case 13: parseOxmIds(b, loose, inst.write.setFields, null); break;
      case 14: case 15: parseOxmIds(b, loose, inst.apply.setFields, null); break;
      default: unknownProp(log, loose, 'table features', p);
    }
  }
  const REQUIRED = (1 << 0) | (1 << 2) | (1 << 4) | (1 << 6) | (1 << 8) | (1 << 10) | (1 << 12) | (1 << 14);
  const missing = (seen & REQUIRED) ^ REQUIRED;
  if (missing && (anyProps || version < 6)) {
    let n = 0;
    for (let m = missing; m; m &= m - 1) n++;
    log.warn(`table features message missing ${n} required properties, including property ${31 - Math.clz32(missing & -missing)}`);
    throw new OfpError('OFPTFFC_BAD_FEATURES');
  }
  if (anyProps) {
    if (!(seen & (1 << 1))) f.miss.instructions = f.nonmiss.instructions;
    if (!(seen & (1 << 3))) f.miss.next = new Set(f.nonmiss.next);
    if (!(seen & (1 << 5))) f.miss.write.ofpacts = [...f.nonmiss.write.ofpacts];
    if (!(seen & (1 << 7))) f.miss.apply.ofpacts = [...f.nonmiss.apply.ofpacts];
    if (!(seen & (1 << 13))) f.miss.write.setFields = new Set(f.nonmiss.write.setFields);
    if (!(seen & (1 << 15))) f.miss.apply.setFields = new Set(f.nonmiss.apply.setFields);
  }
  for (const x of f.mask) { f.match.add(x); f.wildcard.add(x); }
  for (const x of [...f.wildcard]) if (!f.match.has(x)) f.wildcard.delete(x);
  return f;
}

/** Decodes every entry of a table features request or reply. */
export function decodeTableFeatures(msg: OfpMsg, loose = true): TableFeatures[] {
  const r = new OfpReader(msgBody(msg));
  const out: TableFeatures[] = [];
  while (r.remaining) out.push(pullTableFeatures(msg.version, r, loose));
  return out;
}

/* ---- text ---- */

function isAllDigits(s: string): boolean { return s.length > 0 && /^[0-9]+$/.test(s); }

function namesSequential(a: string, b: string): boolean {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  if (i === a.length && i === b.length) return false;
  const sa = a.slice(i), sb = b.slice(i);
  return isAllDigits(sa) && isAllDigits(sb) && sa.length < 10 && sb.length < 10 && Number(sa) + 1 === Number(sb);
}

function sequentialRun(ids: string[]): number {
  for (let i = 1; ; i++) {
    if (i >= ids.length || !namesSequential(ids[i - 1]!, ids[i]!)) return i === 2 ? 1 : i;
  }
}

function commonPrefix(a: string, b: string): number {
  let r = 0;
  for (let i = 0; ; i++) {
    if (i >= a.length || i >= b.length || a[i] !== b[i]) return r;
    if (a[i] === '_') r = i + 1;
  }
}

function prefixRun(ids: string[], plen: number): { run: number; extra: number } {
  if (ids.length < 2) return { run: ids.length, extra: 0 };
  const extra = commonPrefix(ids[0]!.slice(plen), ids[1]!.slice(plen));
  if (!extra) return { run: 1, extra: 0 };
  let i = 2;
  while (i < ids.length && commonPrefix(ids[0]!.slice(plen), ids[i]!.slice(plen))) i++;
  return { run: i, extra };
}

function printNames(ids: string[], plen: number): string {
  let s = '';
  let group = 0;
  while (ids.length) {
    if (group++) s += plen ? ',' : ' ';
    const { run: pr, extra } = prefixRun(ids, plen);
    const sr = sequentialRun(ids);
    const run = Math.max(pr, sr);
    if (sr >= pr) {
      s += ids[0]!.slice(plen);
      if (run > 1) s += '...' + ids[run - 1]!.slice(plen);
    } else {
      s += ids[0]!.slice(plen, plen + extra) + '{' + printNames(ids.slice(0, run), plen + extra) + '}';
    }
    ids = ids.slice(run);
  }
  return s;
}

/** Field set as " eth_{src,dst} reg0...reg7" (leading space), or ''. */
export function formatMfSet(set: MfSet): string {
  const ids = [...set].sort((a, b) => a - b).map((id) => mfFromId(id).name);
  return ids.length ? ' ' + printNames(ids, 0) : '';
}

function setsEqual(a: Set<number>, b: Set<number>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}
function actsEqual(a: TableActionFeatures, b: TableActionFeatures): boolean {
  return a.ofpacts.join(' ') === b.ofpacts.join(' ') && setsEqual(a.setFields, b.setFields);
}
function actsEmpty(a: TableActionFeatures): boolean { return !a.ofpacts.length && !a.setFields.size; }

function nextEqual(a: Set<number>, at: number, b: Set<number>, bt: number): boolean {
  if (bt === at + 1 && a.has(bt) && !b.has(bt)) {
    const a2 = new Set(a);
    a2.delete(bt);
    return setsEqual(a2, b);
  } else if (at === bt + 1) {
    return nextEqual(b, bt, a, at);
  }
  return setsEqual(a, b);
}

function instEqual(a: TableInstructionFeatures, at: number, b: TableInstructionFeatures, bt: number): boolean {
  return nextEqual(a.next, at, b.next, bt) && a.instructions === b.instructions && actsEqual(a.write, b.write) && actsEqual(a.apply, b.apply);
}
function instEmpty(t: TableInstructionFeatures): boolean {
  return !t.next.size && !t.instructions && actsEmpty(t.write) && actsEmpty(t.apply);
}
function featuresEqual(a: TableFeatures, b: TableFeatures): boolean {
  return a.metadataMatch === b.metadataMatch && a.metadataWrite === b.metadataWrite && a.missConfig === b.missConfig
    && a.supportsEviction === b.supportsEviction && a.supportsVacancyEvents === b.supportsVacancyEvents
    && a.maxEntries === b.maxEntries && instEqual(a.nonmiss, a.tableId, b.nonmiss, b.tableId)
    && instEqual(a.miss, a.tableId, b.miss, b.tableId) && setsEqual(a.match, b.match);
}
function featuresEmpty(f: TableFeatures): boolean {
  return !f.metadataMatch && !f.metadataWrite && f.missConfig === MISS_DEFAULT && f.supportsEviction < 0
    && f.supportsVacancyEvents < 0 && !f.maxEntries && instEmpty(f.nonmiss) && instEmpty(f.miss) && !f.match.size;
}

function formatActionFeatures(a: TableActionFeatures): string {
  let s = '';
  if (a.ofpacts.length) s += `        actions: ${a.ofpacts.join(' ')}\n`;
  if (a.setFields.size) s += `        supported on Set-Field:${formatMfSet(a.setFields)}\n`;
  return s;
}

function formatInstFeatures(t: TableInstructionFeatures, prev: TableInstructionFeatures | null): string {
  let s = '';
  if (t.next.size) {
    s += '      next tables: ';
    const ids = [...t.next].sort((a, b) => a - b);
    const parts: string[] = [];
    for (let i = 0; i < ids.length;) {
      let j = i;
      while (j + 1 < ids.length && ids[j + 1] === ids[j]! + 1) j++;
      parts.push(i === j ? `${ids[i]}` : `${ids[i]}-${ids[j]}`);
      i = j + 1;
    }
    s += parts.join(',') + '\n';
  }
  if (t.instructions) {
    if (prev && t.instructions === prev.instructions) s += '      (same instructions)\n';
    else {
      const names: string[] = [];
      for (let i = 0; i < 32; i++) if (t.instructions & (1 << i)) names.push(INST_NAMES[i] ?? String(i));
      s += `      instructions: ${names.join(' ')}\n`;
    }
  }
  if (prev && actsEqual(t.write, prev.write) && actsEqual(t.apply, prev.apply) && t.write.setFields.size) {
    s += '      (same actions)\n';
  } else if (!actsEqual(t.write, t.apply)) {
    s += '      Write-Actions features:\n' + formatActionFeatures(t.write);
    s += '      Apply-Actions features:\n' + formatActionFeatures(t.apply);
  } else if (t.write.ofpacts.length || t.write.setFields.size) {
    s += '      Write-Actions and Apply-Actions features:\n' + formatActionFeatures(t.write);
  }
  return s;
}

function matchesText(f: TableFeatures, mask: boolean, wc: boolean, title: string): string {
  const set: MfSet = new Set();
  for (const x of f.match) if (f.mask.has(x) === mask && f.wildcard.has(x) === wc) set.add(x);
  return set.size ? `      ${title}:${formatMfSet(set)}\n` : '';
}

const MISS_TEXT = ['default', 'controller', 'continue', 'drop'];
const COMMANDS = ['replace', 'modify', 'enable', 'disable'];

/** Ditto-run state while printing a list of tables. */
export interface DittoState { first: number; last: number }

function finishDitto(d: DittoState): string {
  if (d.first < 0) return '';
  const s = d.first === d.last ? `\n  table ${d.first}: ditto\n` : `\n  tables ${d.first}...${d.last}: ditto\n`;
  d.first = d.last = -1;
  return s;
}

/** One table's text, given the previous table's (null for the first). */
export function formatTableFeatures(f: TableFeatures, prev: TableFeatures | null, st: TableStats | null,
  prevSt: TableStats | null, d: DittoState): string {
  let s = '';
  if (!prev && f.command !== 0) s += `\n  command: ${COMMANDS[f.command] ?? '***bad command***'}`;
  const sameStats = !st || (prevSt !== null && st.activeCount === prevSt.activeCount
    && st.lookupCount === prevSt.lookupCount && st.matchedCount === prevSt.matchedCount);
  const sameFeatures = prev !== null && featuresEqual(f, prev);
  if (sameStats && sameFeatures && !f.name) {
    if (d.first < 0) d.first = f.tableId;
    d.last = f.tableId;
    return s;
  }
  s += finishDitto(d);
  s += `\n  table ${f.tableId}`;
  if (f.name) s += ` ("${f.name}")`;
  s += ':';
  if (sameStats && sameFeatures) return s + ' ditto';
  s += '\n';
  if (st) s += `    active=${st.activeCount}, lookup=${st.lookupCount}, matched=${st.matchedCount}\n`;
  if (sameFeatures) {
    if (!featuresEmpty(f)) s += '    (same features)\n';
    return s;
  }
  if (f.metadataMatch || f.metadataWrite) {
    const hx = (v: bigint): string => (v ? '0x' + v.toString(16) : '0');
    s += `    metadata: match=${hx(f.metadataMatch)} write=${hx(f.metadataWrite)}\n`;
  }
  if (f.missConfig !== MISS_DEFAULT) s += `    config=${MISS_TEXT[f.missConfig]}\n`;
  if (f.supportsEviction >= 0) s += `    eviction: ${f.supportsEviction ? '' : 'not '}supported\n`;
  if (f.supportsVacancyEvents >= 0) s += `    vacancy events: ${f.supportsVacancyEvents ? '' : 'not '}supported\n`;
  if (f.maxEntries) s += `    max_entries=${f.maxEntries}\n`;
  const pn = prev ? prev.nonmiss : null, pm = prev ? prev.miss : null;
  if (prev && instEqual(f.nonmiss, f.tableId, prev.nonmiss, prev.tableId) && instEqual(f.miss, f.tableId, prev.miss, prev.tableId)) {
    if (!instEmpty(f.nonmiss)) s += '    (same instructions)\n';
  } else if (!instEqual(f.nonmiss, f.tableId, f.miss, f.tableId)) {
    s += '    instructions (other than table miss):\n' + formatInstFeatures(f.nonmiss, pn);
    s += '    instructions (table miss):\n' + formatInstFeatures(f.miss, pm);
  } else if (!instEmpty(f.nonmiss)) {
    s += '    instructions (table miss and others):\n' + formatInstFeatures(f.nonmiss, pn);
  }
  if (f.match.size) {
    if (prev && setsEqual(f.match, prev.match)) s += '    (same matching)\n';
    else {
      s += '    matching:\n';
      s += matchesText(f, true, true, 'arbitrary mask');
      s += matchesText(f, false, true, 'exact match or wildcard');
      s += matchesText(f, false, false, 'must exact match');
    }
  }
  return s;
}

export function formatTableStatsReply(ds: Ds, msg: OfpMsg): void {
  const r = new OfpReader(msgBody(msg));
  const d: DittoState = { first: -1, last: -1 };
  let prev: { stats: TableStats; features: TableFeatures } | null = null;
  try {
    for (let e; (e = pullTableStats(msg.version, r));) {
      ds.put(formatTableFeatures(e.features, prev?.features ?? null, e.stats, prev?.stats ?? null, d));
      prev = e;
    }
  } finally {
    ds.put(finishDitto(d));
  }
}

export function formatTableFeaturesMsg(ds: Ds, msg: OfpMsg): void {
  const r = new OfpReader(msgBody(msg));
  const d: DittoState = { first: -1, last: -1 };
  let prev: TableFeatures | null = null;
  try {
    while (r.remaining) {
      const f = pullTableFeatures(msg.version, r, true);
      ds.put(formatTableFeatures(f, prev, null, null, d));
      prev = f;
    }
  } finally {
    ds.put(finishDitto(d));
  }
}
