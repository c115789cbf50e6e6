/* ofp-meter: OpenFlow 1.3+ meters: meter-mod, meter config/stats/features
 * multipart requests and replies, with their text. */
import { OfpReader, type OfpWriter } from './ofp-buffer.js';
import { OfpError } from './ofp-errors.js';
import { startMsg, msgBody, type OfpMsg } from './ofp-msgs.js';
import { bitNames, formatDuration } from './ofp-format.js';
import type { Ds } from '../lib/dynamic-string.js';
import { vlogModule } from '../lib/vlog.js';

const log = vlogModule('ofp_meter');

export const OFPM13_MAX = 0xffff0000, OFPM13_SLOWPATH = 0xfffffffd, OFPM13_CONTROLLER = 0xfffffffe, OFPM13_ALL = 0xffffffff;
export const OFPMF13_KBPS = 1, OFPMF13_PKTPS = 2, OFPMF13_BURST = 4, OFPMF13_STATS = 8;
export const OFPMBT13_DROP = 1, OFPMBT13_DSCP_REMARK = 2;
export const OFPMC13_ADD = 0, OFPMC13_MODIFY = 1, OFPMC13_DELETE = 2;

/** One meter band. */
export interface MeterBand { type: number; rate: number; burstSize: number; precLevel: number }
/** A meter's configuration. */
export interface MeterConfig { meterId: number; flags: number; bands: MeterBand[] }
/** A meter-mod request. */
export interface MeterMod { command: number; meter: MeterConfig }

/** "meter=5" / "meter:all". */
export function formatMeterId(id: number, sep: string): string {
  if (id <= OFPM13_MAX) return `meter${sep}${id}`;
  const name = id === OFPM13_SLOWPATH ? 'slowpath' : id === OFPM13_CONTROLLER ? 'controller' : id === OFPM13_ALL ? 'all' : 'unknown';
  return `meter${sep}${name}`;
}

function formatBand(flags: number, b: MeterBand): string {
  let s = '\ntype=' + (b.type === OFPMBT13_DROP ? 'drop' : b.type === OFPMBT13_DSCP_REMARK ? 'dscp_remark' : String(b.type));
  s += ` rate=${b.rate}`;
  if (flags & OFPMF13_BURST) s += ` burst_size=${b.burstSize}`;
  if (b.type === OFPMBT13_DSCP_REMARK) s += ` prec_level=${b.precLevel}`;
  return s;
}

function pullBands(r: OfpReader, len: number): MeterBand[] {
  const br = r.sub(len);
  const bands: MeterBand[] = [];
  while (br.remaining >= 16) {
    const type = br.u16();
    const blen = br.u16();
    if (blen !== 16) throw new OfpError('OFPBRC_BAD_LEN');
    if (type !== OFPMBT13_DROP && type !== OFPMBT13_DSCP_REMARK) throw new OfpError('OFPMMFC_BAD_BAND');
    const rate = br.u32(), burstSize = br.u32();
    const prec = br.u8();
    br.skip(3);
    bands.push({ type, rate, burstSize, precLevel: type === OFPMBT13_DSCP_REMARK ? prec : 0 });
  }
  if (br.remaining) throw new OfpError('OFPBRC_BAD_LEN');
  return bands;
}

function putBands(w: OfpWriter, bands: MeterBand[]): void {
  for (const b of bands) w.u16(b.type).u16(16).u32(b.rate).u32(b.burstSize).u8(b.precLevel).zeros(3);
}

export function decodeMeterMod(msg: OfpMsg): MeterMod {
  const r = new OfpReader(msgBody(msg));
  const command = r.u16();
  if (command > 2) throw new OfpError('OFPMMFC_BAD_COMMAND');
  const flags = r.u16();
  const meterId = r.u32();
  if (command === OFPMC13_DELETE) return { command, meter: { meterId, flags: 0, bands: [] } };
  if (flags & OFPMF13_KBPS && flags & OFPMF13_PKTPS) throw new OfpError('OFPMMFC_BAD_FLAGS');
  return { command, meter: { meterId, flags, bands: pullBands(r, r.remaining) } };
}

export function encodeMeterMod(mm: MeterMod, version: number, xid = 0): Uint8Array {
  const w = startMsg('OFPT13_METER_MOD', version, xid);
  w.u16(mm.command).u16(mm.command !== OFPMC13_DELETE ? mm.meter.flags : 0).u32(mm.meter.meterId);
  putBands(w, mm.meter.bands);
  return w.finishMsg();
}

function flagsText(flags: number): string {
  let s = '';
  if (flags & OFPMF13_KBPS) s += 'kbps ';
  if (flags & OFPMF13_PKTPS) s += 'pktps ';
  if (flags & OFPMF13_BURST) s += 'burst ';
  if (flags & OFPMF13_STATS) s += 'stats ';
  const rest = flags & ~15;
  if (rest) s += `flags:0x${rest.toString(16)} `;
  return s;
}

/** A meter's configuration as ovs-ofctl prints it (no newline). */
export function formatMeterConfig(mc: MeterConfig): string {
  return formatMeterId(mc.meterId, '=') + ' ' + flagsText(mc.flags) + 'bands=' + mc.bands.map((b) => formatBand(mc.flags, b)).join('');
}

/** Text of a meter-mod after the header. */
export function formatMeterModText(mm: MeterMod): string {
  const cmd = mm.command === OFPMC13_ADD ? ' ADD ' : mm.command === OFPMC13_MODIFY ? ' MOD ' : mm.command === OFPMC13_DELETE ? ' DEL ' : ` cmd:${mm.command} `;
  return cmd + formatMeterConfig(mm.meter) + '\n';
}

export function formatMeterModMsg(ds: Ds, msg: OfpMsg): void {
  ds.put(formatMeterModText(decodeMeterMod(msg)));
}

/** Meter id of a meter stats/config request. */
export function decodeMeterRequest(msg: OfpMsg): number {
  return new OfpReader(msgBody(msg)).u32();
}

export type MeterRequestType = 'config' | 'stats' | 'features';
export function encodeMeterRequest(version: number, type: MeterRequestType, meterId: number, xid = 0): Uint8Array {
  if (type === 'features') return startMsg('OFPST13_METER_FEATURES_REQUEST', version, xid).finishMsg();
  return startMsg(type === 'config' ? 'OFPST13_METER_CONFIG_REQUEST' : 'OFPST13_METER_REQUEST', version, xid)
    .u32(meterId).zeros(4).finishMsg();
}

export function formatMeterRequest(ds: Ds, msg: OfpMsg): void {
  ds.put(' ' + formatMeterId(decodeMeterRequest(msg), '='));
}

/** Decodes the meter configs of a meter-config reply. */
export function decodeMeterConfigReply(msg: OfpMsg, out: MeterConfig[] = []): MeterConfig[] {
  const r = new OfpReader(msgBody(msg));
  while (r.remaining) {
    if (r.remaining < 8) {
      log.warn(`OFPMP_METER_CONFIG reply has ${r.remaining} leftover bytes at end`);
      throw new OfpError('OFPBRC_BAD_LEN');
    }
    const length = r.u16(), flags = r.u16(), meterId = r.u32();
    out.push({ meterId, flags, bands: pullBands(r, length - 8) });
  }
  return out;
}

/** Appends one meter config to a reply body. */
export function putMeterConfig(w: OfpWriter, mc: MeterConfig): void {
  const start = w.len;
  w.u16(0).u16(mc.flags).u32(mc.meterId);
  putBands(w, mc.bands);
  w.set16(start, w.len - start);
}

export function formatMeterConfigReply(ds: Ds, msg: OfpMsg): void {
  const r = new OfpReader(msgBody(msg));
  while (r.remaining) {
    if (r.remaining < 8) throw new OfpError('OFPBRC_BAD_LEN');
    const length = r.u16(), flags = r.u16(), meterId = r.u32();
    ds.put('\n' + formatMeterConfig({ meterId, flags, bands: pullBands(r, length - 8) }) + '\n');
  }
}

/** One meter's statistics. */
export interface MeterStats {
  meterId: number; flowCount: number; packetInCount: bigint; byteInCount: bigint;
  durationSec: number; durationNsec: number; bands: { packetCount: bigint; byteCount: bigint }[];
}

function pullMeterStats(r: OfpReader): MeterStats {
  if (r.remaining < 40) {
    log.warn(`OFPMP_METER reply has ${r.remaining} leftover bytes at end`);
    throw new OfpError('OFPBRC_BAD_LEN');
  }
  const meterId = r.u32(), len = r.u16();
  r.skip(6);
  const ms: MeterStats = {
    meterId, flowCount: r.u32(), packetInCount: r.u64(), byteInCount: r.u64(),
    durationSec: r.u32(), durationNsec: r.u32(), bands: [],
  };
  const bl = len - 40;
  const br = r.sub(bl);
  if (bl % 16) throw new OfpError('OFPBRC_BAD_LEN');
  while (br.remaining) ms.bands.push({ packetCount: br.u64(), byteCount: br.u64() });
  return ms;
}

export function decodeMeterStatsReply(msg: OfpMsg): MeterStats[] {
  const r = new OfpReader(msgBody(msg));
  const out: MeterStats[] = [];
  while (r.remaining) out.push(pullMeterStats(r));
  return out;
}

export function putMeterStats(w: OfpWriter, ms: MeterStats): void {
  w.u32(ms.meterId).u16(40 + 16 * ms.bands.length).zeros(6).u32(ms.flowCount).u64(ms.packetInCount)
    .u64(ms.byteInCount).u32(ms.durationSec).u32(ms.durationNsec);
  for (const b of ms.bands) w.u64(b.packetCount).u64(b.byteCount);
}

/** One meter's statistics as text. */
export function formatMeterStats(ms: MeterStats): string {
  let s = formatMeterId(ms.meterId, ':') + ` flow_count:${ms.flowCount} packet_in_count:${ms.packetInCount} byte_in_count:${ms.byteInCount} duration:${formatDuration(ms.durationSec, ms.durationNsec)} bands:\n`;
  ms.bands.forEach((b, i) => { s += `${i}: packet_count:${b.packetCount} byte_count:${b.byteCount}\n`; });
  return s;
}

export function formatMeterStatsReply(ds: Ds, msg: OfpMsg): void {
  const r = new OfpReader(msgBody(msg));
  while (r.remaining) ds.put('\n' + formatMeterStats(pullMeterStats(r)));
}

/** Meter features. */
export interface MeterFeatures { maxMeters: number; bandTypes: number; capabilities: number; maxBands: number; maxColor: number }

export function decodeMeterFeatures(msg: OfpMsg): MeterFeatures {
  const r = new OfpReader(msgBody(msg));
  return { maxMeters: r.u32(), bandTypes: r.u32(), capabilities: r.u32(), maxBands: r.u8(), maxColor: r.u8() };
}

export function encodeMeterFeaturesReply(request: OfpMsg, mf: MeterFeatures): Uint8Array {
  return startMsg('OFPST13_METER_FEATURES_REPLY', request.version, request.xid)
    .u32(mf.maxMeters).u32(mf.bandTypes).u32(mf.capabilities).u8(mf.maxBands).u8(mf.maxColor).zeros(2).finishMsg();
}

/** Meter features as text (after the header). */
export function formatMeterFeaturesText(mf: MeterFeatures): string {
  const bt = bitNames(mf.bandTypes, (b) => (b === 2 ? 'drop' : b === 4 ? 'dscp_remark' : null));
  const caps = bitNames(mf.capabilities, (b) => ({ 1: 'kbps', 2: 'pktps', 4: 'burst', 8: 'stats' } as Record<number, string>)[b]);
  return `\nmax_meter:${mf.maxMeters} max_bands:${mf.maxBands} max_color:${mf.maxColor}\nband_types: ${bt}\ncapabilities: ${caps}\n`;
}

export function formatMeterFeaturesReply(ds: Ds, msg: OfpMsg): void {
  ds.put(formatMeterFeaturesText(decodeMeterFeatures(msg)));
}
