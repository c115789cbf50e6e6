/* ofp-group-parse: group-mod text as ovs-ofctl's add-group(s), mod-group,
 * del-groups, insert-buckets and remove-buckets read it
 * ("group_id=1,type=select,bucket=actions=1,bucket=weight:2,actions=2").
 *
 * Produces the GroupMod of ofp-group.ts plus the flow protocols able to carry
 * it; bucket actions go through the action parser of ofp-actions.ts and hash
 * fields through meta-flow.  Errors are returned as ovs-ofctl's text.
 */
import { parseKeyValue, strToU16, strToU32, strToU64, type KvCursor } from './ofp-parse.js';
import { parseActions } from './ofp-actions.js';
import { parsePort, type PortNames } from './ofp-port-map.js';
import { mfFromName, mfIsMaskValid, isTunMetadata } from './meta-flow.js';
import { mfParseValue } from './meta-flow-format.js';
import { ipIsCidr } from './addr-text.js';
import { Proto } from './ofp-protocol.js';
import { ofpactsFrom } from './ofpact-codec.js';
import {
  OFPG_ANY, OFPG_ALL, OFPG_MAX, OFPGT11_ALL, OFPGT11_SELECT, OFPGT11_INDIRECT, OFPGT11_FF,
  OFPGC11_ADD, OFPGC11_MODIFY, OFPGC11_DELETE, OFPGC11_ADD_OR_MOD, OFPGC15_INSERT_BUCKET, OFPGC15_REMOVE_BUCKET,
  OFPG15_BUCKET_MAX, OFPG15_BUCKET_FIRST, OFPG15_BUCKET_LAST, OFPG15_BUCKET_ALL,
  emptyGroupProps, type Bucket, type GroupMod, type GroupProps,
} from './ofp-group.js';

/** A parsed group-mod and the protocols that can carry it. */
export interface ParsedGroupMod { gm: GroupMod; usable: number }

const OFPP_MAX = 0xff00, OFPP_CONTROLLER = 0xfffd, OFPP_ANY = 0xffff;
const NTR_MAX_SELECTION_METHOD_LEN = 16;
const OF10_OR_15 = Proto.OF10_ANY | Proto.OF15_UP;

const F_GROUP_TYPE = 1, F_BUCKETS = 2, F_COMMAND_BUCKET_ID = 4, F_COMMAND_BUCKET_ID_ALL = 8;

/** Leading command words of add-groups files (prefixes accepted). */
const COMMAND_WORDS: [string, number][] = [
  ['add', OFPGC11_ADD], ['delete', OFPGC11_DELETE], ['modify', OFPGC11_MODIFY], ['add_or_mod', OFPGC11_ADD_OR_MOD],
  ['insert_bucket', OFPGC15_INSERT_BUCKET], ['remove_bucket', OFPGC15_REMOVE_BUCKET],
];

const COMMAND_FIELDS: Record<number, number> = {
  [OFPGC11_ADD]: F_GROUP_TYPE | F_BUCKETS,
  [OFPGC11_DELETE]: 0,
  [OFPGC11_MODIFY]: F_GROUP_TYPE | F_BUCKETS,
  [OFPGC11_ADD_OR_MOD]: F_GROUP_TYPE | F_BUCKETS,
  [OFPGC15_INSERT_BUCKET]: F_BUCKETS | F_COMMAND_BUCKET_ID,
  [OFPGC15_REMOVE_BUCKET]: F_COMMAND_BUCKET_ID | F_COMMAND_BUCKET_ID_ALL,
};

const GROUP_TYPES: Record<string, number> = {
  all: OFPGT11_ALL, select: OFPGT11_SELECT, indirect: OFPGT11_INDIRECT, ff: OFPGT11_FF, fast_failover: OFPGT11_FF,
};

function allBytes(b: Uint8Array, v: number): boolean {
  for (const x of b) if (x !== v) return false;
  return true;
}

function parseBucket(s: string, groupType: number, usable: { p: number }, ports?: PortNames,
  tables?: ReadonlyMap<number, string>): Bucket | string {
  const b: Bucket = {
    bucketId: OFPG15_BUCKET_ALL, weight: groupType === OFPGT11_SELECT ? 1 : 0,
    watchPort: OFPP_ANY, watchGroup: OFPG_ANY, actions: ofpactsFrom([], 1),
  };
  const actions: string[] = [];
  const cur: KvCursor = { s, pos: 0 };
  for (let kv = parseKeyValue(cur); kv; kv = parseKeyValue(cur)) {
    const key = kv.key.toLowerCase(), value = kv.value;
    if (key === 'weight') {
      const w = strToU16(value, 'weight');
      if (typeof w === 'string') return w;
      b.weight = w;
    } else if (key === 'watch_port') {
      const p = parsePort(value, ports);
      if (p === undefined || (p >= OFPP_MAX && p !== OFPP_ANY && p !== OFPP_CONTROLLER)) return `${value}: invalid watch_port`;
      b.watchPort = p;
    } else if (key === 'watch_group') {
      const g = strToU32(value);
      if (typeof g === 'string') return g;
      if (g > OFPG_MAX) return `invalid watch_group id ${g}`;
      b.watchGroup = g;
    } else if (key === 'bucket_id') {
      const id = strToU32(value);
      if (typeof id === 'string') return id;
      if (id > OFPG15_BUCKET_MAX) return `invalid bucket_id id ${id}`;
      b.bucketId = id;
      usable.p &= OF10_OR_15;
    } else if (key === 'action' || key === 'actions') {
      actions.push(value);
    } else {
      actions.push(`${kv.key}(${value})`);
    }
  }
  if (!actions.length) return 'bucket must specify actions';
  if (groupType === OFPGT11_FF && b.watchPort === OFPP_ANY && b.watchGroup === OFPG_ANY) {
    return 'fast failover bucket requires watch_port or watch_group';
  }
  const pa = parseActions(actions.join(','), { ports, tables });
  if (typeof pa === 'string') return pa;
  // OVS's action parser resets the caller's protocol set before narrowing
  // it, so a bucket's actions decide the group's usable protocols.
  usable.p = pa.usable;
  b.actions = ofpactsFrom(pa.ofpacts, 1);
  return b;
}

function parseSelectFields(s: string, props: GroupProps, usable: { p: number }, ports?: PortNames): string | null {
  const cur: KvCursor = { s, pos: 0 };
  for (let kv = parseKeyValue(cur); kv; kv = parseKeyValue(cur)) {
    const f = mfFromName(kv.key);
    if (!f) return `${cur.s.slice(cur.pos)}: unknown field ${kv.key}`;
    if (props.fields.some((x) => x.field.id === f.id)) return `${kv.key}: duplicate field`;
    let value: Uint8Array;
    if (kv.value) {
      const v = mfParseValue(f, kv.value, ports);
      if (typeof v === 'string') return v;
      if (!isTunMetadata(f) && allBytes(v, 0)) return `${cur.s.slice(cur.pos)}: values are wildcards here and must not be all-zeros`;
      if (!mfIsMaskValid(f, v)) return `${kv.value}: invalid mask for field ${f.name}`;
      value = v;
    } else {
      value = new Uint8Array(f.nBytes).fill(0xff);
    }
    props.fields.push({ field: f, value });
    const be32 = value.length >= 4 ? ((value[0]! << 24) | (value[1]! << 16) | (value[2]! << 8) | value[3]!) >>> 0 : 0;
    if (allBytes(value, 0xff)) usable.p &= f.usableExact;
    else if (f.usableBitwise === f.usableCidr || ipIsCidr(be32)) usable.p &= f.usableCidr;
    else usable.p &= f.usableBitwise;
  }
  props.fields.sort((a, b) => a.field.id - b.field.id);
  return null;
}

/** Parses one group-mod.  'command' -2 lets the text start with a command
 * word ("add", "modify", "add_or_mod", "delete", "insert_bucket",
 * "remove_bucket"; none means add). */
export function parseGroupModStr(text: string, command: number, ports?: PortNames,
  tables?: ReadonlyMap<number, string>): ParsedGroupMod | string {
  const usable = { p: Proto.ANY };
  let string = text;
  if (command === -2) {
    string = string.replace(/^[ \t\r\n]+/, '');
    const word = /^[^, \t\r\n]*/.exec(string)![0];
    const hit = COMMAND_WORDS.find(([w]) => w.startsWith(word));
    command = hit ? hit[1] : OFPGC11_ADD;
    if (hit) string = string.slice(word.length);
  }
  const fields = COMMAND_FIELDS[command]!;
  if (command === OFPGC15_INSERT_BUCKET || command === OFPGC15_REMOVE_BUCKET) usable.p &= OF10_OR_15;
  const gm: GroupMod = {
    command, type: 0, groupId: OFPG_ANY, commandBucketId: OFPG15_BUCKET_ALL, buckets: [], props: emptyGroupProps(),
  };
  if (command === OFPGC11_DELETE && string === '') {
    gm.groupId = OFPG_ALL;
    return { gm, usable: usable.p };
  }
  let bktStr: string | null = null;
  const bi = string.indexOf('bucket=');
  if (bi >= 0) {
    if (!(fields & F_BUCKETS)) return 'bucket is not needed';
    bktStr = string.slice(bi);
    string = string.slice(0, bi);
  }
  let hadType = false, hadCommandBucketId = false;
  const cur: KvCursor = { s: string, pos: 0 };
  for (let kv = parseKeyValue(cur); kv; kv = parseKeyValue(cur)) {
    const { key: name, value } = kv;
    if (name === 'command_bucket_id') {
      if (!(fields & F_COMMAND_BUCKET_ID)) return 'command bucket id is not needed';
      if (value === 'all') gm.commandBucketId = OFPG15_BUCKET_ALL;
      else if (value === 'first') gm.commandBucketId = OFPG15_BUCKET_FIRST;
      else if (value === 'last') gm.commandBucketId = OFPG15_BUCKET_LAST;
      else {
        const id = strToU32(value);
        if (typeof id === 'string') return id;
        gm.commandBucketId = id;
        if (id > OFPG15_BUCKET_MAX && id !== OFPG15_BUCKET_FIRST && id !== OFPG15_BUCKET_LAST && id !== OFPG15_BUCKET_ALL) {
          return `invalid command bucket id ${id}`;
        }
      }
      if (gm.commandBucketId === OFPG15_BUCKET_ALL && !(fields & F_COMMAND_BUCKET_ID_ALL)) {
        return 'command_bucket_id=all is not permitted';
      }
      hadCommandBucketId = true;
    } else if (name === 'group_id') {
      if (value === 'all') gm.groupId = OFPG_ALL;
      else {
        const id = strToU32(value);
        if (typeof id === 'string') return id;
        if (id !== OFPG_ALL && id > OFPG_MAX) return `invalid group id ${id}`;
        gm.groupId = id;
      }
    } else if (name === 'type') {
      if (!(fields & F_GROUP_TYPE)) return 'type is not needed';
      const t = GROUP_TYPES[value];
      if (t === undefined || !Object.prototype.hasOwnProperty.call(GROUP_TYPES, value)) return `invalid group type ${value}`;
      gm.type = t;
      hadType = true;
    } else if (name === 'selection_method') {
      if (!(fields & F_GROUP_TYPE)) return 'selection method is not needed';
      if (value.length >= NTR_MAX_SELECTION_METHOD_LEN) {
        return `selection method is longer than ${NTR_MAX_SELECTION_METHOD_LEN - 1} bytes long`;
      }
      gm.props.selectionMethod = value;
      usable.p &= OF10_OR_15;
    } else if (name === 'selection_method_param') {
      if (!(fields & F_GROUP_TYPE)) return 'selection method param is not needed';
      const v = strToU64(value);
      if (typeof v === 'string') return v;
      gm.props.selectionMethodParam = v;
      usable.p &= OF10_OR_15;
    } else if (name === 'fields') {
      if (!(fields & F_GROUP_TYPE)) return 'fields are not needed';
      const err = parseSelectFields(value, gm.props, usable, ports);
      if (err) return err;
      usable.p &= OF10_OR_15;
    } else {
      return `unknown keyword ${name}`;
    }
  }
  if (gm.groupId === OFPG_ANY) return 'must specify a group_id';
  if (fields & F_GROUP_TYPE && !hadType) return 'must specify a type';
  if (gm.props.selectionMethod !== 'hash' && gm.props.fields.length) {
    return 'fields may only be specified with "selection_method=hash"';
  }
  if (!gm.props.selectionMethod && gm.props.selectionMethodParam) {
    return 'selection_method_param is only allowed with "selection_method"';
  }
  if (fields & F_COMMAND_BUCKET_ID) {
    if (!(fields & F_COMMAND_BUCKET_ID_ALL || hadCommandBucketId)) return 'must specify a command bucket id';
  } else if (hadCommandBucketId) {
    return 'command bucket id is not needed';
  }
  while (bktStr !== null) {
    const eq = bktStr.indexOf('=', 1);
    if (eq < 0) return 'must specify bucket content';
    let body = bktStr.slice(eq + 1);
    const next = body.indexOf('bucket=');
    if (next >= 0) {
      bktStr = body.slice(next);
      body = body.slice(0, next);
    } else bktStr = null;
    const b = parseBucket(body, gm.type, usable, ports, tables);
    if (typeof b === 'string') return b;
    gm.buckets.push(b);
    if (gm.command !== OFPGC15_INSERT_BUCKET && gm.type !== OFPGT11_SELECT && b.weight) {
      return 'Only select groups can have bucket weights.';
    }
  }
  if (gm.type === OFPGT11_INDIRECT && gm.buckets.length > 1) return 'Indirect groups can have at most one bucket.';
  return { gm, usable: usable.p };
}
