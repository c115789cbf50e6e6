/* ofctl-parse: ovs-ofctl's offline parse-flow / parse-flows commands: parse
 * flow-mod text, report the protocols able to carry it, choose one among
 * those allowed (-O / -F) and print each flow-mod as it would be encoded. */
import type { OfctlOptions } from './ovs-ofctl.js';
import { parseFlowModText, preprocessedLines } from '../openflow/ofp-flow-parse.js';
import { protocolsToString, protocolToString, protocolToVersion, Proto } from '../openflow/ofp-protocol.js';
import { encodeFlowMod, OFPFC_ADD, type FlowMod } from '../openflow/ofp-flow.js';
import { ofpToString } from '../openflow/ofp-print.js';

/** Encodes 'fm' for a single protocol 'p' with 'xid'. */
export function encodeFlowModForProtocol(fm: FlowMod, p: number, xid: number): Uint8Array {
  const version = protocolToVersion(p);
  return encodeFlowMod(fm, version, {
    xid, nxm: (p & Proto.OF10_NXM_ANY) !== 0, tid: (p & (Proto.OF10_STD_TID | Proto.OF10_NXM_TID)) !== 0,
  });
}

/** Prints the usable protocols, the chosen one and each flow-mod encoded
 * in it; exits with ovs-ofctl's message if no allowed protocol fits. */
function printFlowMods(fms: FlowMod[], usable: number, opts: OfctlOptions): number {
  process.stdout.write(`usable protocols: ${protocolsToString(usable)}\n`);
  if (!(usable & opts.allowedProtocols)) {
    process.stderr.write('ovs-ofctl: no usable protocol\n');
    return 1;
  }
  let protocol = 0;
  for (let i = 0; i < 32; i++) {
    protocol = 1 << i;
    if (protocol & usable & opts.allowedProtocols) break;
  }
  process.stdout.write(`chosen protocol: ${protocolToString(protocol)}\n`);
  let xid = 1;
  for (const fm of fms) process.stdout.write(ofpToString(encodeFlowModForProtocol(fm, protocol, xid++), opts.more.length));
  return 0;
}

/** parse-flow FLOW and parse-flows FILE ('lines' null: single flow). */
export async function parseFlows(lines: string[], opts: OfctlOptions, fileName: string | null = null): Promise<number> {
  const fms: FlowMod[] = [];
  let usable = 0x1ff;
  if (fileName === null) {
    const r = parseFlowModText(lines[0]!, OFPFC_ADD);
    if (typeof r === 'string') {
      process.stderr.write(`ovs-ofctl: ${r}\n`);
      return 1;
    }
    fms.push(r.fm);
    usable = r.usable;
  } else {
    for (const { line, number } of preprocessedLines(lines.join('\n'))) {
      const r = parseFlowModText(line, OFPFC_ADD);
      if (typeof r === 'string') {
        process.stderr.write(`ovs-ofctl: ${fileName}:${number}: ${r}\n`);
        return 1;
      }
      fms.push(r.fm);
      usable &= r.usable;
    }
  }
  return printFlowMods(fms, usable, opts);
}
