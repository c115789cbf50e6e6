/* ofp-ipfix: Nicira IPFIX statistics replies (per bridge and per flow
 * collector set). */
import { OfpReader, type OfpWriter } from './ofp-buffer.js';
import { msgBody, type OfpMsg } from './ofp-msgs.js';
import { UINT64_MAX } from './ofp-format.js';
import type { Ds } from '../lib/dynamic-string.js';

/** IPFIX exporter statistics. */
export interface IpfixStats {
  collectorSetId: number; totalFlows: bigint; currentFlows: bigint; pkts: bigint; ipv4Pkts: bigint;
  ipv6Pkts: bigint; errorPkts: bigint; ipv4ErrorPkts: bigint; ipv6ErrorPkts: bigint; txPkts: bigint; txErrors: bigint;
}

function pull(r: OfpReader): IpfixStats | null {
  if (r.remaining < 88) return null;
  const v = [r.u64(), r.u64(), r.u64(), r.u64(), r.u64(), r.u64(), r.u64(), r.u64(), r.u64(), r.u64()];
  const id = r.u32();
  r.skip(4);
  return {
    collectorSetId: id, totalFlows: v[0]!, currentFlows: v[1]!, pkts: v[2]!, ipv4Pkts: v[3]!, ipv6Pkts: v[4]!,
    errorPkts: v[5]!, ipv4ErrorPkts: v[6]!, ipv6ErrorPkts: v[7]!, txPkts: v[8]!, txErrors: v[9]!,
  };
}

/** Decodes all entries of an IPFIX stats reply. */
export function decodeIpfixStats(msg: OfpMsg): IpfixStats[] {
  const r = new OfpReader(msgBody(msg));
  const out: IpfixStats[] = [];
  for (let s; (s = pull(r));) out.push(s);
  return out;
}

/** Appends one entry to a reply body. */
export function putIpfixStats(w: OfpWriter, s: IpfixStats): void {
  for (const v of [s.totalFlows, s.currentFlows, s.pkts, s.ipv4Pkts, s.ipv6Pkts, s.errorPkts, s.ipv4ErrorPkts,
    s.ipv6ErrorPkts, s.txPkts, s.txErrors]) w.u64(v);
  w.u32(s.collectorSetId).zeros(4);
}

function st(v: bigint): string { return v === UINT64_MAX ? '?' : v.toString(); }

function formatStats(s: IpfixStats, indent: number): string {
  return `flows=${st(s.totalFlows)}, current flows=${st(s.currentFlows)}, sampled pkts=${st(s.pkts)}, ipv4 ok=${st(s.ipv4Pkts)}, ipv6 ok=${st(s.ipv6Pkts)}, tx pkts=${st(s.txPkts)}\n` +
    ' '.repeat(indent) + `pkts errs=${st(s.errorPkts)}, ipv4 errs=${st(s.ipv4ErrorPkts)}, ipv6 errs=${st(s.ipv6ErrorPkts)}, tx errs=${st(s.txErrors)}\n`;
}

export function formatIpfixBridgeReply(ds: Ds, msg: OfpMsg): void {
  for (const s of decodeIpfixStats(msg)) ds.put('\n  bridge ipfix: ' + formatStats(s, 16));
}

export function formatIpfixFlowReply(ds: Ds, msg: OfpMsg): void {
  const all = decodeIpfixStats(msg);
  ds.put(` ${Math.floor(msgBody(msg).length / 88)} ids\n`);
  for (const s of all) ds.put(`  id ${String(s.collectorSetId).padStart(3)}: ` + formatStats(s, 10));
}
