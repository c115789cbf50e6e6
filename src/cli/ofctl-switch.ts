/* ofctl-switch: ovs-ofctl commands that talk to a switch over OpenFlow
 * (show, dump-flows, add-flow, del-flows, dump-ports, ...).  Each opens a
 * connection the way ovs-ofctl does (bridge name -> $OVS_RUNDIR/BR.mgmt,
 * or a unix:/tcp: target), negotiates among the -O versions, picks a flow
 * protocol, sends its requests and prints replies with ofp-print.  The
 * order of connections and requests follows ovs-ofctl so transaction ids in
 * the output match. */
import { hexDump } from '../lib/hex-dump.js';
import { existsSync, readFileSync } from 'node:fs';
import { strerror } from '../lib/program.js';
import { vlogModule, RateLimit } from '../lib/vlog.js';

const vconnLog = vlogModule('vconn');
const vconnRl = new RateLimit(5, 5);
import type { OfctlOptions } from './ovs-ofctl.js';
import { fatal } from './ovs-ofctl.js';
import { Vconn, VconnError, getXid } from '../openflow/vconn.js';
import { ovsRundir } from '../lib/dirs.js';
import { ofpToString } from '../openflow/ofp-print.js';
import type { PrintNames } from '../openflow/ofp-formatters.js';
import { startMsg, allocXid, decodeMsg, msgBody, OFPSF_REPLY_MORE, type OfpMsg, type RawName } from '../openflow/ofp-msgs.js';
import { OfpError } from '../openflow/ofp-errors.js';
import { OfpReader } from '../openflow/ofp-buffer.js';
import { encodeEchoRequest } from '../openflow/ofp-hello.js';
import { encodeFeaturesReply as _unused, decodeFeaturesReply, decodeGetConfigReply, encodeSetConfig, fragFromString, fragToString, type SwitchConfig } from '../openflow/ofp-switch.js';
import { pullPhyPort, encodePortStatsRequest, encodePortDescRequest, encodePortMod, portFromString, OFPP_ANY, OFPP_NONE, type PhyPort, PC_PORT_DOWN, PC_NO_STP, PC_NO_RECV, PC_NO_RECV_STP, PC_NO_FLOOD, PC_NO_FWD, PC_NO_PACKET_IN } from '../openflow/ofp-port.js';
import { encodeQueueStatsRequest, encodeQueueGetConfigRequest, OFPQ_ALL } from '../openflow/ofp-queue.js';
import { parseFlowModText, preprocessedLines, tableFromString } from '../openflow/ofp-flow-parse.js';
import { parseTableMod, encodeTableMod, decodeTableDescReply, SETTING_DEFAULT, type TableMod, type TableDesc } from '../openflow/ofp-table.js';
import { formatVersionBitmapNames } from '../openflow/ofp-hello.js';
import { encodeFlowStatsRequest, decodeFlowStatsReply, formatFlowStats, OFPFC_ADD, OFPFC_MODIFY, OFPFC_MODIFY_STRICT, OFPFC_DELETE, OFPFC_DELETE_STRICT, type FlowMod, type FlowStats } from '../openflow/ofp-flow.js';
import { encodeFlowModForProtocol } from './ofctl-parse.js';
import { Proto, protocolsToString, protocolFromVersion, protocolSetTid, protocolToVersion, protocolsFromVersionBitmap } from '../openflow/ofp-protocol.js';
import { encodeSetFlowFormat, encodeFlowModTableId, NXFF_NXM, NXFF_OPENFLOW10 } from '../openflow/ofp-connection.js';
import { encodeGroupDescRequest, encodeGroupStatsRequest, encodeGroupFeaturesRequest, encodeGroupMod, OFPG_ALL, OFPGC11_ADD, OFPGC11_MODIFY, OFPGC11_DELETE, OFPGC11_ADD_OR_MOD, OFPGC15_INSERT_BUCKET, OFPGC15_REMOVE_BUCKET, type GroupMod } from '../openflow/ofp-group.js';
import { parseGroupModStr } from '../openflow/ofp-group-parse.js';
import { OFPBF_ATOMIC, OFPBF_ORDERED } from '../openflow/ofp-bundle.js';
import { decodeErrorBody } from '../openflow/ofp-errors.js';
import { encodeMeterRequest, encodeMeterMod, OFPM13_ALL, OFPMC13_ADD, OFPMC13_MODIFY, OFPMC13_DELETE, type MeterMod } from '../openflow/ofp-meter.js';
import { parseMeterModStr } from '../openflow/ofp-meter-parse.js';
import { parseTlvTableModStr, encodeTlvTableMod, NXTTMC_ADD, NXTTMC_DELETE, NXTTMC_CLEAR } from '../openflow/ofp-tlv.js';
import { decodeTableStatsReply, decodeTableFeatures } from '../openflow/ofp-table-stats.js';
import { PortMap, parsePort } from '../openflow/ofp-port-map.js';
import { mfFromName, mfArePrereqsOk, mfIsAllWild, mfGetValue, mfSetValue } from '../openflow/meta-flow.js';
import { encodeCtFlush, encodeCtFlushZone, parseCtTuple, emptyCtTuple, type CtMatch } from '../openflow/ofp-ct.js';
import { strToU16 } from '../openflow/ofp-parse.js';
import { parseActions } from '../openflow/ofp-actions-all.js';
import { ofpactsFrom } from '../openflow/ofpact-codec.js';
import { encodePacketOut, parsePacketOutStr } from '../openflow/ofp-packet.js';
import { Match } from '../openflow/match.js';

function setMatchField(m: Match, name: string, value: number, n: number): void {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (value >>> (8 * (n - 1 - i))) & 0xff;
  mfSetValue(mfFromName(name)!, b, m);
}
import { formatTableFeatures, pullTableFeatures, type TableFeatures, type DittoState } from '../openflow/ofp-table-stats.js';

class Fatal extends Error {}

export function die(text: string): never {
  fatal(text);
}

/** Opens 'name' as ovs-ofctl's open_vconn does; returns the connection and
 * its initial flow protocol. */
export async function openVconn(name: string, opts: OfctlOptions, suffix = 'mgmt'): Promise<{ vc: Vconn; protocol: number }> {
  let target: string;
  if (name.includes(':')) target = name;
  else {
    const dpName = name.replace(/^.*@/, '');
    const candidates = [name, `${ovsRundir()}/${name}.${suffix}`, `${ovsRundir()}/${dpName}.${suffix}`];
    const found = candidates.find((c) => existsSync(c));
    if (!found) die(`${name} is not a bridge or a socket`);
    target = `unix:${found}`;
  }
  let vc: Vconn;
  try {
    vc = await Vconn.open(target, opts.allowedVersions);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (name.includes(':')) die(`connecting to ${name} (${msg})`);
    die(`${name}: failed to connect to socket (${msg})`);
  }
  const protocol = protocolFromVersion(vc.version);
  if (!protocol) die(`${name}: unsupported OpenFlow version 0x${vc.version.toString(16).padStart(2, '0')}`);
  return { vc, protocol };
}

function out(s: string): void { process.stdout.write(s); }

function msgOf(m: Uint8Array): OfpMsg | null {
  const d = decodeMsg(m);
  return d instanceof OfpError ? null : d;
}

async function talk<T>(what: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof VconnError) die(`${what} (${e.message})`);
    throw e;
  }
}

/** Prints every part of a multipart reply (or the single reply) as ovs-ofctl's dump_transaction. */
export async function dumpTransaction(vc: Vconn, req: Uint8Array, opts: OfctlOptions): Promise<void> {
  const verbosity = opts.more.length + 1;
  const reqMsg = msgOf(req)!;
  // With names, replies print with the switch's port names, which OVS fetches
  // over a second connection once the first reply is in.
  const showNames = shouldShowNames(opts);
  const names = async (): Promise<PrintNames | undefined> => (showNames ? { ports: await getPortMap(vc.name, opts) } : undefined);
  if (reqMsg.info.isStat) {
    const parts: Uint8Array[] = [];
    await talk('OpenFlow packet receive failed', () => vc.dump(req, (m, msg) => {
      if (showNames) parts.push(m);
      else out(ofpToString(m, verbosity));
      if (msg && msg.info.type !== 'ERROR' && !msg.info.isStat) die(`received bad reply: ${ofpToString(m, verbosity)}`);
    }));
    if (parts.length) {
      const n = await names();
      for (const m of parts) out(ofpToString(m, verbosity, n));
    }
  } else {
    const reply = await talk(`talking to ${vc.name}`, () => vc.transact(req));
    out(ofpToString(reply, verbosity, await names()));
  }
}

async function dumpTrivial(name: string, raw: RawName, opts: OfctlOptions): Promise<void> {
  const { vc } = await openVconn(name, opts);
  await dumpTransaction(vc, startMsg(raw, vc.version, allocXid()).finishMsg(), opts);
  vc.close();
}

/** Sends 'req' with a barrier; an error reply is printed to stderr and exits 1. */
export async function transactNoReply(vc: Vconn, req: Uint8Array, opts: OfctlOptions): Promise<void> {
  const reply = await talk(`talking to ${vc.name}`, () => vc.transactNoReply(req));
  if (reply) {
    process.stderr.write(ofpToString(reply, opts.more.length + 2));
    throw new ExitError(1);
  }
}

export class ExitError extends Error { constructor(readonly code: number) { super(`exit ${code}`); } }

export function shouldShowNames(opts: OfctlOptions): boolean {
  return opts.names === true || (opts.names === null && !!process.stdout.isTTY);
}
function shouldAcceptNames(opts: OfctlOptions): boolean { return opts.names !== false; }

const portMaps = new Map<string, PortMap>();
const tableMaps = new Map<string, Map<number, string>>();

/** Ports of the switch, from features (before OF1.3) or port-desc. */
async function fetchPorts(vc: Vconn): Promise<PhyPort[]> {
  const ports: PhyPort[] = [];
  if (vc.version < 4) {
    const reply = await talk(`talking to ${vc.name}`, () => vc.transact(startMsg('OFPT_FEATURES_REQUEST', vc.version, allocXid()).finishMsg()));
    const msg = msgOf(reply);
    if (!msg || msg.info.type !== 'FEATURES_REPLY') die(`received bad reply: ${ofpToString(reply, 1)}`);
    ports.push(...decodeFeaturesReply(msg).ports);
  } else {
    await talk('OpenFlow receive failed', () => vc.dump(encodePortDescRequest(vc.version, OFPP_ANY, allocXid()), (m, msg) => {
      if (!msg || msg.info.type !== 'PORT_DESC_STATS_REPLY') die(`received bad reply: ${ofpToString(m, 1)}`);
      const r = new OfpReader(msgBody(msg));
      for (let p; (p = pullPhyPort(msg.version, r));) ports.push(p);
    }));
  }
  return ports;
}

export async function getPortMap(name: string, opts: OfctlOptions): Promise<PortMap> {
  let map = portMaps.get(name);
  if (map) return map;
  map = new PortMap();
  portMaps.set(name, map);
  const { vc } = await openVconn(name, opts);
  for (const p of await fetchPorts(vc)) map.put(p.portNo, p.name);
  vc.close();
  return map;
}

async function getTableMap(name: string, opts: OfctlOptions): Promise<Map<number, string>> {
  let map = tableMaps.get(name);
  if (map) return map;
  map = new Map();
  tableMaps.set(name, map);
  const { vc } = await openVconn(name, opts);
  const raw: RawName = vc.version < 4 ? 'OFPST_TABLE_REQUEST' : 'OFPST13_TABLE_FEATURES_REQUEST';
  const m = map;
  await talk('OpenFlow receive failed', () => vc.dump(startMsg(raw, vc.version, allocXid()).finishMsg(), (_b, msg) => {
    if (!msg) return;
    if (msg.info.type === 'TABLE_STATS_REPLY') {
      for (const e of decodeTableStatsReply(msg)) if (e.features.name) m.set(e.features.tableId, e.features.name);
    } else if (msg.info.type === 'TABLE_FEATURES_STATS_REPLY') {
      for (const f of decodeTableFeatures(msg, true)) if (f.name) m.set(f.tableId, f.name);
    }
  }));
  vc.close();
  return map;
}

export async function portsToAccept(name: string, opts: OfctlOptions): Promise<PortMap | undefined> {
  return shouldAcceptNames(opts) ? getPortMap(name, opts) : undefined;
}
export async function tablesToAccept(name: string, opts: OfctlOptions): Promise<Map<number, string> | undefined> {
  return shouldAcceptNames(opts) ? getTableMap(name, opts) : undefined;
}

async function strToPortNo(name: string, portName: string, opts: OfctlOptions): Promise<number> {
  let p = portFromString(portName);
  if (p === null) {
    const map = await portsToAccept(name, opts);
    if (map) p = parsePort(portName, map) ?? null;
  }
  if (p === null) die(`${name}: unknown port \`${portName}'`);
  return p;
}

/* ---- flow protocol negotiation ---- */

function setProtocolRequest(cur: number, want: number, version: number): { req: Uint8Array | null; next: number } {
  if (protocolToVersion(cur) !== protocolToVersion(want)) return { req: null, next: cur };
  const base = (p: number): number => protocolSetTid(p, false);
  if (base(cur) !== base(want)) {
    const wantBase = base(want);
    const next = protocolSetTid(wantBase, (cur & Proto.TID) !== 0);
    return { req: encodeSetFlowFormat(wantBase === Proto.OF10_NXM ? NXFF_NXM : NXFF_OPENFLOW10, version, allocXid()), next };
  }
  const curTid = (cur & Proto.TID) !== 0, wantTid = (want & Proto.TID) !== 0;
  if (curTid !== wantTid) return { req: encodeFlowModTableId(wantTid, version, allocXid()), next: protocolSetTid(cur, wantTid) };
  return { req: null, next: cur };
}

async function trySetProtocol(vc: Vconn, want: number, cur: { p: number }): Promise<boolean> {
  for (;;) {
    const { req, next } = setProtocolRequest(cur.p, want, vc.version);
    if (!req) return cur.p === want;
    const reply = await talk(`talking to ${vc.name}`, () => vc.transactNoReply(req));
    if (reply) return false;
    cur.p = next;
  }
}

const FLOW_DUMP_PROTOCOLS = [Proto.OF15_OXM, Proto.OF14_OXM, Proto.OF13_OXM, Proto.OF12_OXM, Proto.OF11_STD, Proto.OF10_NXM, Proto.OF10_STD];

export async function setProtocolForFlowDump(vc: Vconn, curProtocol: number, usable: number, opts: OfctlOptions): Promise<number> {
  const cur = { p: curProtocol };
  for (const f of FLOW_DUMP_PROTOCOLS) {
    if (f & usable & opts.allowedProtocols && await trySetProtocol(vc, f, cur)) return f;
  }
  const u = protocolsToString(usable);
  if (usable & opts.allowedProtocols) die(`switch does not support any of the usable flow formats (${u})`);
  die(`none of the usable flow formats (${u}) is among the allowed flow formats (${protocolsToString(opts.allowedProtocols)})`);
}

async function openVconnForFlowMod(name: string, usable: number, opts: OfctlOptions): Promise<{ vc: Vconn; protocol: number }> {
  if (!(usable & opts.allowedProtocols)) {
    die(`none of the usable flow formats (${protocolsToString(usable)}) is among the allowed flow formats (${protocolsToString(opts.allowedProtocols)})`);
  }
  const { vc, protocol } = await openVconn(name, opts);
  if (usable & opts.allowedProtocols & protocol) return { vc, protocol };
  const cur = { p: protocol };
  for (let i = 0; i < 32; i++) {
    const f = 1 << i;
    if (f !== protocol && f & usable & opts.allowedProtocols && await trySetProtocol(vc, f, cur)) return { vc, protocol: f };
  }
  die(`switch does not support any of the usable flow formats (${protocolsToString(usable)})`);
}

/* ---- commands ---- */

async function cmdShow(args: string[], opts: OfctlOptions): Promise<void> {
  const name = args[0]!;
  const { vc } = await openVconn(name, opts);
  const reply = await talk(`talking to ${name}`, () => vc.transact(startMsg('OFPT_FEATURES_REQUEST', vc.version, allocXid()).finishMsg()));
  const portSize = vc.version === 1 ? 48 : 64;
  const hasPorts = vc.version < 4 && reply.length + portSize <= 0xffff;
  out(ofpToString(reply, opts.more.length + 1));
  if (!hasPorts) await dumpTransaction(vc, encodePortDescRequest(vc.version, OFPP_ANY, allocXid()), opts);
  vc.close();
  await dumpTrivial(name, 'OFPT_GET_CONFIG_REQUEST', opts);
}

async function prepareDumpFlows(args: string[], aggregate: boolean, opts: OfctlOptions): Promise<{ vc: Vconn; req: Uint8Array; protocol: number }> {
  const name = args[0]!;
  const match = args.length > 1 ? args[1]! : '';
  const ports = match ? await portsToAccept(name, opts) : undefined;
  const tables = match ? await tablesToAccept(name, opts) : undefined;
  const r = parseFlowModText(match, -1, { ports, tables });
  if (typeof r === 'string') die(r);
  let usable = r.usable;
  if (usable & Proto.OF10_STD_TID) usable |= Proto.OF10_STD;
  if (usable & Proto.OF10_NXM_TID) usable |= Proto.OF10_NXM;
  const { vc, protocol: cur } = await openVconn(name, opts);
  const protocol = await setProtocolForFlowDump(vc, cur, usable, opts);
  const fsr = { aggregate, match: r.fm.match, cookie: r.fm.cookie, cookieMask: r.fm.cookieMask, outPort: r.fm.outPort, outGroup: r.fm.outGroup, tableId: r.fm.tableId };
  const req = encodeFlowStatsRequest(fsr, protocolToVersion(protocol), { nxm: (protocol & Proto.OF10_NXM_ANY) !== 0, xid: allocXid() });
  return { vc, req, protocol };
}

function compareFlows(a: FlowStats, b: FlowStats, criteria: { field: string; desc: boolean }[]): number {
  for (const c of criteria) {
    let ret = 0;
    const f = c.field ? mfFromName(c.field) : undefined;
    if (!f) ret = a.priority - b.priority;
    else {
      const ina = mfArePrereqsOk(f, a.match.flow) && !mfIsAllWild(f, a.match);
      const inb = mfArePrereqsOk(f, b.match.flow) && !mfIsAllWild(f, b.match);
      if (ina !== inb) return ina ? -1 : 1;
      const av = mfGetValue(f, a.match.flow, a.match), bv = mfGetValue(f, b.match.flow, b.match);
      ret = Buffer.compare(Buffer.from(av), Buffer.from(bv));
    }
    if (ret) return c.desc ? -ret : ret;
  }
  return 0;
}

async function cmdDumpFlows(args: string[], opts: OfctlOptions): Promise<void> {
  const criteria: { field: string; desc: boolean }[] = [];
  for (const c of opts.sortCriteria) {
    const field = c.field.toLowerCase() === 'priority' ? '' : c.field;
    if (field && !mfFromName(field)) die(`${field}: unknown field name`);
    criteria.push({ field, desc: c.desc });
  }
  // ovs-ofctl always ends with a descending pass on priority.
  if (criteria.length) criteria.push({ field: '', desc: true });
  const { vc, req } = await prepareDumpFlows(args, false, opts);
  if (!criteria.length && !shouldShowNames(opts) && opts.stats) {
    await dumpTransaction(vc, req, opts);
    vc.close();
    return;
  }
  const flows = await dumpFlowStats(vc, req);
  if (criteria.length) flows.sort((a, b) => compareFlows(a, b, criteria));
  const ports = shouldShowNames(opts) ? await getPortMap(args[0]!, opts) : undefined;
  const tables = shouldShowNames(opts) ? await getTableMap(args[0]!, opts) : undefined;
  for (const f of flows) out(' ' + formatFlowStats(f, opts.stats, ports, tables) + '\n');
  vc.close();
}

/** Sends flow stats request 'req' and collects every flow of the reply
 * (vconn_dump_flows): a reply of another type or one that does not decode
 * is logged and ends ovs-ofctl with "dump flows (Protocol error)". */
export async function dumpFlowStats(vc: Vconn, req: Uint8Array): Promise<FlowStats[]> {
  const flows: FlowStats[] = [];
  let bad = false;
  await talk('dump flows', () => vc.dump(req, (m, msg) => {
    if (bad) return;
    if (!msg || msg.info.type !== 'FLOW_STATS_REPLY') {
      vconnLog.warnRl(vconnRl, `received bad reply: ${ofpToString(m, 1).trimEnd()}`);
      bad = true;
      return;
    }
    try {
      flows.push(...decodeFlowStatsReply(msg, false));
    } catch (e) {
      if (!(e instanceof OfpError)) throw e;
      vconnLog.warnRl(vconnRl, `parse error in reply (${e.error})`);
      bad = true;
    }
  }));
  if (bad) die('dump flows (Protocol error)');
  return flows;
}

async function cmdDumpAggregate(args: string[], opts: OfctlOptions): Promise<void> {
  const { vc, req } = await prepareDumpFlows(args, true, opts);
  await dumpTransaction(vc, req, opts);
  vc.close();
}

/** Sends 'reqs' as one ordered, atomic bundle; prints each error reply
 * with the request it answers and exits as ovs-ofctl's bundle_transact. */
export async function bundleTransact(vc: Vconn, reqs: Uint8Array[], opts: OfctlOptions): Promise<void> {
  const { errors, ok } = await talk(`talking to ${vc.name}`, () => vc.bundleTransact(reqs, OFPBF_ORDERED | OFPBF_ATOMIC));
  let next = 0;
  for (const e of errors) {
    const body = decodeErrorBody(e[0]!, e.subarray(8));
    if (!body?.error) { process.stderr.write('***decode error***'); continue; }
    let shown: Uint8Array = body.payload;
    const xid = getXid(e);
    for (let i = next; i < reqs.length; i++) {
      if (getXid(reqs[i]!) === xid) { shown = reqs[i]!; next = i + 1; break; }
    }
    process.stderr.write(`Error ${body.error} for: ` + ofpToString(shown, opts.more.length + 1));
  }
  if (!ok) die(`talking to ${vc.name} (Protocol error)`);
}

async function flowMods(name: string, fms: FlowMod[], usable: number, opts: OfctlOptions): Promise<void> {
  if (opts.bundle) {
    const { vc, protocol } = await openVconnForFlowMod(name, usable & Proto.OF13_UP, opts);
    await bundleTransact(vc, fms.map((fm) => encodeFlowModForProtocol(fm, protocol, allocXid())), opts);
    vc.close();
    return;
  }
  const { vc, protocol } = await openVconnForFlowMod(name, usable, opts);
  // -m five times: each message as a hex dump; six or more: as one hex number.
  let dump = '';
  for (const fm of fms) {
    const buf = encodeFlowModForProtocol(fm, protocol, allocXid());
    if (opts.more.length === 5) dump += hexDump(buf, 0, true);
    else if (opts.more.length > 5) dump += hexNumber(buf) + '\n';
    await transactNoReply(vc, buf, opts);
  }
  out(dump);
  vc.close();
}

/** The bytes as one hexadecimal number without leading zeros, "0" if all zero (ds_put_hex). */
function hexNumber(b: Uint8Array): string {
  let i = 0;
  while (i < b.length && !b[i]) i++;
  if (i === b.length) return '0';
  let s = '0x' + b[i]!.toString(16);
  for (i++; i < b.length; i++) s += b[i]!.toString(16).padStart(2, '0');
  return s;
}

async function cmdFlowMod(args: string[], opts: OfctlOptions, command: number): Promise<void> {
  const name = args[0]!;
  if (args.length > 1 && args[1] === '-') return cmdFlowModFile([name, '-'], opts, command);
  const ports = await portsToAccept(name, opts);
  const tables = await tablesToAccept(name, opts);
  const r = parseFlowModText(args.length > 1 ? args[1]! : '', command, { ports, tables });
  if (typeof r === 'string') die(r);
  await flowMods(name, [r.fm], r.usable, opts);
}

async function cmdFlowModFile(args: string[], opts: OfctlOptions, command: number): Promise<void> {
  const name = args[0]!, file = args[1]!;
  const ports = await portsToAccept(name, opts);
  const tables = await tablesToAccept(name, opts);
  let text: string;
  text = readTextFile(file);
  const fms: FlowMod[] = [];
  let usable = Proto.ANY as number;
  for (const { line, number } of preprocessedLines(text)) {
    const r = parseFlowModText(line, command === OFPFC_ADD ? -2 : command, { ports, tables });
    if (typeof r === 'string') die(`${file}:${number}: ${r}`);
    fms.push(r.fm);
    usable &= r.usable;
  }
  await flowMods(name, fms, usable, opts);
}

/** The text of 'file' ('-': stdin); exits with ovs-ofctl's message if unreadable. */
export function readTextFile(file: string): string {
  try {
    return file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
  } catch (e) {
    die(`${file}: open failed (${strerror((e as NodeJS.ErrnoException).code)})`);
  }
}

async function cmdTlvMod(args: string[], opts: OfctlOptions, command: number): Promise<void> {
  const ttm = parseTlvTableModStr(args.length > 1 ? args[1]! : '', command);
  if (typeof ttm === 'string') die(ttm);
  const { vc, protocol } = await openVconnForFlowMod(args[0]!, Proto.NXM_OXM_ANY, opts);
  await transactNoReply(vc, encodeTlvTableMod(ttm, protocolToVersion(protocol), allocXid()), opts);
  vc.close();
}

/** fetch_table_desc: keeps the table-config settings mod-table does not change. */
async function fetchTableDesc(vc: Vconn, tm: TableMod): Promise<void> {
  let found: TableDesc | null = null;
  const req = startMsg('OFPST14_TABLE_DESC_REQUEST', vc.version, allocXid()).finishMsg();
  await talk('OpenFlow packet receive failed', () => vc.dump(req, (m, msg) => {
    if (!msg || msg.info.type !== 'TABLE_DESC_REPLY') die(`received bad reply: ${ofpToString(m, 1)}`);
    if (!found) found = decodeTableDescReply(msg).find((td) => td.tableId === tm.tableId) ?? null;
  }));
  const td: TableDesc = found ?? { tableId: tm.tableId, eviction: 0, evictionFlags: 0xffffffff, vacancy: 0, tableVacancy: { down: 0, up: 0, vacancy: 0 } };
  if (tm.eviction !== SETTING_DEFAULT) {
    tm.vacancy = td.vacancy;
    tm.tableVacancy.down = td.tableVacancy.down;
    tm.tableVacancy.up = td.tableVacancy.up;
  } else if (tm.vacancy !== SETTING_DEFAULT) {
    tm.eviction = td.eviction;
    tm.evictionFlags = td.evictionFlags;
  }
}

/** change_table_name: rewrites the table features with a new name for
 * 'tableId' (OF1.5: one OFPTFC15_MODIFY entry; OF1.3/1.4: every table with
 * its properties as the switch reported them). */
async function changeTableName(vc: Vconn, tableId: number, newName: string, opts: OfctlOptions): Promise<void> {
  const v = vc.version;
  const entries = new Map<number, Uint8Array>();
  const req = startMsg('OFPST13_TABLE_FEATURES_REQUEST', v, allocXid()).finishMsg();
  await talk('OpenFlow receive failed', () => vc.dump(req, (m, msg) => {
    if (!msg || msg.info.type !== 'TABLE_FEATURES_STATS_REPLY') die(`received bad reply: ${ofpToString(m, opts.more.length + 1)}`);
    const r = new OfpReader(msgBody(msg));
    while (r.remaining) {
      const start = r.pos;
      try {
        pullTableFeatures(v, r, false);
      } catch {
        die(`received bad reply: ${ofpToString(m, opts.more.length + 1)}`);
      }
      const e = r.data.slice(start, r.pos);
      entries.set(e[2]!, e);
    }
  }));
  if (!entries.has(tableId)) die(`switch does not have table ${tableId}`);

  // The fixed part as ofputil_append_table_features writes it.
  const header = (e: Uint8Array, command: number, name: string | null): Uint8Array => {
    const h = e.slice(0, 64);
    h[3] = v >= 6 ? command : 0;
    h.fill(0, 4, 8);
    const nameBytes = name !== null ? new TextEncoder().encode(name) : h.slice(8, 40);
    const nul = nameBytes.indexOf(0);
    h.fill(0, 8, 40);
    h.set(nameBytes.subarray(0, Math.min(31, nul < 0 ? nameBytes.length : nul)), 8);
    const caps = v >= 5 ? h[59]! & (4 | 8) : 0;
    h.fill(0, 56, 60);
    h[59] = caps;
    return h;
  };
  const parts: Uint8Array[] = [];
  if (v >= 6) {
    const h = header(entries.get(tableId)!, 1, newName);
    h[0] = 0; h[1] = 64;
    parts.push(h);
  } else {
    for (const id of [...entries.keys()].sort((a, b) => a - b)) {
      const e = entries.get(id)!;
      const h = header(e, 0, id === tableId ? newName : null);
      const full = new Uint8Array(e.length);
      full.set(h);
      full.set(e.subarray(64), 64);
      parts.push(full);
    }
  }
  // Split into messages of at most 64 kB, all but the last flagged "more".
  const xid = allocXid();
  const msgs: Uint8Array[] = [];
  let w = startMsg('OFPST13_TABLE_FEATURES_REQUEST', v, xid);
  let fresh = true;
  for (const p of parts) {
    if (!fresh && w.len + p.length > 0xffff) {
      const m = w.finishMsg();
      m[11]! |= 1;
      msgs.push(m);
      w = startMsg('OFPST13_TABLE_FEATURES_REQUEST', v, xid);
    }
    w.bytes(p);
    fresh = false;
  }
  msgs.push(w.finishMsg());
  for (const m of msgs) vc.send(m);
  for (;;) {
    const reply = await talk(`talking to ${vc.name}`, () => vc.recvXid(xid));
    const msg = msgOf(reply);
    if (!msg) die('decode error: OFPBRC_BAD_LEN');
    if (msg.info.type === 'ERROR') {
      process.stderr.write(ofpToString(reply, opts.more.length + 1));
      throw new ExitError(1);
    }
    if (!(msg.info.isStat && msg.flags & OFPSF_REPLY_MORE)) break;
  }
}

async function cmdModTable(args: string[], opts: OfctlOptions): Promise<void> {
  const [name, tableArg, setting] = [args[0]!, args[1]!, args[2]!];
  const tables = await tablesToAccept(name, opts);
  let tableId: number | null = 0xff;
  if (tableArg.toLowerCase() !== 'all') tableId = tableFromString(tableArg, tables);
  if (tableId === null) die(`unknown table "${tableArg}"`);
  const r = parseTableMod(tableId, setting);
  if (typeof r === 'string') die(r);
  const allowed = opts.allowedVersions;
  if (!(allowed & r.versions)) die(`table_mod '${setting}' requires one of the OpenFlow versions ${formatVersionBitmapNames(r.versions)}`);
  opts.allowedVersions &= r.versions;
  const { vc } = await openVconn(name, opts);
  const tm = r.tm;
  if (r.name !== null) {
    await changeTableName(vc, tm.tableId, r.name, opts);
    vc.close();
    return;
  }
  if (allowed & ((1 << 5) | (1 << 6))) {
    const ids = tm.tableId === 0xff ? Array.from({ length: 0xfe }, (_, i) => i) : [tm.tableId];
    for (const id of ids) {
      tm.tableId = id;
      await fetchTableDesc(vc, tm);
      await transactNoReply(vc, encodeTableMod(tm, vc.version, allocXid()), opts);
    }
  } else {
    await transactNoReply(vc, encodeTableMod(tm, vc.version, allocXid()), opts);
  }
  vc.close();
}

/** bundle SWITCH FILE: flow, group and packet-out messages in one bundle. */
async function cmdBundle(args: string[], opts: OfctlOptions): Promise<void> {
  const [name, file] = [args[0]!, args[1]!];
  const ports = await portsToAccept(name, opts);
  const tables = await tablesToAccept(name, opts);
  const { parseBundleText } = await import('../openflow/ofp-bundle-parse.js');
  const r = parseBundleText(readTextFile(file), file, ports, tables);
  if (typeof r === 'string') die(r);
  // Implicit OpenFlow 1.4 when no bundle-capable version is allowed.
  const of13up = (1 << 4) | (1 << 5) | (1 << 6);
  if (!(opts.allowedVersions & of13up)) {
    opts.allowedVersions = (opts.allowedVersions | (1 << 5)) & of13up;
    opts.allowedProtocols = protocolsFromVersionBitmap(opts.allowedVersions);
  }
  const { vc, protocol } = await openVconnForFlowMod(name, r.usable & Proto.OF13_UP, opts);
  const version = protocolToVersion(protocol);
  const reqs = r.msgs.map((m) => m.type === 'FLOW_MOD' ? encodeFlowModForProtocol(m.fm, protocol, allocXid())
    : m.type === 'GROUP_MOD' ? encodeGroupMod(m.gm, version, allocXid()) : encodePacketOut(m.po, version, allocXid()));
  await bundleTransact(vc, reqs, opts);
  vc.close();
}

const MAX_ECHO_PAYLOAD = 65535 - 8;

/** C atoi: leading blanks, optional sign, digits; 0 if none. */
function atoi(s: string): number {
  const m = /^\s*([+-]?\d+)/.exec(s);
  return m ? Number(m[1]) | 0 : 0;
}

async function cmdPing(args: string[], opts: OfctlOptions): Promise<void> {
  const payload = args.length > 1 ? atoi(args[1]!) >>> 0 : 64;
  if (payload > MAX_ECHO_PAYLOAD) die(`payload must be between 0 and ${MAX_ECHO_PAYLOAD} bytes`);
  const { vc } = await openVconn(args[0]!, opts);
  const { randomFillSync } = await import('node:crypto');
  for (let i = 0; i < 10; i++) {
    const data = randomFillSync(new Uint8Array(payload));
    const req = encodeEchoRequest(vc.version, allocXid(), data);
    const start = process.hrtime.bigint();
    const reply = await talk('transact', () => vc.transact(req));
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    const msg = msgOf(reply);
    const body = reply.subarray(8);
    if (!msg || msg.info.type !== 'ECHO_REPLY' || body.length !== payload || !body.every((b, j) => b === data[j])) {
      out('Reply does not match request.  Request:\n' + ofpToString(req, opts.more.length + 2));
      out('Reply:\n' + ofpToString(reply, opts.more.length + 2));
    }
    out(`${body.length} bytes from ${args[0]}: xid=${getXid(reply).toString(16).padStart(8, '0')} time=${ms.toFixed(1)} ms\n`);
  }
  vc.close();
}

async function cmdBenchmark(args: string[], opts: OfctlOptions): Promise<void> {
  const payload = atoi(args[1]!) >>> 0;
  if (payload > MAX_ECHO_PAYLOAD) die(`payload must be between 0 and ${MAX_ECHO_PAYLOAD} bytes`);
  const size = 8 + payload;
  const count = atoi(args[2]!);
  out(`Sending ${count} packets * ${size} bytes (with header) = ${(count * size) >>> 0} bytes total\n`);
  const { vc } = await openVconn(args[0]!, opts);
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    await talk('transact', () => vc.transact(encodeEchoRequest(vc.version, allocXid(), new Uint8Array(payload))));
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  vc.close();
  out(`Finished in ${ms.toFixed(1)} ms (${(count / (ms / 1000)).toFixed(0)} packets/s) (${(count * size / (ms / 1000)).toFixed(0)} bytes/s)\n`);
}

async function cmdDumpPorts(args: string[], opts: OfctlOptions): Promise<void> {
  const { vc } = await openVconn(args[0]!, opts);
  const port = args.length > 1 ? await strToPortNo(args[0]!, args[1]!, opts) : OFPP_ANY;
  await dumpTransaction(vc, encodePortStatsRequest(vc.version, port, allocXid()), opts);
  vc.close();
}

async function cmdDumpPortsDesc(args: string[], opts: OfctlOptions): Promise<void> {
  const { vc } = await openVconn(args[0]!, opts);
  const port = args.length > 1 ? await strToPortNo(args[0]!, args[1]!, opts) : OFPP_ANY;
  await dumpTransaction(vc, encodePortDescRequest(vc.version, port, allocXid()), opts);
  vc.close();
}

export async function fetchConfig(vc: Vconn): Promise<SwitchConfig> {
  const reply = await talk(`talking to ${vc.name}`, () => vc.transact(startMsg('OFPT_GET_CONFIG_REQUEST', vc.version, allocXid()).finishMsg()));
  const msg = msgOf(reply);
  if (!msg || msg.info.type !== 'GET_CONFIG_REPLY') die(`${vc.name}: bad reply to config request`);
  return decodeGetConfigReply(msg);
}

async function cmdGetFrags(args: string[], opts: OfctlOptions): Promise<void> {
  const { vc } = await openVconn(args[0]!, opts);
  out(fragToString((await fetchConfig(vc)).frag) + '\n');
  vc.close();
}

async function cmdSetFrags(args: string[], opts: OfctlOptions): Promise<void> {
  const frag = fragFromString(args[1]!);
  if (frag === null) die(`${args[1]}: unknown fragment handling mode`);
  const { vc } = await openVconn(args[0]!, opts);
  let config = await fetchConfig(vc);
  if (frag !== config.frag) {
    config.frag = frag;
    await transactNoReply(vc, encodeSetConfig(config, vc.version, allocXid()), opts);
    config = await fetchConfig(vc);
    if (frag !== config.frag) {
      die(`${args[0]}: setting fragment handling mode failed (this switch probably doesn't support mode "${fragToString(frag)}")`);
    }
  }
  vc.close();
}

async function cmdProbe(args: string[], opts: OfctlOptions): Promise<void> {
  const { vc } = await openVconn(args[0]!, opts);
  const reply = await talk(`talking to ${args[0]}`, () => vc.transact(encodeEchoRequest(vc.version, allocXid())));
  if (reply.length !== 8) die('reply does not match request');
  vc.close();
}

async function cmdModPort(args: string[], opts: OfctlOptions): Promise<void> {
  const [name, portName, cmdArg] = args as [string, string, string];
  const flags: [string, number, boolean][] = [
    ['up', PC_PORT_DOWN, false], ['down', PC_PORT_DOWN, true], ['stp', PC_NO_STP, false],
    ['receive', PC_NO_RECV, false], ['receive-stp', PC_NO_RECV_STP, false], ['flood', PC_NO_FLOOD, false],
    ['forward', PC_NO_FWD, false], ['packet-in', PC_NO_PACKET_IN, false],
  ];
  const portNo = /^[0-9]+$/.test(portName) ? Number(portName) : OFPP_NONE;
  const { vc: pvc } = await openVconn(name, opts);
  const pp = (await fetchPorts(pvc)).find((p) => (portNo !== OFPP_NONE ? p.portNo === portNo : p.name === portName));
  pvc.close();
  if (!pp) die(`${name}: couldn't find port \`${portName}'`);
  let command = cmdArg, not = false;
  if (/^no-/i.test(cmdArg)) { command = cmdArg.slice(3); not = true; }
  else if (/^no/i.test(cmdArg)) { command = cmdArg.slice(2); not = true; }
  const flag = flags.find(([n]) => n === command.toLowerCase());
  if (!flag) die(`unknown mod-port command '${cmdArg}'`);
  const { vc } = await openVconn(name, opts);
  const pm = { portNo: pp.portNo, hwAddr: pp.hwAddr, config: flag[2] !== not ? flag[1] : 0, mask: flag[1], advertise: 0 };
  await transactNoReply(vc, encodePortMod(pm, vc.version, allocXid()), opts);
  vc.close();
}

async function cmdQueueStats(args: string[], opts: OfctlOptions): Promise<void> {
  const { vc } = await openVconn(args[0]!, opts);
  const port = args.length > 1 && args[1] && args[1].toLowerCase() !== 'all' ? await strToPortNo(args[0]!, args[1], opts) : OFPP_ANY;
  const queue = args.length > 2 && args[2] && args[2].toLowerCase() !== 'all' ? (parseInt(args[2], 10) || 0) >>> 0 : OFPQ_ALL;
  await dumpTransaction(vc, encodeQueueStatsRequest(vc.version, { port, queue }, allocXid()), opts);
  vc.close();
}

async function cmdQueueGetConfig(args: string[], opts: OfctlOptions): Promise<void> {
  const port = await strToPortNo(args[0]!, args.length > 1 ? args[1]! : 'any', opts);
  const queue = args.length > 2 && args[2]!.toLowerCase() !== 'all' ? (parseInt(args[2]!, 10) || 0) >>> 0 : OFPQ_ALL;
  const { vc } = await openVconn(args[0]!, opts);
  if (port === OFPP_ANY && vc.version === 1) {
    // OpenFlow 1.0 asks one port at a time: list the ports on this
    // connection and ask on a second one, as ovs-ofctl does.
    const { vc: vc2 } = await openVconn(args[0]!, opts);
    for (const p of await fetchPorts(vc)) {
      if (p.portNo < 0xff00) await dumpTransaction(vc2, encodeQueueGetConfigRequest(vc2.version, p.portNo, queue, allocXid()), opts);
    }
    vc2.close();
  } else {
    await dumpTransaction(vc, encodeQueueGetConfigRequest(vc.version, port, queue, allocXid()), opts);
  }
  vc.close();
}

async function cmdDumpGroups(args: string[], opts: OfctlOptions): Promise<void> {
  const { vc } = await openVconn(args[0]!, opts);
  if (vc.version < 2 && !(opts.allowedVersions & ~3)) { /* OF1.0 uses the Nicira extension */ }
  const gid = args.length > 1 ? groupArg(args[1]!) : OFPG_ALL;
  await dumpTransaction(vc, encodeGroupDescRequest(vc.version, gid, allocXid()), opts);
  vc.close();
}

async function groupMods(name: string, gms: GroupMod[], usable: number, opts: OfctlOptions): Promise<void> {
  const { vc, protocol } = await openVconnForFlowMod(name, opts.bundle ? usable & Proto.OF13_UP : usable, opts);
  const version = protocolToVersion(protocol);
  const encode = (gm: GroupMod): Uint8Array => {
    if (version >= 2 && version <= 5 && (gm.command === OFPGC15_INSERT_BUCKET || gm.command === OFPGC15_REMOVE_BUCKET)) {
      die(`${gm.command === OFPGC15_INSERT_BUCKET ? 'insert-bucket' : 'remove-bucket'} needs OpenFlow 1.5 or later ('-O OpenFlow15')`);
    }
    return encodeGroupMod(gm, version, allocXid());
  };
  // Transaction ids as ovs-ofctl allocates them: all at once for a bundle,
  // else each request just before its barrier.
  if (opts.bundle) await bundleTransact(vc, gms.map(encode), opts);
  else for (const gm of gms) await transactNoReply(vc, encode(gm), opts);
  vc.close();
}

async function cmdGroupModFile(name: string, file: string, command: number, opts: OfctlOptions): Promise<void> {
  const ports = await portsToAccept(name, opts);
  const tables = await tablesToAccept(name, opts);
  const text = readTextFile(file);
  const gms: GroupMod[] = [];
  let usable = Proto.ANY as number;
  for (const { line, number } of preprocessedLines(text)) {
    const r = parseGroupModStr(line, command === OFPGC11_ADD ? -2 : command, ports, tables);
    if (typeof r === 'string') die(`${file}:${number}: ${r}`);
    gms.push(r.gm);
    usable &= r.usable;
  }
  await groupMods(name, gms, usable, opts);
}

async function cmdGroupMod(args: string[], opts: OfctlOptions, command: number): Promise<void> {
  const name = args[0]!;
  if (args.length > 1 && args[1] === '-') return cmdGroupModFile(name, '-', command, opts);
  const ports = await portsToAccept(name, opts);
  const tables = await tablesToAccept(name, opts);
  const r = parseGroupModStr(args.length > 1 ? args[1]! : '', command, ports, tables);
  if (typeof r === 'string') die(r);
  await groupMods(name, [r.gm], r.usable, opts);
}

/** ofputil_group_from_string: "all", "any" or a number; anything else is
 * logged and means all groups. */
function groupArg(s: string): number {
  const l = s.toLowerCase();
  if (l === 'all') return OFPG_ALL;
  if (l === 'any') return 0xffffffff;
  if (/^[0-9]+$/.test(s) && Number(s) <= 0xffffffff) return Number(s);
  vlogModule('ofp_group').warn(`${s} is not a valid group ID.  (Valid group IDs are 32-bit nonnegative integers or the keywords ANY or ALL.)`);
  return OFPG_ALL;
}

async function cmdDumpGroupStats(args: string[], opts: OfctlOptions): Promise<void> {
  const ports = await portsToAccept(args[0]!, opts);
  const tables = await tablesToAccept(args[0]!, opts);
  const r = parseGroupModStr(args.length > 1 ? args[1]! : '', OFPGC11_DELETE, ports, tables);
  if (typeof r === 'string') die(r);
  const gid = r.gm.groupId;
  const { vc } = await openVconn(args[0]!, opts);
  await dumpTransaction(vc, encodeGroupStatsRequest(vc.version, gid, allocXid()), opts);
  vc.close();
}

async function cmdDumpGroupFeatures(args: string[], opts: OfctlOptions): Promise<void> {
  const { vc } = await openVconn(args[0]!, opts);
  await dumpTransaction(vc, encodeGroupFeaturesRequest(vc.version, allocXid()), opts);
  vc.close();
}

/** The meter a meter request or delete names (all meters without an argument). */
function meterModArg(str: string | undefined, command: number): { mm: MeterMod; usable: number } {
  if (str === undefined) return { mm: { command, meter: { meterId: OFPM13_ALL, flags: 0, bands: [] } }, usable: Proto.OF13_UP };
  const r = parseMeterModStr(str, command);
  if (typeof r === 'string') die(r);
  return r;
}

async function cmdMeterMod(args: string[], opts: OfctlOptions, command: number): Promise<void> {
  const { mm, usable } = meterModArg(args[1], command);
  const { vc, protocol } = await openVconnForFlowMod(args[0]!, usable, opts);
  await transactNoReply(vc, encodeMeterMod(mm, protocolToVersion(protocol), allocXid()), opts);
  vc.close();
}

async function cmdMeterRequest(args: string[], opts: OfctlOptions, type: 'config' | 'stats' | 'features'): Promise<void> {
  const { mm, usable } = meterModArg(type === 'features' ? undefined : args[1], -1);
  const { vc, protocol } = await openVconnForFlowMod(args[0]!, usable, opts);
  await dumpTransaction(vc, encodeMeterRequest(protocolToVersion(protocol), type, mm.meter.meterId, allocXid()), opts);
  vc.close();
}

async function cmdDumpTableFeatures(args: string[], opts: OfctlOptions): Promise<void> {
  const { vc } = await openVconn(args[0]!, opts);
  if (vc.version < 4) die('dump-table-features needs OpenFlow 1.3 or later (\'-O OpenFlow13\')');
  let text = '';
  let prev: TableFeatures | null = null;
  const d: DittoState = { first: -1, last: -1 };
  await talk('OpenFlow packet receive failed', () => vc.dump(startMsg('OFPST13_TABLE_FEATURES_REQUEST', vc.version, allocXid()).finishMsg(), (m, msg) => {
    if (!msg) die('decode error: OFPBRC_BAD_LEN');
    if (msg.info.type === 'ERROR') { out(ofpToString(m, opts.more.length + 1)); return; }
    if (msg.info.type !== 'TABLE_FEATURES_STATS_REPLY') die(`received bad reply: ${ofpToString(m, opts.more.length + 1)}`);
    const r = new OfpReader(msgBody(msg));
    while (r.remaining) {
      let tf: TableFeatures;
      try { tf = pullTableFeatures(msg.version, r, true); } catch (e) { die(`decode error: ${e instanceof OfpError ? e.error : 'OFPBRC_BAD_LEN'}`); }
      text += formatTableFeatures(tf, prev, null, null, d);
      prev = tf;
    }
  }));
  if (d.first >= 0) text += d.first === d.last ? `\n  table ${d.first}: ditto\n` : `\n  tables ${d.first}...${d.last}: ditto\n`;
  out((text.startsWith('\n') ? text.slice(1) : text) + '\n');
  vc.close();
}

async function cmdCtFlushZone(args: string[], opts: OfctlOptions): Promise<void> {
  const zone = strToU16(args[1]!, 'zone_id');
  if (typeof zone === 'string') die(zone);
  const { vc } = await openVconn(args[0]!, opts);
  await transactNoReply(vc, encodeCtFlushZone(zone, vc.version, allocXid()), opts);
  vc.close();
}

async function cmdCtFlush(args: string[], opts: OfctlOptions): Promise<void> {
  const m: CtMatch = { ipProto: 0, l3Type: 0, orig: emptyCtTuple(), reply: emptyCtTuple() };
  let rest = args.slice(1);
  let zone: number | null = null;
  if (rest.length && rest[0]!.startsWith('zone=')) {
    const z = /^zone=([0-9]+)/.exec(rest[0]!);
    if (!z || Number(z[1]) > 0xffff) die('Failed to parse zone');
    zone = Number(z[1]);
    rest = rest.slice(1);
  }
  for (let i = 0; i < 2 && i < rest.length; i++) {
    if (rest[i]) {
      const err = parseCtTuple(rest[i]!, m, i === 1);
      if (err) die(`Failed to parse ct-tuple: ${err}`);
    }
  }
  const { vc } = await openVconn(args[0]!, opts);
  await transactNoReply(vc, encodeCtFlush(m, zone, vc.version, allocXid()), opts);
  vc.close();
}

function ethFromHex(hex: string): Uint8Array {
  const out: number[] = [];
  let i = 0;
  for (;;) {
    while (i < hex.length && ' .\t\r\n'.includes(hex[i]!)) i++;
    const p = hex.substr(i, 2);
    if (!/^[0-9a-fA-F]{2}$/.test(p)) break;
    out.push(parseInt(p, 16));
    i += 2;
  }
  if (i < hex.length) die('Trailing garbage in packet data');
  if (out.length < 14) die('Packet data too short for Ethernet');
  return Uint8Array.from(out);
}

async function cmdPacketOut(args: string[], opts: OfctlOptions): Promise<void> {
  const name = args[0]!;
  if (args.length > 3) {
    const ports = await portsToAccept(name, opts);
    const tables = await tablesToAccept(name, opts);
    const pa = parseActions(args[2]!, { ports, tables });
    if (typeof pa === 'string') die(pa);
    const metadata = new Match();
    setMatchField(metadata, 'in_port', await strToPortNo(name, args[1]!, opts), 2);
    setMatchField(metadata, 'packet_type', 0, 4);
    const { vc, protocol } = await openVconnForFlowMod(name, pa.usable, opts);
    for (const hex of args.slice(3)) {
      const packet = ethFromHex(hex);
      const po = { bufferId: 0xffffffff, metadata, ofpacts: ofpactsFrom(pa.ofpacts, 1), packet };
      await transactNoReply(vc, encodePacketOut(po, protocolToVersion(protocol), allocXid()), opts);
    }
    vc.close();
  } else if (args.length === 2) {
    const ports = await portsToAccept(name, opts);
    const tables = await tablesToAccept(name, opts);
    const r = parsePacketOutStr(args[1]!, { ports, tables });
    if (typeof r === 'string') die(r);
    const { vc, protocol } = await openVconnForFlowMod(name, r.usable, opts);
    await transactNoReply(vc, encodePacketOut(r.po, protocolToVersion(protocol), allocXid()), opts);
    vc.close();
  } else {
    die(`Too many arguments (${args.length + 1})`);
  }
}

type SwitchHandler = (args: string[], opts: OfctlOptions) => Promise<number | void>;

/** Switch commands implemented so far. */
const SWITCH_COMMANDS: Record<string, SwitchHandler> = {
  'show': cmdShow,
  'dump-desc': (a, o) => dumpTrivial(a[0]!, 'OFPST_DESC_REQUEST', o),
  'dump-tables': (a, o) => dumpTrivial(a[0]!, 'OFPST_TABLE_REQUEST', o),
  'dump-flows': cmdDumpFlows,
  'dump-table-features': cmdDumpTableFeatures,
  'dump-aggregate': cmdDumpAggregate,
  'add-flow': (a, o) => cmdFlowMod(a, o, OFPFC_ADD),
  'add-flows': (a, o) => cmdFlowModFile(a, o, OFPFC_ADD),
  'mod-flows': (a, o) => cmdFlowMod(a, o, o.strict ? OFPFC_MODIFY_STRICT : OFPFC_MODIFY),
  'del-flows': (a, o) => cmdFlowMod(a, o, o.strict ? OFPFC_DELETE_STRICT : OFPFC_DELETE),
  'dump-ports': cmdDumpPorts,
  'dump-ports-desc': cmdDumpPortsDesc,
  'get-frags': cmdGetFrags,
  'set-frags': cmdSetFrags,
  'probe': cmdProbe,
  'mod-port': cmdModPort,
  'queue-stats': cmdQueueStats,
  'queue-get-config': cmdQueueGetConfig,
  'dump-groups': cmdDumpGroups,
  'add-group': (a, o) => cmdGroupMod(a, o, OFPGC11_ADD),
  'add-groups': (a, o) => cmdGroupModFile(a[0]!, a[1]!, OFPGC11_ADD, o),
  'mod-group': (a, o) => cmdGroupMod(a, o, o.mayCreate ? OFPGC11_ADD_OR_MOD : OFPGC11_MODIFY),
  'del-groups': (a, o) => cmdGroupMod(a, o, OFPGC11_DELETE),
  'insert-buckets': (a, o) => cmdGroupMod(a, o, OFPGC15_INSERT_BUCKET),
  'remove-buckets': (a, o) => cmdGroupMod(a, o, OFPGC15_REMOVE_BUCKET),
  'dump-group-stats': cmdDumpGroupStats,
  'dump-group-features': cmdDumpGroupFeatures,
  'ct-flush-zone': cmdCtFlushZone,
  'ct-flush': cmdCtFlush,
  'packet-out': cmdPacketOut,
  'dump-ipfix-bridge': (a, o) => dumpTrivial(a[0]!, 'NXST_IPFIX_BRIDGE_REQUEST', o),
  'dump-ipfix-flow': (a, o) => dumpTrivial(a[0]!, 'NXST_IPFIX_FLOW_REQUEST', o),
  'dump-table-desc': async (a, o) => {
    const { vc } = await openVconn(a[0]!, o);
    if (vc.version < 5) die('dump-table-desc needs OpenFlow 1.4 or later (\'-O OpenFlow14\')');
    await dumpTransaction(vc, startMsg('OFPST14_TABLE_DESC_REQUEST', vc.version, allocXid()).finishMsg(), o);
    vc.close();
  },
  'add-meter': (a, o) => cmdMeterMod(a, o, OFPMC13_ADD),
  'mod-meter': (a, o) => cmdMeterMod(a, o, OFPMC13_MODIFY),
  'del-meter': (a, o) => cmdMeterMod(a, o, OFPMC13_DELETE),
  'del-meters': (a, o) => cmdMeterMod(a, o, OFPMC13_DELETE),
  'dump-meters': (a, o) => cmdMeterRequest(a, o, 'config'),
  'mod-table': cmdModTable,
  'ping': cmdPing,
  'benchmark': cmdBenchmark,
  'bundle': cmdBundle,
  'monitor': async (a, o) => (await import('./ofctl-monitor.js')).cmdMonitor(a, o),
  'snoop': async (a, o) => (await import('./ofctl-monitor.js')).cmdSnoop(a, o),
  'replace-flows': async (a, o) => (await import('./ofctl-diff.js')).replaceFlows(a, o),
  'diff-flows': async (a, o) => (await import('./ofctl-diff.js')).diffFlows(a, o),
  'add-tlv-map': (a, o) => cmdTlvMod(a, o, NXTTMC_ADD),
  'del-tlv-map': (a, o) => cmdTlvMod(a, o, a.length > 1 ? NXTTMC_DELETE : NXTTMC_CLEAR),
  'dump-tlv-map': (a, o) => dumpTrivial(a[0]!, 'NXT_TLV_TABLE_REQUEST', o),
  'dump-meter': (a, o) => cmdMeterRequest(a, o, 'config'),
  'meter-stats': (a, o) => cmdMeterRequest(a, o, 'stats'),
  'meter-features': (a, o) => cmdMeterRequest(a, o, 'features'),
};

/** Runs switch command 'name'; returns the exit status. */
export async function runSwitchCommand(name: string, args: string[], opts: OfctlOptions): Promise<number> {
  const h = SWITCH_COMMANDS[name];
  if (!h) {
    process.stderr.write(`ovs-ofctl: '${name}' is not implemented yet\n`);
    return 1;
  }
  try {
    const rc = await h(args, opts);
    if (typeof rc === 'number') return rc;
  } catch (e) {
    if (e instanceof ExitError) return e.code;
    if (e instanceof Fatal) throw e;
    throw e;
  }
  return 0;
}

void _unused;
