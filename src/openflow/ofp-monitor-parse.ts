/* ofp-monitor-parse: the flow monitor request text of ovs-ofctl's
 * "monitor SWITCH watch:[SPEC...]" ("!initial,!own,table=1,in_port=2").
 * Produces the FlowMonitorRequest of ofp-monitor.ts; match fields go through
 * the flow-language parser (ofp-match-parse.ts). */
import { Match } from './match.js';
import { parseKeyValue, type KvCursor } from './ofp-parse.js';
import { parseMatchKeyValue, type Usable } from './ofp-match-parse.js';
import { tableFromString } from './ofp-flow-parse.js';
import { Proto } from './ofp-protocol.js';
import { OFPG_ANY } from './ofp-group.js';
import type { PortNames } from './ofp-port-map.js';
import {
  OFPFMF_INITIAL, OFPFMF_ADD, OFPFMF_REMOVED, OFPFMF_MODIFY, OFPFMF_INSTRUCTIONS, OFPFMF_NO_ABBREV, OFPFMF_ONLY_OWN,
  OFPFMC_ADD, type FlowMonitorRequest,
} from './ofp-monitor.js';

const OFPP_NONE = 0xffff;

/** "!word" keywords and the flag each clears. */
const NOT_FLAGS: Record<string, number> = {
  '!initial': OFPFMF_INITIAL, '!add': OFPFMF_ADD, '!delete': OFPFMF_REMOVED, '!modify': OFPFMF_MODIFY,
  '!actions': OFPFMF_INSTRUCTIONS, '!abbrev': OFPFMF_NO_ABBREV, '!own': OFPFMF_ONLY_OWN,
};

let nextId = 0;

/** Parses a watch specification into a request with a fresh id; returns
 * it with its usable protocols, or ovs-ofctl's error text. */
export function parseFlowMonitorRequest(s: string, ports?: PortNames, tables?: ReadonlyMap<number, string>):
  { fmr: FlowMonitorRequest; usable: number } | string {
  const fmr: FlowMonitorRequest = {
    id: ++nextId, command: OFPFMC_ADD,
    flags: OFPFMF_INITIAL | OFPFMF_ADD | OFPFMF_REMOVED | OFPFMF_MODIFY | OFPFMF_ONLY_OWN | OFPFMF_INSTRUCTIONS,
    outPort: OFPP_NONE, outGroup: OFPG_ANY, tableId: 0xff, match: new Match(),
  };
  const usable: Usable = { p: Proto.ANY };
  const cur: KvCursor = { s, pos: 0 };
  for (let kv = parseKeyValue(cur); kv; kv = parseKeyValue(cur)) {
    const { key: name, value } = kv;
    if (Object.prototype.hasOwnProperty.call(NOT_FLAGS, name)) {
      fmr.flags &= ~NOT_FLAGS[name]!;
      continue;
    }
    const r = parseMatchKeyValue(fmr.match, name, value, ports ?? null, usable);
    if (r !== undefined) {
      if (r) return r;
      if (!(usable.p & Proto.OF10_ANY)) return `${name}: match field is not supported for flow monitor`;
      continue;
    }
    if (!value) return `${s}: field ${name} missing value`;
    if (name === 'table') {
      const t = tableFromString(value, tables);
      if (t === null) return `unknown table "${value}"`;
      fmr.tableId = t;
    } else if (name === 'out_port') {
      fmr.outPort = (parseInt(value, 10) || 0) & 0xffff;
    } else if (name === 'out_group') {
      fmr.outGroup = (parseInt(value, 10) || 0) >>> 0;
    } else {
      return `${s}: unknown keyword ${name}`;
    }
  }
  return { fmr, usable: usable.p };
}
