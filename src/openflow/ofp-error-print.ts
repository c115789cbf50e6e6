/* ofp-error-print: the text of an OFPT_ERROR message: the error's name, then
 * either the quoted hello-failure text or the offending message it quotes
 * (printed recursively through ofp-print.ts). */
import type { Ds } from '../lib/dynamic-string.js';
import { printable } from '../lib/hex-dump.js';
import { decodeErrorBody, OfpError } from './ofp-errors.js';
import { msgBody, type OfpMsg } from './ofp-msgs.js';
import { ofpToString } from './ofp-print.js';

/** Formats an error message; an unknown error code is OFPBRC_BAD_LEN as in
 * OVS (the printer then dumps the message in hex). */
export function formatErrorMsg(ds: Ds, msg: OfpMsg): void {
  const e = decodeErrorBody(msg.version, msgBody(msg));
  if (!e || !e.error) throw new OfpError('OFPBRC_BAD_LEN');
  ds.put(` ${e.error}\n`);
  if (e.error === 'OFPHFC_INCOMPATIBLE' || e.error === 'OFPHFC_EPERM') ds.put(printable(e.payload));
  else ds.put(ofpToString(e.payload, 1));
}
