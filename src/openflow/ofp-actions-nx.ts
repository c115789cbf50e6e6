/* ofp-actions-nx: the Nicira extension actions with structure of their own.
 *
 * bundle / bundle_load (lib/bundle.c), multipath (lib/multipath.c), learn
 * with its flow_mod_spec list (lib/learn.c), ct with its nested actions and
 * nat.  Wire layouts, text syntax and validation follow OVS; handlers
 * register with ofp-actions.ts.  learnExecute/learnMask build the flow a
 * learn action installs, for the switch's action translation.
 */
import { registry, type Ofpact, type OfpactOf, type LearnSpec, type CheckCtx } from './ofp-actions.js';
import { putRaw, padAction, actionsRl } from './ofp-actions-raw.js';
import { OfpError, type OfpErrName } from './ofp-errors.js';
import { MF, mfGet, mfSet } from './meta-flow.js';
import { mfFormat, mfParseValue } from './meta-flow-format.js';
import {
  type MfSubfield, parseSubfield, parseSubfieldAt, formatSubfield, mfNxmHeader, nxPullHeader, nxPutHeader,
  mfReadSubfield, mfMaskSubfield,
} from './nx-match.js';
import {
  checkSrc, checkDst, fieldFromNxm32, nxm32, encodeOfsNbits, decodeOfs, decodeNbits,
} from './ofp-actions-field.js';
import { checkOutputPort } from './ofp-actions-basic.js';
import { parseKeyValues, strToU16, strtoullOrZero } from './ofp-parse.js';
import { parseIntString, formatHexBytes, formatIp, formatIpv6, parseIp, parseIpv6 } from './addr-text.js';
import { parsePort, formatPort, parseTable, formatTable, OFPP_MAX, OFPP_NONE, OFPP_CONTROLLER } from './ofp-port-map.js';
import { Match } from './match.js';
import { FL, flowDlType, ETH_TYPE_IP, ETH_TYPE_IPV6, IPPROTO_TCP, IPPROTO_UDP } from './flow.js';
import { vlogModule } from '../lib/vlog.js';


const log = vlogModule('ofp_actions');

const rd16 = (d: Uint8Array, o: number): number => (d[o]! << 8) | d[o + 1]!;
const rd32 = (d: Uint8Array, o: number): number => ((d[o]! << 24) | (d[o + 1]! << 16) | (d[o + 2]! << 8) | d[o + 3]!) >>> 0;
const allZero = (d: Uint8Array, from: number, to: number): boolean => {
  for (let i = from; i < to; i++) if (d[i]) return false;
  return true;
};

/* ---- hash fields (shared by bundle and multipath) ---- */

const HASH_FIELDS = ['eth_src', 'symmetric_l4', 'symmetric_l3l4', 'symmetric_l3l4+udp', 'nw_src', 'nw_dst', 'symmetric_l3'];
const hashFieldsName = (f: number): string => HASH_FIELDS[f] ?? '<unknown>';
const hashFieldsFrom = (s: string): number => HASH_FIELDS.indexOf(s.toLowerCase());

/** strtok_r-style tokenizer over a string. */
class Tok {
  private i = 0;
  constructor(private readonly s: string) {}
  next(delims: string): string | null {
    while (this.i < this.s.length && delims.includes(this.s[this.i]!)) this.i++;
    if (this.i >= this.s.length) return null;
    const start = this.i;
    while (this.i < this.s.length && !delims.includes(this.s[this.i]!)) this.i++;
    const t = this.s.slice(start, this.i);
    if (this.i < this.s.length) this.i++;
    return t;
  }
}

const atoi = (s: string | null): number => {
  const m = /^\s*([-+]?\d+)/.exec(s ?? '');
  return m ? Number(m[1]) | 0 : 0;
};

/* ---- bundle / bundle_load ---- */

const NX_BD_ALG_ACTIVE_BACKUP = 0, NX_BD_ALG_HRW = 1;
const BUNDLE_MAX_MEMBERS = 2048;

function bundleCheck(a: OfpactOf<'BUNDLE'>, maxPorts: number, match: Match | null): OfpErrName | null {
  if (a.dst) {
    const e = checkDst(a.dst, match);
    if (e) return e;
  }
  for (const p of a.members) {
    if (p !== OFPP_NONE) {
      const e = checkOutputPort(p, maxPorts);
      if (e) { log.warnRl(actionsRl, `invalid member ${p}`); return e; }
    }
    if (p === OFPP_CONTROLLER) { log.warnRl(actionsRl, 'unsupported controller member'); return 'OFPBAC_BAD_OUT_PORT'; }
  }
  return null;
}

function decodeBundle(d: Uint8Array, p: number, len: number, load: boolean): Ofpact | OfpError {
  const a: OfpactOf<'BUNDLE'> = {
    type: 'BUNDLE', algorithm: rd16(d, p + 10), fields: rd16(d, p + 12), basis: rd16(d, p + 14),
    members: [], dst: null,
  };
  const memberType = rd32(d, p + 16), nMembers = rd16(d, p + 20), ofsNbits = rd16(d, p + 22), dstH = rd32(d, p + 24);
  let err: OfpErrName | null = 'OFPBAC_BAD_ARGUMENT';
  if (a.fields >= HASH_FIELDS.length) log.warnRl(actionsRl, `unsupported fields ${a.fields}`);
  else if (nMembers > BUNDLE_MAX_MEMBERS) log.warnRl(actionsRl, 'too many members');
  else if (a.algorithm !== NX_BD_ALG_HRW && a.algorithm !== NX_BD_ALG_ACTIVE_BACKUP) log.warnRl(actionsRl, `unsupported algorithm ${a.algorithm}`);
  else if (memberType !== mfNxmHeader(MF.IN_PORT)) log.warnRl(actionsRl, `unsupported member type ${memberType}`);
  else err = null;
  if (!allZero(d, p + 28, p + 32)) { log.warnRl(actionsRl, 'reserved field is nonzero'); err = 'OFPBAC_BAD_ARGUMENT'; }
  if (load) {
    const f = fieldFromNxm32(dstH);
    if (f instanceof OfpError) return f;
    a.dst = { field: f, ofs: decodeOfs(ofsNbits), nBits: decodeNbits(ofsNbits) };
    if (a.dst.nBits < 16) { log.warnRl(actionsRl, 'bundle_load action requires at least 16 bit destination.'); err = 'OFPBAC_BAD_ARGUMENT'; }
  } else if (ofsNbits || dstH) {
    log.warnRl(actionsRl, 'bundle action has nonzero reserved fields');
    err = 'OFPBAC_BAD_ARGUMENT';
  }
  const membersSize = len - 32;
  if (membersSize < nMembers * 2) {
    log.warnRl(actionsRl, `Nicira action ${load ? 'bundle_load' : 'bundle'} only has ${membersSize} bytes allocated for members.  ${nMembers * 2} bytes are required for ${nMembers} members.`);
    err = 'OFPBAC_BAD_LEN';
  } else {
    for (let i = 0; i < nMembers; i++) a.members.push(rd16(d, p + 32 + 2 * i));
  }
  if (!err) err = bundleCheck(a, OFPP_MAX, null);
  return err ? new OfpError(err) : a;
}
registry.decode('NXAST_RAW_BUNDLE', (c) => decodeBundle(c.d, c.pos, c.len, false));
registry.decode('NXAST_RAW_BUNDLE_LOAD', (c) => decodeBundle(c.d, c.pos, c.len, true));
registry.encode('BUNDLE', (a, c) => {
  const w = c.w;
  const membersLen = Math.ceil((2 * a.members.length) / 8) * 8;
  const s = putRaw(w, a.dst ? 'NXAST_RAW_BUNDLE_LOAD' : 'NXAST_RAW_BUNDLE', c.version);
  w.set16(s + 2, 32 + membersLen);
  w.set16(s + 10, a.algorithm); w.set16(s + 12, a.fields); w.set16(s + 14, a.basis);
  w.set32(s + 16, mfNxmHeader(MF.IN_PORT)); w.set16(s + 20, a.members.length);
  if (a.dst) { w.set16(s + 22, encodeOfsNbits(a.dst.ofs, a.dst.nBits)); w.set32(s + 24, nxm32(a.dst.field)); }
  const at = w.len;
  w.zeros(membersLen); w.buf.fill(0, at, at + membersLen);
  a.members.forEach((m, i) => w.set16(at + 2 * i, m));
});
function parseBundle(s: string, c: Parameters<Parameters<typeof registry.parse>[1]>[1], load: boolean): string | null {
  const t = new Tok(s);
  const fields = t.next(', '), basis = t.next(', '), algorithm = t.next(', '), memberType = t.next(', ');
  const dst = load ? t.next(', ') : null;
  const delim = t.next(': ');
  if (!delim) return `${s}: not enough arguments to bundle action`;
  if (delim.toLowerCase() !== 'members' && delim.toLowerCase() !== 'slaves') {
    return `${s}: missing member delimiter, expected \`members', got \`${delim}'`;
  }
  const a: OfpactOf<'BUNDLE'> = { type: 'BUNDLE', algorithm: 0, fields: 0, basis: 0, members: [], dst: null };
  c.put(a);
  for (;;) {
    const m = t.next(', []');
    if (!m || a.members.length >= BUNDLE_MAX_MEMBERS) break;
    const p = parsePort(m, c.ports);
    if (p === undefined) return `${m}: bad port number`;
    a.members.push(p);
  }
  a.basis = atoi(basis) & 0xffff;
  const f = hashFieldsFrom(fields ?? '');
  if (f < 0) return `${s}: unknown fields \`${fields}'`;
  a.fields = f;
  if (algorithm?.toLowerCase() === 'active_backup') a.algorithm = NX_BD_ALG_ACTIVE_BACKUP;
  else if (algorithm?.toLowerCase() === 'hrw') a.algorithm = NX_BD_ALG_HRW;
  else return `${s}: unknown algorithm \`${algorithm}'`;
  if (memberType?.toLowerCase() !== 'ofport') return `${s}: unknown member_type \`${memberType}'`;
  if (dst) {
    const sf = parseSubfield(dst);
    if (typeof sf === 'string') return sf;
    if (!mfNxmHeader(sf.field.id)) return `${s}: experimenter OXM field '${dst}' not supported`;
    a.dst = sf;
  }
  return null;
}
registry.parse('bundle', (arg, c) => parseBundle(arg, c, false));
registry.parse('bundle_load', (arg, c) => parseBundle(arg, c, true));
registry.format('BUNDLE', (a, c) => {
  const alg = a.algorithm === NX_BD_ALG_HRW ? 'hrw' : a.algorithm === NX_BD_ALG_ACTIVE_BACKUP ? 'active_backup' : '<unknown>';
  let s = `${a.dst ? 'bundle_load' : 'bundle'}(${hashFieldsName(a.fields)},${a.basis},${alg},ofport,`;
  if (a.dst) s += formatSubfield(a.dst) + ',';
  s += 'members:' + a.members.map((m) => formatPort(m, c.ports)).join(',');
  return s + ')';
});
registry.check('BUNDLE', (a, c) => bundleCheck(a, c.maxPorts, c.match));

/* ---- multipath ---- */

const MP_ALGS = ['modulo_n', 'hash_threshold', 'hrw', 'iter_hash'];
const log2Ceil = (n: number): number => { let b = 0; while ((1 << b) < n) b++; return b; };

registry.decode('NXAST_RAW_MULTIPATH', (c) => {
  const d = c.d, p = c.pos;
  const maxLink = rd16(d, p + 18), ofsNbits = rd16(d, p + 26);
  const f = fieldFromNxm32(rd32(d, p + 28));
  if (f instanceof OfpError) return f;
  const a: OfpactOf<'MULTIPATH'> = {
    type: 'MULTIPATH', fields: rd16(d, p + 10), basis: rd16(d, p + 12), algorithm: rd16(d, p + 16),
    maxLink, arg: rd32(d, p + 20), dst: { field: f, ofs: decodeOfs(ofsNbits), nBits: decodeNbits(ofsNbits) },
  };
  const nLinks = maxLink + 1, minBits = log2Ceil(nLinks);
  if (a.fields >= HASH_FIELDS.length) { log.warnRl(actionsRl, `unsupported fields ${a.fields}`); return new OfpError('OFPBAC_BAD_ARGUMENT'); }
  if (a.algorithm > 3) { log.warnRl(actionsRl, `unsupported algorithm ${a.algorithm}`); return new OfpError('OFPBAC_BAD_ARGUMENT'); }
  if (a.dst.nBits < minBits) {
    log.warnRl(actionsRl, `multipath action requires at least ${minBits} bits for ${nLinks} links`);
    return new OfpError('OFPBAC_BAD_ARGUMENT');
  }
  const e = checkDst(a.dst, null);
  return e ? new OfpError(e) : a;
});
registry.encode('MULTIPATH', (a, c) => {
  const w = c.w;
  const s = putRaw(w, 'NXAST_RAW_MULTIPATH', c.version);
  w.set16(s + 10, a.fields); w.set16(s + 12, a.basis); w.set16(s + 16, a.algorithm); w.set16(s + 18, a.maxLink);
  w.set32(s + 20, a.arg); w.set16(s + 26, encodeOfsNbits(a.dst.ofs, a.dst.nBits)); w.set32(s + 28, nxm32(a.dst.field));
});
registry.parse('multipath', (s, c) => {
  const t = new Tok(s);
  const fields = t.next(', '), basis = t.next(', '), algorithm = t.next(', '), nLinksS = t.next(', ');
  const arg = t.next(', '), dst = t.next(', ');
  if (!dst) return `${s}: not enough arguments to multipath action`;
  const f = hashFieldsFrom(fields!);
  if (f < 0) return `${s}: unknown fields \`${fields}'`;
  const alg = MP_ALGS.indexOf(algorithm!.toLowerCase());
  if (alg < 0) return `${s}: unknown algorithm \`${algorithm}'`;
  const nLinks = atoi(nLinksS);
  if (nLinks < 1 || nLinks > 65536) return `${s}: n_links ${nLinks} is not in valid range 1 to 65536`;
  const sf = parseSubfield(dst);
  if (typeof sf === 'string') return sf;
  if (!mfNxmHeader(sf.field.id)) return `${s}: experimenter OXM field '${dst}' not supported`;
  if (sf.nBits < 16 && nLinks > (1 << sf.nBits)) {
    return `${s}: ${sf.nBits}-bit destination field has ${1 << sf.nBits} possible values, less than specified n_links ${nLinks}`;
  }
  c.put({ type: 'MULTIPATH', fields: f, basis: atoi(basis) & 0xffff, algorithm: alg, maxLink: nLinks - 1, arg: atoi(arg) >>> 0, dst: sf });
  return null;
});
registry.format('MULTIPATH', (a) =>
  `multipath(${hashFieldsName(a.fields)},${a.basis},${MP_ALGS[a.algorithm] ?? '<unknown>'},${a.maxLink + 1},${a.arg >>> 0},${formatSubfield(a.dst)})`);
registry.check('MULTIPATH', (a, c) => checkDst(a.dst, c.match));

/* ---- learn ---- */

const NX_LEARN_F_SEND_FLOW_REM = 1, NX_LEARN_F_DELETE_LEARNED = 2, NX_LEARN_F_WRITE_RESULT = 4;
const SRC_FIELD = 0, SRC_IMMEDIATE = 1 << 13, DST_MATCH = 0, DST_LOAD = 1 << 11, DST_OUTPUT = 2 << 11;
const OFP_FLOW_PERMANENT = 0, OFP_DEFAULT_PRIORITY = 0x8000;

function learnMinLen(header: number): number {
  const nBits = header & 0x3ff, src = header & SRC_IMMEDIATE, dst = header & (3 << 11);
  let n = src === SRC_FIELD ? 6 : 2 * Math.ceil(nBits / 16);
  if (dst === DST_MATCH || dst === DST_LOAD) n += 6;
  return n;
}

function decodeLearn(c: Parameters<Parameters<typeof registry.decode>[1]>[0], v2: boolean): Ofpact | OfpError {
  const d = c.d, p = c.pos, end = p + c.len;
  if (d[p + 27]) return new OfpError('OFPBAC_BAD_ARGUMENT');
  const a: OfpactOf<'LEARN'> = {
    type: 'LEARN', raw: v2 ? 'NXAST_RAW_LEARN2' : 'NXAST_RAW_LEARN',
    idleTimeout: rd16(d, p + 10), hardTimeout: rd16(d, p + 12), priority: rd16(d, p + 14),
    cookie: (BigInt(rd32(d, p + 16)) << 32n) | BigInt(rd32(d, p + 20)),
    flags: rd16(d, p + 24), tableId: d[p + 26]!, finIdleTimeout: rd16(d, p + 28), finHardTimeout: rd16(d, p + 30),
    limit: 0, resultDst: null, specs: [],
  };
  if (a.tableId === 0xff) return new OfpError('OFPBAC_BAD_ARGUMENT');
  let at = p + 32;
  if (v2) {
    if (rd16(d, p + 38)) return new OfpError('NXBAC_MUST_BE_ZERO');
    a.limit = rd32(d, p + 32);
    if (a.flags & ~(NX_LEARN_F_SEND_FLOW_REM | NX_LEARN_F_DELETE_LEARNED | NX_LEARN_F_WRITE_RESULT)) return new OfpError('OFPBAC_BAD_ARGUMENT');
    at = p + 40;
    const resultOfs = rd16(d, p + 36);
    if (a.flags & NX_LEARN_F_WRITE_RESULT) {
      const h = nxPullHeader(d, at, end);
      if (h instanceof OfpError) return h;
      if (!h.field.writable) return new OfpError('OFPBAC_BAD_SET_ARGUMENT');
      a.resultDst = { field: h.field, ofs: resultOfs, nBits: 1 };
      at = h.end;
    } else if (resultOfs) {
      return new OfpError('OFPBAC_BAD_ARGUMENT');
    }
  } else if (a.flags & ~(NX_LEARN_F_SEND_FLOW_REM | NX_LEARN_F_DELETE_LEARNED)) {
    return new OfpError('OFPBAC_BAD_ARGUMENT');
  }
  while (at < end) {
    if (end - at < 2) break;
    const header = rd16(d, at);
    at += 2;
    if (!header) break;
    const spec: LearnSpec = {
      srcType: header & SRC_IMMEDIATE, dstType: header & (3 << 11), nBits: header & 0x3ff,
      src: null, dst: null, imm: null,
    };
    if (!(spec.dstType === DST_MATCH || spec.dstType === DST_LOAD || (spec.dstType === DST_OUTPUT && spec.srcType === SRC_FIELD))) {
      return new OfpError('OFPBAC_BAD_ARGUMENT');
    }
    if (end - at < learnMinLen(header)) return new OfpError('OFPBAC_BAD_LEN');
    if (spec.srcType === SRC_FIELD) {
      const f = fieldFromNxm32(rd32(d, at));
      if (f instanceof OfpError) return f;
      spec.src = { field: f, ofs: rd16(d, at + 4), nBits: spec.nBits };
      at += 6;
    } else {
      const pBytes = 2 * Math.ceil(spec.nBits / 16), immBytes = Math.ceil(spec.nBits / 8);
      at += pBytes;
      spec.imm = d.slice(at - immBytes, at);
    }
    if (spec.dstType === DST_MATCH || spec.dstType === DST_LOAD) {
      const f = fieldFromNxm32(rd32(d, at));
      if (f instanceof OfpError) return f;
      spec.dst = { field: f, ofs: rd16(d, at + 4), nBits: spec.nBits };
      at += 6;
    }
    a.specs.push(spec);
  }
  if (!allZero(d, at, end)) return new OfpError('OFPBAC_BAD_ARGUMENT');
  return a;
}
registry.decode('NXAST_RAW_LEARN', (c) => decodeLearn(c, false));
registry.decode('NXAST_RAW_LEARN2', (c) => decodeLearn(c, true));
registry.encode('LEARN', (a, c) => {
  const w = c.w;
  let s: number;
  if (a.raw === 'NXAST_RAW_LEARN2' || a.limit || a.flags & NX_LEARN_F_WRITE_RESULT) {
    s = putRaw(w, 'NXAST_RAW_LEARN2', c.version);
    w.set32(s + 32, a.limit); w.set16(s + 36, a.resultDst ? a.resultDst.ofs : 0);
  } else {
    s = putRaw(w, 'NXAST_RAW_LEARN', c.version);
  }
  w.set16(s + 10, a.idleTimeout); w.set16(s + 12, a.hardTimeout); w.set16(s + 14, a.priority);
  w.set32(s + 16, Number((a.cookie >> 32n) & 0xffffffffn)); w.set32(s + 20, Number(a.cookie & 0xffffffffn));
  w.set16(s + 24, a.flags); w.buf[s + 26] = a.tableId;
  w.set16(s + 28, a.finIdleTimeout); w.set16(s + 30, a.finHardTimeout);
  if (a.flags & NX_LEARN_F_WRITE_RESULT && a.resultDst) nxPutHeader(w, a.resultDst.field.id, 0, false);
  for (const sp of a.specs) {
    w.u16(sp.nBits | sp.dstType | sp.srcType);
    if (sp.srcType === SRC_FIELD) { w.u32(nxm32(sp.src!.field)); w.u16(sp.src!.ofs); }
    else {
      const nDst = 2 * Math.ceil(sp.nBits / 16);
      const imm = sp.imm!;
      const bytes = new Uint8Array(nDst);
      bytes.set(imm.subarray(imm.length - Math.min(imm.length, nDst)), nDst - Math.min(imm.length, nDst));
      w.bytes(bytes);
    }
    if (sp.dstType === DST_MATCH || sp.dstType === DST_LOAD) { w.u32(nxm32(sp.dst!.field)); w.u16(sp.dst!.ofs); }
  }
  padAction(w, s);
});

/** Writes 'src' (n bytes, right-aligned value of nBits) into subfield 'sf' of a match (mf_write_subfield_value). */
function writeSubfieldValue(sf: MfSubfield, src: Uint8Array, m: Match): void {
  const [value, mask] = mfGet(sf.field, m);
  const nb = value.length;
  for (let i = 0; i < sf.nBits; i++) {
    const sb = (src[src.length - 1 - (i >> 3)]! >> (i & 7)) & 1;
    const bit = sf.ofs + i, byte = nb - 1 - (bit >> 3), b = 1 << (bit & 7);
    if (sb) value[byte]! |= b; else value[byte]! &= ~b;
    mask[byte]! |= b;
  }
  mfSet(sf.field, value, mask, m);
}

function learnCheck(a: OfpactOf<'LEARN'>, srcMatch: Match | null): OfpErrName | null {
  const dstMatch = new Match();
  for (const sp of a.specs) {
    if (sp.srcType === SRC_FIELD) {
      const e = checkSrc(sp.src!, srcMatch);
      if (e) return e;
    }
    if (sp.dstType === DST_MATCH) {
      const e = checkSrc(sp.dst!, dstMatch);
      if (e) return e;
      if (sp.srcType & SRC_IMMEDIATE) writeSubfieldValue(sp.dst!, sp.imm!, dstMatch);
    } else if (sp.dstType === DST_LOAD) {
      const e = checkDst(sp.dst!, dstMatch);
      if (e) return e;
    }
  }
  return null;
}
registry.check('LEARN', (a, c) => learnCheck(a, c.match));

function parseLearnSpec(orig: string, name: string, value: string, c: Parameters<Parameters<typeof registry.parse>[1]>[1]):
  LearnSpec | string {
  const dst = parseSubfield(name);
  if (typeof dst !== 'string') {
    if (!mfNxmHeader(dst.field.id)) return `${orig}: experimenter OXM field '${name}' not supported`;
    const spec: LearnSpec = { srcType: SRC_FIELD, dstType: DST_MATCH, nBits: dst.nBits, src: null, dst, imm: null };
    if (value) {
      const src = parseSubfield(value);
      if (typeof src === 'string') {
        let immErr: string | null = null;
        let imm: Uint8Array = new Uint8Array(dst.field.nBytes);
        if (dst.ofs === 0 && dst.nBits === dst.field.nBits) {
          const v = mfParseValue(dst.field, value, c.ports);
          if (typeof v === 'string') immErr = v; else imm = v;
        } else {
          const v = parseIntString(value, dst.field.nBytes);
          if (v.err || v.tail !== value.length) immErr = `${orig}: cannot parse integer value`;
          else {
            imm = v.value;
            for (let bit = dst.nBits; bit < dst.field.nBytes * 8 && !immErr; bit++) {
              if (imm[imm.length - 1 - (bit >> 3)]! & (1 << (bit & 7))) {
                immErr = `${orig}: value ${mfFormat(dst.field, imm, null)} does not fit into ${dst.nBits} bits`;
              }
            }
          }
        }
        if (immErr) return `${orig}: ${name} value ${value} cannot be parsed as a subfield (${src}) or an immediate value (${immErr})`;
        spec.srcType = SRC_IMMEDIATE;
        const immBytes = Math.ceil(dst.nBits / 8);
        spec.imm = imm.slice(dst.field.nBytes - immBytes);
        return spec;
      }
      spec.src = src;
      if (src.nBits !== dst.nBits) return `${orig}: bit widths of ${name} (${src.nBits}) and ${value} (${dst.nBits}) differ`;
    } else {
      spec.src = dst;
    }
    return spec;
  }
  if (name === 'load') {
    const arrow = value.indexOf('->');
    if (arrow === 0) return `${name}: missing source before \`->' in \`${value}'`;
    if (arrow < 0) return `${name}: missing \`->' in \`${value}'`;
    const v = parseIntString(value, 128);
    if (!v.err && v.tail !== 0) {
      if (v.tail !== arrow) return `${name}: garbage before \`->' in \`${value}'`;
      const dstS = value.slice(arrow + 2);
      const d = parseSubfield(dstS);
      if (typeof d === 'string') return d;
      if (!mfNxmHeader(d.field.id)) return `${value}: experimenter OXM field '${dstS}' not supported`;
      for (let bit = d.nBits; bit < 128 * 8; bit++) {
        if (v.value[127 - (bit >> 3)]! & (1 << (bit & 7))) return `${value}: value does not fit into ${d.nBits} bits`;
      }
      const n = Math.ceil(d.nBits / 8);
      return { srcType: SRC_IMMEDIATE, dstType: DST_LOAD, nBits: d.nBits, src: null, dst: d, imm: v.value.slice(128 - n) };
    }
    const src = parseSubfieldAt(value, 0);
    if (typeof src === 'string') return src;
    if (!value.startsWith('->', src.end)) return `${value}: missing \`->' following source`;
    const d = parseSubfield(value.slice(src.end + 2));
    if (typeof d === 'string') return d;
    if (src.sf.nBits !== d.nBits) return `${value}: source field is ${src.sf.nBits} bits wide but destination is ${d.nBits} bits wide`;
    return { srcType: SRC_FIELD, dstType: DST_LOAD, nBits: src.sf.nBits, src: src.sf, dst: d, imm: null };
  }
  if (name === 'output') {
    const src = parseSubfield(value);
    if (typeof src === 'string') return src;
    return { srcType: SRC_FIELD, dstType: DST_OUTPUT, nBits: src.nBits, src, dst: null, imm: null };
  }
  return `${orig}: unknown keyword ${name}`;
}

registry.parse('learn', (arg, c) => {
  const a: OfpactOf<'LEARN'> = {
    type: 'LEARN', idleTimeout: OFP_FLOW_PERMANENT, hardTimeout: OFP_FLOW_PERMANENT, priority: OFP_DEFAULT_PRIORITY,
    cookie: 0n, flags: 0, tableId: 1, finIdleTimeout: 0, finHardTimeout: 0, limit: 0, resultDst: null, specs: [],
  };
  c.put(a);
  for (const { key, value } of parseKeyValues(arg)) {
    switch (key) {
      case 'table': {
        const t = parseTable(value, c.tables);
        if (t === undefined) return `unknown table "${value}"`;
        if (t === 255) return `${arg}: table id 255 not valid for \`learn' action`;
        a.tableId = t;
        break;
      }
      case 'priority': a.priority = atoi(value) & 0xffff; break;
      case 'idle_timeout': a.idleTimeout = atoi(value) & 0xffff; break;
      case 'hard_timeout': a.hardTimeout = atoi(value) & 0xffff; break;
      case 'fin_idle_timeout': a.finIdleTimeout = atoi(value) & 0xffff; break;
      case 'fin_hard_timeout': a.finHardTimeout = atoi(value) & 0xffff; break;
      case 'cookie': a.cookie = strtoullOrZero(value); break;
      case 'send_flow_rem': a.flags |= NX_LEARN_F_SEND_FLOW_REM; break;
      case 'delete_learned': a.flags |= NX_LEARN_F_DELETE_LEARNED; break;
      case 'limit': a.limit = atoi(value) >>> 0; break;
      case 'result_dst': {
        a.flags |= NX_LEARN_F_WRITE_RESULT;
        const sf = parseSubfield(value);
        if (typeof sf === 'string') return sf;
        if (!sf.field.writable) return `${value} is read-only`;
        if (sf.nBits !== 1) return "result_dst in 'learn' action must be a single bit";
        a.resultDst = sf;
        break;
      }
      default: {
        const spec = parseLearnSpec(arg, key, value, c);
        if (typeof spec === 'string') return spec;
        a.specs.push(spec);
      }
    }
  }
  return null;
});

registry.format('LEARN', (a, c) => {
  let s = `learn(table=${formatTable(a.tableId, c.tables)}`;
  if (a.idleTimeout !== OFP_FLOW_PERMANENT) s += `,idle_timeout=${a.idleTimeout}`;
  if (a.hardTimeout !== OFP_FLOW_PERMANENT) s += `,hard_timeout=${a.hardTimeout}`;
  if (a.finIdleTimeout) s += `,fin_idle_timeout=${a.finIdleTimeout}`;
  if (a.finHardTimeout) s += `,fin_hard_timeout=${a.finHardTimeout}`;
  if (a.priority !== OFP_DEFAULT_PRIORITY) s += `,priority=${a.priority}`;
  if (a.flags & NX_LEARN_F_SEND_FLOW_REM) s += ',send_flow_rem';
  if (a.flags & NX_LEARN_F_DELETE_LEARNED) s += ',delete_learned';
  if (a.cookie) s += `,cookie=0x${BigInt.asUintN(64, a.cookie).toString(16)}`;
  if (a.limit) s += `,limit=${a.limit >>> 0}`;
  if (a.flags & NX_LEARN_F_WRITE_RESULT && a.resultDst) s += `,result_dst=${formatSubfield(a.resultDst)}`;
  for (const sp of a.specs) {
    s += ',';
    const nBytes = Math.ceil(sp.nBits / 8);
    switch (sp.srcType | sp.dstType) {
      case SRC_IMMEDIATE | DST_MATCH: {
        const dst = sp.dst!;
        if (dst.ofs === 0 && dst.nBits === dst.field.nBits) {
          const v = new Uint8Array(dst.field.nBytes);
          v.set(sp.imm!.subarray(sp.imm!.length - nBytes), dst.field.nBytes - nBytes);
          s += `${dst.field.name}=${mfFormat(dst.field, v, null, c.ports)}`;
        } else {
          s += `${formatSubfield(dst)}=${formatHexBytes(sp.imm!, sp.imm!.length - nBytes, nBytes)}`;
        }
        break;
      }
      case SRC_FIELD | DST_MATCH:
        s += formatSubfield(sp.dst!);
        if (sp.src!.field !== sp.dst!.field || sp.src!.ofs !== sp.dst!.ofs) s += `=${formatSubfield(sp.src!)}`;
        break;
      case SRC_IMMEDIATE | DST_LOAD:
        s += `load:${formatHexBytes(sp.imm!, sp.imm!.length - nBytes, nBytes)}->${formatSubfield(sp.dst!)}`;
        break;
      case SRC_FIELD | DST_LOAD:
        s += `load:${formatSubfield(sp.src!)}->${formatSubfield(sp.dst!)}`;
        break;
      case SRC_FIELD | DST_OUTPUT:
        s += `output:${formatSubfield(sp.src!)}`;
        break;
    }
  }
  return s + ')';
});

/* ---- ct and nat ---- */

const NX_CT_F_COMMIT = 1, NX_CT_F_FORCE = 2, NX_CT_RECIRC_NONE = 255;
const IPPORT_FTP = 21, IPPORT_TFTP = 69;
const AF_UNSPEC = 0, AF_INET = 2, AF_INET6 = 10;
const NAT_SRC = 1, NAT_DST = 2, NAT_PERSISTENT = 4, NAT_HASH = 8, NAT_RANDOM = 16, NAT_MASK = 31;
const R_IPV4_MIN = 1, R_IPV4_MAX = 2, R_IPV6_MIN = 4, R_IPV6_MAX = 8, R_PROTO_MIN = 16, R_PROTO_MAX = 32;

registry.decode('NXAST_RAW_CT', (c) => {
  const d = c.d, p = c.pos;
  const flags = rd16(d, p + 10);
  if (flags & NX_CT_F_FORCE && !(flags & NX_CT_F_COMMIT)) return new OfpError('OFPBAC_BAD_ARGUMENT');
  const zoneSrc = rd32(d, p + 12), zoneX = rd16(d, p + 16);
  const a: OfpactOf<'CT'> = {
    type: 'CT', flags, zoneImm: 0, zoneSrc: null, recircTable: d[p + 18]!, alg: rd16(d, p + 22), actions: [],
  };
  if (zoneSrc) {
    const f = fieldFromNxm32(zoneSrc);
    if (f instanceof OfpError) return f;
    a.zoneSrc = { field: f, ofs: decodeOfs(zoneX), nBits: decodeNbits(zoneX) };
    const e = checkSrc(a.zoneSrc, null);
    if (e) return new OfpError(e);
    if (a.zoneSrc.nBits !== 16) {
      log.warnRl(actionsRl, `zone n_bits ${a.zoneSrc.nBits} not within valid range [16..16]`);
      return new OfpError('OFPBAC_BAD_SET_LEN');
    }
  } else {
    a.zoneImm = zoneX;
  }
  const acts = c.nested(p + 24, c.len - 24, 'CT');
  if (acts instanceof OfpError) return acts;
  a.actions = acts;
  if (acts.length && !(flags & NX_CT_F_COMMIT)) {
    for (const x of acts) {
      if (x.type !== 'NAT' || x.flags || x.rangeAf !== AF_UNSPEC) {
        log.warnRl(actionsRl, 'CT action requires commit flag if actions other than NAT without arguments are specified.');
        return new OfpError('OFPBAC_BAD_ARGUMENT');
      }
    }
  }
  return a;
});
registry.encode('CT', (a, c) => {
  const w = c.w;
  const s = putRaw(w, 'NXAST_RAW_CT', c.version);
  w.set16(s + 10, a.flags);
  if (a.zoneSrc) { w.set32(s + 12, nxm32(a.zoneSrc.field)); w.set16(s + 16, encodeOfsNbits(a.zoneSrc.ofs, a.zoneSrc.nBits)); }
  else { w.set32(s + 12, 0); w.set16(s + 16, a.zoneImm); }
  w.buf[s + 18] = a.recircTable;
  w.set16(s + 22, a.alg);
  c.nested(a.actions);
  w.set16(s + 2, w.len - s);
});
registry.parse('ct', (arg, c) => {
  const a: OfpactOf<'CT'> = { type: 'CT', flags: 0, zoneImm: 0, zoneSrc: null, recircTable: NX_CT_RECIRC_NONE, alg: 0, actions: [] };
  c.put(a);
  let err: string | null = null;
  for (const { key, value } of parseKeyValues(arg)) {
    if (key === 'commit') a.flags |= NX_CT_F_COMMIT;
    else if (key === 'force') a.flags |= NX_CT_F_FORCE;
    else if (key === 'table') {
      const t = parseTable(value, c.tables);
      if (t === undefined) err = `unknown table ${value}`;
      else if (t === NX_CT_RECIRC_NONE) err = `invalid table 0x${t.toString(16)}`;
      else a.recircTable = t;
    } else if (key === 'zone') {
      const z = strToU16(value, 'zone');
      if (typeof z === 'string') {
        const sf = parseSubfield(value);
        if (typeof sf === 'string') return sf;
        a.zoneSrc = sf;
      } else a.zoneImm = z;
    } else if (key === 'alg') {
      if (value === 'ftp') a.alg = IPPORT_FTP;
      else if (value === 'tftp') a.alg = IPPORT_TFTP;
      else err = `invalid conntrack helper "${value}"`;
    } else if (key === 'nat') {
      const nat = parseNat(value);
      if (typeof nat === 'string') err = nat;
      else a.actions.push(nat);
    } else if (key === 'exec') {
      const saved = c.usable.p;
      const acts = c.nested(value, 'CT');
      c.usable.p &= saved;
      if (typeof acts === 'string') err = acts;
      else a.actions.push(...acts);
    } else {
      err = `invalid argument to "ct" action: \`${key}'`;
    }
    if (err) break;
  }
  if (!err && a.flags & NX_CT_F_FORCE && !(a.flags & NX_CT_F_COMMIT)) err = '"force" flag requires "commit" flag.';
  return err;
});
registry.format('CT', (a, c) => {
  let s = 'ct(';
  if (a.flags & NX_CT_F_COMMIT) s += 'commit,';
  if (a.flags & NX_CT_F_FORCE) s += 'force,';
  if (a.recircTable !== NX_CT_RECIRC_NONE) s += `table=${formatTable(a.recircTable, c.tables)},`;
  if (a.zoneSrc) s += `zone=${formatSubfield(a.zoneSrc)},`;
  else if (a.zoneImm) s += `zone=${a.zoneImm},`;
  let acts = a.actions;
  if (acts.length && acts[0]!.type === 'NAT') {
    s += formatNat(acts[0] as OfpactOf<'NAT'>) + ',';
    acts = acts.slice(1);
  }
  if (acts.length) s += `exec(${c.nested(acts)}),`;
  if (a.alg === IPPORT_FTP) s += 'alg=ftp,';
  else if (a.alg === IPPORT_TFTP) s += 'alg=tftp,';
  else if (a.alg) s += `alg=${a.alg},`;
  if (s.endsWith(',')) s = s.slice(0, -1);
  return s + ')';
});
registry.check('CT', (a, c) => {
  const f = c.match.flow;
  const dl = flowDlType(f);
  if ((dl !== ETH_TYPE_IP && dl !== ETH_TYPE_IPV6) || (f[FL.CT_STATE]! & 16 && a.flags & NX_CT_F_COMMIT)
    || (a.alg === IPPORT_FTP && f[FL.NW_PROTO] !== IPPROTO_TCP) || (a.alg === IPPORT_TFTP && f[FL.NW_PROTO] !== IPPROTO_UDP)) {
    return 'OFPBAC_MATCH_INCONSISTENT';
  }
  if (a.zoneSrc) return checkSrc(a.zoneSrc, c.match);
  return c.nested(a.actions, true);
});

registry.decode('NXAST_RAW_NAT', (c) => {
  const d = c.d, p = c.pos;
  const flags = rd16(d, p + 12), present = rd16(d, p + 14);
  let at = p + 16, left = c.len - 16;
  const take = (n: number): Uint8Array | null => {
    if (left < n) return null;
    const b = d.slice(at, at + n); at += n; left -= n; return b;
  };
  const bad = (): OfpError => new OfpError('OFPBAC_BAD_ARGUMENT');
  if ((flags & ~NAT_MASK) || (flags & NAT_SRC && flags & NAT_DST) || (flags & NAT_HASH && flags & NAT_RANDOM)) return bad();
  const a: OfpactOf<'NAT'> = { type: 'NAT', flags, rangeAf: AF_UNSPEC, range: { min: null, max: null }, protoMin: 0, protoMax: 0 };
  const cmp = (x: Uint8Array, y: Uint8Array): number => { for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i]! - y[i]!; return 0; };
  if (present & R_IPV4_MIN) {
    if (present & (R_IPV6_MIN | R_IPV6_MAX)) return bad();
    const min = take(4);
    if (!min || !rd32(min, 0)) return bad();
    a.rangeAf = AF_INET; a.range.min = min;
    if (present & R_IPV4_MAX) {
      const max = take(4);
      if (!max || rd32(max, 0) < rd32(min, 0)) return bad();
      a.range.max = max;
    }
  } else if (present & R_IPV4_MAX) return bad();
  else if (present & R_IPV6_MIN) {
    const min = take(16);
    if (!min || min.every((x) => !x)) return bad();
    a.rangeAf = AF_INET6; a.range.min = min;
    if (present & R_IPV6_MAX) {
      const max = take(16);
      if (!max || cmp(max, min) < 0) return bad();
      a.range.max = max;
    }
  } else if (present & R_IPV6_MAX) return bad();
  if (present & R_PROTO_MIN) {
    if (a.rangeAf === AF_UNSPEC) return bad();
    const pm = take(2);
    if (!pm || !rd16(pm, 0)) return bad();
    a.protoMin = rd16(pm, 0);
    if (present & R_PROTO_MAX) {
      const px = take(2);
      if (!px) return bad();
      a.protoMax = rd16(px, 0);
      if (a.protoMax < a.protoMin) return bad();
    }
  } else if (present & R_PROTO_MAX) return bad();
  return a;
});
registry.encode('NAT', (a, c) => {
  const w = c.w;
  const s = putRaw(w, 'NXAST_RAW_NAT', c.version);
  w.set16(s + 12, a.flags);
  let present = 0;
  const nonzero = (b: Uint8Array | null): b is Uint8Array => !!b && b.some((x) => x);
  if (a.rangeAf === AF_INET || a.rangeAf === AF_INET6) {
    const v4 = a.rangeAf === AF_INET;
    if (nonzero(a.range.min)) { w.bytes(a.range.min); present |= v4 ? R_IPV4_MIN : R_IPV6_MIN; }
    if (nonzero(a.range.max)) { w.bytes(a.range.max); present |= v4 ? R_IPV4_MAX : R_IPV6_MAX; }
  }
  if (a.rangeAf !== AF_UNSPEC) {
    if (a.protoMin) { w.u16(a.protoMin); present |= R_PROTO_MIN; }
    if (a.protoMax) { w.u16(a.protoMax); present |= R_PROTO_MAX; }
  }
  padAction(w, s);
  w.set16(s + 14, present);
});

function parseNatRange(s: string, a: OfpactOf<'NAT'>): string | null {
  let i = 0;
  const err = (): string => `invalid nat range "${s}"`;
  const ip4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})/;
  const ipv6Re = /^\[?([0-9a-fA-F:.]+)\]?/;
  let m = ip4.exec(s);
  if (m) {
    const v = parseIp(m[0]);
    if (v === undefined) return err();
    a.rangeAf = AF_INET; a.range.min = Uint8Array.of(v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255);
    i = m[0].length;
    if (s[i] === '-') {
      i++;
      const m2 = ip4.exec(s.slice(i));
      const v2 = m2 ? parseIp(m2[0]) : undefined;
      if (!m2 || v2 === undefined || v2 < v) return err();
      a.range.max = Uint8Array.of(v2 >>> 24, (v2 >>> 16) & 255, (v2 >>> 8) & 255, v2 & 255);
      i += m2[0].length;
    }
  } else if ((m = ipv6Re.exec(s)) && parseIpv6(m[1]!)) {
    a.rangeAf = AF_INET6; a.range.min = parseIpv6(m[1]!)!;
    i = m[0].length;
    if (s[i] === '-') {
      i++;
      const m2 = ipv6Re.exec(s.slice(i));
      const v2 = m2 ? parseIpv6(m2[1]!) : undefined;
      if (!m2 || !v2) return err();
      for (let k = 0; k < 16; k++) { if (v2[k]! !== a.range.min[k]!) { if (v2[k]! < a.range.min[k]!) return err(); break; } }
      a.range.max = v2;
      i += m2[0].length;
    }
  }
  if (a.rangeAf !== AF_UNSPEC && s[i] === ':') {
    i++;
    const m3 = /^\d+/.exec(s.slice(i));
    if (!m3) return err();
    a.protoMin = Number(m3[0]) & 0xffff; i += m3[0].length;
    if (s[i] === '-') {
      i++;
      const m4 = /^\d+/.exec(s.slice(i));
      if (!m4) return err();
      a.protoMax = Number(m4[0]) & 0xffff; i += m4[0].length;
      if (a.protoMax < a.protoMin) return err();
    }
  }
  if (i !== s.length) return `garbage (${s.slice(i)}) after nat range "${s}" (pos: ${i})`;
  return null;
}

function parseNat(arg: string): OfpactOf<'NAT'> | string {
  const a: OfpactOf<'NAT'> = { type: 'NAT', flags: 0, rangeAf: AF_UNSPEC, range: { min: null, max: null }, protoMin: 0, protoMax: 0 };
  for (const { key, value } of parseKeyValues(arg)) {
    let e: string | null = null;
    if (key === 'src') { a.flags |= NAT_SRC; e = parseNatRange(value, a); }
    else if (key === 'dst') { a.flags |= NAT_DST; e = parseNatRange(value, a); }
    else if (key === 'persistent') a.flags |= NAT_PERSISTENT;
    else if (key === 'hash') a.flags |= NAT_HASH;
    else if (key === 'random') a.flags |= NAT_RANDOM;
    else e = `invalid key "${key}" in "nat" argument`;
    if (e) return e;
  }
  if (a.flags & NAT_SRC && a.flags & NAT_DST) return 'May only specify one of "src" or "dst".';
  if (!(a.flags & (NAT_SRC | NAT_DST))) {
    if (a.flags) return 'Flags allowed only with "src" or "dst".';
    if (a.rangeAf !== AF_UNSPEC) return 'Range allowed only with "src" or "dst".';
  }
  if (a.flags & NAT_HASH && a.flags & NAT_RANDOM) return 'Both "hash" and "random" are not allowed.';
  return a;
}
registry.parse('nat', (arg, c) => {
  const a = parseNat(arg);
  if (typeof a === 'string') return a;
  c.put(a);
  return null;
});

function formatNat(a: OfpactOf<'NAT'>): string {
  let s = 'nat';
  if (a.flags & (NAT_SRC | NAT_DST)) {
    s += '(' + (a.flags & NAT_SRC ? 'src' : 'dst');
    if (a.rangeAf !== AF_UNSPEC) {
      s += '=';
      const min = a.range.min!, max = a.range.max;
      const same = (x: Uint8Array, y: Uint8Array): boolean => x.every((b, i) => b === y[i]);
      if (a.rangeAf === AF_INET) {
        s += formatIp(rd32(min, 0));
        if (max && rd32(max, 0) && !same(max, min)) s += '-' + formatIp(rd32(max, 0));
      } else {
        const br = (x: Uint8Array): string => (a.protoMin ? `[${formatIpv6(x)}]` : formatIpv6(x));
        s += br(min);
        if (max && max.some((x) => x) && !same(max, min)) s += '-' + br(max);
      }
      if (a.protoMin) {
        s += `:${a.protoMin}`;
        if (a.protoMax && a.protoMax !== a.protoMin) s += `-${a.protoMax}`;
      }
      s += ',';
      if (a.flags & NAT_PERSISTENT) s += 'persistent,';
      if (a.flags & NAT_HASH) s += 'hash,';
      if (a.flags & NAT_RANDOM) s += 'random,';
    }
    if (s.endsWith(',')) s = s.slice(0, -1);
    s += ')';
  }
  return s;
}
registry.format('NAT', (a) => formatNat(a));
registry.check('NAT', (a, c: CheckCtx) => {
  const dl = flowDlType(c.match.flow);
  if ((dl !== ETH_TYPE_IP && dl !== ETH_TYPE_IPV6) || (a.rangeAf === AF_INET && dl !== ETH_TYPE_IP)
    || (a.rangeAf === AF_INET6 && dl !== ETH_TYPE_IPV6)) return 'OFPBAC_MATCH_INCONSISTENT';
  return null;
});

/* ---- encap / decap ---- */

const PT_ETH = 0, PT_NSH = 0x1894f, PT_MPLS = 0x18847, PT_MPLS_MC = 0x18848, PT_USE_NEXT_PROTO = 0xfffe;
const OFPPPC_NSH = 4, NSH_MDTYPE = 1, NSH_TLV = 2;
const ENCAP_TYPES: Array<[string, number]> = [['ethernet', PT_ETH], ['nsh', PT_NSH], ['mpls', PT_MPLS], ['mpls_mc', PT_MPLS_MC]];

registry.decode('NXAST_RAW_ENCAP', (c) => {
  const d = c.d, p = c.pos, end = p + c.len;
  const pt = rd32(d, p + 12);
  if (!ENCAP_TYPES.some(([, v]) => v === pt)) return new OfpError('NXBAC_BAD_HEADER_TYPE');
  const a: OfpactOf<'ENCAP'> = { type: 'ENCAP', raw: 'NXAST_RAW_ENCAP', newPktType: pt, hdrSize: rd16(d, p + 10), props: [] };
  let at = p + 16;
  while (at < end) {
    const remaining = end - at;
    if (remaining < 4) return new OfpError('OFPBAC_BAD_LEN');
    const cls = rd16(d, at), type = d[at + 2]!, len = d[at + 3]!;
    const padLen = Math.ceil(len / 8) * 8;
    if (len < 4 || padLen > remaining) return new OfpError('OFPBAC_BAD_LEN');
    if (cls !== OFPPPC_NSH) return new OfpError('NXBAC_UNKNOWN_ED_PROP');
    if (type === NSH_MDTYPE) {
      if (len > 8) return new OfpError('NXBAC_BAD_ED_PROP');
      a.props.push({ cls, type, len, mdType: d[at + 4]! });
    } else if (type === NSH_TLV) {
      const tlvLen = d[at + 7]!;
      if (len !== 8 + Math.ceil(tlvLen / 8) * 8) return new OfpError('NXBAC_BAD_ED_PROP');
      a.props.push({ cls, type, len, tlvClass: rd16(d, at + 4), tlvType: d[at + 6]!, data: d.slice(at + 8, at + 8 + tlvLen) });
    } else {
      return new OfpError('NXBAC_UNKNOWN_ED_PROP');
    }
    at += padLen;
  }
  return a;
});
registry.encode('ENCAP', (a, c) => {
  const w = c.w;
  const s = putRaw(w, 'NXAST_RAW_ENCAP', c.version);
  w.set16(s + 10, a.hdrSize);
  w.set32(s + 12, a.newPktType);
  for (const p of a.props) {
    if (p.type === NSH_MDTYPE) {
      w.u16(p.cls).u8(p.type).u8(5).u8(p.mdType!).u8(0).u16(0);
    } else {
      const data = p.data!;
      const padded = Math.ceil(data.length / 8) * 8;
      w.u16(p.cls).u8(p.type).u8(8 + padded).u16(p.tlvClass!).u8(p.tlvType!).u8(data.length);
      w.bytes(data);
      const at = w.len; w.zeros(padded - data.length); w.buf.fill(0, at, w.len);
    }
  }
  padAction(w, s);
});
registry.parse('encap', (arg, c) => {
  c.usable.p &= 0x1c0;
  const kvs = parseKeyValues(arg);
  const first = kvs[0];
  if (!first) return `Missing encap hdr: ${arg}`;
  const t = ENCAP_TYPES.find(([n]) => n === first.key);
  if (!t) return `Encap hdr not supported: ${first.value}`;
  const classes: Record<string, number> = { basic: 0, ethernet: 0, mpls: 1, mpls_mc: 1, gre: 2, gtp: 3, nsh: 4 };
  const propClass = classes[first.key];
  if (propClass === undefined) return `Invalid encap prop class: ${first.key}`;
  const a: OfpactOf<'ENCAP'> = { type: 'ENCAP', newPktType: t[1], hdrSize: 0, props: [] };
  c.put(a);
  for (const { key, value } of parseKeyValues(first.value)) {
    let type = 0;
    if (propClass === OFPPPC_NSH && key === 'md_type') type = NSH_MDTYPE;
    else if (propClass === OFPPPC_NSH && key === 'tlv') type = NSH_TLV;
    else return `Invalid property: ${key}`;
    if (!value) return 'Value missing for encap property';
    if (type === NSH_MDTYPE) {
      const v = strToU8Local(value, 'md_type');
      if (typeof v === 'string') return v;
      if (v < 1 || v > 2) return 'invalid md_type';
      a.props.push({ cls: propClass, type, len: 5, mdType: v });
    } else {
      const m = /^0x([0-9a-fA-F]{1,4}),(\d{1,3}),0x([0-9a-fA-F]{1,251})/.exec(value);
      if (!m) return `Invalid NSH TLV header: ${value}`;
      const hex = m[3]!;
      const bytes: number[] = [];
      for (let i = 0; i + 1 < hex.length; i += 2) bytes.push(parseInt(hex.slice(i, i + 2), 16));
      const data = Uint8Array.from(bytes);
      a.props.push({ cls: propClass, type, len: 8 + Math.ceil(data.length / 8) * 8, tlvClass: parseInt(m[1]!, 16), tlvType: Number(m[2]) & 0xff, data });
    }
  }
  return null;
});
import { strToU8 as strToU8Local } from './ofp-parse.js';
registry.format('ENCAP', (a) => {
  const name = ENCAP_TYPES.find(([, v]) => v === a.newPktType)?.[0] ?? 'UNKNOWN';
  let s = `encap(${name}`;
  if (a.props.length) {
    const parts = a.props.map((p) => (p.type === NSH_MDTYPE ? `md_type=${p.mdType}`
      : `tlv(0x${p.tlvClass!.toString(16).padStart(4, '0')},${p.tlvType},${formatHexBytes(p.data!)})`));
    s += `(${parts.join(',')})`;
  }
  return s + ')';
});
registry.check('ENCAP', (a, c) => {
  const f = c.match.flow;
  put32Flow(f, FL.PACKET_TYPE, a.newPktType);
  if (a.newPktType >>> 16 === 1) put16Flow(f, FL.DL_TYPE, a.newPktType & 0xffff);
  const dl = flowDlType(f);
  if (dl !== ETH_TYPE_IP && dl !== ETH_TYPE_IPV6) f[FL.NW_PROTO] = 0;
  return null;
});
import { put16 as put16Flow, put32 as put32Flow, get16 as get16Flow, get32 as get32Flow } from './flow.js';

registry.decode('NXAST_RAW_DECAP', (c) => {
  if (c.len > 16) return new OfpError('NXBAC_UNKNOWN_ED_PROP');
  return { type: 'DECAP', raw: 'NXAST_RAW_DECAP', newPktType: rd32(c.d, c.pos + 12) };
});
registry.encode('DECAP', (a, c) => {
  const s = putRaw(c.w, 'NXAST_RAW_DECAP', c.version);
  c.w.set32(s + 12, a.newPktType);
});
registry.parse('decap', (arg, c) => {
  const a: OfpactOf<'DECAP'> = { type: 'DECAP', newPktType: PT_USE_NEXT_PROTO };
  c.put(a);
  const kvs = parseKeyValues(arg);
  const first = kvs[0];
  if (first) {
    if (first.key !== 'packet_type') return `Invalid decap argument: ${first.key}`;
    const inner = parseKeyValues(first.value);
    if (!inner[0] || inner[0].key !== 'ns') return 'Missing packet_type attribute ns';
    const ns = strToU16(inner[0].value, 'ns');
    if (typeof ns === 'string') return ns;
    if (ns >= 5) return `Unsupported ns value: ${ns}`;
    if (!inner[1] || inner[1].key !== 'type') return 'Missing packet_type attribute type';
    const type = strToU16(inner[1].value, 'type');
    if (typeof type === 'string') return type;
    a.newPktType = ((ns << 16) | type) >>> 0;
  }
  return null;
});
registry.format('DECAP', (a) =>
  (a.newPktType !== PT_USE_NEXT_PROTO
    ? `decap(packet_type(ns=${a.newPktType >>> 16},type=${(a.newPktType & 0xffff) ? '0x' + (a.newPktType & 0xffff).toString(16) : '0'}))`
    : 'decap()'));
registry.check('DECAP', (_a, c) => {
  const f = c.match.flow;
  if (get32Flow(f, FL.PACKET_TYPE) === PT_ETH) put32Flow(f, FL.PACKET_TYPE, ((1 << 16) | get16Flow(f, FL.DL_TYPE)) >>> 0);
  else { put32Flow(f, FL.PACKET_TYPE, 0xffffffff); put16Flow(f, FL.DL_TYPE, 0xffff); }
  return null;
});

/* ---- Executing learn (lib/learn.c learn_execute / learn_mask) ---- */

/** The flow-mod a learn action asks for, as built by learnExecute. */
export interface LearnedFlow {
  /** Always MODIFY_STRICT (add or replace). */
  command: 'modify_strict';
  tableId: number;
  priority: number;
  idleTimeout: number;
  hardTimeout: number;
  cookie: bigint;
  sendFlowRem: boolean;
  match: Match;
  ofpacts: Ofpact[];
}

function subvalueOf(sp: LearnSpec, flow: Uint8Array, width: number): Uint8Array {
  if (sp.srcType === SRC_FIELD) return mfReadSubfield(sp.src!, flow, width);
  const v = new Uint8Array(width);
  const imm = sp.imm!;
  const n = Math.min(imm.length, width);
  v.set(imm.subarray(imm.length - n), width - n);
  return v;
}

/** Builds the flow that 'learn' installs for a packet with 'flow' (learn_execute). */
export function learnExecute(learn: OfpactOf<'LEARN'>, flow: Uint8Array): LearnedFlow {
  const match = new Match();
  const ofpacts: Ofpact[] = [];
  if (learn.finIdleTimeout || learn.finHardTimeout) {
    ofpacts.push({ type: 'FIN_TIMEOUT', idle: learn.finIdleTimeout, hard: learn.finHardTimeout });
  }
  for (const sp of learn.specs) {
    const width = Math.max(8, Math.ceil(sp.nBits / 8));
    const value = subvalueOf(sp, flow, width);
    if (sp.dstType === DST_MATCH) {
      writeSubfieldValue(sp.dst!, value, match);
      if (sp.dst!.field.prereqs !== 0) match.setDefaultPacketType();
    } else if (sp.dstType === DST_LOAD) {
      const f = sp.dst!.field;
      const v = new Uint8Array(f.nBytes), m = new Uint8Array(f.nBytes);
      for (let i = 0; i < sp.nBits; i++) {
        const bit = (value[value.length - 1 - (i >> 3)]! >> (i & 7)) & 1;
        const d = sp.dst!.ofs + i, byte = f.nBytes - 1 - (d >> 3), mb = 1 << (d & 7);
        if (bit) v[byte]! |= mb;
        m[byte]! |= mb;
      }
      ofpacts.push({ type: 'SET_FIELD', raw: 'NXAST_RAW_REG_LOAD', field: f, value: v, mask: m });
    } else if (sp.dstType === DST_OUTPUT) {
      if (sp.nBits <= 16 || value.subarray(0, value.length - 2).every((x) => !x)) {
        const port = (value[value.length - 2]! << 8) | value[value.length - 1]!;
        if (port < OFPP_MAX || port === 0xfff8 || port === 0xfffb || port === 0xfffe || port === 0xfffc) {
          ofpacts.push({ type: 'OUTPUT', port, maxLen: 0 });
        }
      }
    }
  }
  return {
    command: 'modify_strict', tableId: learn.tableId, priority: learn.priority, idleTimeout: learn.idleTimeout,
    hardTimeout: learn.hardTimeout, cookie: learn.cookie, sendFlowRem: (learn.flags & NX_LEARN_F_SEND_FLOW_REM) !== 0,
    match, ofpacts,
  };
}

/** Un-wildcards in 'wc' the source fields 'learn' reads (learn_mask). */
export function learnMask(learn: OfpactOf<'LEARN'>, wc: Uint8Array): void {
  for (const sp of learn.specs) if (sp.srcType === SRC_FIELD) mfMaskSubfield(sp.src!, wc);
}
