/* ofp-actions-raw: the wire identity of every OpenFlow action OVS knows.
 *
 * Each "raw" action is one wire encoding: which vendor (standard,
 * Nicira, ONF), which action type or subtype number, in which OpenFlow
 * versions, and how long it may be.  The same logical action often has
 * several raws (output is OFPAT10_OUTPUT in OF1.0, OFPAT11_OUTPUT in 1.1+).
 * The table is transcribed from the comments of OVS's enum
 * ofp_raw_action_type.  pullRaw() identifies and length-checks the next
 * action in a buffer and extracts its simple integer argument; putRaw()
 * writes an action header (plus argument) for a raw in a version.  The
 * per-action code lives in ofp-actions*.ts.
 */
import type { OfpWriter } from './ofp-buffer.js';
import { OfpError, type OfpErrName } from './ofp-errors.js';
import { vlogModule, RateLimit } from '../lib/vlog.js';

const log = vlogModule('ofp_actions');
/** The rate limit OVS's ofp-actions.c shares among its decode warnings. */
export const actionsRl = new RateLimit(1, 5);

export const NX_VENDOR_ID = 0x00002320;
export const ONF_VENDOR_ID = 0x4f4e4600;
export const OFPAT_VENDOR = 0xffff;
export const OFP_ACTION_ALIGN = 8;

/** Argument of a raw: none, an integer of N bytes, or a struct of fixed minimum size. */
type Arg = 'void' | 'u8' | 'u16' | 'u32' | 'u64' | number;

/* [raw name, argument, variable-length, destinations] */
const RAW_ROWS: ReadonlyArray<[string, Arg, boolean, string]> = [
  ['OFPAT_RAW10_OUTPUT', 8, false, 'OF1.0(0)'],
  ['OFPAT_RAW11_OUTPUT', 16, false, 'OF1.1+(0)'],
  ['OFPAT_RAW10_SET_VLAN_VID', 'u16', false, 'OF1.0(1)'],
  ['OFPAT_RAW10_SET_VLAN_PCP', 'u8', false, 'OF1.0(2)'],
  ['OFPAT_RAW11_SET_VLAN_VID', 'u16', false, 'OF1.1(1), OF1.2+(1) is deprecated (use Set-Field)'],
  ['OFPAT_RAW11_SET_VLAN_PCP', 'u8', false, 'OF1.1(2), OF1.2+(2) is deprecated (use Set-Field)'],
  ['OFPAT_RAW11_PUSH_VLAN', 'u16', false, 'OF1.1+(17)'],
  ['OFPAT_RAW10_STRIP_VLAN', 'void', false, 'OF1.0(3)'],
  ['OFPAT_RAW11_POP_VLAN', 'void', false, 'OF1.1+(18)'],
  ['OFPAT_RAW_SET_DL_SRC', 16, false, 'OF1.0(4), OF1.1(3), OF1.2+(3) is deprecated (use Set-Field)'],
  ['OFPAT_RAW_SET_DL_DST', 16, false, 'OF1.0(5), OF1.1(4), OF1.2+(4) is deprecated (use Set-Field)'],
  ['OFPAT_RAW_SET_NW_SRC', 'u32', false, 'OF1.0(6), OF1.1(5), OF1.2+(5) is deprecated (use Set-Field)'],
  ['OFPAT_RAW_SET_NW_DST', 'u32', false, 'OF1.0(7), OF1.1(6), OF1.2+(6) is deprecated (use Set-Field)'],
  ['OFPAT_RAW_SET_NW_TOS', 'u8', false, 'OF1.0(8), OF1.1(7), OF1.2+(7) is deprecated (use Set-Field)'],
  ['OFPAT_RAW11_SET_NW_ECN', 'u8', false, 'OF1.1(8), OF1.2+(8) is deprecated (use Set-Field)'],
  ['OFPAT_RAW_SET_TP_SRC', 'u16', false, 'OF1.0(9), OF1.1(9), OF1.2+(9) is deprecated (use Set-Field)'],
  ['OFPAT_RAW_SET_TP_DST', 'u16', false, 'OF1.0(10), OF1.1(10), OF1.2+(10) is deprecated (use Set-Field)'],
  ['OFPAT_RAW10_ENQUEUE', 16, false, 'OF1.0(11)'],
  ['OFPAT_RAW_SET_MPLS_LABEL', 'u32', false, 'NX1.0(30), OF1.1(13), OF1.2+(13) is deprecated (use Set-Field)'],
  ['OFPAT_RAW_SET_MPLS_TC', 'u8', false, 'NX1.0(31), OF1.1(14), OF1.2+(14) is deprecated (use Set-Field)'],
  ['OFPAT_RAW_SET_MPLS_TTL', 'u8', false, 'NX1.0(25), OF1.1(15), OF1.2+(15) is deprecated (use Set-Field)'],
  ['OFPAT_RAW_DEC_MPLS_TTL', 'void', false, 'NX1.0(26), OF1.1+(16)'],
  ['OFPAT_RAW_PUSH_MPLS', 'u16', false, 'NX1.0(23), OF1.1+(19)'],
  ['OFPAT_RAW_POP_MPLS', 'u16', false, 'NX1.0(24), OF1.1+(20)'],
  ['OFPAT_RAW_SET_QUEUE', 'u32', false, 'NX1.0(4), OF1.1+(21)'],
  ['OFPAT_RAW_GROUP', 'u32', false, 'NX1.0(40), OF1.1+(22)'],
  ['OFPAT_RAW11_SET_NW_TTL', 'u8', false, 'OF1.1+(23)'],
  ['OFPAT_RAW_DEC_NW_TTL', 'void', false, 'NX1.0(18), OF1.1+(24)'],
  ['NXAST_RAW_DEC_TTL_CNT_IDS', 16, true, 'NX1.0+(21)'],
  ['OFPAT_RAW12_SET_FIELD', 8, true, 'OF1.2-1.4(25)'],
  ['OFPAT_RAW15_SET_FIELD', 8, true, 'OF1.5+(25)'],
  ['NXAST_RAW_REG_LOAD', 24, false, 'NX1.0-1.4(7)'],
  ['NXAST_RAW_REG_LOAD2', 16, true, 'NX1.0-1.4(33)'],
  ['OFPAT_RAW15_COPY_FIELD', 16, true, 'OF1.5+(28)'],
  ['ONFACT_RAW13_COPY_FIELD', 24, true, 'ONF1.3-1.4(3200)'],
  ['NXAST_RAW_REG_MOVE', 16, true, 'NX1.0-1.4(6)'],
  ['OFPAT_RAW15_METER', 'u32', false, 'OF1.5+(29)'],
  ['NXAST_RAW_RESUBMIT', 'u16', false, 'NX1.0+(1)'],
  ['NXAST_RAW_RESUBMIT_TABLE', 16, false, 'NX1.0+(14)'],
  ['NXAST_RAW_RESUBMIT_TABLE_CT', 16, false, 'NX1.0+(44)'],
  ['NXAST_RAW_SET_TUNNEL', 'u32', false, 'NX1.0+(2)'],
  ['NXAST_RAW_SET_TUNNEL64', 'u64', false, 'NX1.0+(9)'],
  ['NXAST_RAW_POP_QUEUE', 'void', false, 'NX1.0+(5)'],
  ['NXAST_RAW_NOTE', 16, true, 'NX1.0+(8)'],
  ['NXAST_RAW_MULTIPATH', 32, false, 'NX1.0+(10)'],
  ['NXAST_RAW_BUNDLE', 32, true, 'NX1.0+(12)'],
  ['NXAST_RAW_BUNDLE_LOAD', 32, true, 'NX1.0+(13)'],
  ['NXAST_RAW_OUTPUT_REG', 24, false, 'NX1.0+(15)'],
  ['NXAST_RAW_OUTPUT_REG2', 24, false, 'NX1.0+(32)'],
  ['NXAST_RAW_LEARN', 32, true, 'NX1.0+(16)'],
  ['NXAST_RAW_LEARN2', 40, true, 'NX1.0+(45)'],
  ['NXAST_RAW_EXIT', 'void', false, 'NX1.0+(17)'],
  ['NXAST_RAW_FIN_TIMEOUT', 16, false, 'NX1.0+(19)'],
  ['NXAST_RAW_CONTROLLER', 16, false, 'NX1.0+(20)'],
  ['NXAST_RAW_CONTROLLER2', 16, true, 'NX1.0+(37)'],
  ['NXAST_RAW_WRITE_METADATA', 32, false, 'NX1.0+(22)'],
  ['NXAST_RAW_STACK_PUSH', 24, false, 'NX1.0+(27)'],
  ['NXAST_RAW_STACK_POP', 24, false, 'NX1.0+(28)'],
  ['NXAST_RAW_SAMPLE', 24, false, 'NX1.0+(29)'],
  ['NXAST_RAW_SAMPLE2', 32, false, 'NX1.0+(38)'],
  ['NXAST_RAW_SAMPLE3', 32, false, 'NX1.0+(41)'],
  ['NXAST_RAW_CONJUNCTION', 16, false, 'NX1.0+(34)'],
  ['NXAST_RAW_CT', 24, true, 'NX1.0+(35)'],
  ['NXAST_RAW_NAT', 16, true, 'NX1.0+(36)'],
  ['NXAST_RAW_OUTPUT_TRUNC', 16, false, 'NX1.0+(39)'],
  ['NXAST_RAW_CLONE', 16, true, 'NX1.0+(42)'],
  ['NXAST_RAW_CT_CLEAR', 'void', false, 'NX1.0+(43)'],
  ['NXAST_RAW_ENCAP', 16, true, 'NX1.3+(46)'],
  ['NXAST_RAW_DECAP', 16, true, 'NX1.3+(47)'],
  ['NXAST_RAW_DEC_NSH_TTL', 'void', false, 'NX1.3+(48)'],
  ['NXAST_RAW_CHECK_PKT_LARGER', 24, true, 'NX1.0+(49)'],
  ['NXAST_RAW_DELETE_FIELD', 24, false, 'NX1.0+(50)'],
  ['NXAST_RAW_DEBUG_SLOW', 'void', false, 'NX1.0+(254)'],
  ['NXAST_RAW_DEBUG_RECIRC', 'void', false, 'NX1.0+(255)'],
];

/** A raw action's name, e.g. "NXAST_RAW_RESUBMIT". */
export type RawName = string;

/** One raw action in one OpenFlow version. */
export interface RawInstance {
  raw: RawName;
  vendor: number;
  type: number;
  version: number;
  minLen: number;
  maxLen: number;
  argOfs: number;
  argLen: number;
  /** "OFPAT_OUTPUT", "NXAST_RESUBMIT": the name used in log messages. */
  name: string;
  deprecation: string | null;
}

const VENDORS: Record<string, [number, number]> = { OF: [0, 4], ONF: [ONF_VENDOR_ID, 10], NX: [NX_VENDOR_ID, 10] };
const VERS: Record<string, number> = { '1.0': 1, '1.1': 2, '1.2': 3, '1.3': 4, '1.4': 5, '1.5': 6 };
const ARG_SIZE: Record<string, number> = { u8: 1, u16: 2, u32: 4, u64: 8 };
const roundUp = (x: number, y: number): number => Math.ceil(x / y) * y;

/** (vendor index, type, version) -> instance, and raw -> instance per version. */
const decodeMap = new Map<number, RawInstance>();
const encodeMap = new Map<RawName, RawInstance[]>();
const vendorIndex = (v: number): number => (v === 0 ? 0 : v === NX_VENDOR_ID ? 1 : v === ONF_VENDOR_ID ? 2 : 3);
const decodeKey = (vendor: number, type: number, version: number): number =>
  vendorIndex(vendor) * 0x1000000 + type * 16 + version;
for (const [raw, arg, variable, dests] of RAW_ROWS) {
  for (const dst of dests.split(', ')) {
    const m = /^([A-Z]+)([0-9.]+)(\+|-[0-9.]+)?\((\d+)\)(?: is deprecated \(([^)]+)\))?$/.exec(dst)!;
    const [vendor, hdrLen] = VENDORS[m[1]!]!;
    const v1 = VERS[m[2]!]!;
    const v2 = m[3] === undefined ? v1 : m[3] === '+' ? 6 : VERS[m[3].slice(1)]!;
    let minLen: number, argOfs = 0, argLen = 0;
    if (typeof arg === 'number') minLen = arg;
    else if (arg === 'void') minLen = roundUp(hdrLen, OFP_ACTION_ALIGN);
    else {
      argLen = ARG_SIZE[arg]!;
      argOfs = roundUp(hdrLen, argLen);
      minLen = roundUp(argOfs + argLen, OFP_ACTION_ALIGN);
    }
    for (let v = v1; v <= v2; v++) {
      const inst: RawInstance = {
        raw, vendor, type: Number(m[4]), version: v, minLen, maxLen: variable ? 65536 - OFP_ACTION_ALIGN : minLen,
        argOfs, argLen, name: raw.replace(/_RAW[0-9]*/, ''), deprecation: m[5] ?? null,
      };
      decodeMap.set(decodeKey(vendor, inst.type, v), inst);
      let byVersion = encodeMap.get(raw);
      if (!byVersion) encodeMap.set(raw, byVersion = []);
      byVersion[v] = inst;
    }
  }
}

/** True if 'raw' has an encoding in 'version'. */
export function rawExists(raw: RawName, version: number): boolean { return !!encodeMap.get(raw)?.[version]; }

/** The instance of 'raw' in 'version' (throws if none: a programming error). */
export function rawInstance(raw: RawName, version: number): RawInstance {
  const inst = encodeMap.get(raw)?.[version];
  if (!inst) throw new Error(`no ${raw} in OpenFlow version ${version}`);
  return inst;
}

/** A decoded action header. */
export interface PulledRaw {
  inst: RawInstance;
  /** The integer argument as a number (0 for struct or void actions; see rawArg). */
  argNum: number;
  /** Offset and length of the whole action. */
  pos: number;
  len: number;
}

const VERSION_NAMES = ['', 'OpenFlow10', 'OpenFlow11', 'OpenFlow12', 'OpenFlow13', 'OpenFlow14', 'OpenFlow15'];

/** Identifies and length-checks the action at d[pos..end) (ofpact_pull_raw). */
export function pullRaw(d: Uint8Array, pos: number, end: number, version: number): PulledRaw | OfpError {
  const size = end - pos;
  if (size < 8) return new OfpError('OFPBAC_BAD_LEN');
  const type = (d[pos]! << 8) | d[pos + 1]!;
  let vendor = 0, sub = type;
  if (type === OFPAT_VENDOR) {
    vendor = ((d[pos + 4]! << 24) | (d[pos + 5]! << 16) | (d[pos + 6]! << 8) | d[pos + 7]!) >>> 0;
    if (vendor === NX_VENDOR_ID || vendor === ONF_VENDOR_ID) {
      if (size < 16) return new OfpError('OFPBAC_BAD_LEN');
      sub = (d[pos + 8]! << 8) | d[pos + 9]!;
    } else {
      log.warnRl(actionsRl, `OpenFlow action has unknown vendor 0x${vendor.toString(16)}`);
      return new OfpError('OFPBAC_BAD_VENDOR');
    }
  }
  const inst = decodeMap.get(decodeKey(vendor, sub, version));
  if (!inst) {
    log.warnRl(actionsRl, `unknown ${VERSION_NAMES[version] ?? version} action for vendor 0x${vendor.toString(16)} and type ${sub}`);
    const e: OfpErrName = vendor ? 'OFPBAC_BAD_VENDOR_TYPE' : 'OFPBAC_BAD_TYPE';
    return new OfpError(e);
  }
  if (inst.deprecation) log.infoRl(actionsRl, `${inst.name} is deprecated in ${VERSION_NAMES[version]} (${inst.deprecation})`);
  const len = (d[pos + 2]! << 8) | d[pos + 3]!;
  if (len > size) {
    log.warnRl(actionsRl, `OpenFlow action ${inst.name} length ${len} exceeds action buffer length ${size}`);
    return new OfpError('OFPBAC_BAD_LEN');
  }
  if (len < inst.minLen || len > inst.maxLen) {
    log.warnRl(actionsRl, `OpenFlow action ${inst.name} length ${len} not in valid range [${inst.minLen},${inst.maxLen}]`);
    return new OfpError('OFPBAC_BAD_LEN');
  }
  if (len % 8) {
    log.warnRl(actionsRl, `OpenFlow action ${inst.name} length ${len} is not a multiple of 8`);
    return new OfpError('OFPBAC_BAD_LEN');
  }
  return { inst, argNum: readArgNum(d, pos + inst.argOfs, inst.argLen), pos, len };
}

/** The integer argument of the action of 'inst' at d[pos] as a bigint. */
export function rawArg(d: Uint8Array, pos: number, inst: RawInstance): bigint {
  return readArg(d, pos + inst.argOfs, inst.argLen);
}

/** The big-endian integer argument of 'n' bytes at d[p] as a number (inexact beyond 2^53). */
function readArgNum(d: Uint8Array, p: number, n: number): number {
  let x = 0;
  for (let i = 0; i < n; i++) x = x * 256 + d[p + i]!;
  return x;
}

/** The big-endian integer argument of 'n' bytes at d[p] (one BigInt made). */
function readArg(d: Uint8Array, p: number, n: number): bigint {
  if (n === 0) return 0n;
  if (n <= 6) {
    let x = 0;
    for (let i = 0; i < n; i++) x = x * 256 + d[p + i]!;
    return BigInt(x);
  }
  let hi = 0, lo = 0;
  for (let i = 0; i < n - 4; i++) hi = hi * 256 + d[p + i]!;
  for (let i = n - 4; i < n; i++) lo = lo * 256 + d[p + i]!;
  return hi ? (BigInt(hi) << 32n) | BigInt(lo) : BigInt(lo);
}

/**
 * Writes the minimum-length form of 'raw' for 'version' (header, vendor and
 * subtype, integer argument, zero padding) and returns its start offset.
 */
export function putRaw(w: OfpWriter, raw: RawName, version: number, arg: bigint | number = 0): number {
  const inst = rawInstance(raw, version);
  const start = w.len;
  w.zeros(inst.minLen);
  const b = w.buf;
  w.set16(start, inst.vendor ? OFPAT_VENDOR : inst.type);
  w.set16(start + 2, inst.minLen);
  if (inst.vendor) {
    w.set32(start + 4, inst.vendor);
    w.set16(start + 8, inst.type);
  }
  const n = inst.argLen, at = start + inst.argOfs;
  if (typeof arg === 'number' && n <= 4) {
    for (let i = n - 1; i >= 0; i--) { b[at + i] = arg; arg = Math.floor(arg / 256); }
  } else {
    let a = BigInt(arg);
    for (let i = n - 1; i >= 0; i--) {
      b[at + i] = Number(a & 0xffn);
      a >>= 8n;
    }
  }
  return start;
}

/** Pads the action that starts at 'start' to 8 bytes and sets its length (pad_ofpat). */
export function padAction(w: OfpWriter, start: number): void {
  const pad = (8 - ((w.len - start) % 8)) % 8;
  if (pad) w.zeros(pad);
  w.set16(start + 2, w.len - start);
}
