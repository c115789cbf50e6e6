/* ofp-connection: per-connection controller state messages: role
 * request/reply (OF1.2+ and Nicira), role status, asynchronous message
 * configuration (OF1.3 masks, OF1.4 properties, Nicira), and the small
 * Nicira session settings (flow format, packet-in format, controller id,
 * flow_mod table id).  Also the reason names the async config prints. */
import { OfpReader, type OfpWriter } from './ofp-buffer.js';
import { OfpError } from './ofp-errors.js';
import { startMsg, msgBody, type OfpMsg } from './ofp-msgs.js';
import { pullProp, unknownProp } from './ofp-prop.js';
import type { Ds } from '../lib/dynamic-string.js';
import { vlogModule } from '../lib/vlog.js';

const log = vlogModule('ofp_connection');

/* Controller roles (OF1.2 numbering). */
export const ROLE_NOCHANGE = 0, ROLE_EQUAL = 1, ROLE_PRIMARY = 2, ROLE_SECONDARY = 3;
const ROLE_NAMES = ['nochange', 'equal', 'primary', 'secondary'];
const U64_MAX = 0xffffffffffffffffn;

/** A role request or reply. */
export interface RoleRequest { role: number; generationId: bigint | null }

export function decodeRoleMessage(msg: OfpMsg): RoleRequest {
  const r = new OfpReader(msgBody(msg));
  const raw = msg.info.raw;
  if (raw === 'OFPT12_ROLE_REQUEST' || raw === 'OFPT12_ROLE_REPLY') {
    const role = r.u32();
    if (role > 3) throw new OfpError('OFPRRFC_BAD_ROLE');
    r.skip(4);
    const gen = r.u64();
    const none = raw === 'OFPT12_ROLE_REQUEST' ? role === ROLE_NOCHANGE : gen === U64_MAX;
    return { role, generationId: none ? null : gen };
  }
  const role = r.u32();
  if (role > 2) throw new OfpError('OFPRRFC_BAD_ROLE');
  return { role: role + 1, generationId: null };
}

function formatRole(role: number, gen: bigint | null): string {
  let s = ' role=' + (ROLE_NAMES[role] ?? String(role));
  if (gen !== null && gen !== U64_MAX) s += ` generation_id=${gen}`;
  return s;
}

export function formatRoleMessage(ds: Ds, msg: OfpMsg): void {
  const rr = decodeRoleMessage(msg);
  ds.put(formatRole(rr.role, rr.generationId));
}

/** Encodes a role request in 'version' (Nicira before OF1.2). */
export function encodeRoleRequest(rr: RoleRequest, version: number, xid = 0): Uint8Array {
  if (version >= 3) {
    return startMsg('OFPT12_ROLE_REQUEST', version, xid).u32(rr.role).zeros(4).u64(rr.generationId ?? 0n).finishMsg();
  }
  return startMsg('NXT_ROLE_REQUEST', version, xid).u32(Math.max(0, rr.role - 1)).finishMsg();
}

/** The reply to role request 'request' stating 'rr'. */
export function encodeRoleReply(request: OfpMsg, rr: RoleRequest): Uint8Array {
  if (request.info.raw === 'OFPT12_ROLE_REQUEST') {
    return startMsg('OFPT12_ROLE_REPLY', request.version, request.xid).u32(rr.role).zeros(4)
      .u64(rr.generationId ?? U64_MAX).finishMsg();
  }
  return startMsg('NXT_ROLE_REPLY', request.version, request.xid).u32(rr.role - 1).finishMsg();
}

/** Role status (OF1.4, ONF extension in OF1.3). */
export interface RoleStatus { role: number; reason: number; generationId: bigint }
const ROLE_REASONS = ['primary_request', 'configuration_changed', 'experimenter_data_changed'];

export function decodeRoleStatus(msg: OfpMsg): RoleStatus {
  const r = new OfpReader(msgBody(msg));
  const role = r.u32();
  const reason = r.u8();
  r.skip(3);
  if (role > 3) throw new OfpError('OFPRRFC_BAD_ROLE');
  return { role, reason, generationId: r.u64() };
}

export function encodeRoleStatus(rs: RoleStatus, version: number): Uint8Array | null {
  if (version < 4) return null;
  return startMsg(version >= 5 ? 'OFPT14_ROLE_STATUS' : 'ONFT13_ROLE_STATUS', version, 0)
    .u32(rs.role).u8(rs.reason).zeros(3).u64(rs.generationId).finishMsg();
}

export function formatRoleStatus(ds: Ds, msg: OfpMsg): void {
  const rs = decodeRoleStatus(msg);
  ds.put(formatRole(rs.role, rs.generationId) + ' reason=' + (ROLE_REASONS[rs.reason] ?? '(unknown)'));
}

/* ---- reasons ---- */

export const OFPR_NO_MATCH = 0, OFPR_ACTION = 1, OFPR_INVALID_TTL = 2, OFPR_ACTION_SET = 3,
  OFPR_GROUP = 4, OFPR_PACKET_OUT = 5, OFPR_EXPLICIT_MISS = 6, OFPR_IMPLICIT_MISS = 7;

/** Packet-in reason name ("no_match"; "" for the internal miss reasons). */
export function packetInReasonToString(r: number): string {
  return ['no_match', 'action', 'invalid_ttl', 'action_set', 'group', 'packet_out', '', ''][r] ?? String(r);
}
/** Parses a packet-in reason name. */
export function packetInReasonFromString(s: string): number | null {
  const i = ['no_match', 'action', 'invalid_ttl', 'action_set', 'group', 'packet_out'].indexOf(s);
  return i < 0 ? null : i;
}
/** Flow-removed reason name. */
export function flowRemovedReasonToString(r: number): string {
  return ['idle', 'hard', 'delete', 'group_delete', 'meter_delete', 'eviction'][r] ?? String(r);
}
function portReasonToString(r: number): string { return ['add', 'delete', 'modify'][r] ?? String(r); }
function roleReasonToString(r: number): string { return ROLE_REASONS[r] ?? String(r); }
/** Table-status reason name. */
export function tableReasonToString(r: number): string {
  return r === 3 ? 'vacancy_down' : r === 4 ? 'vacancy_up' : String(r);
}
function requestforwardReasonToString(r: number): string {
  return ['group_mod_request', 'meter_mod_request'][r] ?? String(r);
}

/* ---- asynchronous message configuration ---- */

/** Async message kinds, in OVS's order. */
export const OAM_PACKET_IN = 0, OAM_PORT_STATUS = 1, OAM_FLOW_REMOVED = 2, OAM_ROLE_STATUS = 3,
  OAM_TABLE_STATUS = 4, OAM_REQUESTFORWARD = 5, OAM_N_TYPES = 6;
const OAM_NAMES = ['PACKET_IN', 'PORT_STATUS', 'FLOW_REMOVED', 'ROLE_STATUS', 'TABLE_STATUS', 'REQUESTFORWARD'];
const REASON_NAMERS = [packetInReasonToString, portReasonToString, flowRemovedReasonToString,
  roleReasonToString, tableReasonToString, requestforwardReasonToString];

/** Which reasons of each kind go to primary/equal and to secondary
 * controllers (bit N = reason N). */
export interface AsyncConfig { primary: number[]; secondary: number[] }

const OFPR10_BITS = 0b111, OFPR14_BITS = 0b111111;
/** Property table: [prop type, kind, primary?, allowed OF1.0-1.3, allowed OF1.4+]. */
const ASYNC_PROPS: [number, number, boolean, number, number][] = [];
for (const [t, oam, a10, a14] of [
  [0, OAM_PACKET_IN, OFPR10_BITS, OFPR14_BITS],
  [2, OAM_PORT_STATUS, 0b111, 0],
  [4, OAM_FLOW_REMOVED, 0b111111, 0],
  [6, OAM_ROLE_STATUS, 0b111, 0],
  [8, OAM_TABLE_STATUS, (1 << 3) | (1 << 4), 0],
  [10, OAM_REQUESTFORWARD, 0b11, 0],
] as const) {
  ASYNC_PROPS.push([t, oam, false, a10, a14 || a10], [t + 1, oam, true, a10, a14 || a10]);
}

/** OVS's default async configuration for 'version'. */
export function asyncConfigDefault(version: number): AsyncConfig {
  let pin = OFPR14_BITS & ~(1 << OFPR_INVALID_TTL);
  pin |= 1 << OFPR_EXPLICIT_MISS;
  if (version <= 3) pin |= 1 << OFPR_IMPLICIT_MISS;
  const primary = [pin, 0b111, 0, 0, 0, 0];
  const secondary = [0, 0b111, 0, 0, 0, 0];
  primary[OAM_FLOW_REMOVED] = version >= 5 ? 0b111111 : version === 4 ? 0b1111 : 0b111;
  return { primary, secondary };
}

function decodeMask(mask: number, prop: (typeof ASYNC_PROPS)[number], version: number, loose: boolean, ac: AsyncConfig): void {
  const allowed = version >= 5 ? prop[4] : prop[3];
  mask >>>= 0;
  if (mask & ~allowed) {
    const text = `bad value 0x${mask.toString(16)} for ${OAM_NAMES[prop[1]]} (allowed mask 0x${allowed.toString(16)})`;
    if (loose) log.dbg(text);
    else log.warn(text);
    mask &= allowed;
    if (!loose) throw new OfpError('OFPACFC_INVALID');
  }
  if (prop[1] === OAM_PACKET_IN && mask & (1 << OFPR_NO_MATCH)) {
    mask |= 1 << OFPR_EXPLICIT_MISS;
    if (version < 4) mask |= 1 << OFPR_IMPLICIT_MISS;
  }
  (prop[2] ? ac.primary : ac.secondary)[prop[1]] = mask >>> 0;
}

/** Decodes a set-async / get-async-reply; starts from 'basis' (default:
 * all off). */
export function decodeAsyncConfig(msg: OfpMsg, loose: boolean, basis?: AsyncConfig): AsyncConfig {
  const ac: AsyncConfig = basis
    ? { primary: basis.primary.slice(), secondary: basis.secondary.slice() }
    : { primary: [0, 0, 0, 0, 0, 0], secondary: [0, 0, 0, 0, 0, 0] };
  const r = new OfpReader(msgBody(msg));
  const raw = msg.info.raw;
  if (raw === 'OFPT13_SET_ASYNC' || raw === 'NXT_SET_ASYNC_CONFIG' || raw === 'OFPT13_GET_ASYNC_REPLY') {
    for (const oam of [OAM_PACKET_IN, OAM_PORT_STATUS, OAM_FLOW_REMOVED]) {
      for (const primary of [true, false]) {
        const prop = ASYNC_PROPS.find((p) => p[1] === oam && p[2] === primary)!;
        decodeMask(r.u32(), prop, msg.version, true, ac);
      }
    }
    return ac;
  }
  while (r.remaining) {
    const p = pullProp(r, 8, 0xfffe);
    const rawType = (p.raw[0]! << 8) | p.raw[1]!;
    const type = p.type >= 0 ? p.type : -1;
    const prop = type >= 0 ? ASYNC_PROPS.find((a) => a[0] === type) : undefined;
    if (!prop) {
      try {
        unknownProp(log, loose, 'async config', p);
      } catch (e) {
        if (e instanceof OfpError && e.error === 'OFPBPC_BAD_TYPE') throw new OfpError('OFPACFC_UNSUPPORTED');
        throw e;
      }
      continue;
    }
    void rawType;
    if (p.body.remaining !== 4) throw new OfpError('OFPBPC_BAD_LEN');
    decodeMask(p.body.u32(), prop, msg.version, loose, ac);
  }
  return ac;
}

function putAsync(w: OfpWriter, ac: AsyncConfig, tlv: boolean, version: number): void {
  if (!tlv) {
    for (const oam of [OAM_PACKET_IN, OAM_PORT_STATUS, OAM_FLOW_REMOVED]) {
      for (const primary of [true, false]) {
        const prop = ASYNC_PROPS.find((p) => p[1] === oam && p[2] === primary)!;
        const allowed = version >= 5 ? prop[4] : prop[3];
        w.u32(((primary ? ac.primary : ac.secondary)[oam]! & allowed) >>> 0);
      }
    }
    return;
  }
  for (const prop of ASYNC_PROPS) {
    const allowed = version >= 5 ? prop[4] : prop[3];
    w.u16(prop[0]).u16(8).u32(((prop[2] ? ac.primary : ac.secondary)[prop[1]]! & allowed) >>> 0);
  }
}

/** The get-async reply to 'request'. */
export function encodeGetAsyncReply(request: OfpMsg, ac: AsyncConfig): Uint8Array {
  const v14 = request.version >= 5;
  const w = startMsg(v14 ? 'OFPT14_GET_ASYNC_REPLY' : 'OFPT13_GET_ASYNC_REPLY', request.version, request.xid);
  putAsync(w, ac, v14, request.version);
  return w.finishMsg();
}

/** A set-async message for 'version'. */
export function encodeSetAsync(ac: AsyncConfig, version: number, xid = 0): Uint8Array {
  const raw = version >= 5 ? 'OFPT14_SET_ASYNC' : version >= 4 ? 'OFPT13_SET_ASYNC' : 'NXT_SET_ASYNC_CONFIG';
  const w = startMsg(raw, version, xid);
  putAsync(w, ac, version >= 5, version);
  return w.finishMsg();
}

/** Async configuration as ovs-ofctl prints it. */
export function formatAsyncConfig(ac: AsyncConfig): string {
  let s = '';
  for (let i = 0; i < 2; i++) {
    s += `\n ${i === 0 ? 'primary' : 'secondary'}:\n`;
    for (let t = 0; t < OAM_N_TYPES; t++) {
      s += OAM_NAMES[t]!.padStart(16) + ':';
      const bits = (i === 0 ? ac.primary : ac.secondary)[t]!;
      for (let j = 0; j < 32; j++) {
        if (bits & (1 << j)) {
          const name = REASON_NAMERS[t]!(j);
          if (name) s += ' ' + name;
        }
      }
      if (!bits) s += ' (off)';
      s += '\n';
    }
  }
  return s;
}

export function formatAsyncMsg(ds: Ds, msg: OfpMsg): void {
  const isReply = msg.info.type === 'GET_ASYNC_REPLY';
  ds.put(formatAsyncConfig(decodeAsyncConfig(msg, isReply)));
}

/* ---- Nicira session settings ---- */

export const NXFF_OPENFLOW10 = 0, NXFF_NXM = 2;
export const PACKET_IN_STD = 0, PACKET_IN_NXT = 1, PACKET_IN_NXT2 = 2;
const PIN_FORMATS = ['standard', 'nxt_packet_in', 'nxt_packet_in2'];

/** Packet-in format name. */
export function packetInFormatToString(f: number): string { return PIN_FORMATS[f] ?? String(f); }
/** Parses a packet-in format name. */
export function packetInFormatFromString(s: string): number | null {
  const i = PIN_FORMATS.indexOf(s);
  return i < 0 ? null : i;
}

export function formatSetFlowFormat(ds: Ds, msg: OfpMsg): void {
  const f = new OfpReader(msgBody(msg)).u32();
  if (f !== NXFF_OPENFLOW10 && f !== NXFF_NXM) log.warn(`NXT_SET_FLOW_FORMAT message specified invalid flow format ${f}`);
  ds.put(' format=' + (f === NXFF_OPENFLOW10 ? 'openflow10' : f === NXFF_NXM ? 'nxm' : '(unknown)'));
}

/** Decodes NXT_SET_PACKET_IN_FORMAT; throws OFPBRC_EPERM on unknown formats. */
export function decodeSetPacketInFormat(msg: OfpMsg): number {
  const f = new OfpReader(msgBody(msg)).u32();
  if (f > 2) {
    log.warn(`NXT_SET_PACKET_IN_FORMAT message specified invalid packet-in format ${f}`);
    throw new OfpError('OFPBRC_EPERM');
  }
  return f;
}

export function formatSetPacketInFormat(ds: Ds, msg: OfpMsg): void {
  ds.put(' format=' + packetInFormatToString(decodeSetPacketInFormat(msg)));
}

export function encodeSetFlowFormat(nxff: number, version: number, xid = 0): Uint8Array {
  return startMsg('NXT_SET_FLOW_FORMAT', version, xid).u32(nxff).finishMsg();
}
export function encodeSetPacketInFormat(format: number, version: number, xid = 0): Uint8Array {
  return startMsg('NXT_SET_PACKET_IN_FORMAT', version, xid).u32(format).finishMsg();
}
export function encodeFlowModTableId(enable: boolean, version: number, xid = 0): Uint8Array {
  return startMsg('NXT_FLOW_MOD_TABLE_ID', version, xid).u8(enable ? 1 : 0).zeros(7).finishMsg();
}
export function decodeFlowModTableId(msg: OfpMsg): boolean {
  return msgBody(msg)[0] !== 0;
}
export function formatFlowModTableId(ds: Ds, msg: OfpMsg): void {
  ds.put(decodeFlowModTableId(msg) ? ' enable' : ' disable');
}
export function decodeControllerId(msg: OfpMsg): number {
  const r = new OfpReader(msgBody(msg));
  r.skip(6);
  return r.u16();
}
export function encodeControllerId(id: number, version: number, xid = 0): Uint8Array {
  return startMsg('NXT_SET_CONTROLLER_ID', version, xid).zeros(6).u16(id).finishMsg();
}
export function formatControllerId(ds: Ds, msg: OfpMsg): void {
  ds.put(` id=${decodeControllerId(msg)}`);
}
