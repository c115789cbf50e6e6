/* xlate-testbed: builds a bridge for translation tests and tools without a
 * datapath: an Ofproto on an in-memory provider, its XBridge, ports and
 * bundles, flows added from ovs-ofctl text, and a trace helper that prints
 * exactly what "ovs-appctl ofproto/trace" prints.
 *
 * Used by the xlate and trace tests and by bench/xlate.ts; ofproto-dpif.ts
 * builds the real XBridge from the datapath instead.
 */
import { parseMatch } from '../openflow/ofp-match-parse.js';
import { parseInstructions, parseActions, encodeInstructions, encodeActions, decodeInstructions, decodeActions, type Ofpact } from '../openflow/ofp-actions-all.js';
import { OfpError } from '../openflow/ofp-errors.js';
import { type Bucket, OFPGC11_ADD } from '../openflow/ofp-group.js';
import { OfpWriter } from '../openflow/ofp-buffer.js';
import { type FlowMod, OFPFC_ADD } from '../openflow/ofp-flow.js';
import { OFPP_ANY } from '../openflow/ofp-port.js';
import { OFPG_ANY } from '../openflow/ofp-group.js';
import type { Ofpacts } from '../openflow/ofpact-codec.js';
import { Ofproto, ofprotoClassRegister } from './ofproto.js';
import type { OfprotoClass, PktStats } from './ofproto-provider.js';
import { MacLearning } from './mac-learning.js';
import { RecircIdPool } from './ofproto-dpif-rid.js';
import {
  type XBridge, type XBundle, type XPort, type XlateIn, type XlateOut, type VlanMode, xlateActions,
} from './ofproto-dpif-xlate.js';
import { ofprotoTrace, parseExactFlow, type TraceOptions } from './ofproto-dpif-trace.js';
import { hmapOrder, hashInt } from '../lib/hash.js';

interface TestRuleState { stats: PktStats }

/** The in-memory provider: rules count packets credited to them. */
export const testbedClass: OfprotoClass = {
  types: ['testbed'],
  construct: () => 0,
  ruleConstruct(rule) { rule.dp = { stats: { packets: 0, bytes: 0, used: rule.created } } satisfies TestRuleState; return null; },
  ruleGetStats: (rule) => ({ ...(rule.dp as TestRuleState).stats }),
  meterGetFeatures: () => ({ maxMeters: 64, bandTypes: 2, capabilities: 0xf, maxBands: 8, maxColor: 0 }),
  meterSet: (_p, id) => id ?? 0,
};
ofprotoClassRegister(testbedClass);

/** Port configuration for a testbed bridge. */
export interface PortSpec {
  ofpPort: number;
  name?: string;
  odpPort?: number;
  vlanMode?: VlanMode;
  tag?: number;
  trunks?: number[];
  config?: number;
}

/** A bridge for tests: the Ofproto, its XBridge and a clock. */
export class Testbed {
  readonly ofproto: Ofproto;
  readonly xbridge: XBridge;
  readonly clock = { ms: 1_000_000 };
  wantsPacketIn = false;

  /** OpenFlow version flows and groups go through on their way in (1 = OF1.0, 4 = OF1.3...). */
  version = 1;

  constructor(name = 'br0', ports: (number | PortSpec)[] = [], rids = new RecircIdPool(), localOdpPort = 100) {
    const r = Ofproto.create(name, 'testbed', { clock: () => this.clock.ms });
    if (!('ofproto' in r)) throw new Error(r.message);
    this.ofproto = r.ofproto;
    this.xbridge = {
      name, ofproto: this.ofproto, ml: new MacLearning<unknown>(300, () => Math.floor(this.clock.ms / 1000)),
      bundles: [], ports: new Map(), forwardBpdu: false,
      support: { maskedSet: true, recirc: true, clone: true, checkPktLen: true, trunc: true, ctState: true },
      rids, wantsPacketInOnMiss: () => this.wantsPacketIn,
      ruleCredit: (rule, st) => {
        const s = (rule.dp as TestRuleState).stats;
        s.packets += st.packets; s.bytes += st.bytes; s.used = Math.max(s.used, st.used);
      },
    };
    /* The bridge's own internal port comes first, as in OVS. */
    if (localOdpPort >= 0) this.addPort({ ofpPort: 0xfffe, name, odpPort: localOdpPort });
    for (const p of ports) this.addPort(typeof p === 'number' ? { ofpPort: p } : p);
  }

  /** Adds a port with its own bundle (a bridge "Port" with one interface). */
  addPort(spec: PortSpec): XPort {
    const name = spec.name ?? `p${spec.ofpPort}`;
    const bundle: XBundle = {
      name, ofbundle: { name }, ports: [], vlanMode: spec.vlanMode ?? (spec.tag !== undefined ? 'access' : 'trunk'),
      vlan: spec.tag ?? -1, trunks: spec.trunks ? new Set(spec.trunks) : null, cvlans: null, qinqEthtype: 0x88a8,
      usePriorityTags: false, floodable: true, protected: false, isBond: false, mirrorOut: false,
    };
    const port: XPort = {
      ofpPort: spec.ofpPort, odpPort: spec.odpPort ?? spec.ofpPort, name, bridge: this.xbridge, bundle,
      config: spec.config ?? 0, state: 0, peer: null, isTunnel: false, mayEnable: true,
    };
    bundle.ports.push(port);
    this.xbridge.ports.set(spec.ofpPort, port);
    this.xbridge.bundles.push(bundle);
    /* FLOOD and ALL visit ports in OVS's hmap order. */
    this.xbridge.floodOrder = hmapOrder([...this.xbridge.ports.values()], (p) => hashInt(p.ofpPort, 0));
    return port;
  }

  /** Connects two testbeds with a patch port pair. */
  static patch(a: Testbed, aPort: number, b: Testbed, bPort: number): void {
    const pa = a.addPort({ ofpPort: aPort, name: `patch-${b.xbridge.name}` });
    const pb = b.addPort({ ofpPort: bPort, name: `patch-${a.xbridge.name}` });
    pa.odpPort = pb.odpPort = 0xffffffff;
    pa.peer = pb;
    pb.peer = pa;
    a.xbridge.bundles.splice(a.xbridge.bundles.indexOf(pa.bundle!), 1);
    b.xbridge.bundles.splice(b.xbridge.bundles.indexOf(pb.bundle!), 1);
    pa.bundle = pb.bundle = null;
  }

  /** Adds flows written as for "ovs-ofctl add-flow" (one per line). */
  addFlows(text: string): void {
    for (const line of text.split('\n')) {
      const l = line.trim();
      if (!l || l.startsWith('#')) continue;
      const err = this.ofproto.handleFlowMod(parseFlowMod(l, this.version));
      if (err) throw new Error(`${l}: ${err.message}`);
    }
  }

  /** Translates the flow written as ovs-appctl ofproto/trace takes it. */
  xlate(flowText: string, opts: Partial<XlateIn> = {}): XlateOut {
    return xlateActions({ bridge: this.xbridge, flow: parseFlow(flowText), allowSideEffects: !!opts.packet, ...opts });
  }

  /** Translates a flow given in the flow layout. */
  xlateFlow(flow: Uint8Array, opts: Partial<XlateIn> = {}): XlateOut {
    return xlateActions({ bridge: this.xbridge, flow, allowSideEffects: false, ...opts });
  }

  /** Adds a group written as for "ovs-ofctl add-group" (group_id, type, buckets). */
  addGroup(text: string): void {
    const err = this.ofproto.handleGroupMod(parseGroupMod(text, this.version));
    if (err) throw new Error(`${text}: ${err.message}`);
  }

  /** The ofproto/trace report for 'flowText', as ovs-appctl prints it. */
  trace(flowText: string, opts: TraceOptions = {}): string {
    return ofprotoTrace(this.xbridge, parseFlow(flowText), opts);
  }
}



/** Parses a flow as ofproto/trace takes it; throws on bad syntax. */
export function parseFlow(text: string): Uint8Array {
  const f = parseExactFlow(text);
  if (typeof f === 'string') throw new Error(`${text}: ${f}`);
  return f;
}

/** Encodes and decodes actions as a switch receiving them in 'version' would see them. */
export function wireActions(acts: Ofpact[], version: number, instructions: boolean): Ofpacts {
  const w = new OfpWriter();
  if (instructions) encodeInstructions(w, acts, version); else encodeActions(w, acts, version);
  const raw = w.buf.slice(0, w.len);
  const decoded = instructions ? decodeInstructions(raw, 0, raw.length, version) : decodeActions(raw, 0, raw.length, version);
  if (decoded instanceof OfpError) throw decoded;
  return { version, instructions, raw, decoded };
}

const GROUP_TYPES: Record<string, number> = { all: 0, select: 1, indirect: 2, ff: 3, fast_failover: 3 };

/** Parses "group_id=N,type=T,bucket=...,bucket=..." into an add group-mod. */
export function parseGroupMod(text: string, version: number) {
  const parts = text.split(/,bucket=/);
  const head = parts.shift()!;
  let groupId = 0, type = 0;
  for (const kv of head.split(',')) {
    const [k, v] = kv.split('=');
    if (k === 'group_id') groupId = Number(v);
    else if (k === 'type') type = GROUP_TYPES[v!]!;
  }
  const buckets: Bucket[] = parts.map((b, i) => {
    let weight = 1, watchPort = OFPP_ANY, watchGroup = OFPG_ANY, bucketId = i;
    const acts: string[] = [];
    for (const item of b.replace(/^actions=/, '').split(',')) {
      const kv = /^(weight|watch_port|watch_group|bucket_id)[:=](\d+)$/.exec(item);
      if (!kv) { acts.push(item); continue; }
      if (kv[1] === 'weight') weight = Number(kv[2]);
      else if (kv[1] === 'watch_port') watchPort = Number(kv[2]);
      else if (kv[1] === 'watch_group') watchGroup = Number(kv[2]);
      else bucketId = Number(kv[2]);
    }
    const p = parseActions(acts.join(','));
    if (typeof p === 'string') throw new Error(`${text}: ${p}`);
    return { bucketId, weight, watchPort, watchGroup, actions: wireActions(p.ofpacts, version, false) };
  });
  return { command: OFPGC11_ADD, type, groupId, commandBucketId: 0xffffffff, buckets,
    props: { selectionMethod: '', selectionMethodParam: 0n, fields: [] } };
}

/** Parses "table=N,priority=P,cookie=C,<match> actions=<actions>" into an add flow-mod. */
export function parseFlowMod(line: string, version = 1): FlowMod {
  const i = line.search(/\bactions=/);
  if (i < 0) throw new Error(`${line}: no actions`);
  let matchText = line.slice(0, i).trim().replace(/[ ,]+$/, '');
  const actText = line.slice(i + 'actions='.length);
  let tableId = 0, priority = 0x8000, cookie = 0n, idle = 0, hard = 0, importance = 0;
  const rest: string[] = [];
  for (const part of matchText.split(/[ ,]+/).filter((x) => x)) {
    const [k, v] = part.split('=');
    if (k === 'table') tableId = Number(v);
    else if (k === 'priority') priority = Number(v);
    else if (k === 'cookie') cookie = BigInt(v!);
    else if (k === 'idle_timeout') idle = Number(v);
    else if (k === 'hard_timeout') hard = Number(v);
    else if (k === 'importance') importance = Number(v);
    else rest.push(part);
  }
  matchText = rest.join(',');
  const m = parseMatch(matchText);
  if (typeof m === 'string') throw new Error(`${line}: ${m}`);
  const acts = parseInstructions(actText);
  if (typeof acts === 'string') throw new Error(`${line}: ${acts}`);
  const ofpacts = wireActions(acts.ofpacts, version, true);
  return {
    match: m.match, priority, cookie: 0n, cookieMask: 0n, newCookie: cookie, modifyCookie: false, tableId,
    command: OFPFC_ADD, idleTimeout: idle, hardTimeout: hard, importance, bufferId: 0xffffffff,
    outPort: OFPP_ANY, outGroup: OFPG_ANY, flags: 0, ofpacts,
  };
}
