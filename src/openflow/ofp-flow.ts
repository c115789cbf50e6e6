/* ofp-flow: flow-table messages: flow-mod (OF1.0, OF1.1+ and NXT_FLOW_MOD),
 * flow stats requests and replies (incl. NXST and the OF1.5 OXS form) and
 * aggregate stats, decoded into version-independent records and encoded
 * back, with the text ovs-ofctl prints.  Matches go through
 * ofp-match-codec.ts, actions through ofpact-codec.ts. */
import { OfpReader, type OfpWriter } from './ofp-buffer.js';
import { OfpError } from './ofp-errors.js';
import { startMsg, msgBody, type OfpMsg, type RawName } from './ofp-msgs.js';
import { formatDuration, UINT64_MAX } from './ofp-format.js';
import { formatPort, portFromOfp11, portToOfp11, OFPP_ANY } from './ofp-port.js';
import {
  Match, OFP_DEFAULT_PRIORITY, pullOfp10Match, pullOfp11Match, pullNxMatch, putOfp10Match, putOfp11Match,
  putNxMatch, matchToString, nxMatchText,
} from './ofp-match-codec.js';
import { pullInstructions, putActions, putInstructions, formatOfpacts, type Ofpacts } from './ofpact-codec.js';
import { OFPG_ANY } from './ofp-group.js';
import type { Ds } from '../lib/dynamic-string.js';
import { vlogModule, RateLimit } from '../lib/vlog.js';
import { formatTable, type PortNames, type TableNames } from './ofp-port-map.js';

const log = vlogModule('ofp_flow');
const statsRl = new RateLimit(1, 5);

export const OFPFC_ADD = 0, OFPFC_MODIFY = 1, OFPFC_MODIFY_STRICT = 2, OFPFC_DELETE = 3, OFPFC_DELETE_STRICT = 4;
export const OFPTT_ALL = 0xff;
export const U64_MAX = 0xffffffffffffffffn;

/* Version-independent flow-mod flags (OVS's OFPUTIL_FF_*). */
export const FF_SEND_FLOW_REM = 1, FF_NO_PKT_COUNTS = 2, FF_NO_BYT_COUNTS = 4, FF_CHECK_OVERLAP = 8,
  FF_RESET_COUNTS = 16, FF_EMERG = 32, FF_HIDDEN_FIELDS = 64, FF_NO_READONLY = 128;

/** [wire bit, min version, max version (0: any), flag]. */
const FLAG_MAP: [number, number, number, number][] = [
  [1, 1, 0, FF_SEND_FLOW_REM], [2, 1, 0, FF_CHECK_OVERLAP], [4, 1, 1, FF_EMERG],
  [4, 3, 0, FF_RESET_COUNTS], [8, 4, 0, FF_NO_PKT_COUNTS], [16, 4, 0, FF_NO_BYT_COUNTS],
];

/** Decodes wire flow-mod flags; throws OFPFMFC_BAD_FLAGS on unknown bits.
 * 'command' -1 means "not a flow-mod" (stats replies). */
export function decodeFlowModFlags(raw: number, command: number, version: number): number {
  let flags = 0;
  for (let i = 0; raw && i < FLAG_MAP.length; i++) {
    const [bit, min, max, flag] = FLAG_MAP[i]!;
    if (raw & bit && version >= min && (!max || version <= max)) {
      raw &= ~bit;
      flags |= flag;
    }
  }
  if ((version === 1 || version === 2) && command === OFPFC_ADD) flags |= FF_RESET_COUNTS;
  if (raw) throw new OfpError('OFPFMFC_BAD_FLAGS');
  return flags;
}

/** Encodes flow-mod flags for 'version'. */
export function encodeFlowModFlags(flags: number, version: number): number {
  let raw = 0;
  for (let i = 0; flags && i < FLAG_MAP.length; i++) {
    const [bit, min, max, flag] = FLAG_MAP[i]!;
    if (flags & flag && version >= min && (!max || version <= max)) raw |= bit;
  }
  return raw;
}

/** Flags as ovs-ofctl prints them (each followed by a space). */
export function formatFlowModFlags(flags: number): string {
  let s = '';
  if (flags & FF_SEND_FLOW_REM) s += 'send_flow_rem ';
  if (flags & FF_CHECK_OVERLAP) s += 'check_overlap ';
  if (flags & FF_RESET_COUNTS) s += 'reset_counts ';
  if (flags & FF_NO_PKT_COUNTS) s += 'no_packet_counts ';
  if (flags & FF_NO_BYT_COUNTS) s += 'no_byte_counts ';
  if (flags & FF_HIDDEN_FIELDS) s += 'allow_hidden_fields ';
  if (flags & FF_NO_READONLY) s += 'no_readonly_table ';
  return s;
}

/** A flow-mod (OVS's ofputil_flow_mod). */
export interface FlowMod {
  match: Match;
  priority: number;
  /** Cookie to match (modify/delete) and its mask. */
  cookie: bigint;
  cookieMask: bigint;
  /** Cookie to set; U64_MAX for "don't change". */
  newCookie: bigint;
  modifyCookie: boolean;
  tableId: number;
  command: number;
  idleTimeout: number;
  hardTimeout: number;
  importance: number;
  bufferId: number;
  outPort: number;
  outGroup: number;
  flags: number;
  ofpacts: Ofpacts;
}

/** Decodes a flow-mod.  'tid' says whether the flow_mod_table_id extension
 * is on (OF1.0: table id in the command's high byte). */
export function decodeFlowMod(msg: OfpMsg, tid = true): FlowMod {
  const r = new OfpReader(msg.data, msg.hdrsLen);
  const v = msg.version;
  const raw = msg.info.raw;
  let fm: FlowMod;
  let rawFlags: number;
  if (raw === 'OFPT11_FLOW_MOD') {
    const cookie = r.u64(), cookieMask = r.u64();
    const tableId = r.u8(), command = r.u8();
    const idle = r.u16(), hard = r.u16(), priority = r.u16(), bufferId = r.u32();
    const outPortRaw = r.u32(), outGroupRaw = r.u32();
    rawFlags = r.u16();
    const importanceRaw = r.u16();
    const match = pullOfp11Match(r);
    fm = {
      match, priority, cookie: 0n, cookieMask: 0n, newCookie: U64_MAX, modifyCookie: false, tableId, command,
      idleTimeout: idle, hardTimeout: hard, importance: v >= 5 && command === OFPFC_ADD ? importanceRaw : 0,
      bufferId, outPort: 0, outGroup: OFPG_ANY, flags: 0, ofpacts: undefined as unknown as Ofpacts,
    };
    if (command === OFPFC_ADD || (v === 2 && (command === OFPFC_MODIFY || command === OFPFC_MODIFY_STRICT) && cookieMask === 0n)) {
      fm.newCookie = cookie;
    } else {
      fm.cookie = cookie;
      fm.cookieMask = cookieMask;
    }
    if (tableId === OFPTT_ALL && (v === 2 || (command !== OFPFC_DELETE && command !== OFPFC_DELETE_STRICT))) {
      throw new OfpError('OFPFMFC_BAD_TABLE_ID');
    }
    fm.outPort = portFromOfp11(outPortRaw);
    fm.outGroup = command === OFPFC_DELETE || command === OFPFC_DELETE_STRICT ? outGroupRaw : OFPG_ANY;
  } else {
    let command: number;
    let match: Match;
    let cookie = 0n, cookieMask = 0n, newCookie: bigint;
    let priority: number, idle: number, hard: number, bufferId: number, outPort: number;
    if (raw === 'OFPT10_FLOW_MOD') {
      const wildcards = r.peek32(0);
      match = pullOfp10Match(r, true);
      newCookie = r.u64();
      command = r.u16();
      idle = r.u16();
      hard = r.u16();
      const p = r.u16();
      priority = wildcards & ((1 << 22) - 1) ? p : 0xffff;
      bufferId = r.u32();
      outPort = r.u16();
      rawFlags = r.u16();
    } else {
      newCookie = r.u64();
      command = r.u16();
      idle = r.u16();
      hard = r.u16();
      priority = r.u16();
      bufferId = r.u32();
      outPort = r.u16();
      rawFlags = r.u16();
      const matchLen = r.u16();
      r.skip(6);
      const nm = pullNxMatch(r, matchLen, true);
      match = nm.match;
      cookie = nm.cookie;
      cookieMask = nm.cookieMask;
      if ((command & 0xff) === OFPFC_ADD && cookieMask) throw new OfpError('NXBRC_NXM_INVALID');
    }
    fm = {
      match, priority, cookie, cookieMask, newCookie, modifyCookie: newCookie !== U64_MAX, tableId: 0xff,
      command, idleTimeout: idle, hardTimeout: hard, importance: 0, bufferId, outPort, outGroup: OFPG_ANY,
      flags: 0, ofpacts: undefined as unknown as Ofpacts,
    };
    if (tid) {
      fm.command = command & 0xff;
      fm.tableId = command >> 8;
    } else {
      if (command > 0xff) log.warn('flow_mod has explicit table_id but flow_mod_table_id extension is not enabled');
      fm.tableId = 0xff;
    }
  }
  if (fm.command > OFPFC_DELETE_STRICT) throw new OfpError('OFPFMFC_BAD_COMMAND');
  fm.ofpacts = pullInstructions(r.data, r.pos, r.remaining, v);
  fm.flags = decodeFlowModFlags(rawFlags, fm.command, v);
  if (fm.flags & FF_EMERG) {
    throw new OfpError(fm.hardTimeout || fm.idleTimeout ? 'OFPFMFC_BAD_EMERG_TIMEOUT' : 'OFPFMFC_TABLE_FULL');
  }
  return fm;
}

/** Encodes a flow-mod.  For OF1.0, 'nxm' selects NXT_FLOW_MOD and 'tid'
 * puts the table id in the command's high byte. */
export function encodeFlowMod(fm: FlowMod, version: number, opts: { nxm?: boolean; tid?: boolean; xid?: number } = {}): Uint8Array {
  const xid = opts.xid ?? 0;
  const rawFlags = encodeFlowModFlags(fm.flags, version);
  if (version >= 2) {
    const w = startMsg('OFPT11_FLOW_MOD', version, xid);
    let cookie: bigint;
    if ((version === 2 && (fm.command === OFPFC_MODIFY || fm.command === OFPFC_MODIFY_STRICT) && fm.cookieMask === 0n)
      || fm.command === OFPFC_ADD) cookie = fm.newCookie;
    else cookie = fm.cookie & fm.cookieMask;
    const tableId = fm.tableId !== OFPTT_ALL || (version !== 2 && (fm.command === OFPFC_DELETE || fm.command === OFPFC_DELETE_STRICT))
      ? fm.tableId : 0;
    w.u64(cookie).u64(fm.cookieMask).u8(tableId).u8(fm.command).u16(fm.idleTimeout).u16(fm.hardTimeout)
      .u16(fm.priority).u32(fm.bufferId).u32(portToOfp11(fm.outPort)).u32(fm.outGroup).u16(rawFlags)
      .u16(version >= 5 && fm.command === OFPFC_ADD ? fm.importance : 0);
    putOfp11Match(w, fm.match, version);
    putInstructions(w, fm.ofpacts, version);
    return w.finishMsg();
  }
  const command = opts.tid ? (fm.command & 0xff) | ((fm.tableId & 0xff) << 8) : fm.command;
  // As OVS: the new cookie goes out as is; all-ones means "leave the cookie alone".
  const newCookie = fm.newCookie;
  if (!opts.nxm) {
    const w = startMsg('OFPT10_FLOW_MOD', 1, xid);
    putOfp10Match(w, fm.match);
    w.u64(newCookie).u16(command).u16(fm.idleTimeout).u16(fm.hardTimeout).u16(fm.priority).u32(fm.bufferId)
      .u16(fm.outPort).u16(rawFlags);
    putActions(w, fm.ofpacts, 1);
    return w.finishMsg();
  }
  const w = startMsg('NXT_FLOW_MOD', 1, xid);
  const start = w.len;
  w.u64(newCookie).u16(command).u16(fm.idleTimeout).u16(fm.hardTimeout).u16(fm.priority).u32(fm.bufferId)
    .u16(fm.outPort).u16(rawFlags).u16(0).zeros(6);
  const matchLen = putNxMatch(w, fm.match, fm.cookie, fm.cookieMask);
  w.set16(start + 24, matchLen);
  putActions(w, fm.ofpacts, 1);
  return w.finishMsg();
}

const CMD_NAMES = ['ADD', 'MOD', 'MOD_STRICT', 'DEL', 'DEL_STRICT'];

export function formatFlowModMsg(ds: Ds, msg: OfpMsg, verbosity: number): void {
  const fm = decodeFlowMod(msg, true);
  let s = ' ' + (CMD_NAMES[fm.command] ?? `cmd:${fm.command}`);
  if (fm.tableId !== 0) s += ` table:${fm.tableId}`;
  s += ' ';
  let needPriority: boolean;
  const body = msgBody(msg);
  if (verbosity >= 3 && msg.info.raw === 'OFPT10_FLOW_MOD') {
    s += ofp10MatchToString(body, 0, verbosity);
    needPriority = true;
  } else if (verbosity >= 3 && msg.info.raw === 'NXT_FLOW_MOD') {
    const matchLen = (body[24]! << 8) | body[25]!;
    s += nxMatchText(body, 32, matchLen);
    needPriority = true;
  } else {
    s += matchToString(fm.match, fm.priority);
    needPriority = false;
  }
  if (!s.endsWith(' ')) s += ' ';
  if (fm.newCookie !== 0n && fm.newCookie !== U64_MAX) s += `cookie:0x${fm.newCookie.toString(16)} `;
  if (fm.cookieMask !== 0n) s += `cookie:0x${fm.cookie.toString(16)}/0x${fm.cookieMask.toString(16)} `;
  if (fm.idleTimeout) s += `idle:${fm.idleTimeout} `;
  if (fm.hardTimeout) s += `hard:${fm.hardTimeout} `;
  if (fm.importance) s += `importance:${fm.importance} `;
  if (fm.priority !== OFP_DEFAULT_PRIORITY && needPriority) s += `pri:${fm.priority} `;
  if (fm.bufferId !== 0xffffffff) s += `buf:0x${fm.bufferId.toString(16)} `;
  if (fm.outPort !== OFPP_ANY) s += `out_port:${formatPort(fm.outPort)} `;
  let flags = fm.flags;
  if (msg.version === 1 || msg.version === 2) flags &= ~FF_RESET_COUNTS;
  s += formatFlowModFlags(flags);
  ds.put(s + 'actions=');
  ds.put(formatOfpacts(fm.ofpacts));
}

/** The raw OF1.0 match at d[ofs] as text (OVS's ofp10_match_to_string, used
 * at high verbosity): wildcarded fields omitted, or shown as "*" when
 * 'verbosity' >= 2. */
export function ofp10MatchToString(d: Uint8Array, ofs: number, verbosity: number): string {
  const r = new OfpReader(d, ofs, ofs + 40);
  const w = r.u32();
  const inPort = r.u16();
  const dlSrc = r.bytes(6), dlDst = r.bytes(6);
  const dlVlan = r.u16(), pcp = r.u8();
  r.skip(1);
  const dlType = r.u16(), nwTos = r.u8(), nwProto = r.u8();
  r.skip(2);
  const nwSrc = r.u32(), nwDst = r.u32(), tpSrc = r.u16(), tpDst = r.u16();
  const eth = (b: Uint8Array): string => [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
  const ip = (v: number): string => `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
  let f = '';
  const wild = (leader: string, isWild: number, value: () => string): void => {
    if (isWild && verbosity < 2) return;
    f += leader + (isWild ? '*' : value()) + ',';
  };
  const netmask = (leader: string, v: number, bits: number): void => {
    if (bits >= 32 && verbosity < 2) return;
    f += leader + (bits < 32 ? ip(v) + (bits ? `/${32 - bits}` : '') : '*') + ',';
  };
  let skipType = false, skipProto = false;
  if (!(w & (1 << 4))) {
    skipType = true;
    if (dlType === 0x0800) {
      if (!(w & (1 << 5))) {
        skipProto = true;
        const names: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 132: 'sctp' };
        if (names[nwProto]) f += names[nwProto] + ',';
        else { f += 'ip,'; skipProto = false; }
      } else f += 'ip,';
    } else if (dlType === 0x0806) f += 'arp,';
    else if (dlType === 0x8035) f += 'rarp,';
    else if (dlType === 0x8847) f += 'mpls,';
    else if (dlType === 0x8848) f += 'mplsm,';
    else skipType = false;
  }
  wild('in_port=', w & 1, () => formatPort(inPort));
  wild('dl_vlan=', w & 2, () => String(dlVlan));
  wild('dl_vlan_pcp=', w & (1 << 20), () => String(pcp));
  wild('dl_src=', w & 4, () => eth(dlSrc));
  wild('dl_dst=', w & 8, () => eth(dlDst));
  if (!skipType) wild('dl_type=', w & 16, () => '0x' + dlType.toString(16).padStart(4, '0'));
  netmask('nw_src=', nwSrc, (w >> 8) & 0x3f);
  netmask('nw_dst=', nwDst, (w >> 14) & 0x3f);
  if (!skipProto) {
    if (dlType === 0x0806 || dlType === 0x8035) wild('arp_op=', w & 32, () => String(nwProto));
    else wild('nw_proto=', w & 32, () => String(nwProto));
  }
  wild('nw_tos=', w & (1 << 21), () => String(nwTos));
  if (nwProto === 1) {
    wild('icmp_type=', w & 64, () => String(tpSrc));
    wild('icmp_code=', w & 128, () => String(tpDst));
  } else {
    wild('tp_src=', w & 64, () => String(tpSrc));
    wild('tp_dst=', w & 128, () => String(tpDst));
  }
  return f.endsWith(',') ? f.slice(0, -1) : f;
}

/* ---- flow stats / aggregate requests ---- */

/** A flow or aggregate stats request. */
export interface FlowStatsRequest {
  aggregate: boolean; match: Match; cookie: bigint; cookieMask: bigint;
  outPort: number; outGroup: number; tableId: number;
}

export function decodeFlowStatsRequest(msg: OfpMsg): FlowStatsRequest {
  const r = new OfpReader(msgBody(msg));
  const raw = msg.info.raw;
  const aggregate = msg.info.type === 'AGGREGATE_STATS_REQUEST';
  if (raw === 'OFPST10_FLOW_REQUEST' || raw === 'OFPST10_AGGREGATE_REQUEST') {
    const match = pullOfp10Match(r);
    const tableId = r.u8();
    r.skip(1);
    return { aggregate, match, cookie: 0n, cookieMask: 0n, outPort: r.u16(), outGroup: OFPG_ANY, tableId };
  }
  if (raw === 'NXST_FLOW_REQUEST' || raw === 'NXST_AGGREGATE_REQUEST') {
    const outPort = r.u16(), matchLen = r.u16(), tableId = r.u8();
    r.skip(3);
    const nm = pullNxMatch(r, matchLen, true);
    if (r.remaining) throw new OfpError('OFPBRC_BAD_LEN');
    return { aggregate, match: nm.match, cookie: nm.cookie, cookieMask: nm.cookieMask, outPort, outGroup: OFPG_ANY, tableId };
  }
  const tableId = r.u8();
  r.skip(3);
  const outPort = portFromOfp11(r.u32());
  const outGroup = r.u32();
  r.skip(4);
  const cookie = r.u64(), cookieMask = r.u64();
  const match = pullOfp11Match(r);
  return { aggregate, match, cookie, cookieMask, outPort, outGroup, tableId };
}

/** Encodes a flow/aggregate stats request ('nxm' for NXST in OF1.0). */
export function encodeFlowStatsRequest(fsr: FlowStatsRequest, version: number, opts: { nxm?: boolean; xid?: number } = {}): Uint8Array {
  const xid = opts.xid ?? 0;
  if (version >= 2) {
    const raw: RawName = fsr.aggregate ? (version >= 6 ? 'OFPST15_AGGREGATE_REQUEST' : 'OFPST11_AGGREGATE_REQUEST') : 'OFPST11_FLOW_REQUEST';
    const w = startMsg(raw, version, xid);
    w.u8(fsr.tableId).zeros(3).u32(portToOfp11(fsr.outPort)).u32(fsr.outGroup).zeros(4).u64(fsr.cookie).u64(fsr.cookieMask);
    putOfp11Match(w, fsr.match, version);
    return w.finishMsg();
  }
  if (!opts.nxm) {
    const w = startMsg(fsr.aggregate ? 'OFPST10_AGGREGATE_REQUEST' : 'OFPST10_FLOW_REQUEST', 1, xid);
    putOfp10Match(w, fsr.match);
    w.u8(fsr.tableId).zeros(1).u16(fsr.outPort);
    return w.finishMsg();
  }
  const w = startMsg(fsr.aggregate ? 'NXST_AGGREGATE_REQUEST' : 'NXST_FLOW_REQUEST', 1, xid);
  const start = w.len;
  w.u16(fsr.outPort).u16(0).u8(fsr.tableId).zeros(3);
  w.set16(start + 2, putNxMatch(w, fsr.match, fsr.cookie, fsr.cookieMask));
  return w.finishMsg();
}

export function formatFlowStatsRequest(ds: Ds, msg: OfpMsg): void {
  const fsr = decodeFlowStatsRequest(msg);
  if (fsr.tableId !== 0xff) ds.put(` table=${fsr.tableId}`);
  if (fsr.outPort !== OFPP_ANY) ds.put(` out_port=${formatPort(fsr.outPort)}`);
  ds.put(' ' + matchToString(fsr.match, OFP_DEFAULT_PRIORITY));
}

/* ---- OXS (OF1.5 statistics TLVs) ---- */

/** Statistics carried as OXS: absent values are all-ones. */
export interface OxsStats { durationSec: number; durationNsec: number; idleAge: number; flowCount: number; packetCount: bigint; byteCount: bigint }

/** Pulls an ofp_oxs_stat block (padded to 8 bytes). */
export function pullOxs(r: OfpReader): OxsStats {
  const st: OxsStats = { durationSec: 0xffffffff, durationNsec: 0xffffffff, idleAge: 0xffffffff, flowCount: 0xffffffff, packetCount: U64_MAX, byteCount: U64_MAX };
  if (r.remaining < 4) throw new OfpError('OFPBMC_BAD_LEN');
  const len = r.peek16(2);
  if (len < 4) throw new OfpError('OFPBMC_BAD_LEN');
  const padded = (len + 7) & ~7;
  if (padded > r.remaining) throw new OfpError('OFPBMC_BAD_LEN');
  const b = new OfpReader(r.data, r.pos + 4, r.pos + len, 'OFPBMC_BAD_LEN');
  r.pos += padded;
  while (b.remaining) {
    const h = b.u32();
    const cls = h >>> 16, field = (h >>> 9) & 0x7f, flen = h & 0xff;
    let plen = flen;
    if (cls === 0xffff) { b.skip(4); plen -= 4; if (plen < 0) throw new OfpError('OFPBMC_BAD_LEN'); }
    const p = b.sub(plen, 'OFPBMC_BAD_LEN');
    if (cls !== 0x8002 || h & 0x100) continue;
    if (field === 0 && flen === 8) { st.durationSec = p.u32(); st.durationNsec = p.u32(); }
    else if (field === 1 && flen === 8) st.idleAge = p.u32();
    else if (field === 4 && flen === 8) st.packetCount = p.u64();
    else if (field === 5 && flen === 8) st.byteCount = p.u64();
    else if (field === 3 && flen === 4) st.flowCount = p.u32();
  }
  return st;
}

/** Appends an ofp_oxs_stat block. */
export function putOxs(w: OfpWriter, st: OxsStats): void {
  const start = w.len;
  w.u16(0).u16(0);
  const hdr = (field: number, len: number): number => ((0x8002 << 16) | (field << 9) | len) >>> 0;
  if (st.durationSec !== 0xffffffff) w.u32(hdr(0, 8)).u32(st.durationSec).u32(st.durationNsec);
  if (st.idleAge !== 0xffffffff) w.u32(hdr(1, 8)).u32(st.idleAge).u32(0);
  if (st.packetCount !== U64_MAX) w.u32(hdr(4, 8)).u64(st.packetCount);
  if (st.byteCount !== U64_MAX) w.u32(hdr(5, 8)).u64(st.byteCount);
  if (st.flowCount !== 0xffffffff) w.u32(hdr(3, 4)).u32(st.flowCount);
  w.set16(start + 2, w.len - start);
  w.padTo(8, start);
}

/* ---- flow stats reply ---- */

/** One flow in a flow stats reply (OVS's ofputil_flow_stats). */
export interface FlowStats {
  match: Match; priority: number; tableId: number; cookie: bigint;
  durationSec: number; durationNsec: number; idleTimeout: number; hardTimeout: number; importance: number;
  flags: number; idleAge: number; hardAge: number; packetCount: bigint; byteCount: bigint; ofpacts: Ofpacts;
}

function pullFlowStats(msg: OfpMsg, r: OfpReader, flowAge: boolean): FlowStats {
  const raw = msg.info.raw;
  const v = msg.version;
  const start = r.pos;
  let instrLen: number;
  let fs: FlowStats;
  if (raw === 'OFPST15_FLOW_REPLY') {
    if (r.remaining < 24) throw new OfpError('OFPBRC_BAD_LEN');
    const length = r.u16();
    r.skip(2);
    const tableId = r.u8();
    r.skip(1);
    const priority = r.u16(), idle = r.u16(), hard = r.u16(), rawFlags = r.u16(), importance = r.u16();
    const cookie = r.u64();
    if (length < 24) throw new OfpError('OFPBRC_BAD_LEN');
    const match = pullOfp11Match(r);
    const flags = decodeFlowModFlags(rawFlags, -1, v);
    const oxs = pullOxs(r);
    fs = {
      match, priority, tableId, cookie, durationSec: oxs.durationSec, durationNsec: oxs.durationNsec,
      idleTimeout: idle, hardTimeout: hard, importance, flags, idleAge: oxs.idleAge === 0xffffffff ? -1 : oxs.idleAge,
      hardAge: -1, packetCount: oxs.packetCount, byteCount: oxs.byteCount, ofpacts: undefined as unknown as Ofpacts,
    };
    instrLen = length - (r.pos - start);
  } else if (raw === 'OFPST11_FLOW_REPLY' || raw === 'OFPST13_FLOW_REPLY') {
    if (r.remaining < 48) {
      log.warn(`OFPST_FLOW reply has ${r.remaining} leftover bytes at end`);
      throw new OfpError('OFPBRC_BAD_LEN');
    }
    const length = r.u16(), tableId = r.u8();
    r.skip(1);
    const durationSec = r.u32(), durationNsec = r.u32();
    const priority = r.u16(), idle = r.u16(), hard = r.u16(), rawFlags = r.u16(), imp = r.u16();
    r.skip(2);
    const cookie = r.u64(), packetCount = r.u64(), byteCount = r.u64();
    if (length < 48) throw new OfpError('OFPBRC_BAD_LEN');
    const match = pullOfp11Match(r);
    fs = {
      match, priority, tableId, cookie, durationSec, durationNsec, idleTimeout: idle, hardTimeout: hard,
      importance: v >= 5 ? imp : 0, flags: raw === 'OFPST13_FLOW_REPLY' ? decodeFlowModFlags(rawFlags, -1, v) : 0,
      idleAge: -1, hardAge: -1, packetCount, byteCount, ofpacts: undefined as unknown as Ofpacts,
    };
    instrLen = length - (r.pos - start);
  } else if (raw === 'OFPST10_FLOW_REPLY') {
    if (r.remaining < 88) {
      log.warn(`OFPST_FLOW reply has ${r.remaining} leftover bytes at end`);
      throw new OfpError('OFPBRC_BAD_LEN');
    }
    const length = r.u16(), tableId = r.u8();
    r.skip(1);
    const match = pullOfp10Match(r);
    const durationSec = r.u32(), durationNsec = r.u32();
    const priority = r.u16(), idle = r.u16(), hard = r.u16();
    r.skip(6);
    const cookie = r.u64(), packetCount = r.u64(), byteCount = r.u64();
    if (length < 88) throw new OfpError('OFPBRC_BAD_LEN');
    fs = {
      match, priority, tableId, cookie, durationSec, durationNsec, idleTimeout: idle, hardTimeout: hard,
      importance: 0, flags: 0, idleAge: -1, hardAge: -1, packetCount, byteCount, ofpacts: undefined as unknown as Ofpacts,
    };
    instrLen = length - 88;
  } else {
    if (r.remaining < 48) {
      log.warn(`NXST_FLOW reply has ${r.remaining} leftover bytes at end`);
      throw new OfpError('OFPBRC_BAD_LEN');
    }
    const length = r.u16(), tableId = r.u8();
    r.skip(1);
    const durationSec = r.u32(), durationNsec = r.u32();
    const priority = r.u16(), idle = r.u16(), hard = r.u16(), matchLen = r.u16();
    const idleAgeRaw = r.u16(), hardAgeRaw = r.u16();
    const cookie = r.u64(), packetCount = r.u64(), byteCount = r.u64();
    if (length < 48 + ((matchLen + 7) & ~7)) {
      log.warn(`NXST_FLOW reply with match_len=${matchLen} claims invalid length ${length}`);
      throw new OfpError('OFPBRC_BAD_LEN');
    }
    const nm = pullNxMatch(r, matchLen, false);
    fs = {
      match: nm.match, priority, tableId, cookie, durationSec, durationNsec, idleTimeout: idle, hardTimeout: hard,
      importance: 0, flags: 0, idleAge: flowAge && idleAgeRaw ? idleAgeRaw - 1 : -1,
      hardAge: flowAge && hardAgeRaw ? hardAgeRaw - 1 : -1, packetCount, byteCount, ofpacts: undefined as unknown as Ofpacts,
    };
    instrLen = length - 48 - ((matchLen + 7) & ~7);
  }
  if (instrLen < 0 || instrLen > r.remaining) throw new OfpError('OFPBRC_BAD_LEN');
  try {
    fs.ofpacts = pullInstructions(r.data, r.pos, instrLen, v);
  } catch (e) {
    if (e instanceof OfpError) log.warnRl(statsRl, 'OFPST_FLOW reply bad instructions');
    throw e;
  }
  r.pos += instrLen;
  return fs;
}

/** Decodes every flow of a flow stats reply. */
export function decodeFlowStatsReply(msg: OfpMsg, flowAge = true): FlowStats[] {
  const r = new OfpReader(msgBody(msg));
  const out: FlowStats[] = [];
  while (r.remaining) out.push(pullFlowStats(msg, r, flowAge));
  return out;
}

/** Appends one flow's stats to a flow stats reply body of raw 'raw'. */
export function putFlowStats(w: OfpWriter, raw: RawName, version: number, fs: FlowStats): void {
  const start = w.len;
  const zero = (c: bigint): bigint => (c === U64_MAX ? 0n : c);
  if (raw === 'OFPST15_FLOW_REPLY') {
    w.u16(0).zeros(2).u8(fs.tableId).zeros(1).u16(fs.priority).u16(fs.idleTimeout).u16(fs.hardTimeout)
      .u16(encodeFlowModFlags(fs.flags, version)).u16(fs.importance).u64(fs.cookie);
    putOfp11Match(w, fs.match, version);
    putOxs(w, {
      durationSec: fs.durationSec, durationNsec: fs.durationNsec, idleAge: fs.idleAge >= 0 ? fs.idleAge : 0xffffffff,
      flowCount: 0xffffffff, packetCount: fs.packetCount, byteCount: fs.byteCount,
    });
    putInstructions(w, fs.ofpacts, version);
  } else if (raw === 'OFPST11_FLOW_REPLY' || raw === 'OFPST13_FLOW_REPLY') {
    w.u16(0).u8(fs.tableId).zeros(1).u32(fs.durationSec).u32(fs.durationNsec).u16(fs.priority).u16(fs.idleTimeout)
      .u16(fs.hardTimeout).u16(raw === 'OFPST13_FLOW_REPLY' ? encodeFlowModFlags(fs.flags, version) : 0)
      .u16(version >= 5 ? fs.importance : 0).zeros(2).u64(fs.cookie).u64(zero(fs.packetCount)).u64(zero(fs.byteCount));
    putOfp11Match(w, fs.match, version);
    putInstructions(w, fs.ofpacts, version);
  } else if (raw === 'OFPST10_FLOW_REPLY') {
    w.u16(0).u8(fs.tableId).zeros(1);
    putOfp10Match(w, fs.match);
    w.u32(fs.durationSec).u32(fs.durationNsec).u16(fs.priority).u16(fs.idleTimeout).u16(fs.hardTimeout).zeros(6)
      .u64(fs.cookie).u64(zero(fs.packetCount)).u64(zero(fs.byteCount));
    putActions(w, fs.ofpacts, version);
  } else {
    const age = (a: number): number => (a < 0 ? 0 : a < 0xffff ? a + 1 : 0xffff);
    w.u16(0).u8(fs.tableId).zeros(1).u32(fs.durationSec).u32(fs.durationNsec).u16(fs.priority).u16(fs.idleTimeout)
      .u16(fs.hardTimeout).u16(0).u16(age(fs.idleAge)).u16(age(fs.hardAge)).u64(fs.cookie).u64(fs.packetCount).u64(fs.byteCount);
    w.set16(start + 18, putNxMatch(w, fs.match, 0n, 0n));
    putActions(w, fs.ofpacts, version);
  }
  w.set16(start, w.len - start);
}

function stat(v: bigint): string { return v === UINT64_MAX ? '?' : v.toString(); }

/** One flow as dump-flows prints it. */
export function formatFlowStats(fs: FlowStats, showStats = true, ports?: PortNames, tables?: TableNames): string {
  let s = '';
  if (showStats || fs.cookie) s += `cookie=0x${fs.cookie.toString(16)}, `;
  if (showStats) s += `duration=${formatDuration(fs.durationSec, fs.durationNsec)}, `;
  if (showStats || fs.tableId || tables?.has(fs.tableId)) s += `table=${formatTable(fs.tableId, tables)}, `;
  if (showStats) s += `n_packets=${stat(fs.packetCount)}, n_bytes=${stat(fs.byteCount)}, `;
  if (fs.idleTimeout) s += `idle_timeout=${fs.idleTimeout}, `;
  if (fs.hardTimeout) s += `hard_timeout=${fs.hardTimeout}, `;
  if (fs.flags) s += formatFlowModFlags(fs.flags);
  if (fs.importance) s += `importance=${fs.importance}, `;
  if (showStats && fs.idleAge >= 0) s += `idle_age=${fs.idleAge}, `;
  if (showStats && fs.hardAge >= 0 && fs.hardAge !== fs.durationSec) s += `hard_age=${fs.hardAge}, `;
  const m = matchToString(fs.match, fs.priority, ports);
  if (m) s += m + ' ';
  return s + 'actions=' + formatOfpacts(fs.ofpacts, ports, tables);
}

export function formatFlowStatsReply(ds: Ds, msg: OfpMsg, _verbosity = 2, names?: { ports?: PortNames }): void {
  const r = new OfpReader(msgBody(msg));
  while (r.remaining) {
    const fs = pullFlowStats(msg, r, true);
    ds.put('\n ');
    ds.put(formatFlowStats(fs, true, names?.ports));
  }
}

/* ---- aggregate reply ---- */

/** Aggregate statistics. */
export interface AggregateStats { packetCount: bigint; byteCount: bigint; flowCount: number }

export function decodeAggregateReply(msg: OfpMsg): AggregateStats {
  const r = new OfpReader(msgBody(msg));
  if (msg.info.raw === 'OFPST15_AGGREGATE_REPLY') {
    const o = pullOxs(r);
    return { packetCount: o.packetCount, byteCount: o.byteCount, flowCount: o.flowCount };
  }
  const packetCount = r.u64(), byteCount = r.u64();
  return { packetCount, byteCount, flowCount: r.u32() };
}

/** The reply to aggregate request 'request'. */
export function encodeAggregateReply(request: OfpMsg, as: AggregateStats): Uint8Array {
  const raw = request.info.raw;
  const replyRaw: RawName = raw === 'OFPST15_AGGREGATE_REQUEST' ? 'OFPST15_AGGREGATE_REPLY'
    : raw === 'NXST_AGGREGATE_REQUEST' ? 'NXST_AGGREGATE_REPLY' : 'OFPST_AGGREGATE_REPLY';
  const w = startMsg(replyRaw, request.version, request.xid);
  if (replyRaw === 'OFPST15_AGGREGATE_REPLY') {
    putOxs(w, { durationSec: 0xffffffff, durationNsec: 0xffffffff, idleAge: 0xffffffff, flowCount: as.flowCount, packetCount: as.packetCount, byteCount: as.byteCount });
  } else {
    const zero = (c: bigint): bigint => (raw === 'OFPST10_AGGREGATE_REQUEST' && c === U64_MAX ? 0n : c);
    w.u64(zero(as.packetCount)).u64(zero(as.byteCount)).u32(as.flowCount).zeros(4);
  }
  return w.finishMsg();
}

export function formatAggregateReply(ds: Ds, msg: OfpMsg): void {
  const as = decodeAggregateReply(msg);
  ds.put(` packet_count=${BigInt.asUintN(64, as.packetCount)} byte_count=${BigInt.asUintN(64, as.byteCount)} flow_count=${as.flowCount >>> 0}`);
}
