/* ofp-actions: OpenFlow actions and instructions, version-independent.
 *
 * An action list is an array of Ofpact objects (OVS's "ofpacts"): one
 * object per action with a 'type' named after OVS's OFPACT_* (OUTPUT,
 * SET_FIELD, RESUBMIT...) and 'raw' remembering which wire form it came
 * from when that matters for re-encoding and printing.  Instructions
 * (meter, clear_actions, write_actions, write_metadata, goto_table) are
 * ofpacts too, placed after the apply-actions ofpacts as in OVS.
 *
 * This file holds the types, the dispatch loops and the rules that apply to
 * whole lists (instruction order, conjunction exclusivity, nesting); the
 * per-action code lives in the family files ofp-actions-basic.ts,
 * ofp-actions-field.ts and ofp-actions-nx.ts, which register their
 * handlers below.  Wire identities are in ofp-actions-raw.ts.
 *
 * API:
 *   decodeActions(d, pos, len, version)       OF actions -> Ofpact[] | OfpError
 *   decodeInstructions(d, pos, len, version)  OF1.1+ instructions -> Ofpact[] | OfpError
 *   encodeActions(w, ofpacts, version)        appends OF actions
 *   encodeInstructions(w, ofpacts, version)   appends instructions (actions in OF1.0)
 *   parseActions(s, opts) / parseInstructions(s, opts)   text -> {ofpacts, usable} | error text
 *   formatActions(ofpacts, opts)              ovs-ofctl's text ("drop" when empty)
 *   checkActions(ofpacts, match, opts)        ofpacts_check: consistency with a match
 */
import type { OfpWriter } from './ofp-buffer.js';
import { OfpError, type OfpErrName } from './ofp-errors.js';
import { Match } from './match.js';
import type { MfField } from './meta-flow.js';
import { Proto } from './meta-flow.js';
import type { MfSubfield } from './nx-match.js';
import { pullRaw, rawArg, actionsRl, type PulledRaw, type RawName } from './ofp-actions-raw.js';
import { parseKeyValue, type KvCursor } from './ofp-parse.js';
import { parsePort, type PortNames } from './ofp-port-map.js';
import { FL, get16, get32, put16, put32 } from './flow.js';
import { vlogModule } from '../lib/vlog.js';
import { hexDump } from '../lib/hex-dump.js';

const log = vlogModule('ofp_actions');

/** Action kinds in OVS's order (enum ofpact_type), with their text names. */
export const OFPACT_TYPES = [
  ['OUTPUT', 'output'], ['GROUP', 'group'], ['CONTROLLER', 'controller'], ['ENQUEUE', 'enqueue'],
  ['OUTPUT_REG', 'output_reg'], ['BUNDLE', 'bundle'], ['SET_FIELD', 'set_field'],
  ['SET_VLAN_VID', 'set_vlan_vid'], ['SET_VLAN_PCP', 'set_vlan_pcp'], ['STRIP_VLAN', 'strip_vlan'],
  ['PUSH_VLAN', 'push_vlan'], ['SET_ETH_SRC', 'mod_dl_src'], ['SET_ETH_DST', 'mod_dl_dst'],
  ['SET_IPV4_SRC', 'mod_nw_src'], ['SET_IPV4_DST', 'mod_nw_dst'], ['SET_IP_DSCP', 'mod_nw_tos'],
  ['SET_IP_ECN', 'mod_nw_ecn'], ['SET_IP_TTL', 'mod_nw_ttl'], ['SET_L4_SRC_PORT', 'mod_tp_src'],
  ['SET_L4_DST_PORT', 'mod_tp_dst'], ['REG_MOVE', 'move'], ['STACK_PUSH', 'push'], ['STACK_POP', 'pop'],
  ['DEC_TTL', 'dec_ttl'], ['SET_MPLS_LABEL', 'set_mpls_label'], ['SET_MPLS_TC', 'set_mpls_tc'],
  ['SET_MPLS_TTL', 'set_mpls_ttl'], ['DEC_MPLS_TTL', 'dec_mpls_ttl'], ['PUSH_MPLS', 'push_mpls'],
  ['POP_MPLS', 'pop_mpls'], ['DEC_NSH_TTL', 'dec_nsh_ttl'], ['DELETE_FIELD', 'delete_field'],
  ['ENCAP', 'encap'], ['DECAP', 'decap'], ['SET_TUNNEL', 'set_tunnel'], ['SET_QUEUE', 'set_queue'],
  ['POP_QUEUE', 'pop_queue'], ['FIN_TIMEOUT', 'fin_timeout'], ['RESUBMIT', 'resubmit'], ['LEARN', 'learn'],
  ['CONJUNCTION', 'conjunction'], ['MULTIPATH', 'multipath'], ['NOTE', 'note'], ['EXIT', 'exit'],
  ['SAMPLE', 'sample'], ['UNROLL_XLATE', 'unroll_xlate'], ['CT', 'ct'], ['CT_CLEAR', 'ct_clear'],
  ['NAT', 'nat'], ['OUTPUT_TRUNC', 'output_trunc'], ['CLONE', 'clone'],
  ['CHECK_PKT_LARGER', 'check_pkt_larger'], ['DEBUG_RECIRC', 'debug_recirc'], ['DEBUG_SLOW', 'debug_slow'],
  ['METER', 'meter'], ['CLEAR_ACTIONS', 'clear_actions'], ['WRITE_ACTIONS', 'write_actions'],
  ['WRITE_METADATA', 'write_metadata'], ['GOTO_TABLE', 'goto_table'],
] as const;

export type OfpactType = (typeof OFPACT_TYPES)[number][0];

/** Text name of an action kind ("mod_dl_src" for SET_ETH_SRC). */
export function ofpactName(t: OfpactType): string {
  for (const [k, n] of OFPACT_TYPES) if (k === t) return n;
  return '<unknown>';
}

/** Fields every ofpact has. */
interface Base {
  /** Wire form it was decoded from (or parsed as), when that matters. */
  raw?: RawName;
}

export interface LearnSpec {
  /** NX_LEARN_SRC_FIELD (0) or NX_LEARN_SRC_IMMEDIATE (0x2000). */
  srcType: number;
  /** NX_LEARN_DST_MATCH (0), _LOAD (0x800) or _OUTPUT (0x1000). */
  dstType: number;
  nBits: number;
  src: MfSubfield | null;
  dst: MfSubfield | null;
  /** Immediate source value (ceil(nBits/8) bytes, big-endian). */
  imm: Uint8Array | null;
}

/** An encap property (NSH md_type or NSH TLV). */
export interface EdProp {
  cls: number;
  type: number;
  /** Length field of the property as encoded. */
  len: number;
  mdType?: number;
  tlvClass?: number;
  tlvType?: number;
  /** TLV value (tlvLen bytes). */
  data?: Uint8Array;
}

export interface NatRange { min: Uint8Array | null; max: Uint8Array | null }

/** One action, instruction or nested list. */
export type Ofpact = Base & (
  | { type: 'OUTPUT'; port: number; maxLen: number }
  | { type: 'GROUP'; groupId: number }
  | { type: 'CONTROLLER'; maxLen: number; controllerId: number; reason: number; userdata: Uint8Array;
      pause: boolean; meterId: number }
  | { type: 'ENQUEUE'; port: number; queue: number }
  | { type: 'OUTPUT_REG'; src: MfSubfield; maxLen: number }
  | { type: 'BUNDLE'; algorithm: number; fields: number; basis: number; members: number[];
      dst: MfSubfield | null }
  /* 'mask' of a decoded exact set_field is a shared all-ones array: treat
   * value and mask as read-only (copy before changing). */
  | { type: 'SET_FIELD'; field: MfField; value: Uint8Array; mask: Uint8Array; flowHasVlan?: boolean }
  | { type: 'SET_VLAN_VID'; vid: number; pushVlanIfNeeded: boolean; flowHasVlan?: boolean }
  | { type: 'SET_VLAN_PCP'; pcp: number; pushVlanIfNeeded: boolean; flowHasVlan?: boolean }
  | { type: 'STRIP_VLAN' }
  | { type: 'PUSH_VLAN'; ethertype: number }
  | { type: 'SET_ETH_SRC' | 'SET_ETH_DST'; mac: Uint8Array }
  | { type: 'SET_IPV4_SRC' | 'SET_IPV4_DST'; ipv4: number }
  | { type: 'SET_IP_DSCP'; dscp: number }
  | { type: 'SET_IP_ECN'; ecn: number }
  | { type: 'SET_IP_TTL'; ttl: number }
  | { type: 'SET_L4_SRC_PORT' | 'SET_L4_DST_PORT'; port: number; flowIpProto?: number }
  | { type: 'REG_MOVE'; src: MfSubfield; dst: MfSubfield }
  | { type: 'STACK_PUSH' | 'STACK_POP'; subfield: MfSubfield }
  | { type: 'DEC_TTL'; cntIds: number[] }
  | { type: 'SET_MPLS_LABEL'; label: number }
  | { type: 'SET_MPLS_TC'; tc: number }
  | { type: 'SET_MPLS_TTL'; ttl: number }
  | { type: 'DEC_MPLS_TTL' | 'DEC_NSH_TTL' | 'POP_QUEUE' | 'EXIT' | 'CT_CLEAR' | 'DEBUG_RECIRC'
      | 'DEBUG_SLOW' | 'CLEAR_ACTIONS' }
  | { type: 'PUSH_MPLS' | 'POP_MPLS'; ethertype: number }
  | { type: 'DELETE_FIELD'; field: MfField }
  | { type: 'ENCAP'; newPktType: number; hdrSize: number; props: EdProp[] }
  | { type: 'DECAP'; newPktType: number }
  | { type: 'SET_TUNNEL'; tunId: bigint }
  | { type: 'SET_QUEUE'; queueId: number }
  | { type: 'FIN_TIMEOUT'; idle: number; hard: number }
  | { type: 'RESUBMIT'; inPort: number; tableId: number; withCtOrig: boolean }
  | { type: 'LEARN'; idleTimeout: number; hardTimeout: number; priority: number; cookie: bigint;
      flags: number; tableId: number; finIdleTimeout: number; finHardTimeout: number; limit: number;
      resultDst: MfSubfield | null; specs: LearnSpec[] }
  | { type: 'CONJUNCTION'; id: number; clause: number; nClauses: number }
  | { type: 'MULTIPATH'; fields: number; basis: number; algorithm: number; maxLink: number;
      arg: number; dst: MfSubfield }
  | { type: 'NOTE'; data: Uint8Array }
  | { type: 'SAMPLE'; probability: number; collectorSetId: number; obsDomainId: number;
      obsPointId: number; samplingPort: number; direction: number }
  | { type: 'UNROLL_XLATE'; ruleTableId: number; ruleCookie: bigint }
  | { type: 'CT'; flags: number; zoneImm: number; zoneSrc: MfSubfield | null; recircTable: number;
      alg: number; actions: Ofpact[] }
  | { type: 'NAT'; flags: number; rangeAf: number; range: NatRange; protoMin: number; protoMax: number }
  | { type: 'OUTPUT_TRUNC'; port: number; maxLen: number }
  | { type: 'CLONE' | 'WRITE_ACTIONS'; actions: Ofpact[] }
  | { type: 'CHECK_PKT_LARGER'; pktLen: number; dst: MfSubfield }
  | { type: 'METER'; meterId: number }
  | { type: 'WRITE_METADATA'; metadata: bigint; mask: bigint }
  | { type: 'GOTO_TABLE'; tableId: number }
);

/** The ofpact of kind T. */
export type OfpactOf<T extends OfpactType> = Ofpact & { type: T };

/* ---- Handler registry (filled by the family files). ---- */

/** Everything a decoder may need about the action being decoded. */
export interface DecodeCtx {
  version: number;
  /** The buffer and the whole action (header included) at d[pos..pos+len). */
  d: Uint8Array;
  pos: number;
  len: number;
  /** Integer argument for integer-argument raws. */
  readonly arg: bigint;
  /** The same as a number (exact up to 2^53: use 'arg' for 64-bit arguments). */
  readonly argNum: number;
  raw: RawName;
  /** Decodes nested actions at d[pos..pos+len) (clone, ct). */
  nested(pos: number, len: number, outer: OfpactType): Ofpact[] | OfpError;
}

export interface EncodeCtx {
  w: OfpWriter;
  version: number;
  /** Encodes a nested action list into w (no padding added). */
  nested(acts: Ofpact[]): void;
}

/** Names for tables in text (numbers otherwise). */
export type TableNames = ReadonlyMap<number, string> | null | undefined;

export interface ParseCtx {
  ports: PortNames;
  tables: TableNames;
  /** Protocols usable so far (narrowed by parsers). */
  usable: { p: number };
  /** Parses a nested action list ("clone(...)", "ct(exec(...))"). */
  nested(s: string, outer: OfpactType, allowInstructions?: boolean): Ofpact[] | string;
  /** Appends an ofpact to the list being built. */
  put(a: Ofpact): void;
}

export interface FormatCtx {
  ports: PortNames;
  tables: TableNames;
  nested(acts: Ofpact[]): string;
}

export interface CheckCtx {
  /** The flow match, modified temporarily by actions that change headers. */
  match: Match;
  usable: { p: number };
  maxPorts: number;
  tableId: number;
  nTables: number;
  nested(acts: Ofpact[], keepUsable: boolean): OfpErrName | null;
}

type Decoder = (c: DecodeCtx) => Ofpact | Ofpact[] | OfpError;
type Encoder = (a: Ofpact, c: EncodeCtx) => void;
type Parser = (value: string, c: ParseCtx) => string | null;
type Formatter = (a: Ofpact, c: FormatCtx) => string;
type Checker = (a: Ofpact, c: CheckCtx) => OfpErrName | null;

const decoders = new Map<RawName, Decoder>();
const encoders = new Map<OfpactType, Encoder>();
const parsers = new Map<string, Parser>();
const formatters = new Map<OfpactType, Formatter>();
const checkers = new Map<OfpactType, Checker>();

/** Registration interface for family files. */
export interface ActionRegistry {
  decode(raw: RawName | RawName[], f: Decoder): void;
  encode<T extends OfpactType>(t: T, f: (a: OfpactOf<T>, c: EncodeCtx) => void): void;
  /** Registers a text keyword (case-insensitive). */
  parse(keyword: string, f: Parser): void;
  format<T extends OfpactType>(t: T, f: (a: OfpactOf<T>, c: FormatCtx) => string): void;
  check<T extends OfpactType>(t: T, f: (a: OfpactOf<T>, c: CheckCtx) => OfpErrName | null): void;
}

/** The registry family files add their handlers to. */
export const registry: ActionRegistry = {
  decode(raw, f) { for (const r of Array.isArray(raw) ? raw : [raw]) decoders.set(r, f); },
  encode(t, f) { encoders.set(t, f as Encoder); },
  parse(k, f) { parsers.set(k.toLowerCase(), f); },
  format(t, f) { formatters.set(t, f as Formatter); },
  check(t, f) { checkers.set(t, f as Checker); },
};

/* ---- Instructions. ---- */

/** OVS instruction kinds in their required order. */
export const enum Inst { METER = 0, APPLY_ACTIONS = 1, CLEAR_ACTIONS = 2, WRITE_ACTIONS = 3, WRITE_METADATA = 4, GOTO_TABLE = 5 }
const INST_NAMES = ['meter', 'apply_actions', 'clear_actions', 'write_actions', 'write_metadata', 'goto_table'];
const N_INSTS = 6;
/** OFPIT_* wire numbers of each Inst. */
const OFPIT = [6, 4, 5, 3, 2, 1];
const OFPIT11_EXPERIMENTER = 0xffff;

/** The instruction an ofpact belongs to in 'version'. */
export function instructionOf(t: OfpactType, version: number): Inst {
  switch (t) {
    case 'METER': return version >= 6 ? Inst.APPLY_ACTIONS : Inst.METER;
    case 'CLEAR_ACTIONS': return Inst.CLEAR_ACTIONS;
    case 'WRITE_ACTIONS': return Inst.WRITE_ACTIONS;
    case 'WRITE_METADATA': return Inst.WRITE_METADATA;
    case 'GOTO_TABLE': return Inst.GOTO_TABLE;
    default: return Inst.APPLY_ACTIONS;
  }
}

/** Action-set classification: allowed in write_actions? */
function allowedInActionSet(t: OfpactType): boolean {
  switch (t) {
    case 'STRIP_VLAN': case 'POP_MPLS': case 'DECAP': case 'ENCAP': case 'PUSH_MPLS': case 'PUSH_VLAN':
    case 'DEC_TTL': case 'DEC_MPLS_TTL': case 'DEC_NSH_TTL': case 'CT': case 'CT_CLEAR': case 'RESUBMIT':
    case 'OUTPUT': case 'GROUP': case 'SET_FIELD': case 'REG_MOVE': case 'SET_ETH_DST': case 'SET_ETH_SRC':
    case 'SET_IP_DSCP': case 'SET_IP_ECN': case 'SET_IP_TTL': case 'SET_IPV4_DST': case 'SET_IPV4_SRC':
    case 'SET_L4_DST_PORT': case 'SET_L4_SRC_PORT': case 'SET_MPLS_LABEL': case 'SET_MPLS_TC':
    case 'SET_MPLS_TTL': case 'SET_QUEUE': case 'SET_TUNNEL': case 'SET_VLAN_PCP': case 'SET_VLAN_VID':
      return true;
    default:
      return false;
  }
}

/* ---- Decoding. ---- */

/* One context serves every action of a list: decoders use it only while
 * they run (nested lists get their own). */
class ListDecodeCtx implements DecodeCtx {
  pos = 0;
  len = 0;
  argNum = 0;
  raw: RawName = '';
  inst: PulledRaw['inst'] | null = null;
  constructor(readonly d: Uint8Array, readonly version: number) {}
  /** Made only for decoders that ask (most use argNum or no argument). */
  get arg(): bigint { return this.inst ? rawArg(this.d, this.pos, this.inst) : 0n; }
  nested(p: number, l: number, outer: OfpactType): Ofpact[] | OfpError {
    const acts = decodeList(this.d, p, l, this.version);
    if (acts instanceof OfpError) return acts;
    return verifyDecoded(acts, this.version, 1 << Inst.APPLY_ACTIONS, outer) ?? acts;
  }
}

function decodeList(d: Uint8Array, pos: number, len: number, version: number): Ofpact[] | OfpError {
  const out: Ofpact[] = [];
  const end = pos + len;
  const c = new ListDecodeCtx(d, version);
  let at = pos;
  while (at < end) {
    const r = pullRaw(d, at, end, version);
    let err: OfpError | null = null;
    if (r instanceof OfpError) err = r;
    else {
      const res = decodeOne(c, r);
      if (res instanceof OfpError) err = res;
      else if (Array.isArray(res)) { for (const x of res) out.push(x); }
      else out.push(res);
    }
    if (err) {
      log.warnRl(actionsRl, () => `bad action at offset ${at - pos} (${err.error}):\n${hexDump(d.subarray(pos, end), 0, false).replace(/\n$/, '')}`);
      return err;
    }
    at += (r as PulledRaw).len;
  }
  return out;
}

function decodeOne(c: ListDecodeCtx, r: PulledRaw): Ofpact | Ofpact[] | OfpError {
  const dec = decoders.get(r.inst.raw);
  if (!dec) return new OfpError('OFPBAC_BAD_TYPE', `${r.inst.name} not implemented`);
  c.pos = r.pos;
  c.len = r.len;
  c.argNum = r.argNum;
  c.inst = r.inst;
  c.raw = r.inst.raw;
  return dec(c);
}

/**
 * Decodes 'len' bytes of OpenFlow actions at d[pos..] for 'version'
 * (ofpacts_pull_openflow_actions).  Returns the ofpacts or an OfpError
 * (OFPBRC_BAD_LEN, OFPBAC_*...).
 */
export function decodeActions(d: Uint8Array, pos: number, len: number, version: number): Ofpact[] | OfpError {
  return decodeActionsAllowing(d, pos, len, version, (1 << Inst.APPLY_ACTIONS) | (1 << Inst.METER));
}

function decodeActionsAllowing(d: Uint8Array, pos: number, len: number, version: number, allowed: number): Ofpact[] | OfpError {
  if (len % 8) {
    log.warnRl(actionsRl, `OpenFlow message actions length ${len} is not a multiple of 8`);
    return new OfpError('OFPBRC_BAD_LEN');
  }
  if (pos + len > d.length) {
    log.warnRl(actionsRl, `OpenFlow message actions length ${len} exceeds remaining message length (${d.length - pos})`);
    return new OfpError('OFPBRC_BAD_LEN');
  }
  const acts = decodeList(d, pos, len, version);
  if (acts instanceof OfpError) return acts;
  return verifyDecoded(acts, version, allowed, null) ?? acts;
}

/**
 * Decodes 'len' bytes of OpenFlow 1.1+ instructions at d[pos..]
 * (ofpacts_pull_openflow_instructions); in OF1.0 they are plain actions.
 */
/** Length of each instruction (by Inst): exact if positive, minimum if negative. */
const INST_FIXED_LEN = [8, -8, 8, -8, 24, 8];

export function decodeInstructions(d: Uint8Array, pos: number, len: number, version: number): Ofpact[] | OfpError {
  if (version === 1) return decodeActionsAllowing(d, pos, len, version, (1 << N_INSTS) - 1);
  if (len % 8) {
    log.warnRl(actionsRl, `OpenFlow message instructions length ${len} is not a multiple of 8`);
    return new OfpError('OFPBIC_BAD_LEN');
  }
  if (pos + len > d.length) {
    log.warnRl(actionsRl, `OpenFlow message instructions length ${len} exceeds remaining message length (${d.length - pos})`);
    return new OfpError('OFPBIC_BAD_LEN');
  }
  // Offset and length of each instruction present (by Inst), -1 if absent.
  const iat = [-1, -1, -1, -1, -1, -1], ilens = [0, 0, 0, 0, 0, 0];
  let at = pos, left = len / 8;
  while (left > 0) {
    const ilen = get16(d, at + 2);
    if (ilen % 8 || ilen < 8 || ilen / 8 > left) break;
    const itype = get16(d, at);
    if (itype === OFPIT11_EXPERIMENTER) return new OfpError('OFPBIC_BAD_EXPERIMENTER');
    const k = OFPIT.indexOf(itype);
    if (k < 0) return new OfpError('OFPBIC_UNKNOWN_INST');
    const fixed = INST_FIXED_LEN[k]!;
    if (fixed > 0 ? ilen !== fixed : ilen < -fixed) return new OfpError('OFPBIC_BAD_LEN');
    if (k === Inst.METER && version >= 6) return new OfpError('OFPBIC_UNKNOWN_INST');
    if (iat[k]! >= 0) return new OfpError('OFPBIC_DUP_INST');
    iat[k] = at;
    ilens[k] = ilen;
    at += ilen;
    left -= ilen / 8;
  }
  if (left) {
    log.warnRl(actionsRl, `bad instruction format at offset ${(len / 8 - left) * 8}`);
    return new OfpError('OFPBIC_BAD_LEN');
  }
  let out: Ofpact[] = [];
  const meter = iat[Inst.METER]!;
  if (meter >= 0) out.push({ type: 'METER', meterId: get32(d, meter + 4) });
  const apply = iat[Inst.APPLY_ACTIONS]!;
  if (apply >= 0) {
    const acts = decodeList(d, apply + 8, ilens[Inst.APPLY_ACTIONS]! - 8, version);
    if (acts instanceof OfpError) return acts;
    if (out.length) for (const a of acts) out.push(a);
    else out = acts;
  }
  if (iat[Inst.CLEAR_ACTIONS]! >= 0) out.push({ type: 'CLEAR_ACTIONS' });
  const write = iat[Inst.WRITE_ACTIONS]!;
  if (write >= 0) {
    const acts = decodeList(d, write + 8, ilens[Inst.WRITE_ACTIONS]! - 8, version);
    if (acts instanceof OfpError) return acts;
    for (const a of acts) {
      if (!allowedInActionSet(a.type)) {
        log.warnRl(actionsRl, 'disallowed action in action set');
        return new OfpError('OFPBAC_BAD_TYPE');
      }
    }
    out.push({ type: 'WRITE_ACTIONS', actions: acts });
  }
  const wm = iat[Inst.WRITE_METADATA]!;
  if (wm >= 0) {
    const b = (o: number): bigint => (BigInt(get32(d, o)) << 32n) | BigInt(get32(d, o + 4));
    out.push({ type: 'WRITE_METADATA', metadata: b(wm + 8), mask: b(wm + 16) });
  }
  const gt = iat[Inst.GOTO_TABLE]!;
  if (gt >= 0) out.push({ type: 'GOTO_TABLE', tableId: d[gt + 4]! });
  return verifyDecoded(out, version, (1 << N_INSTS) - 1, null) ?? out;
}

/** Verifies a decoded list, logging the problem as OVS does when there is no caller to tell. */
function verifyDecoded(acts: Ofpact[], version: number, allowed: number, outer: OfpactType | null): OfpError | null {
  const v = verifyList(acts, version, allowed, outer);
  if (!v) return null;
  log.warn(v.text);
  return new OfpError(v.err);
}

/* ---- Verification of whole lists (ofpacts_verify). ---- */

function mfDst(a: Ofpact): MfField | null {
  if (a.type === 'SET_FIELD') return a.field;
  if (a.type === 'REG_MOVE') return a.dst.field;
  return null;
}
const fieldRequiresCt = (f: MfField): boolean => f.name === 'ct_mark' || f.name === 'ct_label';

/** Checks instruction order, nesting and conjunction rules; null if fine. */
export function verifyList(acts: Ofpact[], version: number, allowed: number, outer: OfpactType | null):
  { err: OfpErrName; text: string } | null {
  let inst: Inst = Inst.METER;
  for (let i = 0; i < acts.length; i++) {
    const a = acts[i]!;
    if (a.type === 'CONJUNCTION') {
      for (const b of acts) {
        if (b.type !== 'CONJUNCTION' && b.type !== 'NOTE') {
          return {
            err: 'NXBAC_BAD_CONJUNCTION',
            text: `"conjunction" actions may be used along with "note" but not any other kind of action (such as the "${ofpactName(b.type)}" action used here)`,
          };
        }
      }
      return null;
    }
    const field = mfDst(a);
    if (field && fieldRequiresCt(field) && outer !== 'CT') {
      return { err: 'OFPBAC_BAD_SET_ARGUMENT', text: 'cannot set CT fields outside of ct action' };
    }
    if (a.type === 'NAT') {
      if (outer !== 'CT') return { err: 'OFPBAC_BAD_SET_ARGUMENT', text: 'Cannot have NAT action outside of "ct" action' };
      continue;
    }
    if (outer) {
      if (outer === 'CT') {
        if (!field) {
          return { err: 'OFPBAC_BAD_ARGUMENT', text: `${ofpactName(outer)} action doesn't support nested action ${ofpactName(a.type)}` };
        } else if (!fieldRequiresCt(field)) {
          return { err: 'OFPBAC_BAD_ARGUMENT', text: `${ofpactName(outer)} action doesn't support nested modification of ${field.name}` };
        }
      }
      if (a.type === 'METER') {
        return { err: 'OFPBAC_BAD_ARGUMENT', text: `${ofpactName(outer)} action doesn't support nested action ${ofpactName(a.type)}` };
      }
    }
    const next = instructionOf(a.type, version);
    if (i > 0 && (inst === Inst.APPLY_ACTIONS ? next < inst : next <= inst)) {
      if (next === inst) {
        return { err: 'OFPBAC_UNSUPPORTED_ORDER', text: `duplicate ${INST_NAMES[inst]} instruction not allowed, for OpenFlow 1.1+ compatibility` };
      }
      return {
        err: 'OFPBAC_UNSUPPORTED_ORDER',
        text: `invalid instruction ordering: ${INST_NAMES[next]} must appear before ${INST_NAMES[inst]}, for OpenFlow 1.1+ compatibility`,
      };
    }
    if (!((1 << next) & allowed)) {
      if (next === Inst.METER && version >= 6) return { err: 'OFPBAC_BAD_TYPE', text: `${INST_NAMES[next]} action not allowed here` };
      return { err: 'OFPBIC_UNSUP_INST', text: `${INST_NAMES[next]} instruction not allowed here` };
    }
    inst = next;
  }
  return null;
}

/* ---- Encoding. ---- */

/* One context serves a whole list (and its nested lists). */
class ListEncodeCtx implements EncodeCtx {
  constructor(readonly w: OfpWriter, readonly version: number) {}
  nested(acts: Ofpact[]): void { for (const x of acts) encodeOne(x, this); }
}

function encodeOne(a: Ofpact, c: ListEncodeCtx): void {
  const enc = encoders.get(a.type);
  if (!enc) throw new Error(`no encoder for ${a.type}`);
  enc(a, c);
}

/** Appends 'acts' as OpenFlow actions for 'version'; returns bytes written. */
export function encodeActions(w: OfpWriter, acts: Ofpact[], version: number): number {
  const start = w.len;
  const c = new ListEncodeCtx(w, version);
  for (const a of acts) encodeOne(a, c);
  return w.len - start;
}

/** Appends 'acts' as OpenFlow 1.1+ instructions (plain actions for OF1.0); returns bytes written. */
export function encodeInstructions(w: OfpWriter, acts: Ofpact[], version: number): number {
  const start = w.len;
  if (version === 1) return encodeActions(w, acts, version);
  const c = new ListEncodeCtx(w, version);
  for (let i = 0; i < acts.length;) {
    if (instructionOf(acts[i]!.type, version) === Inst.APPLY_ACTIONS) {
      const ofs = w.len;
      w.u16(4).u16(8).u32(0);
      do {
        encodeOne(acts[i]!, c);
        i++;
      } while (i < acts.length && instructionOf(acts[i]!.type, version) === Inst.APPLY_ACTIONS);
      if (w.len > ofs + 8) w.set16(ofs + 2, w.len - ofs);
      else w.len = ofs;
    } else {
      encodeOne(acts[i]!, c);
      i++;
    }
  }
  return w.len - start;
}

/** Writes an instruction header holding actions (write_actions); returns its offset. */
export function putInstructionActions(w: OfpWriter, inst: Inst): number {
  const ofs = w.len;
  w.u16(OFPIT[inst]!).u16(8).u32(0);
  return ofs;
}
/** Finishes an instruction started by putInstructionActions (drops it if empty). */
export function finishInstructionActions(w: OfpWriter, ofs: number): void {
  if (w.len > ofs + 8) w.set16(ofs + 2, w.len - ofs);
  else w.len = ofs;
}
/** OFPIT_* number of an instruction kind. */
export function ofpitOf(inst: Inst): number { return OFPIT[inst]!; }

/* ---- Text. ---- */

/** Options for parsing actions from text. */
export interface ParseOptions { ports?: PortNames; tables?: TableNames }

/** Result of parsing: the ofpacts and the protocols able to express them. */
export interface ParsedActions { ofpacts: Ofpact[]; usable: number }

const MAX_PARSE_DEPTH = 100;

function parseList(s: string, c: { ports: PortNames; tables: TableNames; usable: { p: number }; depth: number },
  allowInstructions: boolean, outer: OfpactType | null): Ofpact[] | string {
  if (c.depth >= MAX_PARSE_DEPTH) return 'Action nested too deeply';
  c.depth++;
  try {
    const out: Ofpact[] = [];
    const ctx: ParseCtx = {
      ports: c.ports, tables: c.tables, usable: c.usable,
      nested: (str, o, allow = false) => parseList(str, c, allow, o),
      put: (a) => { out.push(a); },
    };
    const cur: KvCursor = { s, pos: 0 };
    let drop = false;
    for (let kv = parseKeyValue(cur); kv; kv = parseKeyValue(cur)) {
      const key = kv.key.toLowerCase();
      const p = parsers.get(key);
      let err: string | null = null;
      if (p) {
        err = p(kv.value, ctx);
        if (key === 'meter' && !allowInstructions) c.usable.p &= Proto.OF15_UP;
      } else if (key === 'drop') {
        drop = true;
      } else if (key === 'apply_actions') {
        return 'apply_actions is the default instruction';
      } else {
        const port = parsePort(kv.key, c.ports);
        if (port !== undefined) out.push({ type: 'OUTPUT', port, maxLen: 0 });
        else return `unknown action ${kv.key}`;
      }
      if (err) return err;
    }
    if (drop && out.length) return '"drop" must not be accompanied by any other action or instruction';
    const v = verifyList(out, 2, allowInstructions ? (1 << N_INSTS) - 1 : (1 << Inst.APPLY_ACTIONS) | (1 << Inst.METER), outer);
    if (v) return v.text;
    return out;
  } finally {
    c.depth--;
  }
}

/** Parses an action list as ovs-ofctl does ("output:1,mod_vlan_vid:10"); error text on failure. */
export function parseActions(s: string, opts: ParseOptions = {}): ParsedActions | string {
  const usable = { p: Proto.ANY };
  const r = parseList(s, { ports: opts.ports, tables: opts.tables, usable, depth: 0 }, false, null);
  return typeof r === 'string' ? r : { ofpacts: r, usable: usable.p };
}

/** Parses actions and instructions (flow-mod "actions=" text); error text on failure. */
export function parseInstructions(s: string, opts: ParseOptions = {}): ParsedActions | string {
  const usable = { p: Proto.ANY };
  const r = parseList(s, { ports: opts.ports, tables: opts.tables, usable, depth: 0 }, true, null);
  return typeof r === 'string' ? r : { ofpacts: r, usable: usable.p };
}

/** Options for formatting. */
export interface FormatOptions { ports?: PortNames; tables?: TableNames }

/** Formats one action. */
export function formatAction(a: Ofpact, opts: FormatOptions = {}): string {
  const f = formatters.get(a.type);
  if (!f) return `<${a.type}>`;
  return f(a, { ports: opts.ports, tables: opts.tables, nested: (acts) => formatActions(acts, opts) });
}

/** Formats an action list as ovs-ofctl does; "drop" when empty. */
export function formatActions(acts: Ofpact[], opts: FormatOptions = {}): string {
  if (!acts.length) return 'drop';
  return acts.map((a) => formatAction(a, opts)).join(',');
}

/* ---- Consistency with a match (ofpacts_check). ---- */

/** Options for checkActions. */
export interface CheckOptions {
  /** Ports at or above this (and not reserved) are invalid; default OFPP_MAX. */
  maxPorts?: number;
  /** Table the flow is in (goto_table must go forward); 255 = unknown. */
  tableId?: number;
  /** Number of tables; 255 = unknown. */
  nTables?: number;
}

/**
 * Checks 'acts' against the flow 'match' (ofpacts_check): prerequisites of
 * set_field and friends, output ports, goto_table direction.  Records
 * per-action facts used by encoding (flowHasVlan, flowIpProto).  Returns
 * the error (or null) and the protocols able to express the combination.
 */
export function checkActions(acts: Ofpact[], match: Match, opts: CheckOptions = {}):
  { error: OfpErrName | null; usable: number } {
  const usable = { p: Proto.ANY };
  const m = match.clone();
  const error = checkList(acts, m, usable, opts);
  return { error, usable: usable.p };
}

function checkList(acts: Ofpact[], m: Match, usable: { p: number }, opts: CheckOptions): OfpErrName | null {
  const f = m.flow;
  const saved = { pt: get32(f, FL.PACKET_TYPE), dl: get16(f, FL.DL_TYPE), proto: f[FL.NW_PROTO]!, vlans: f.slice(FL.VLANS, FL.VLANS + 8) };
  usable.p = Proto.ANY;
  const ctx: CheckCtx = {
    match: m, usable, maxPorts: opts.maxPorts ?? 0xff00, tableId: opts.tableId ?? 255, nTables: opts.nTables ?? 255,
    nested: (nested, keepUsable) => {
      const u = keepUsable ? usable : { p: usable.p };
      return checkList(nested, m, u, opts);
    },
  };
  let err: OfpErrName | null = null;
  for (const a of acts) {
    const c = checkers.get(a.type);
    err = c ? c(a, ctx) : null;
    if (err) break;
  }
  put32(f, FL.PACKET_TYPE, saved.pt);
  put16(f, FL.DL_TYPE, saved.dl);
  f[FL.NW_PROTO] = saved.proto;
  f.set(saved.vlans, FL.VLANS);
  return err;
}

/** Narrows usable protocols to OF1.0 when an action does not fit the match (inconsistent_match). */
export function inconsistentMatch(usable: { p: number }): void { usable.p &= Proto.OF10_ANY; }

/** True if any action (including nested ones) outputs to 'port'. */
export function actionsOutputToPort(acts: Ofpact[], port: number): boolean {
  for (const a of acts) {
    if ((a.type === 'OUTPUT' || a.type === 'ENQUEUE') && a.port === port) return true;
    if (a.type === 'CONTROLLER' && port === 0xfffd) return true;
    if ((a.type === 'CLONE' || a.type === 'WRITE_ACTIONS' || a.type === 'CT') && actionsOutputToPort(a.actions, port)) return true;
  }
  return false;
}

/** True if any action (including nested ones) outputs to group 'groupId'. */
export function actionsOutputToGroup(acts: Ofpact[], groupId: number): boolean {
  for (const a of acts) {
    if (a.type === 'GROUP' && a.groupId === groupId) return true;
    if ((a.type === 'CLONE' || a.type === 'WRITE_ACTIONS' || a.type === 'CT') && actionsOutputToGroup(a.actions, groupId)) return true;
  }
  return false;
}

/** The meter of a meter instruction/action before the apply-actions, or 0 (ofpacts_get_meter). */
export function actionsGetMeter(acts: Ofpact[]): number {
  for (const a of acts) {
    if (a.type === 'METER') return a.meterId;
    if (instructionOf(a.type, 0) > Inst.METER) break;
  }
  return 0;
}
