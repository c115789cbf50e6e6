/* ofpact-codec: the one place where the message layer meets the action
 * codec (ofp-actions*.ts, owned by the flow-language side): pulling action
 * lists and instruction lists out of messages, writing them back, and
 * formatting them.  Message files (ofp-group.ts, ofp-flow.ts,
 * ofp-packet.ts, ofp-monitor.ts) use only these functions, so the action
 * representation stays opaque here.
 *
 * Until the action codec is available, actions are kept as their raw wire
 * bytes, are written back verbatim and cannot be formatted (formatting
 * throws OFPBAC_BAD_TYPE, which ofp-print reports as a decode error).
 */
import { OfpError } from './ofp-errors.js';
import type { OfpWriter } from './ofp-buffer.js';
import type { PortNames } from './ofp-port-map.js';

/** An action list as decoded from a message. */
export interface Ofpacts {
  /** Wire version the actions were decoded from. */
  version: number;
  /** True if 'raw' holds instructions rather than bare actions. */
  instructions: boolean;
  /** The encoded actions or instructions. */
  raw: Uint8Array;
  /** The action codec's decoded form, when available. */
  decoded?: unknown;
}

/** An empty action list ("drop"). */
export function emptyOfpacts(version: number): Ofpacts {
  return { version, instructions: false, raw: new Uint8Array(0) };
}

/** Decodes 'len' bytes of OpenFlow actions at d[pos]; throws OfpError. */
export function pullActions(d: Uint8Array, pos: number, len: number, version: number): Ofpacts {
  if (pos + len > d.length || len % 8) throw new OfpError('OFPBRC_BAD_LEN');
  return { version, instructions: false, raw: d.slice(pos, pos + len) };
}

/** Decodes 'len' bytes of OpenFlow 1.1+ instructions; throws OfpError. */
export function pullInstructions(d: Uint8Array, pos: number, len: number, version: number): Ofpacts {
  if (pos + len > d.length || len % 8) throw new OfpError('OFPBRC_BAD_LEN');
  return { version, instructions: true, raw: d.slice(pos, pos + len) };
}

/** Appends 'a' as actions for 'version'. */
export function putActions(w: OfpWriter, a: Ofpacts, _version: number): void {
  w.bytes(a.raw);
}

/** Appends 'a' as instructions for 'version'. */
export function putInstructions(w: OfpWriter, a: Ofpacts, _version: number): void {
  w.bytes(a.raw);
}

/** Formats an action list as ovs-ofctl does ("output:1,drop" ...). */
export function formatOfpacts(a: Ofpacts, _ports?: PortNames): string {
  if (!a.raw.length) return 'drop';
  throw new OfpError('OFPBAC_BAD_TYPE', 'action formatting unavailable');
}
