/* ofp-queue: queue configuration (OF1.0-1.3 queue-get-config, OF1.4+ queue
 * description multipart) and queue statistics, in every version. */
import { formatPort as formatPortName, type PortNames } from './ofp-port-map.js';
import { OfpReader } from './ofp-buffer.js';
import { OfpError } from './ofp-errors.js';
import { startMsg, msgBody, type OfpMsg } from './ofp-msgs.js';
import { pullProp, unknownProp, startProp, endProp } from './ofp-prop.js';
import { formatDuration, UINT64_MAX } from './ofp-format.js';
import { formatPort, portFromOfp11, portToOfp11, OFPP_ANY, OFPP_ALL, OFPP_MAX } from './ofp-port.js';
import type { Ds } from '../lib/dynamic-string.js';
import { vlogModule } from '../lib/vlog.js';

const log = vlogModule('ofp_queue');
export const OFPQ_ALL = 0xffffffff;

function queueName(q: number): string { return q === OFPQ_ALL ? 'ALL' : String(q); }

/** A queue configuration request: port and (OF1.4+) queue. */
export interface QueueConfigRequest { port: number; queue: number }

export function decodeQueueGetConfigRequest(msg: OfpMsg): QueueConfigRequest {
  const r = new OfpReader(msgBody(msg));
  let port: number;
  let queue = OFPQ_ALL;
  switch (msg.info.raw) {
    case 'OFPT10_QUEUE_GET_CONFIG_REQUEST':
      port = r.u16();
      break;
    case 'OFPT11_QUEUE_GET_CONFIG_REQUEST':
      port = portFromOfp11(r.u32());
      if (port === OFPP_ANY) return { port, queue };
      break;
    default:
      port = portFromOfp11(r.u32());
      queue = r.u32();
      return { port, queue };
  }
  if (port >= OFPP_MAX) throw new OfpError('OFPQOFC_BAD_PORT');
  return { port, queue };
}

export function encodeQueueGetConfigRequest(version: number, port: number, queue = OFPQ_ALL, xid = 0): Uint8Array {
  if (version === 1) return startMsg('OFPT10_QUEUE_GET_CONFIG_REQUEST', version, xid).u16(port).zeros(2).finishMsg();
  if (version < 5) return startMsg('OFPT11_QUEUE_GET_CONFIG_REQUEST', version, xid).u32(portToOfp11(port)).zeros(4).finishMsg();
  return startMsg('OFPST14_QUEUE_DESC_REQUEST', version, xid).u32(portToOfp11(port)).u32(queue).finishMsg();
}

export function formatQueueGetConfigRequest(ds: Ds, msg: OfpMsg): void {
  const q = decodeQueueGetConfigRequest(msg);
  ds.put(' port=' + formatPort(q.port));
  if (q.queue !== OFPQ_ALL) ds.put(' queue=' + queueName(q.queue));
}

/** One queue's configuration; rates in tenths of a percent, 0xffff unset. */
export interface QueueConfig { port: number; queue: number; minRate: number; maxRate: number }

function pullQueue10(version: number, port: number, r: OfpReader): QueueConfig {
  const qc: QueueConfig = { port, queue: 0, minRate: 0xffff, maxRate: 0xffff };
  let opqLen: number;
  let len: number;
  if (version < 3) {
    if (r.remaining < 8) throw new OfpError('OFPBRC_BAD_LEN');
    qc.queue = r.u32();
    len = r.u16();
    r.skip(2);
    opqLen = 8;
  } else {
    if (r.remaining < 16) throw new OfpError('OFPBRC_BAD_LEN');
    qc.queue = r.u32();
    r.skip(4);
    len = r.u16();
    r.skip(6);
    opqLen = 16;
  }
  if (len < opqLen || len > r.remaining + opqLen || len % 8) throw new OfpError('OFPBRC_BAD_LEN');
  len -= opqLen;
  while (len > 0) {
    if (r.remaining < 4) throw new OfpError('OFPBRC_BAD_LEN');
    const property = r.peek16(0);
    const plen = r.peek16(2);
    if (plen < 8 || plen > len || plen % 8) throw new OfpError('OFPBRC_BAD_LEN');
    const pr = r.sub(plen);
    if (property === 1 || property === 2) {
      if (plen !== 16) throw new OfpError('OFPBRC_BAD_LEN');
      pr.skip(8);
      const rate = pr.u16();
      if (property === 1) qc.minRate = rate;
      else qc.maxRate = rate;
    } else log.info(`unknown queue property ${property}`);
    len -= plen;
  }
  return qc;
}

function pullQueue14(r: OfpReader): QueueConfig {
  if (r.remaining < 16) throw new OfpError('OFPBRC_BAD_LEN');
  const port = portFromOfp11(r.u32());
  const qc: QueueConfig = { port, queue: r.u32(), minRate: 0xffff, maxRate: 0xffff };
  const len = r.u16();
  r.skip(6);
  if (len < 16 || len > r.remaining + 16 || len % 8) throw new OfpError('OFPBRC_BAD_LEN');
  const props = r.sub(len - 16);
  while (props.remaining) {
    const p = pullProp(props);
    if (p.type === 1 || p.type === 2) {
      if (p.body.remaining < 2) throw new OfpError('OFPBPC_BAD_LEN');
      const v = p.body.u16();
      if (p.type === 1) qc.minRate = v;
      else qc.maxRate = v;
    } else unknownProp(log, true, 'queue desc', p);
  }
  return qc;
}

/** Decodes every queue of a queue-get-config reply or queue-desc reply. */
export function decodeQueueConfigReply(msg: OfpMsg, out: QueueConfig[] = []): QueueConfig[] {
  const r = new OfpReader(msgBody(msg));
  let port = 0;
  if (msg.info.raw === 'OFPT10_QUEUE_GET_CONFIG_REPLY') { port = r.u16(); r.skip(6); }
  else if (msg.info.raw === 'OFPT11_QUEUE_GET_CONFIG_REPLY') { port = portFromOfp11(r.u32()); r.skip(4); }
  const v14 = msg.info.raw === 'OFPST14_QUEUE_DESC_REPLY';
  while (r.remaining) out.push(v14 ? pullQueue14(r) : pullQueue10(msg.version, port, r));
  return out;
}

function rateText(name: string, rate: number): string {
  if (rate <= 1000) return ` ${name}:${Math.floor(rate / 10)}.${rate % 10}%`;
  if (rate < 0xffff) return ` ${name}:(disabled)`;
  return '';
}

export function formatQueueConfigReply(ds: Ds, msg: OfpMsg): void {
  const queues: QueueConfig[] = [];
  let err: unknown = null;
  try { decodeQueueConfigReply(msg, queues); } catch (e) { err = e; }
  queues.sort((a, b) => a.port - b.port || a.queue - b.queue);
  ds.put(' ');
  let port = 0;
  for (const q of queues) {
    if (q.port !== port) {
      port = q.port;
      ds.put('port=' + formatPort(port) + '\n');
    }
    ds.put(`queue ${q.queue}:${rateText('min_rate', q.minRate)}${rateText('max_rate', q.maxRate)}\n`);
  }
  ds.chomp(' ');
  if (err) throw err;
}

/** Starts the reply to a queue config request; append with putQueueConfig. */
export function encodeQueueConfigReply(request: OfpMsg, queues: QueueConfig[]): Uint8Array {
  const q = decodeQueueGetConfigRequest(request);
  const v = request.version;
  let w;
  if (request.info.raw === 'OFPT10_QUEUE_GET_CONFIG_REQUEST') {
    w = startMsg('OFPT10_QUEUE_GET_CONFIG_REPLY', v, request.xid).u16(q.port).zeros(6);
  } else if (request.info.raw === 'OFPT11_QUEUE_GET_CONFIG_REQUEST') {
    w = startMsg('OFPT11_QUEUE_GET_CONFIG_REPLY', v, request.xid).u32(portToOfp11(q.port)).zeros(4);
  } else {
    w = startMsg('OFPST14_QUEUE_DESC_REPLY', v, request.xid);
  }
  for (const qc of queues) {
    const start = w.len;
    if (v < 5) {
      let lenAt: number;
      if (v < 3) { w.u32(qc.queue); lenAt = w.len; w.u16(0).zeros(2); }
      else { w.u32(qc.queue).u32(portToOfp11(qc.port)); lenAt = w.len; w.u16(0).zeros(6); }
      for (const [t, rate] of [[1, qc.minRate], [2, qc.maxRate]] as const) {
        if (rate !== 0xffff) w.u16(t).u16(16).zeros(4).u16(rate).zeros(6);
      }
      w.set16(lenAt, w.len - start);
    } else {
      w.u32(portToOfp11(qc.port)).u32(qc.queue).u16(0).zeros(6);
      for (const [t, rate] of [[1, qc.minRate], [2, qc.maxRate]] as const) {
        if (rate !== 0xffff) { const at = startProp(w, t); w.u16(rate); endProp(w, at); }
      }
      w.set16(start + 8, w.len - start);
    }
  }
  return w.finishMsg();
}

/* ---- queue stats ---- */

/** A queue stats request. */
export interface QueueStatsRequest { port: number; queue: number }

export function decodeQueueStatsRequest(msg: OfpMsg): QueueStatsRequest {
  const r = new OfpReader(msgBody(msg));
  if (msg.version === 1) {
    let port = r.u16();
    r.skip(2);
    const queue = r.u32();
    if (port === OFPP_ALL) port = OFPP_ANY;
    return { port, queue };
  }
  const port = portFromOfp11(r.u32());
  return { port, queue: r.u32() };
}

export function encodeQueueStatsRequest(version: number, q: QueueStatsRequest, xid = 0): Uint8Array {
  if (version === 1) {
    return startMsg('OFPST10_QUEUE_REQUEST', version, xid).u16(q.port === OFPP_ANY ? OFPP_ALL : q.port).zeros(2).u32(q.queue).finishMsg();
  }
  return startMsg('OFPST11_QUEUE_REQUEST', version, xid).u32(portToOfp11(q.port)).u32(q.queue).finishMsg();
}

export function formatQueueStatsRequest(ds: Ds, msg: OfpMsg): void {
  const q = decodeQueueStatsRequest(msg);
  ds.put(` port=${formatPort(q.port)} queue=${queueName(q.queue)}`);
}

/** One queue's statistics. */
export interface QueueStats {
  port: number; queue: number; txBytes: bigint; txPackets: bigint; txErrors: bigint;
  durationSec: number; durationNsec: number;
}

function pullQueueStats(msg: OfpMsg, r: OfpReader): QueueStats | null {
  if (!r.remaining) return null;
  const raw = msg.info.raw;
  if (raw === 'OFPST10_QUEUE_REPLY') {
    if (r.remaining < 32) throw new OfpError('OFPBRC_BAD_LEN');
    const port = r.u16();
    r.skip(2);
    return { port, queue: r.u32(), txBytes: r.u64(), txPackets: r.u64(), txErrors: r.u64(), durationSec: 0xffffffff, durationNsec: 0xffffffff };
  }
  let v14Len = 0;
  if (raw === 'OFPST14_QUEUE_REPLY') {
    if (r.remaining < 48) throw new OfpError('OFPBRC_BAD_LEN');
    v14Len = r.u16();
    if (v14Len < 48 || v14Len - 48 > r.remaining - 46) throw new OfpError('OFPBRC_BAD_LEN');
    r.skip(6);
  } else if (r.remaining < (raw === 'OFPST13_QUEUE_REPLY' ? 40 : 32)) throw new OfpError('OFPBRC_BAD_LEN');
  const port = portFromOfp11(r.u32());
  const qs: QueueStats = { port, queue: r.u32(), txBytes: r.u64(), txPackets: r.u64(), txErrors: r.u64(), durationSec: 0xffffffff, durationNsec: 0xffffffff };
  if (raw !== 'OFPST11_QUEUE_REPLY') { qs.durationSec = r.u32(); qs.durationNsec = r.u32(); }
  if (v14Len) r.skip(v14Len - 48);
  return qs;
}

/** Decodes all entries of a queue stats reply. */
export function decodeQueueStatsReply(msg: OfpMsg): QueueStats[] {
  const r = new OfpReader(msgBody(msg));
  const out: QueueStats[] = [];
  for (let q; (q = pullQueueStats(msg, r));) out.push(q);
  return out;
}

/** Appends 'qs' to a queue stats reply body being written by 'w'. */
export function putQueueStats(w: import('./ofp-buffer.js').OfpWriter, version: number, qs: QueueStats): void {
  if (version === 1) {
    w.u16(qs.port).zeros(2).u32(qs.queue).u64(qs.txBytes).u64(qs.txPackets).u64(qs.txErrors);
    return;
  }
  if (version >= 5) w.u16(48).zeros(6);
  w.u32(portToOfp11(qs.port)).u32(qs.queue).u64(qs.txBytes).u64(qs.txPackets).u64(qs.txErrors);
  if (version >= 4) w.u32(qs.durationSec).u32(qs.durationNsec);
}

function qstat(v: bigint): string { return v === UINT64_MAX ? '?' : v.toString(); }

export function formatQueueStatsReply(ds: Ds, msg: OfpMsg, verbosity: number, names?: { ports?: PortNames }): void {
  const r = new OfpReader(msgBody(msg));
  let n = 0;
  try { while (pullQueueStats(msg, r)) n++; } catch { /* count what decodes */ }
  ds.put(` ${n} queues\n`);
  if (verbosity < 1) return;
  const r2 = new OfpReader(msgBody(msg));
  for (let q; (q = pullQueueStats(msg, r2));) {
    ds.put(`  port ${formatPortName(q.port, names?.ports)} queue ${queueName(q.queue)}: bytes=${qstat(q.txBytes)}, pkts=${qstat(q.txPackets)}, errors=${qstat(q.txErrors)}, duration=`);
    ds.put(q.durationSec !== 0xffffffff ? formatDuration(q.durationSec, q.durationNsec) : '?');
    ds.put('\n');
  }
}
