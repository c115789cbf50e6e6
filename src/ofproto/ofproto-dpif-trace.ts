/* ofproto-dpif-trace: the text of "ovs-appctl ofproto/trace".
 *
 * Translation (ofproto-dpif-xlate.ts) records what it does as a tree of
 * TraceNodes when XlateIn.trace is set: a node per bridge, per table
 * visited (with the rule found), per action, and detail, warning and error
 * notes under them.  This file defines that tree, prints it with OVS's
 * indentation rules, formats flows the way OVS's flow_format() does, and
 * assembles the whole report: "Flow:", the tree, "Final flow:",
 * "Megaflow:" and "Datapath actions:".
 *
 * The unixctl command itself (argument parsing, -generate, packets,
 * recirculation queues) belongs to ofproto-dpif.ts, which calls traceReport().
 */
import { FL, FLOW_SIZE, get16, get32, get64, ETH_TYPE_IP, ETH_TYPE_IPV6, ETH_TYPE_ARP, ETH_TYPE_RARP,
  ETH_TYPE_MPLS, ETH_TYPE_MPLS_MCAST, ETH_TYPE_NSH, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP,
  IPPROTO_SCTP, FLOW_NW_FRAG_LATER, PT_ETH } from '../openflow/flow.js';
import { Match } from '../openflow/match.js';
import { formatMatch } from '../openflow/match-format.js';
import type { PortNames } from '../openflow/ofp-port-map.js';
import { formatOdpActions } from '../datapath/odp-actions.js';
import { type XlateIn, type XlateOut, type XBridge, type RecircNode, xlateActions } from './ofproto-dpif-xlate.js';
import type { Ofpact } from '../openflow/ofp-actions.js';
import { parseKeyValues, parseProtocol } from '../openflow/ofp-parse.js';
import { mfFromName, mfArePrereqsOk, mfGetValue, mfSetFlowValue } from '../openflow/meta-flow.js';
import { mfParseValue } from '../openflow/meta-flow-format.js';
import { put16, put32 } from '../openflow/flow.js';

/** Kinds of trace nodes (enum oftrace_node_type). */
export const enum TraceType {
  BRIDGE = 'bridge', TABLE = 'table', THAW = 'thaw', ACTION = 'action', DETAIL = 'detail',
  WARN = 'warn', ERROR = 'error', BUCKET = 'bucket',
}

/** One line of a trace and the lines nested under it. */
export interface TraceNode {
  type: TraceType;
  text: string;
  subs: TraceNode[];
}

/** Appends a node to 'list' and returns it. */
export function traceReport(list: TraceNode[], type: TraceType, text: string): TraceNode {
  const node: TraceNode = { type, text, subs: [] };
  list.push(node);
  return node;
}

function isTerminal(t: TraceType): boolean {
  return t === TraceType.ACTION || t === TraceType.DETAIL || t === TraceType.WARN || t === TraceType.ERROR
    || t === TraceType.BUCKET;
}

/** Prints a trace tree as OVS does (oftrace_node_print_details). */
export function formatTraceNodes(nodes: readonly TraceNode[], level = 0): string {
  let s = '';
  nodes.forEach((node, i) => {
    if (node.type === TraceType.BRIDGE) s += '\n';
    const more = i < nodes.length - 1 || isTerminal(node.type) ? 1 : 0;
    const indent = ' '.repeat((level + more) * 4);
    s += indent;
    switch (node.type) {
      case TraceType.DETAIL: s += ` -> ${node.text}\n`; break;
      case TraceType.WARN: s += ` >> ${node.text}\n`; break;
      case TraceType.ERROR: s += ` >>>> ${node.text} <<<<\n`; break;
      case TraceType.BRIDGE: s += `${node.text}\n${indent}${'-'.repeat(node.text.length)}\n`; break;
      default: s += `${node.text}\n`; break;
    }
    s += formatTraceNodes(node.subs, level + more + more);
  });
  return s;
}

/* ---- flow_format ---- */

function mask(wc: Uint8Array, off: number, n: number): void { wc.fill(0xff, off, off + n); }

/**
 * The match OVS's match_wc_init() makes of a flow: every field the packet
 * has, exactly (flow_wildcards_init_for_packet plus registers and metadata).
 */
export function flowWildcardsForPacket(flow: Uint8Array): Uint8Array {
  const wc = new Uint8Array(FLOW_SIZE);
  const tunSet = get32(flow, FL.TUN_IP_DST) !== 0 || flow.subarray(FL.TUN_IPV6_DST, FL.TUN_IPV6_DST + 16).some((b) => b);
  if (tunSet) {
    for (const [o, n] of [[FL.TUN_IP_SRC, 4], [FL.TUN_IP_DST, 4], [FL.TUN_IPV6_SRC, 16], [FL.TUN_IPV6_DST, 16],
      [FL.TUN_FLAGS, 2], [FL.TUN_TOS, 1], [FL.TUN_TTL, 1], [FL.TUN_TP_SRC, 2], [FL.TUN_TP_DST, 2],
      [FL.TUN_GBP_ID, 2], [FL.TUN_GBP_FLAGS, 1], [FL.TUN_ERSPAN_VER, 1], [FL.TUN_ERSPAN_IDX, 4],
      [FL.TUN_ERSPAN_DIR, 1], [FL.TUN_ERSPAN_HWID, 1], [FL.TUN_GTPU_FLAGS, 1], [FL.TUN_GTPU_MSGTYPE, 1]] as const) {
      mask(wc, o, n);
    }
    if (get16(flow, FL.TUN_FLAGS) & 0x2 /* FLOW_TNL_F_KEY */) mask(wc, FL.TUN_ID, 8);
  } else if (get64(flow, FL.TUN_ID) !== 0n) {
    mask(wc, FL.TUN_ID, 8);
  }
  for (const [o, n] of [[FL.SKB_PRIORITY, 4], [FL.PKT_MARK, 4], [FL.CT_STATE, 1], [FL.CT_ZONE, 2], [FL.CT_MARK, 4],
    [FL.CT_LABEL, 16], [FL.RECIRC_ID, 4], [FL.DP_HASH, 4], [FL.IN_PORT, 4], [FL.PACKET_TYPE, 4]] as const) {
    mask(wc, o, n);
  }
  let dl: number;
  if (get32(flow, FL.PACKET_TYPE) === PT_ETH) {
    mask(wc, FL.DL_DST, 6); mask(wc, FL.DL_SRC, 6); mask(wc, FL.DL_TYPE, 2);
    for (let i = 0; i < 2; i++) {
      mask(wc, FL.VLANS + 4 * i, 4);
      if (get16(flow, FL.VLANS + 4 * i + 2) === 0) break;
    }
    dl = get16(flow, FL.DL_TYPE);
  } else {
    const pt = get32(flow, FL.PACKET_TYPE);
    dl = pt >>> 16 === 1 ? pt & 0xffff : 0;
  }
  const proto = flow[FL.NW_PROTO]!;
  if (dl === ETH_TYPE_IP) {
    mask(wc, FL.NW_SRC, 4); mask(wc, FL.NW_DST, 4); mask(wc, FL.CT_NW_SRC, 4); mask(wc, FL.CT_NW_DST, 4);
  } else if (dl === ETH_TYPE_IPV6) {
    mask(wc, FL.IPV6_SRC, 16); mask(wc, FL.IPV6_DST, 16); mask(wc, FL.IPV6_LABEL, 4);
    const t = get16(flow, FL.TP_SRC);
    if (proto === IPPROTO_ICMPV6 && (t === 135 || t === 136) && get16(flow, FL.TP_DST) === 0) {
      mask(wc, FL.ARP_SHA, 6); mask(wc, FL.ARP_THA, 6); mask(wc, FL.ND_TARGET, 16);
    } else {
      mask(wc, FL.CT_IPV6_SRC, 16); mask(wc, FL.CT_IPV6_DST, 16);
    }
  } else if (dl === ETH_TYPE_ARP || dl === ETH_TYPE_RARP) {
    mask(wc, FL.NW_SRC, 4); mask(wc, FL.NW_DST, 4); mask(wc, FL.NW_PROTO, 1);
    mask(wc, FL.ARP_SHA, 6); mask(wc, FL.ARP_THA, 6);
    return finishWc(wc);
  } else if (dl === ETH_TYPE_MPLS || dl === ETH_TYPE_MPLS_MCAST) {
    for (let i = 0; i < 4; i++) {
      mask(wc, FL.MPLS_LSE + 4 * i, 4);
      if (get32(flow, FL.MPLS_LSE + 4 * i) & 0x100) break;
    }
    return finishWc(wc);
  } else if (dl === ETH_TYPE_NSH) {
    mask(wc, FL.NSH_FLAGS, 1); mask(wc, FL.NSH_TTL, 1); mask(wc, FL.NSH_MDTYPE, 1); mask(wc, FL.NSH_NP, 1);
    mask(wc, FL.NSH_PATH_HDR, 4); mask(wc, FL.NSH_CONTEXT, 16);
  } else {
    return finishWc(wc);
  }
  wc[FL.NW_FRAG] = 3;
  mask(wc, FL.NW_TOS, 1); mask(wc, FL.NW_TTL, 1); mask(wc, FL.NW_PROTO, 1);
  mask(wc, FL.CT_NW_PROTO, 1); mask(wc, FL.CT_TP_SRC, 2); mask(wc, FL.CT_TP_DST, 2);
  if (!(flow[FL.NW_FRAG]! & FLOW_NW_FRAG_LATER)
      && [IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP, 2].includes(proto)) {
    mask(wc, FL.TP_SRC, 2); mask(wc, FL.TP_DST, 2);
    if (proto === IPPROTO_TCP) mask(wc, FL.TCP_FLAGS, 2);
    else if (proto === 2) mask(wc, FL.IGMP_GROUP_IP4, 4);
  }
  return finishWc(wc);
}

function finishWc(wc: Uint8Array): Uint8Array {
  mask(wc, FL.REGS, 64);
  mask(wc, FL.METADATA, 8);
  return wc;
}

function allZero(b: Uint8Array, off: number, n: number): boolean {
  for (let i = off; i < off + n; i++) if (b[i]) return false;
  return true;
}

/** Formats a flow as OVS's flow_format() does (zero metadata left out). */
export function flowFormat(flow: Uint8Array, ports?: PortNames): string {
  const wc = flowWildcardsForPacket(flow);
  const unmaskIfZero = (off: number, n: number): void => { if (allZero(flow, off, n)) wc.fill(0, off, off + n); };
  unmaskIfZero(FL.IN_PORT, 4);
  unmaskIfZero(FL.SKB_PRIORITY, 4);
  unmaskIfZero(FL.PKT_MARK, 4);
  unmaskIfZero(FL.RECIRC_ID, 4);
  unmaskIfZero(FL.DP_HASH, 4);
  unmaskIfZero(FL.CT_STATE, 1);
  unmaskIfZero(FL.CT_ZONE, 2);
  unmaskIfZero(FL.CT_MARK, 4);
  unmaskIfZero(FL.CT_LABEL, 16);
  const st = flow[FL.CT_STATE]!;
  if (!((st & 0x20) && !(st & 0x10)) || !flow[FL.CT_NW_PROTO]) {
    for (const [o, n] of [[FL.CT_NW_PROTO, 1], [FL.CT_TP_SRC, 2], [FL.CT_TP_DST, 2]] as const) wc.fill(0, o, o + n);
    const dl = get16(flow, FL.DL_TYPE);
    if (dl === ETH_TYPE_IP) { wc.fill(0, FL.CT_NW_SRC, FL.CT_NW_SRC + 8); }
    else if (dl === ETH_TYPE_IPV6) { wc.fill(0, FL.CT_IPV6_SRC, FL.CT_IPV6_SRC + 32); }
  }
  for (let i = 0; i < 16; i++) unmaskIfZero(FL.REGS + 4 * i, 4);
  unmaskIfZero(FL.METADATA, 8);
  const f = flow.slice();
  for (let i = 0; i < FLOW_SIZE; i++) f[i]! &= wc[i]!;
  return formatMatch(new Match(f, wc), ports);
}

/* ---- The whole report. ---- */

/** Slow-path explanations (explain_slow_path). */
const SLOW_EXPLANATIONS: [number, string][] = [
  [1, 'Consists of CFM packets'], [2, 'Consists of BFD packets'], [4, 'Consists of LACP packets'],
  [8, 'Consists of STP packets'], [16, 'Consists of LLDP packets'],
  [32, 'Uses action(s) not supported by datapath'], [64, 'Datapath cannot match on some fields'],
];

/**
 * Assembles the report for one translation: 'xin' must have had 'trace'
 * set (the tree) and 'initialFlow' is the flow before translation.
 * 'ports' names OpenFlow ports, 'odpPortName' datapath ports (for the
 * "names" option).
 */
export function formatTraceReport(initialFlow: Uint8Array, xin: XlateIn, xout: XlateOut, opts: {
  ports?: PortNames; odpPortName?: (p: number) => string;
} = {}): string {
  let s = 'Flow: ' + flowFormat(initialFlow, opts.ports) + '\n';
  s += formatTraceNodes(xin.trace ?? []);
  s += '\nFinal flow: ';
  let same = true;
  for (let i = 0; i < FLOW_SIZE; i++) if (initialFlow[i] !== xout.finalFlow[i]) { same = false; break; }
  s += same ? 'unchanged' : flowFormat(xout.finalFlow, opts.ports);
  s += '\nMegaflow: ';
  const mf = initialFlow.slice();
  for (let i = 0; i < FLOW_SIZE; i++) mf[i]! &= xout.wc[i]!;
  s += formatMatch(new Match(mf, xout.wc.slice()), opts.ports);
  s += '\nDatapath actions: ' + formatOdpActions(xout.odpActions, opts.odpPortName);
  if (xout.error) {
    s += `\nTranslation failed (${xout.errorText}), packet is dropped.\n`;
  } else if (xout.slow) {
    s += '\nThis flow is handled by the userspace slow path because it:';
    for (const [bit, text] of SLOW_EXPLANATIONS) if (xout.slow & bit) s += `\n  - ${text}.`;
  }
  return s;
}

/** ct_state flag names in OVS's order (ct_state_to_string). */
const CT_STATE_NAMES: [number, string][] = [
  [0x01, 'new'], [0x02, 'est'], [0x04, 'rel'], [0x08, 'rpl'], [0x10, 'inv'], [0x20, 'trk'], [0x40, 'snat'],
  [0x80, 'dnat'],
];

/** Options of a whole ofproto/trace run. */
export interface TraceOptions {
  packet?: Uint8Array | null;
  /** Actions for ofproto/trace-packet-out. */
  ofpacts?: Ofpact[] | null;
  /** ct_state values to resume conntrack recirculations with (--ct-next). */
  nextCtStates?: number[];
  ports?: PortNames;
  odpPortName?: (p: number) => string;
}

/**
 * Runs "ofproto/trace" for 'flow' on 'bridge': the main translation, then
 * every recirculation it queued (conntrack forks), each with its banner.
 * Returns the text ovs-appctl prints (ending in a newline).
 */
export function ofprotoTrace(bridge: XBridge, flow: Uint8Array, opts: TraceOptions = {}): string {
  const queue: RecircNode[] = [];
  const nextCt = opts.nextCtStates ? opts.nextCtStates.slice() : null;
  let s = traceOne(bridge, flow, opts.packet ?? null, queue, opts);
  while (queue.length) {
    const node = queue.shift()!;
    s += '\n\n' + '='.repeat(79) + `\nrecirc(0x${node.recircId.toString(16)})`;
    if (node.type === 'conntrack') {
      let st: number;
      if (!nextCt || !nextCt.length) {
        st = 0x20 | 0x01;
        s += ' - resume conntrack with default ct_state=trk|new (use --ct-next to customize)';
      } else {
        st = nextCt.shift()!;
        s += ` - resume conntrack with ct_state=${CT_STATE_NAMES.filter(([b]) => st & b).map(([, n]) => n).join('|')}`;
      }
      node.flow[FL.CT_STATE] = st;
    }
    s += '\n' + '='.repeat(79) + '\n\n';
    s += traceOne(bridge, node.flow, node.packet, queue, opts);
  }
  return s.endsWith('\n') ? s : s + '\n';
}

function traceOne(bridge: XBridge, flow: Uint8Array, packet: Uint8Array | null, queue: RecircNode[],
                  opts: TraceOptions): string {
  const trace: TraceNode[] = [];
  const xin: XlateIn = {
    bridge, flow, trace, packet, allowSideEffects: !!packet, ofpacts: opts.ofpacts ?? null, recircQueue: queue,
  };
  const initial = flow.slice();
  /* xlate_in_init() makes actset_output "unset" before the flow is printed. */
  initial[FL.ACTSET_OUTPUT] = 0; initial[FL.ACTSET_OUTPUT + 1] = 0;
  initial[FL.ACTSET_OUTPUT + 2] = 0xff; initial[FL.ACTSET_OUTPUT + 3] = 0xf7;
  const xout = xlateActions(xin);
  return formatTraceReport(initial, xin, xout, { ports: opts.ports, odpPortName: opts.odpPortName });
}

/**
 * Parses a flow as ofproto/trace takes it (parse_ofp_exact_flow): protocol
 * shorthands and "field=value" pairs, each field named as in meta-flow (so
 * "tp_dst" is TCP's), its prerequisites met by what came before it, set once,
 * with an exact value; VLAN TPIDs are filled in for tagged flows, and in_port
 * is NONE when none is given.  Returns the flow or an error text.
 */
export function parseExactFlow(text: string, ports?: PortNames): Uint8Array | string {
  const f = new Uint8Array(FLOW_SIZE);
  for (const { key, value } of parseKeyValues(text)) {
    const p = parseProtocol(key);
    if (p) {
      if (get16(f, FL.DL_TYPE)) return `${text}: Ethernet type set multiple times`;
      put16(f, FL.DL_TYPE, p.dlType);
      if (p.nwProto) {
        if (f[FL.NW_PROTO]) return `${text}: network protocol set multiple times`;
        f[FL.NW_PROTO] = p.nwProto;
      }
      continue;
    }
    const mf = mfFromName(key);
    if (!mf) return `${text}: unknown field ${key}`;
    if (!mfArePrereqsOk(mf, f)) return `${text}: prerequisites not met for setting ${key}`;
    if (mfGetValue(mf, f).some((b) => b !== 0)) return `${text}: field ${key} set multiple times`;
    const v = mfParseValue(mf, value, ports);
    if (typeof v === 'string') return `${text}: bad value for ${key} (${v})`;
    mfSetFlowValue(mf, v, f);
  }
  for (let i = 0; i < 2; i++) {
    if (get16(f, FL.VLANS + 4 * i + 2) & 0x1000 && !get16(f, FL.VLANS + 4 * i)) put16(f, FL.VLANS + 4 * i, 0x8100);
  }
  if (!get32(f, FL.IN_PORT)) put32(f, FL.IN_PORT, 0xffff);
  return f;
}
