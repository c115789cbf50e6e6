/* ofp-bundle: OpenFlow 1.4 bundles (and the ONF extension in 1.3):
 * bundle-control requests/replies and bundle-add messages that wrap another
 * message (flow-mod, port-mod, group-mod, packet-out). */
import { OfpReader } from './ofp-buffer.js';
import { OfpError } from './ofp-errors.js';
import { startMsg, msgBody, decodeMsgThrow, RAWS, type OfpMsg, type OfpType } from './ofp-msgs.js';
import { bitNames } from './ofp-format.js';
import { ofpToString } from './ofp-print.js';
import type { Ds } from '../lib/dynamic-string.js';
import { vlogModule } from '../lib/vlog.js';

const log = vlogModule('ofp_bundle');

export const OFPBCT_OPEN_REQUEST = 0, OFPBCT_OPEN_REPLY = 1, OFPBCT_CLOSE_REQUEST = 2, OFPBCT_CLOSE_REPLY = 3,
  OFPBCT_COMMIT_REQUEST = 4, OFPBCT_COMMIT_REPLY = 5, OFPBCT_DISCARD_REQUEST = 6, OFPBCT_DISCARD_REPLY = 7;
export const OFPBF_ATOMIC = 1, OFPBF_ORDERED = 2;
const CTRL_NAMES = ['OPEN_REQUEST', 'OPEN_REPLY', 'CLOSE_REQUEST', 'CLOSE_REPLY', 'COMMIT_REQUEST',
  'COMMIT_REPLY', 'DISCARD_REQUEST', 'DISCARD_REPLY'];

/** C's "%#x": "0" for zero, "0x..." otherwise. */
export function hexAlt(v: number): string { return v ? '0x' + (v >>> 0).toString(16) : '0'; }

function flagNames(flags: number): string {
  return bitNames(flags, (b) => (b === OFPBF_ATOMIC ? 'atomic' : b === OFPBF_ORDERED ? 'ordered' : null));
}

/** A bundle control message. */
export interface BundleCtrl { bundleId: number; type: number; flags: number }

export function decodeBundleCtrl(msg: OfpMsg): BundleCtrl {
  const r = new OfpReader(msgBody(msg));
  return { bundleId: r.u32(), type: r.u16(), flags: r.u16() };
}

export function encodeBundleCtrl(version: number, bc: BundleCtrl, xid = 0): Uint8Array {
  return startMsg(version === 4 ? 'ONFT13_BUNDLE_CONTROL' : 'OFPT14_BUNDLE_CONTROL', version, xid)
    .u32(bc.bundleId).u16(bc.type).u16(bc.flags).finishMsg();
}

/** The reply to bundle control 'request'. */
export function encodeBundleCtrlReply(request: OfpMsg, bc: BundleCtrl): Uint8Array {
  return encodeBundleCtrl(request.version, bc, request.xid);
}

export function formatBundleCtrl(ds: Ds, msg: OfpMsg): void {
  const bc = decodeBundleCtrl(msg);
  ds.put(`\n bundle_id=${hexAlt(bc.bundleId)} type=${CTRL_NAMES[bc.type] ?? ''} flags=${flagNames(bc.flags)}`);
}

/** A bundle-add message: the bundle, flags and the wrapped message. */
export interface BundleAdd { bundleId: number; flags: number; msg: Uint8Array; type: OfpType }

const BUNDLABLE = new Set<OfpType>(['PORT_MOD', 'FLOW_MOD', 'GROUP_MOD', 'PACKET_OUT']);

/** Name of a message type as OVS prints it (its first raw's name). */
export function ofptypeName(type: OfpType): string {
  return RAWS.find((r) => r.type === type)!.name;
}

export function decodeBundleAdd(msg: OfpMsg): BundleAdd {
  const r = new OfpReader(msgBody(msg));
  const bundleId = r.u32();
  r.skip(2);
  const flags = r.u16();
  if (r.remaining < 8) throw new OfpError('OFPBFC_MSG_BAD_LEN');
  const inner = r.data.subarray(r.pos, r.end);
  if (inner[0] !== msg.version) throw new OfpError('OFPBFC_BAD_VERSION');
  const innerLen = (inner[2]! << 8) | inner[3]!;
  if (innerLen < 8 || innerLen > inner.length) throw new OfpError('OFPBFC_MSG_BAD_LEN');
  const innerXid = ((inner[4]! << 24) | (inner[5]! << 16) | (inner[6]! << 8) | inner[7]!) >>> 0;
  if (innerXid !== msg.xid) throw new OfpError('OFPBFC_MSG_BAD_XID');
  const m = inner.subarray(0, innerLen);
  let type: OfpType;
  try {
    type = decodeMsgThrow(m).info.type;
  } catch (e) {
    log.warn(`OFPT14_BUNDLE_ADD_MESSAGE contained message is unparsable (${e instanceof OfpError ? e.error : 'OFPBRC_BAD_LEN'})`);
    throw new OfpError('OFPBFC_MSG_UNSUP');
  }
  if (!BUNDLABLE.has(type)) {
    log.warn(`${ofptypeName(type)} message not allowed inside OFPT14_BUNDLE_ADD_MESSAGE`);
    throw new OfpError('OFPBFC_MSG_UNSUP');
  }
  return { bundleId, flags, msg: m, type };
}

/** Wraps 'inner' (whose xid is reused) in a bundle-add message. */
export function encodeBundleAdd(version: number, bundleId: number, flags: number, inner: Uint8Array): Uint8Array {
  const xid = ((inner[4]! << 24) | (inner[5]! << 16) | (inner[6]! << 8) | inner[7]!) >>> 0;
  return startMsg(version === 4 ? 'ONFT13_BUNDLE_ADD_MESSAGE' : 'OFPT14_BUNDLE_ADD_MESSAGE', version, xid)
    .u32(bundleId).u16(0).u16(flags).bytes(inner).finishMsg();
}

export function formatBundleAdd(ds: Ds, msg: OfpMsg, verbosity: number): void {
  const ba = decodeBundleAdd(msg);
  ds.put(`\n bundle_id=${hexAlt(ba.bundleId)} flags=${flagNames(ba.flags)}\n`);
  ds.put(ofpToString(ba.msg, verbosity));
}
