/* ofp-print: the text of any OpenFlow message exactly as `ovs-ofctl
 * ofp-print` shows it.
 *
 * ofpToString() frames the checks OVS makes (empty, too short, truncated,
 * trailing bytes), identifies the message with ofp-msgs.ts, then calls the
 * formatter registered for its type in FORMATTERS.  Formatters live with
 * their message family (ofp-switch.ts, ofp-flow.ts, ...) and append to a Ds;
 * one that throws OfpError gets "***decode error: NAME***" and a hex dump,
 * as OVS does.
 */
import type { PrintNames } from './ofp-formatters.js';
import { Ds } from '../lib/dynamic-string.js';
import { hexDump } from '../lib/hex-dump.js';
import { OfpError } from './ofp-errors.js';
import {
  decodeMsgThrow, decodeRawPartial, versionSuffix, isStatRequest, OFPSF_REPLY_MORE,
  type OfpMsg, type OfpType, type RawInfo,
} from './ofp-msgs.js';
import { FORMATTERS } from './ofp-formatters.js';

/** Formats a message body after its header line; may throw OfpError. */
export type Formatter = (ds: Ds, msg: OfpMsg, verbosity: number) => void;

function headerToString(data: Uint8Array, info: RawInfo): string {
  const xid = ((data[4]! << 24) | (data[5]! << 16) | (data[6]! << 8) | data[7]!) >>> 0;
  return `${info.name}${versionSuffix(data[0]!)} (xid=0x${xid.toString(16)}):`;
}

function printStatsFlags(ds: Ds, msg: OfpMsg): void {
  let flags = msg.flags;
  if (!flags) return;
  ds.put(' flags=');
  if ((!isStatRequest(msg.version, msg.data[1]!) || msg.version >= 4) && flags & OFPSF_REPLY_MORE) {
    ds.put('[more]');
    flags &= ~OFPSF_REPLY_MORE;
  }
  if (flags) ds.put(`[***unknown flags 0x${flags.toString(16).padStart(4, '0')}***]`);
}

function addNewline(ds: Ds): void {
  if (ds.length && ds.last() !== '\n') ds.put('\n');
}

function errorText(e: unknown): string {
  return e instanceof OfpError ? e.error : 'OFPBRC_BAD_LEN';
}

/** The text of the OpenFlow message in 'data' at 'verbosity' (ovs-ofctl's
 * default is 2).  Never throws. */
export function ofpToString(data: Uint8Array, verbosity = 2, names?: PrintNames): string {
  const ds = new Ds();
  const len = data.length;
  if (!len) {
    return 'OpenFlow message is empty\n';
  } else if (len < 8) {
    ds.put(`OpenFlow packet too short (only ${len} bytes):\n`);
  } else {
    const msgLen = (data[2]! << 8) | data[3]!;
    if (msgLen > len) {
      try {
        const info = decodeRawPartial(data, len);
        ds.put(headerToString(data, info) + '\n');
      } catch {
        /* Unknown type: just the truncation note. */
      }
      ds.put(`(***truncated to ${len} bytes from ${msgLen}***)\n`);
    } else if (msgLen < len) {
      ds.put(`(***only uses ${msgLen} bytes out of ${len}***)\n`);
    } else {
      let failed = false;
      let msg: OfpMsg | undefined;
      try {
        msg = decodeMsgThrow(data);
      } catch (e) {
        ds.put(`***decode error: ${errorText(e)}***\n`);
        failed = true;
      }
      if (msg) {
        ds.put(headerToString(data, msg.info));
        const headerLen = ds.length;
        try {
          if (msg.info.isStat) printStatsFlags(ds, msg);
          formatBody(ds, msg, verbosity, names);
          ds.chomp(' ');
        } catch (e) {
          failed = true;
          if (ds.length > headerLen) {
            ds.chomp(' ');
            addNewline(ds);
          } else {
            ds.put(' ');
          }
          ds.put(`***decode error: ${errorText(e)}***\n`);
        }
      }
      if (verbosity >= 5 || failed) {
        addNewline(ds);
        ds.put(hexDump(data));
      }
      addNewline(ds);
      return ds.s;
    }
  }
  ds.put(hexDump(data));
  return ds.s;
}

/** Appends the body text of 'msg' (no header) using its type's formatter. */
export function formatBody(ds: Ds, msg: OfpMsg, verbosity: number, names?: PrintNames): void {
  const f = FORMATTERS[msg.info.type as OfpType];
  if (f) f(ds, msg, verbosity, names);
}
