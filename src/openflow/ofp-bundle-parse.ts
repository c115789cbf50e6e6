/* ofp-bundle-parse: the file ovs-ofctl's "bundle" command reads: one
 * message a line, "flow ..." (a flow-mod, optionally starting with a command
 * word), "group ..." (a group-mod) or "packet-out ...".  Each line narrows the
 * protocols the bundle can use.  The message layer's parsers (ofp-flow-parse,
 * ofp-group-parse, ofp-packet) do the work. */
import { parseFlowModText, preprocessedLines } from './ofp-flow-parse.js';
import { parseGroupModStr } from './ofp-group-parse.js';
import { parsePacketOutStr, type PacketOut } from './ofp-packet.js';
import { Proto } from './ofp-protocol.js';
import type { FlowMod } from './ofp-flow.js';
import type { GroupMod } from './ofp-group.js';
import type { PortNames } from './ofp-port-map.js';

/** One message of a bundle file. */
export type BundleMsg =
  | { type: 'FLOW_MOD'; fm: FlowMod }
  | { type: 'GROUP_MOD'; gm: GroupMod }
  | { type: 'PACKET_OUT'; po: PacketOut };

/** Parses the text of bundle file 'fileName'; returns the messages and
 * their usable protocols, or "FILE:LINE: error". */
export function parseBundleText(text: string, fileName: string, ports?: PortNames,
  tables?: ReadonlyMap<number, string>): { msgs: BundleMsg[]; usable: number } | string {
  const msgs: BundleMsg[] = [];
  let usable = Proto.ANY as number;
  for (const { line, number } of preprocessedLines(text)) {
    const s = line.replace(/^[ \t\r\n]+/, '');
    const word = /^[^, \t\r\n]*/.exec(s)![0];
    const rest = s.slice(word.length);
    let r: { usable: number; msg: BundleMsg } | string;
    if ('flow'.startsWith(word)) {
      const p = parseFlowModText(rest, -2, { ports: ports ?? undefined, tables });
      r = typeof p === 'string' ? p : { usable: p.usable, msg: { type: 'FLOW_MOD', fm: p.fm } };
    } else if ('group'.startsWith(word)) {
      const p = parseGroupModStr(rest, -2, ports, tables);
      r = typeof p === 'string' ? p : { usable: p.usable, msg: { type: 'GROUP_MOD', gm: p.gm } };
    } else if ('packet-out'.startsWith(word)) {
      const p = parsePacketOutStr(rest, { ports: ports ?? undefined, tables });
      r = typeof p === 'string' ? p : { usable: p.usable, msg: { type: 'PACKET_OUT', po: p.po } };
    } else {
      r = `Unsupported bundle message type: ${word}`;
    }
    if (typeof r === 'string') return `${fileName}:${number}: ${r}`;
    usable &= r.usable;
    msgs.push(r.msg);
  }
  return { msgs, usable };
}
