/* ofp-group: OpenFlow groups: group-mod (OF1.1-1.4, OF1.5 and the Nicira
 * OF1.0 extension), group stats, group description and group features
 * requests and replies, with their text.  Bucket actions go through
 * ofpact-codec.ts; OF1.5 selection-method fields through nx-match.ts. */
import { formatPort as formatPortName, type PortNames } from './ofp-port-map.js';
import { OfpReader, type OfpWriter } from './ofp-buffer.js';
import { OfpError } from './ofp-errors.js';
import { startMsg, msgBody, type OfpMsg } from './ofp-msgs.js';
import { pullProp, unknownProp, startProp, endProp } from './ofp-prop.js';
import { formatDuration, UINT64_MAX } from './ofp-format.js';
import { formatPort, portFromOfp11, portToOfp11, OFPP_ANY, OFPP_NONE } from './ofp-port.js';
import { formatActionBitmap } from './ofpact-bitmap.js';
import { pullActions, putActions, formatOfpacts, type Ofpacts } from './ofpact-codec.js';
import { nxPullEntry, nxPutEntryRaw } from './nx-match.js';
import { mfFromId, type MfField } from './meta-flow.js';
import { mfFormat } from './meta-flow-format.js';
import { WireBuf } from './wire-buf.js';
import type { Ds } from '../lib/dynamic-string.js';
import { vlogModule } from '../lib/vlog.js';

const log = vlogModule('ofp_group');

export const OFPG_MAX = 0xffffff00, OFPG_ALL = 0xfffffffc, OFPG_ANY = 0xffffffff;
export const OFPGT11_ALL = 0, OFPGT11_SELECT = 1, OFPGT11_INDIRECT = 2, OFPGT11_FF = 3;
export const OFPGC11_ADD = 0, OFPGC11_MODIFY = 1, OFPGC11_DELETE = 2, OFPGC11_ADD_OR_MOD = 0x8000,
  OFPGC15_INSERT_BUCKET = 3, OFPGC15_REMOVE_BUCKET = 5;
export const OFPG15_BUCKET_MAX = 0xffffff00, OFPG15_BUCKET_FIRST = 0xfffffffd,
  OFPG15_BUCKET_LAST = 0xfffffffe, OFPG15_BUCKET_ALL = 0xffffffff;
const NTR_VENDOR_ID = 0x0000154d, NTR_COMPAT_VENDOR_ID = 0x00001540;

/** "ALL", "ANY" or the number. */
export function formatGroupId(id: number): string {
  return id === OFPG_ALL ? 'ALL' : id === OFPG_ANY ? 'ANY' : String(id >>> 0);
}

/** One bucket of a group. */
export interface Bucket { bucketId: number; weight: number; watchPort: number; watchGroup: number; actions: Ofpacts }

/** OF1.5 selection method properties. */
export interface GroupProps {
  selectionMethod: string;
  selectionMethodParam: bigint;
  /** Hash fields: field and the value (mask) given for it, in field order. */
  fields: { field: MfField; value: Uint8Array }[];
}

export function emptyGroupProps(): GroupProps {
  return { selectionMethod: '', selectionMethodParam: 0n, fields: [] };
}

/** A group-mod request. */
export interface GroupMod {
  command: number; type: number; groupId: number; commandBucketId: number;
  buckets: Bucket[]; props: GroupProps;
}

/** A group description (group-desc reply entry). */
export interface GroupDesc { type: number; groupId: number; buckets: Bucket[]; props: GroupProps }

function pullOfp11Buckets(r: OfpReader, length: number, version: number): Bucket[] {
  const buckets: Bucket[] = [];
  let id = 0;
  while (length > 0) {
    if (length < 16 || r.remaining < 16) {
      log.warn(`buckets end with ${length} leftover bytes`);
      throw new OfpError('OFPGMFC_BAD_BUCKET');
    }
    const start = r.pos;
    const len = r.u16();
    if (len < 16) {
      log.warn(`OpenFlow message bucket length ${len} is not valid`);
      throw new OfpError('OFPGMFC_BAD_BUCKET');
    } else if (len > length) {
      log.warn(`OpenFlow message bucket length ${len} exceeds remaining buckets data size ${length}`);
      throw new OfpError('OFPGMFC_BAD_BUCKET');
    }
    length -= len;
    const weight = r.u16();
    const watchPortRaw = r.u32();
    const watchGroup = r.u32();
    r.skip(4);
    r.need(len - 16);
    const actions = pullActions(r.data, r.pos, len - 16, version);
    r.pos = start + len;
    let watchPort: number;
    try { watchPort = portFromOfp11(watchPortRaw); } catch { throw new OfpError('OFPGMFC_BAD_WATCH'); }
    buckets.push({ bucketId: id++, weight, watchPort, watchGroup, actions });
  }
  return buckets;
}

function pullOfp15Buckets(r: OfpReader, length: number, version: number, type: number): Bucket[] {
  const buckets: Bucket[] = [];
  while (length > 0) {
    if (r.remaining < 8) {
      log.warn(`buckets end with ${length} leftover bytes`);
      throw new OfpError('OFPGMFC_BAD_BUCKET');
    }
    const start = r.pos;
    const len = r.u16(), actionsLen = r.u16(), bucketId = r.u32();
    if (len < 8) {
      log.warn(`OpenFlow message bucket length ${len} is not valid`);
      throw new OfpError('OFPGMFC_BAD_BUCKET');
    } else if (len > length) {
      log.warn(`OpenFlow message bucket length ${len} exceeds remaining buckets data size ${length}`);
      throw new OfpError('OFPGMFC_BAD_BUCKET');
    } else if (actionsLen > len - 8) {
      log.warn(`OpenFlow message bucket actions length ${actionsLen} exceeds remaining bucket data size ${len - 8}`);
      throw new OfpError('OFPGMFC_BAD_BUCKET');
    }
    length -= len;
    r.need(len - 8);
    const actions = pullActions(r.data, r.pos, actionsLen, version);
    r.pos += actionsLen;
    let weight = type === OFPGT11_SELECT ? 1 : 0;
    let watchPortRaw = portToOfp11(OFPP_ANY);
    let watchGroup = OFPG_ANY;
    const props = r.sub(len - 8 - actionsLen);
    while (props.remaining) {
      const p = pullProp(props);
      if (p.type === 0) {
        if (p.body.remaining < 2) throw new OfpError('OFPBPC_BAD_LEN');
        weight = p.body.u16();
      } else if (p.type === 1 || p.type === 2) {
        if (p.body.remaining !== 4) throw new OfpError('OFPBPC_BAD_LEN');
        if (p.type === 1) watchPortRaw = p.body.u32(); else watchGroup = p.body.u32();
      } else unknownProp(log, false, 'group bucket', p);
    }
    r.pos = start + len;
    let watchPort: number;
    try { watchPort = portFromOfp11(watchPortRaw); } catch { throw new OfpError('OFPGMFC_BAD_WATCH'); }
    if (bucketId > OFPG15_BUCKET_MAX) {
      log.warn(`bucket id (${bucketId}) is out of range`);
      throw new OfpError('OFPGMFC_BAD_BUCKET');
    }
    buckets.push({ bucketId, weight, watchPort, watchGroup, actions });
  }
  const ids = new Set<number>();
  for (const b of buckets) {
    if (ids.has(b.bucketId)) {
      log.warn('Duplicate bucket id');
      throw new OfpError('OFPGMFC_BAD_BUCKET');
    }
    ids.add(b.bucketId);
  }
  return buckets;
}

function parseGroupProps(r: OfpReader, type: number, command: number, props: GroupProps): void {
  while (r.remaining) {
    const p = pullProp(r);
    if (p.type < 0 && (p.exp === NTR_VENDOR_ID || p.exp === NTR_COMPAT_VENDOR_ID) && p.expType === 1) {
      if (type !== OFPGT11_SELECT) {
        if (type > 3) throw new OfpError('OFPGMFC_BAD_TYPE');
        log.warn('ntr selection method property is only allowed for select groups');
        throw new OfpError('OFPBPC_BAD_VALUE');
      }
      if (command !== OFPGC11_ADD && command !== OFPGC11_MODIFY && command !== OFPGC11_ADD_OR_MOD) {
        if (command !== OFPGC11_DELETE && command !== OFPGC15_INSERT_BUCKET && command !== OFPGC15_REMOVE_BUCKET) {
          throw new OfpError('OFPGMFC_BAD_COMMAND');
        }
        log.warn('ntr selection method property is only allowed for add and delete group modifications');
        throw new OfpError('OFPBPC_BAD_VALUE');
      }
      const b = p.body;
      if (p.raw.length < 40) throw new OfpError('OFPBPC_BAD_LEN');
      b.skip(4);
      const methodBytes = b.bytes(16);
      const nul = methodBytes.indexOf(0);
      if (nul < 0) throw new OfpError('OFPBPC_BAD_VALUE');
      const method = String.fromCharCode(...methodBytes.subarray(0, nul));
      if (method !== 'hash' && method !== 'dp_hash') {
        log.warn(`ntr selection method '${method}' is not supported`);
        throw new OfpError('OFPBPC_BAD_VALUE');
      }
      props.selectionMethod = method;
      props.selectionMethodParam = b.u64();
      const fieldsLen = p.raw.length - 40;
      if (fieldsLen && method !== 'hash') throw new OfpError('OFPBPC_BAD_VALUE');
      let pos = b.pos;
      const end = b.pos + fieldsLen;
      while (pos < end) {
        const e = nxPullEntry(b.data, pos, end, false, false);
        if (e instanceof OfpError) throw e;
        if (!e.field) throw new OfpError('OFPBMC_BAD_FIELD');
        if (props.fields.some((f) => f.field.id === e.field!.id)) throw new OfpError('OFPBMC_DUP_FIELD');
        props.fields.push({ field: e.field, value: e.value.slice() });
        pos = e.end;
      }
      props.fields.sort((x, y) => x.field.id - y.field.id);
    } else unknownProp(log, false, 'group', p);
  }
}

function checkGroupMod(gm: GroupMod): void {
  if (gm.type === OFPGT11_INDIRECT) {
    if (gm.command !== OFPGC11_DELETE && gm.buckets.length !== 1) throw new OfpError('OFPGMFC_INVALID_GROUP');
  } else if (gm.type > 3) throw new OfpError('OFPGMFC_BAD_TYPE');
  switch (gm.command) {
    case OFPGC11_ADD: case OFPGC11_MODIFY: case OFPGC11_ADD_OR_MOD: case OFPGC11_DELETE: case OFPGC15_INSERT_BUCKET:
      break;
    case OFPGC15_REMOVE_BUCKET:
      if (gm.buckets.length) throw new OfpError('OFPGMFC_BAD_BUCKET');
      break;
    default:
      throw new OfpError('OFPGMFC_BAD_COMMAND');
  }
  for (const b of gm.buckets) {
    if (b.weight && gm.type !== OFPGT11_SELECT && gm.command !== OFPGC15_INSERT_BUCKET) throw new OfpError('OFPGMFC_INVALID_GROUP');
    const live = b.watchPort !== OFPP_ANY || b.watchGroup !== OFPG_ANY;
    if ((gm.type === OFPGT11_ALL || gm.type === OFPGT11_INDIRECT) && live) throw new OfpError('OFPGMFC_WATCH_UNSUPPORTED');
    if (gm.type === OFPGT11_FF && !live) throw new OfpError('OFPGMFC_INVALID_GROUP');
  }
}

/** Decodes and validates a group-mod. */
export function decodeGroupMod(msg: OfpMsg): GroupMod {
  const r = new OfpReader(msgBody(msg));
  const v = msg.version;
  const gm: GroupMod = { command: r.u16(), type: r.u8(), groupId: 0, commandBucketId: OFPG15_BUCKET_ALL, buckets: [], props: emptyGroupProps() };
  r.skip(1);
  gm.groupId = r.u32();
  if (v >= 2 && v <= 5) {
    gm.buckets = pullOfp11Buckets(r, r.remaining, v);
    if (v >= 4 && gm.command === OFPGC11_DELETE && gm.buckets.length) throw new OfpError('OFPGMFC_INVALID_GROUP');
  } else {
    const bucketLen = r.u16();
    r.skip(2);
    gm.commandBucketId = r.u32();
    const cb = gm.commandBucketId;
    let ok = false;
    switch (gm.command) {
      case OFPGC15_REMOVE_BUCKET:
      case OFPGC15_INSERT_BUCKET:
        if (gm.command === OFPGC15_REMOVE_BUCKET && cb === OFPG15_BUCKET_ALL) ok = true;
        if (cb <= OFPG15_BUCKET_MAX || cb === OFPG15_BUCKET_FIRST || cb === OFPG15_BUCKET_LAST) ok = true;
        break;
      default:
        ok = cb === OFPG15_BUCKET_ALL;
    }
    if (!ok) {
      log.warn(`group command bucket id (${cb}) is out of range`);
      throw new OfpError('OFPGMFC_BAD_BUCKET');
    }
    if (bucketLen > r.remaining) throw new OfpError('OFPBRC_BAD_LEN');
    gm.buckets = pullOfp15Buckets(r, bucketLen, v, gm.type);
    parseGroupProps(r, gm.type, gm.command, gm.props);
  }
  checkGroupMod(gm);
  return gm;
}

function putOfp11Bucket(w: OfpWriter, b: Bucket, version: number): void {
  const start = w.len;
  w.u16(0).u16(b.weight).u32(portToOfp11(b.watchPort)).u32(b.watchGroup).zeros(4);
  putActions(w, b.actions, version);
  w.set16(start, w.len - start);
}

function putOfp15Bucket(w: OfpWriter, b: Bucket, bucketId: number, type: number, version: number): void {
  const start = w.len;
  w.u16(0).u16(0).u32(bucketId);
  const as = w.len;
  putActions(w, b.actions, version);
  const alen = w.len - as;
  if (type === OFPGT11_SELECT || b.weight) { const a = startProp(w, 0); w.u16(b.weight); endProp(w, a); }
  if (b.watchPort !== OFPP_ANY) { const a = startProp(w, 1); w.u32(portToOfp11(b.watchPort)); endProp(w, a); }
  if (b.watchGroup !== OFPG_ANY) { const a = startProp(w, 2); w.u32(b.watchGroup); endProp(w, a); }
  w.set16(start, w.len - start);
  w.set16(start + 2, alen);
}

function putSelectionMethod(w: OfpWriter, props: GroupProps, version: number): void {
  const start = w.len;
  w.u16(0xffff).u16(0).u32(NTR_VENDOR_ID).u32(1).zeros(4).str(props.selectionMethod, 16).u64(props.selectionMethodParam);
  if (props.fields.length) {
    const b = new WireBuf();
    for (const f of props.fields) nxPutEntryRaw(b, f.field.id, version, f.value, null);
    w.bytes(b.finish());
  }
  endProp(w, start);
}

/** Encodes a group-mod in 'version' (Nicira extension for OF1.0). */
export function encodeGroupMod(gm: GroupMod, version: number, xid = 0): Uint8Array {
  if (version >= 2 && version <= 5) {
    const w = startMsg('OFPT11_GROUP_MOD', version, xid);
    const cmd = gm.command === OFPGC15_INSERT_BUCKET || gm.command === OFPGC15_REMOVE_BUCKET ? OFPGC11_MODIFY : gm.command;
    w.u16(cmd).u8(gm.type).zeros(1).u32(gm.groupId);
    for (const b of gm.buckets) putOfp11Bucket(w, b, version);
    return w.finishMsg();
  }
  const w = startMsg(version === 1 ? 'NXT_GROUP_MOD' : 'OFPT15_GROUP_MOD', version, xid);
  const start = w.len;
  w.u16(gm.command).u8(gm.type).zeros(1).u32(gm.groupId).u16(0).zeros(2).u32(gm.commandBucketId);
  const used = new Set(gm.buckets.filter((b) => b.bucketId <= OFPG15_BUCKET_MAX).map((b) => b.bucketId));
  let next = 0;
  for (const b of gm.buckets) {
    let id = b.bucketId;
    if (id > OFPG15_BUCKET_MAX) {
      while (used.has(next)) next++;
      id = next++;
    }
    putOfp15Bucket(w, b, id, gm.type, version);
  }
  w.set16(start + 8, w.len - start - 16);
  if (gm.props.selectionMethod) putSelectionMethod(w, gm.props, version);
  return w.finishMsg();
}

function bucketIdText(label: string, id: number, version: number): string {
  if (version > 1 && version < 6) return '';
  const v = id === OFPG15_BUCKET_FIRST ? 'first' : id === OFPG15_BUCKET_LAST ? 'last' : id === OFPG15_BUCKET_ALL ? 'all' : String(id);
  return `${label}${v},`;
}

/** A group as ovs-ofctl prints it (dump-groups / group-mod text). */
export function formatGroup(groupId: number, type: number, buckets: Bucket[] | null, props: GroupProps,
  version: number, suppressType: boolean, ports?: PortNames): string {
  let s = `group_id=${groupId >>> 0}`;
  if (!suppressType) s += ',type=' + (['all', 'select', 'indirect', 'ff'][type] ?? 'unknown');
  if (props.selectionMethod) {
    s += `,selection_method=${props.selectionMethod}`;
    if (props.selectionMethodParam) s += `,selection_method_param=${props.selectionMethodParam}`;
    const fields = props.fields.map(({ field, value }) =>
      value.every((x) => x === 0xff) ? field.name : `${field.name}=${mfFormat(field, value, null)}`);
    if (fields.length === 1) s += ',fields=' + fields[0];
    else if (fields.length > 1) s += ',fields(' + fields.join(',') + ')';
  }
  if (!buckets) return s;
  s += ',';
  for (const b of buckets) {
    s += 'bucket=' + bucketIdText('bucket_id:', b.bucketId, version);
    if (b.weight !== (type === OFPGT11_SELECT ? 1 : 0)) s += `weight:${b.weight},`;
    if (b.watchPort !== OFPP_NONE) s += `watch_port:${formatPortName(b.watchPort, ports)},`;
    if (b.watchGroup !== OFPG_ANY) s += `watch_group:${b.watchGroup >>> 0},`;
    s += 'actions=' + formatOfpacts(b.actions, ports) + ',';
  }
  return s.endsWith(',') ? s.slice(0, -1) : s;
}

/** Text of a group-mod after its header. */
export function formatGroupModText(gm: GroupMod, version: number): string {
  const names: Record<number, string> = {
    [OFPGC11_ADD]: 'ADD', [OFPGC11_MODIFY]: 'MOD', [OFPGC11_ADD_OR_MOD]: 'ADD_OR_MOD', [OFPGC11_DELETE]: 'DEL',
    [OFPGC15_INSERT_BUCKET]: 'INSERT_BUCKET', [OFPGC15_REMOVE_BUCKET]: 'REMOVE_BUCKET',
  };
  const bucketCmd = gm.command === OFPGC15_INSERT_BUCKET || gm.command === OFPGC15_REMOVE_BUCKET;
  let s = '\n ' + (names[gm.command] ?? `cmd:${gm.command}`) + ' ';
  if (bucketCmd) s += bucketIdText('command_bucket_id:', gm.commandBucketId, version);
  return s + formatGroup(gm.groupId, gm.type, gm.buckets, gm.props, version, bucketCmd);
}

export function formatGroupModMsg(ds: Ds, msg: OfpMsg): void {
  ds.put(formatGroupModText(decodeGroupMod(msg), msg.version));
}

/* ---- group desc ---- */

export function decodeGroupDescRequest(msg: OfpMsg): number {
  if (msg.info.raw === 'OFPST11_GROUP_DESC_REQUEST') return OFPG_ALL;
  return new OfpReader(msgBody(msg)).u32();
}

export function encodeGroupDescRequest(version: number, groupId: number, xid = 0): Uint8Array {
  if (version >= 2 && version <= 5) return startMsg('OFPST11_GROUP_DESC_REQUEST', version, xid).finishMsg();
  return startMsg(version === 1 ? 'NXST_GROUP_DESC_REQUEST' : 'OFPST15_GROUP_DESC_REQUEST', version, xid)
    .u32(groupId).zeros(4).finishMsg();
}

export function formatGroupDescRequest(ds: Ds, msg: OfpMsg): void {
  ds.put(' group_id=' + formatGroupId(decodeGroupDescRequest(msg)));
}

function pullGroupDesc(r: OfpReader, version: number): GroupDesc {
  if (r.remaining < (version >= 2 && version <= 5 ? 8 : 16)) {
    log.warn(`OFPST11_GROUP_DESC reply has ${r.remaining} leftover bytes at end`);
    throw new OfpError('OFPBRC_BAD_LEN');
  }
  const length = r.u16(), type = r.u8();
  r.skip(1);
  const groupId = r.u32();
  const gd: GroupDesc = { type, groupId, buckets: [], props: emptyGroupProps() };
  if (version >= 2 && version <= 5) {
    if (length < 8 || length - 8 > r.remaining) throw new OfpError('OFPBRC_BAD_LEN');
    gd.buckets = pullOfp11Buckets(r, length - 8, version);
    return gd;
  }
  const bucketLen = r.u16();
  r.skip(6);
  if (length < 16 || length - 16 > r.remaining) throw new OfpError('OFPBRC_BAD_LEN');
  if (length < bucketLen + 16) throw new OfpError('OFPBRC_BAD_LEN');
  gd.buckets = pullOfp15Buckets(r, bucketLen, version, type);
  parseGroupProps(r.sub(length - 16 - bucketLen), type, OFPGC11_ADD, gd.props);
  return gd;
}

/** Decodes every group of a group-desc reply. */
export function decodeGroupDescReply(msg: OfpMsg): GroupDesc[] {
  const r = new OfpReader(msgBody(msg));
  const out: GroupDesc[] = [];
  while (r.remaining) out.push(pullGroupDesc(r, msg.version));
  return out;
}

/** Appends one group description to a reply body. */
export function putGroupDesc(w: OfpWriter, gd: GroupDesc, version: number): void {
  const start = w.len;
  if (version >= 2 && version <= 5) {
    w.u16(0).u8(gd.type).zeros(1).u32(gd.groupId);
    for (const b of gd.buckets) putOfp11Bucket(w, b, version);
  } else {
    w.u16(0).u8(gd.type).zeros(1).u32(gd.groupId).u16(0).zeros(6);
    const bs = w.len;
    for (const b of gd.buckets) putOfp15Bucket(w, b, b.bucketId, gd.type, version);
    w.set16(start + 8, w.len - bs);
    if (gd.props.selectionMethod) putSelectionMethod(w, gd.props, version);
  }
  w.set16(start, w.len - start);
}

export function formatGroupDescReply(ds: Ds, msg: OfpMsg, _verbosity = 2, names?: { ports?: PortNames }): void {
  const r = new OfpReader(msgBody(msg));
  while (r.remaining) {
    const gd = pullGroupDesc(r, msg.version);
    ds.put('\n ' + formatGroup(gd.groupId, gd.type, gd.buckets, gd.props, msg.version, false, names?.ports));
  }
}

/* ---- group stats ---- */

export function decodeGroupStatsRequest(msg: OfpMsg): number {
  return new OfpReader(msgBody(msg)).u32();
}

export function encodeGroupStatsRequest(version: number, groupId: number, xid = 0): Uint8Array {
  return startMsg(version === 1 ? 'NXST_GROUP_REQUEST' : 'OFPST11_GROUP_REQUEST', version, xid).u32(groupId).zeros(4).finishMsg();
}

export function formatGroupStatsRequest(ds: Ds, msg: OfpMsg): void {
  ds.put(' group_id=' + formatGroupId(decodeGroupStatsRequest(msg)));
}

/** One group's statistics. */
export interface GroupStats {
  groupId: number; refCount: number; packetCount: bigint; byteCount: bigint;
  durationSec: number; durationNsec: number; buckets: { packetCount: bigint; byteCount: bigint }[];
}

function pullGroupStats(r: OfpReader, msg: OfpMsg): GroupStats {
  const v11 = msg.info.raw === 'OFPST11_GROUP_REPLY';
  const base = v11 ? 32 : 40;
  if (r.remaining < base) {
    log.warn(`${msg.info.name} reply has ${r.remaining} leftover bytes at end`);
    throw new OfpError('OFPBRC_BAD_LEN');
  }
  const length = r.u16();
  r.skip(2);
  const gs: GroupStats = {
    groupId: r.u32(), refCount: r.u32(), packetCount: 0n, byteCount: 0n,
    durationSec: 0xffffffff, durationNsec: 0xffffffff, buckets: [],
  };
  r.skip(4);
  gs.packetCount = r.u64();
  gs.byteCount = r.u64();
  if (!v11) { gs.durationSec = r.u32(); gs.durationNsec = r.u32(); }
  if (length < 8) throw new OfpError('OFPBRC_BAD_LEN');
  const n = Math.max(0, Math.floor((length - base) / 16));
  if (r.remaining < n * 16) {
    log.warn(`${msg.info.name} reply has ${r.remaining} leftover bytes at end`);
    throw new OfpError('OFPBRC_BAD_LEN');
  }
  for (let i = 0; i < n; i++) gs.buckets.push({ packetCount: r.u64(), byteCount: r.u64() });
  return gs;
}

export function decodeGroupStatsReply(msg: OfpMsg): GroupStats[] {
  const r = new OfpReader(msgBody(msg));
  const out: GroupStats[] = [];
  while (r.remaining) out.push(pullGroupStats(r, msg));
  return out;
}

/** Appends one group's statistics to a reply body. */
export function putGroupStats(w: OfpWriter, gs: GroupStats, version: number): void {
  const v11 = version === 2 || version === 3;
  const len = (v11 ? 32 : 40) + 16 * gs.buckets.length;
  w.u16(len).zeros(2).u32(gs.groupId).u32(gs.refCount).zeros(4).u64(gs.packetCount).u64(gs.byteCount);
  if (!v11) w.u32(gs.durationSec).u32(gs.durationNsec);
  for (const b of gs.buckets) w.u64(b.packetCount).u64(b.byteCount);
}

export function formatGroupStatsReply(ds: Ds, msg: OfpMsg): void {
  const r = new OfpReader(msgBody(msg));
  while (r.remaining) {
    let gs: GroupStats;
    try { gs = pullGroupStats(r, msg); } catch (e) { ds.put(' ***parse error***'); throw e; }
    ds.put(`\n group_id=${gs.groupId >>> 0},`);
    if (gs.durationSec !== 0xffffffff) ds.put(`duration=${formatDuration(gs.durationSec, gs.durationNsec)},`);
    ds.put(`ref_count=${gs.refCount},packet_count=${gs.packetCount},byte_count=${gs.byteCount}`);
    gs.buckets.forEach((b, i) => {
      if (b.packetCount !== UINT64_MAX) ds.put(`,bucket${i}:packet_count=${b.packetCount},byte_count=${b.byteCount}`);
    });
  }
}

/* ---- group features ---- */

/** Group features: supported types, capabilities, limits and action bitmaps. */
export interface GroupFeatures { types: number; capabilities: number; maxGroups: number[]; actions: number[] }

export function decodeGroupFeatures(msg: OfpMsg): GroupFeatures {
  const r = new OfpReader(msgBody(msg));
  const types = r.u32(), capabilities = r.u32();
  const maxGroups = [r.u32(), r.u32(), r.u32(), r.u32()];
  const actions = [r.u32(), r.u32(), r.u32(), r.u32()];
  return { types, capabilities, maxGroups, actions };
}

export function encodeGroupFeaturesRequest(version: number, xid = 0): Uint8Array {
  return startMsg(version < 3 ? 'NXST_GROUP_FEATURES_REQUEST' : 'OFPST12_GROUP_FEATURES_REQUEST', version, xid).finishMsg();
}

export function encodeGroupFeaturesReply(request: OfpMsg, gf: GroupFeatures): Uint8Array {
  const raw = request.info.raw === 'NXST_GROUP_FEATURES_REQUEST' ? 'NXST_GROUP_FEATURES_REPLY' : 'OFPST12_GROUP_FEATURES_REPLY';
  const w = startMsg(raw, request.version, request.xid).u32(gf.types).u32(gf.capabilities);
  for (const m of gf.maxGroups) w.u32(m);
  for (const a of gf.actions) w.u32(a);
  return w.finishMsg();
}

export function formatGroupFeaturesReply(ds: Ds, msg: OfpMsg): void {
  const gf = decodeGroupFeatures(msg);
  ds.put(`\n Group table:\n    Types:  0x${gf.types.toString(16)}\n    Capabilities:  0x${gf.capabilities.toString(16)}\n`);
  const names = ['all', 'select', 'indirect', 'fast failover'];
  for (let i = 0; i < 4; i++) {
    if (gf.types & (1 << i)) {
      const mg = gf.maxGroups[i]!;
      ds.put(`    ${names[i]} group:\n       max_groups=${mg ? '0x' + mg.toString(16) : '0'}\n`);
      ds.put(`       actions: ${formatActionBitmap(gf.actions[i]!, msg.version)}\n`);
    }
  }
}

/** The field used for hashing, by its meta-flow id (for callers building props). */
export function groupField(id: number): MfField { return mfFromId(id); }
