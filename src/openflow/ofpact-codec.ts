/* ofpact-codec: the one place where the message layer meets the action
 * codec (ofp-actions*.ts, owned by the flow-language side): pulling action
 * lists and instruction lists out of messages, writing them back (in any
 * version, so a flow-mod can be re-encoded for another protocol), and
 * formatting them.  Message files (ofp-group.ts, ofp-flow.ts,
 * ofp-packet.ts, ofp-monitor.ts) use only these functions. */
import { OfpError } from './ofp-errors.js';
import { copyRange, type OfpWriter } from './ofp-buffer.js';
import type { PortNames, TableNames } from './ofp-port-map.js';
import {
  decodeActions, decodeInstructions, encodeActions, encodeInstructions, formatActions, type Ofpact,
} from './ofp-actions-all.js';

/** An action list as decoded from (or to be encoded into) a message. */
export interface Ofpacts {
  /** Wire version the actions were decoded from (or built for). */
  version: number;
  /** True if decoded from instructions rather than bare actions. */
  instructions: boolean;
  /** The encoded bytes as received (empty for locally built lists). */
  raw: Uint8Array;
  /** The decoded actions (OVS's ofpacts). */
  decoded: Ofpact[];
}

/** An empty action list ("drop"). */
export function emptyOfpacts(version: number): Ofpacts {
  return { version, instructions: false, raw: new Uint8Array(0), decoded: [] };
}

/** Wraps already-decoded actions (e.g. parsed from text). */
export function ofpactsFrom(decoded: Ofpact[], version: number): Ofpacts {
  return { version, instructions: false, raw: new Uint8Array(0), decoded };
}

/** Decodes 'len' bytes of OpenFlow actions at d[pos]; throws OfpError. */
export function pullActions(d: Uint8Array, pos: number, len: number, version: number): Ofpacts {
  if (len < 0 || pos + len > d.length) throw new OfpError('OFPBRC_BAD_LEN');
  const view = pos + len === d.length ? d : d.subarray(0, pos + len);
  const r = decodeActions(view, pos, len, version);
  if (r instanceof OfpError) throw r;
  return { version, instructions: false, raw: copyRange(d, pos, len), decoded: r };
}

/** Decodes 'len' bytes of OpenFlow 1.1+ instructions; throws OfpError. */
export function pullInstructions(d: Uint8Array, pos: number, len: number, version: number): Ofpacts {
  if (len < 0 || pos + len > d.length) throw new OfpError(version === 1 ? 'OFPBRC_BAD_LEN' : 'OFPBIC_BAD_LEN');
  const view = pos + len === d.length ? d : d.subarray(0, pos + len);
  const r = decodeInstructions(view, pos, len, version);
  if (r instanceof OfpError) throw r;
  return { version, instructions: true, raw: copyRange(d, pos, len), decoded: r };
}

/** Appends 'a' as actions for 'version'. */
export function putActions(w: OfpWriter, a: Ofpacts, version: number): void {
  encodeActions(w, a.decoded, version);
}

/** Appends 'a' as instructions for 'version'. */
export function putInstructions(w: OfpWriter, a: Ofpacts, version: number): void {
  encodeInstructions(w, a.decoded, version);
}

/** Formats an action list as ovs-ofctl does ("output:1,drop" ...). */
export function formatOfpacts(a: Ofpacts, ports?: PortNames, tables?: TableNames): string {
  return formatActions(a.decoded, { ports, tables });
}

/** True if the list has no actions. */
export function ofpactsEmpty(a: Ofpacts): boolean {
  return a.decoded.length === 0;
}
