/* ofctl-diff: ovs-ofctl's replace-flows and diff-flows.
 *
 * Flows from a file (flow-mod text) or a switch (a flow stats dump) become
 * flow table entries keyed by table, priority and match; each entry holds up
 * to two versions (cookie, timeouts, importance, actions), one per source.
 * diff-flows prints entries whose versions differ ("-" first source, "+"
 * second) and exits 2 if any do; replace-flows deletes what only the switch
 * has and adds what the file has new or different. */
import { existsSync } from 'node:fs';
import type { OfctlOptions } from './ovs-ofctl.js';
import {
  openVconn, setProtocolForFlowDump, dumpFlowStats, transactNoReply, bundleTransact, portsToAccept, tablesToAccept,
  readTextFile, shouldShowNames, getPortMap, die, ExitError,
} from './ofctl-switch.js';
import { encodeFlowModForProtocol } from './ofctl-parse.js';
import { parseFlowModText, preprocessedLines } from '../openflow/ofp-flow-parse.js';
import { encodeFlowStatsRequest, OFPFC_ADD, OFPFC_DELETE_STRICT, type FlowMod } from '../openflow/ofp-flow.js';
import { matchToString, type Match } from '../openflow/ofp-match-codec.js';
import { formatOfpacts, ofpactsFrom, type Ofpacts } from '../openflow/ofpact-codec.js';
import { Proto, protocolToVersion } from '../openflow/ofp-protocol.js';
import { allocXid, decodeMsg, type OfpMsg } from '../openflow/ofp-msgs.js';
import { encodeTlvTableRequest, decodeTlvTableReply } from '../openflow/ofp-tlv.js';
import { OfpError } from '../openflow/ofp-errors.js';
import { OFPG_ANY } from '../openflow/ofp-group.js';
import type { PortNames } from '../openflow/ofp-port-map.js';
import type { Vconn } from '../openflow/vconn.js';

function msgOf(m: Uint8Array): OfpMsg | null {
  const d = decodeMsg(m);
  return d instanceof OfpError ? null : d;
}

const FF_SEND_FLOW_REM = 1 << 0, FF_EMERG = 1 << 2;
const OFPP_ANY = 0xffff;

/** One source's view of a flow. */
interface FteVersion {
  cookie: bigint; idleTimeout: number; hardTimeout: number; importance: number; flags: number;
  ofpacts: Ofpacts; tableId: number;
}

/** A flow table entry: the rule and its version in each source. */
interface Fte { match: Match; priority: number; versions: [FteVersion | null, FteVersion | null] }

/** All entries, by table then by rule text, in insertion order.  Flows are
 * queued first; fill() then gives every tun_metadataN the largest length
 * any flow used for it (as OVS builds one common TLV table), so flows
 * whose metadata was allocated differently compare and print alike. */
class FlowTables {
  readonly tables = new Map<number, Map<string, Fte>>();
  portMap: PortNames = undefined;
  private pending: { match: Match; priority: number; v: FteVersion; index: 0 | 1 }[] = [];
  /** Option lengths a switch's TLV table gives tun_metadataN (our decoder
   * trims values to their significant bytes; OVS keeps the wire length). */
  readonly tlvLen: number[] = [];

  /** True if some queued flow matches tunnel metadata. */
  hasTunMetadata(): boolean { return this.pending.some((p) => p.match.tunMd.some((e) => e)); }

  queue(match: Match, priority: number, v: FteVersion, index: 0 | 1): void {
    this.pending.push({ match, priority, v, index });
  }

  fill(): void {
    const maxLen: number[] = [...this.tlvLen];
    for (const { match } of this.pending) {
      match.tunMd.forEach((e, i) => { if (e && e.len > (maxLen[i] ?? -1)) maxLen[i] = e.len; });
    }
    for (const { match, priority, v, index } of this.pending) {
      let m = match;
      if (m.tunMd.some((e, i) => e && e.len !== maxLen[i])) {
        m = match.clone();
        m.tunMd = m.tunMd.map((e, i) => {
          if (!e || e.len === maxLen[i]) return e;
          const len = maxLen[i]!, pad = len - e.len;
          const value = new Uint8Array(len), mask = new Uint8Array(len);
          value.set(e.value, pad);
          mask.fill(e.masked ? 0 : 0xff, 0, pad);
          mask.set(e.mask, pad);
          return { len, masked: !mask.every((b) => b === 0xff), value, mask };
        });
      }
      this.insert(m, priority, v, index);
    }
    this.pending = [];
  }

  private insert(match: Match, priority: number, v: FteVersion, index: 0 | 1): void {
    let t = this.tables.get(v.tableId);
    if (!t) this.tables.set(v.tableId, (t = new Map()));
    const key = matchToString(match, priority);
    let fte = t.get(key);
    if (!fte) t.set(key, (fte = { match, priority, versions: [null, null] }));
    fte.versions[index] = v;
  }

  /** Entries of every table, tables in numeric order. */
  *entries(): Generator<Fte> {
    for (const id of [...this.tables.keys()].sort((a, b) => a - b)) yield* this.tables.get(id)!.values();
  }
}

function versionEquals(a: FteVersion, b: FteVersion): boolean {
  return a.cookie === b.cookie && a.idleTimeout === b.idleTimeout && a.hardTimeout === b.hardTimeout
    && a.importance === b.importance && a.tableId === b.tableId && formatOfpacts(a.ofpacts) === formatOfpacts(b.ofpacts);
}

function versionFormat(fte: Fte, v: FteVersion, ports: PortNames): string {
  let s = v.tableId ? `table=${v.tableId} ` : '';
  s += matchToString(fte.match, fte.priority, ports);
  if (v.cookie) s += ` cookie=0x${v.cookie.toString(16)}`;
  if (v.idleTimeout) s += ` idle_timeout=${v.idleTimeout}`;
  if (v.hardTimeout) s += ` hard_timeout=${v.hardTimeout}`;
  if (v.importance) s += ` importance=${v.importance}`;
  return s + ' actions=' + formatOfpacts(v.ofpacts, ports) + '\n';
}

/** Reads flow-mod lines of 'file' into version 'index'; returns their usable protocols. */
function readFlowsFromFile(file: string, tables: FlowTables, index: 0 | 1,
  ports?: PortNames, tableNames?: ReadonlyMap<number, string>): number {
  const text = readTextFile(file);
  let usable = Proto.ANY as number;
  for (const { line, number } of preprocessedLines(text)) {
    const r = parseFlowModText(line, OFPFC_ADD, { ports: ports ?? undefined, tables: tableNames });
    if (typeof r === 'string') die(`${file}:${number}: ${r}`);
    usable &= r.usable;
    const fm = r.fm;
    tables.queue(fm.match, fm.priority, {
      cookie: fm.newCookie, idleTimeout: fm.idleTimeout, hardTimeout: fm.hardTimeout, importance: fm.importance,
      flags: fm.flags & (FF_SEND_FLOW_REM | FF_EMERG), ofpacts: fm.ofpacts, tableId: fm.tableId !== 0xff ? fm.tableId : 0,
    }, index);
  }
  return usable;
}

/** Dumps every flow of the switch on 'vc' (flow protocol 'protocol') into version 'index'. */
async function readFlowsFromSwitch(vc: Vconn, protocol: number, tables: FlowTables, index: 0 | 1): Promise<void> {
  const { Match } = await import('../openflow/match.js');
  const fsr = { aggregate: false, match: new Match(), cookie: 0n, cookieMask: 0n, outPort: OFPP_ANY, outGroup: OFPG_ANY, tableId: 0xff };
  const req = encodeFlowStatsRequest(fsr, protocolToVersion(protocol), { nxm: (protocol & Proto.OF10_NXM_ANY) !== 0, xid: allocXid() });
  for (const fs of await dumpFlowStats(vc, req)) {
    tables.queue(fs.match, fs.priority, {
      cookie: fs.cookie, idleTimeout: fs.idleTimeout, hardTimeout: fs.hardTimeout, importance: fs.importance,
      flags: 0, ofpacts: fs.ofpacts, tableId: fs.tableId,
    }, index);
  }
}

function makeFlowMod(fte: Fte, v: FteVersion, command: number): FlowMod {
  return {
    match: fte.match, priority: fte.priority, cookie: 0n, cookieMask: 0n, newCookie: v.cookie, modifyCookie: true,
    tableId: v.tableId, command, idleTimeout: v.idleTimeout, hardTimeout: v.hardTimeout, importance: v.importance,
    bufferId: 0xffffffff, outPort: OFPP_ANY, outGroup: OFPG_ANY, flags: v.flags,
    ofpacts: command === OFPFC_ADD ? v.ofpacts : ofpactsFrom([], 1),
  };
}

/** replace-flows SWITCH FILE. */
export async function replaceFlows(args: string[], opts: OfctlOptions): Promise<void> {
  const [name, file] = [args[0]!, args[1]!];
  const tables = new FlowTables();
  const ports = await portsToAccept(name, opts);
  const tableNames = await tablesToAccept(name, opts);
  const usable = readFlowsFromFile(file, tables, 0, ports, tableNames);
  const { vc, protocol: cur } = await openVconn(name, opts);
  const protocol = await setProtocolForFlowDump(vc, cur, usable, opts);
  await readFlowsFromSwitch(vc, protocol, tables, 1);
  tables.fill();

  const mods: FlowMod[] = [];
  for (const id of [...tables.tables.keys()].sort((a, b) => a - b)) {
    const t = tables.tables.get(id)!;
    for (const fte of t.values()) {
      const [fileVer, swVer] = fte.versions;
      if (swVer && !fileVer) mods.push(makeFlowMod(fte, swVer, OFPFC_DELETE_STRICT));
    }
    for (const fte of t.values()) {
      const [fileVer, swVer] = fte.versions;
      if (fileVer && (opts.readd || !swVer || !versionEquals(swVer, fileVer))) mods.push(makeFlowMod(fte, fileVer, OFPFC_ADD));
    }
  }
  const reqs = mods.map((fm) => encodeFlowModForProtocol(fm, protocol, allocXid()));
  if (opts.bundle) await bundleTransact(vc, reqs, opts);
  else for (const r of reqs) await transactNoReply(vc, r, opts);
  vc.close();
}

/** Reads 'source' (a file name, or a switch) into version 'index'. */
async function readFlowsFromSource(source: string, tables: FlowTables, index: 0 | 1, opts: OfctlOptions): Promise<void> {
  if (source.startsWith('/') || source.startsWith('.') || (!source.includes(':') && existsSync(source))) {
    readFlowsFromFile(source, tables, index, tables.portMap);
  } else {
    const { vc, protocol: cur } = await openVconn(source, opts);
    const protocol = await setProtocolForFlowDump(vc, cur, Proto.ANY, opts);
    await readFlowsFromSwitch(vc, protocol, tables, index);
    if (tables.hasTunMetadata()) {
      const reply = msgOf(await vc.transact(encodeTlvTableRequest(vc.version, allocXid())));
      if (reply && reply.info.type === 'NXT_TLV_TABLE_REPLY') {
        try {
          for (const m of decodeTlvTableReply(reply).mappings) {
            tables.tlvLen[m.index] = Math.max(tables.tlvLen[m.index] ?? 0, m.optionLen);
          }
        } catch { /* a bad table leaves lengths as the flows give them */ }
      }
    }
    vc.close();
    if (!tables.portMap && shouldShowNames(opts)) tables.portMap = await getPortMap(source, opts);
  }
}

/** diff-flows SOURCE1 SOURCE2: exits 2 if the flows differ. */
export async function diffFlows(args: string[], opts: OfctlOptions): Promise<void> {
  const tables = new FlowTables();
  await readFlowsFromSource(args[0]!, tables, 0, opts);
  await readFlowsFromSource(args[1]!, tables, 1, opts);
  tables.fill();
  let out = '';
  for (const fte of tables.entries()) {
    const [a, b] = fte.versions;
    if (a && b && versionEquals(a, b)) continue;
    if (a) out += '-' + versionFormat(fte, a, tables.portMap);
    if (b) out += '+' + versionFormat(fte, b, tables.portMap);
  }
  process.stdout.write(out);
  if (out) throw new ExitError(2);
}
