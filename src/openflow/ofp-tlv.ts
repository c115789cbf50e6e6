/* ofp-tlv: the Nicira tunnel-metadata TLV table messages: NXT_TLV_TABLE_MOD
 * (add/delete/clear mappings from Geneve option class/type/length to
 * tun_metadata<N> fields), NXT_TLV_TABLE_REQUEST and NXT_TLV_TABLE_REPLY;
 * their text form ("{class=0xffff,type=0,len=4}->tun_metadata0") for
 * ovs-ofctl's add-tlv-map / del-tlv-map, and ofp-print's formatting. */
import { OfpReader, type OfpWriter } from './ofp-buffer.js';
import { OfpError } from './ofp-errors.js';
import { startMsg, msgBody, type OfpMsg } from './ofp-msgs.js';
import { vlogModule } from '../lib/vlog.js';
import { OFP_MATCH_RL } from './ofp-match-codec.js';
import type { Ds } from '../lib/dynamic-string.js';

const log = vlogModule('ofp_match');

export const NXTTMC_ADD = 0, NXTTMC_DELETE = 1, NXTTMC_CLEAR = 2;
/** Largest Geneve option body, in bytes. */
export const TLV_MAX_OPT_SIZE = 124;
/** Number of tun_metadata fields. */
export const TUN_METADATA_NUM_OPTS = 64;

/** One option-to-field mapping. */
export interface TlvMap { optionClass: number; optionType: number; optionLen: number; index: number }
/** A TLV table modification. */
export interface TlvTableMod { command: number; mappings: TlvMap[] }
/** The switch's TLV table and its limits. */
export interface TlvTableReply { maxOptionSpace: number; maxFields: number; mappings: TlvMap[] }

function pullMappings(r: OfpReader, maxFields: number): TlvMap[] {
  const maps: TlvMap[] = [];
  if (r.remaining % 8) throw new OfpError('OFPBRC_BAD_LEN');
  while (r.remaining) {
    const optionClass = r.u16(), optionType = r.u8(), optionLen = r.u8(), index = r.u16();
    r.skip(2);
    if (optionLen % 4 || optionLen > TLV_MAX_OPT_SIZE) {
      log.warnRl(OFP_MATCH_RL, `tlv table option length (${optionLen}) is not a valid option size`);
      throw new OfpError('NXTTMFC_BAD_OPT_LEN');
    }
    if (index >= maxFields) {
      log.warnRl(OFP_MATCH_RL, `tlv table field index (${index}) is too large (max ${maxFields - 1})`);
      throw new OfpError('NXTTMFC_BAD_FIELD_IDX');
    }
    maps.push({ optionClass, optionType, optionLen, index });
  }
  return maps;
}

function putMappings(w: OfpWriter, maps: TlvMap[]): void {
  for (const m of maps) w.u16(m.optionClass).u8(m.optionType).u8(m.optionLen).u16(m.index).zeros(2);
}

/** Decodes NXT_TLV_TABLE_MOD; throws OfpError. */
export function decodeTlvTableMod(msg: OfpMsg): TlvTableMod {
  const r = new OfpReader(msgBody(msg));
  const command = r.u16();
  r.skip(6);
  if (command > NXTTMC_CLEAR) {
    log.warnRl(OFP_MATCH_RL, `tlv table mod command (${command}) is out of range`);
    throw new OfpError('NXTTMFC_BAD_COMMAND');
  }
  return { command, mappings: pullMappings(r, TUN_METADATA_NUM_OPTS) };
}

export function encodeTlvTableMod(ttm: TlvTableMod, version: number, xid = 0): Uint8Array {
  const w = startMsg('NXT_TLV_TABLE_MOD', version, xid).u16(ttm.command).zeros(6);
  putMappings(w, ttm.mappings);
  return w.finishMsg();
}

export function encodeTlvTableRequest(version: number, xid = 0): Uint8Array {
  return startMsg('NXT_TLV_TABLE_REQUEST', version, xid).finishMsg();
}

/** Decodes NXT_TLV_TABLE_REPLY; throws OfpError. */
export function decodeTlvTableReply(msg: OfpMsg): TlvTableReply {
  const r = new OfpReader(msgBody(msg));
  const maxOptionSpace = r.u32(), maxFields = r.u16();
  r.skip(10);
  return { maxOptionSpace, maxFields, mappings: pullMappings(r, maxFields) };
}

/** The reply to 'request' describing 'ttr'. */
export function encodeTlvTableReply(request: OfpMsg, ttr: TlvTableReply): Uint8Array {
  const w = startMsg('NXT_TLV_TABLE_REPLY', request.version, request.xid).u32(ttr.maxOptionSpace).u16(ttr.maxFields).zeros(10);
  putMappings(w, ttr.mappings);
  return w.finishMsg();
}

function hexAlt(v: number, width: number): string {
  return (v ? '0x' + v.toString(16) : '0').padStart(width);
}

function formatTable(ds: Ds, maps: TlvMap[]): void {
  ds.put(' mapping table:\n');
  ds.put('  class  type  length  match field\n');
  ds.put(' ------  ----  ------  --------------');
  for (const m of maps) {
    ds.put(`\n ${hexAlt(m.optionClass, 6)}  ${hexAlt(m.optionType, 4)}  ${String(m.optionLen).padStart(6)}  tun_metadata${m.index}`);
  }
}

export function formatTlvTableMod(ds: Ds, msg: OfpMsg): void {
  const ttm = decodeTlvTableMod(msg);
  ds.put('\n ');
  ds.put(['ADD', 'DEL', 'CLEAR'][ttm.command]!);
  if (ttm.command !== NXTTMC_CLEAR) formatTable(ds, ttm.mappings);
}

export function formatTlvTableReply(ds: Ds, msg: OfpMsg): void {
  const ttr = decodeTlvTableReply(msg);
  const allocated = ttr.mappings.reduce((n, m) => n + m.optionLen, 0);
  ds.put('\n');
  ds.put(` max option space=${ttr.maxOptionSpace} max fields=${ttr.maxFields}\n`);
  ds.put(` allocated option space=${allocated}\n`);
  ds.put('\n');
  formatTable(ds, ttr.mappings);
}

/** sscanf "%i": optional sign, then 0x hex, 0 octal or decimal; null if none. */
function scanInt(s: string, pos: number): { v: number; end: number } | null {
  const m = /^[+-]?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(s.slice(pos));
  if (!m) return null;
  const t = m[0];
  const neg = t.startsWith('-');
  const body = t.replace(/^[+-]/, '');
  const v = /^0[xX]/.test(body) ? parseInt(body.slice(2), 16) : body.length > 1 && body.startsWith('0') ? parseInt(body, 8) : parseInt(body, 10);
  return { v: neg ? -v : v, end: pos + t.length };
}

/** Parses "{class=C,type=T,len=L}->tun_metadataN[,...]" for 'command';
 * returns the table mod or "invalid tlv mapping". */
export function parseTlvTableModStr(s: string, command: number): TlvTableMod | string {
  const ttm: TlvTableMod = { command, mappings: [] };
  let pos = 0;
  const lit = (text: string): boolean => {
    if (!s.startsWith(text, pos)) return false;
    pos += text.length;
    return true;
  };
  const num = (): number | null => {
    const r = scanInt(s, pos);
    if (!r) return null;
    pos = r.end;
    return r.v;
  };
  while (pos < s.length) {
    if (s[pos] === ',') pos++;
    let c: number | null, t: number | null, l: number | null, i: number | null;
    if (!lit('{class=') || (c = num()) === null || !lit(',type=') || (t = num()) === null || !lit(',len=')
      || (l = num()) === null || !lit('}->tun_metadata') || (i = num()) === null) {
      return 'invalid tlv mapping';
    }
    ttm.mappings.push({ optionClass: c & 0xffff, optionType: t & 0xff, optionLen: l & 0xff, index: i & 0xffff });
  }
  return ttm;
}
