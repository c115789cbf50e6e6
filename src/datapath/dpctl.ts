/* dpctl: the datapath management commands, `ovs-appctl dpctl/...` (OVS
 * lib/dpctl.c).  Implemented: add-dp, del-dp, add-if, set-if, del-if,
 * dump-dps, show, dump-flows, add-flow, mod-flow, del-flow, add-flows,
 * mod-flows, del-flows.  Output and error texts are OVS's: an error is
 * "PROGRAM: WHAT (STRERROR)" and ovs-appctl reports the command as failed.
 *
 * Each command is a row of COMMANDS: {name, usage, min/max args, function};
 * functions call only the dpif and netdev fronts (dpif.ts, netdev.ts).
 * dpctlUnixctlRegister() registers them; dpctlRun() runs one in-process.
 */
import { readFileSync } from 'node:fs';
import { getProgramName, strerror } from '../lib/program.js';
import { unixctlCommandRegister, UnixctlError } from '../lib/unixctl.js';
import { timeMsec } from '../lib/timeval.js';
import { type Dpif, DpifFlowPutFlags } from './dpif-provider.js';
import {
  dpifOpen, dpifClose, dpifDelete, dpifGetStats, dpifPortAdd, dpifPortDel, dpifPortDump,
  dpifPortQueryByName, dpifPortNetdev, dpifFlowPut, dpifFlowDel, dpifFlowFlush, dpifFlowDump,
  dpifEnumerateTypes, dpifEnumerateNames,
} from './dpif.js';
import { netdevOpen, netdevClose, netdevSetConfig, netdevGetConfig, netdevUpdateFlags } from './netdev.js';
import { NetdevFlags } from './netdev-provider.js';
import { newFlowKey } from './flow.js';
import { parseFlowKey, formatFlowKey } from './odp-util.js';
import { formatOdpActions } from './odp-actions.js';
import { parseOdpActions } from './odp-actions-parse.js';
import { formatTcpFlagsShort } from './dpif-netdev.js';

/** Accumulated command output; 'error' makes the whole reply an error. */
class Out {
  text = '';
  error = false;
  print(s: string): void { this.text += s; }
  /** OVS dpctl_error(): "PROGRAM: message (strerror)". */
  err(errno: number, msg: string): void {
    this.error = true;
    this.text += `${getProgramName()}: ${msg}${errno ? ` (${strerror(errno)})` : ''}\n`;
  }
}

/** Options given before the arguments (--statistics, --more, --names, ...). */
interface Opts { statistics: boolean; more: number; names: boolean; clear: boolean }

type Handler = (args: string[], out: Out, opts: Opts) => void;

/** Opens datapath 'name' for a command, reporting "opening datapath" on failure. */
function openDp(name: string, out: Out, create = false): Dpif | null {
  const d = dpifOpen(name, create);
  if (typeof d === 'number') {
    out.err(d, create ? 'add_dp' : 'opening datapath');
    return null;
  }
  return d;
}

/** All datapaths as TYPE@NAME. */
function allDps(): string[] {
  const names: string[] = [];
  for (const t of dpifEnumerateTypes()) for (const n of dpifEnumerateNames(t)) names.push(`${t}@${n}`);
  return names;
}

/** The datapath named by an optional first argument, else the only one. */
function openDefaultDp(args: string[], nRequired: number, out: Out): [Dpif | null, string[]] {
  if (args.length > nRequired) return [openDp(args[0]!, out), args.slice(1)];
  const dps = allDps();
  if (dps.length === 0) { out.err(0, 'no datapaths exist'); return [null, args]; }
  if (dps.length > 1) { out.err(0, 'multiple datapaths, specify one'); return [null, args]; }
  return [openDp(dps[0]!, out), args];
}

/** Splits "name,key=value,..." into the name and its options. */
function parseIface(arg: string, out: Out): { name: string; opts: [string, string][] } | null {
  const [name, ...rest] = arg.split(',');
  if (!name) {
    out.err(0, `${arg} is not a valid network device name`);
    return null;
  }
  return { name, opts: rest.filter((r) => r !== '').map((kv) => {
    const eq = kv.indexOf('=');
    return eq < 0 ? [kv, ''] : [kv.slice(0, eq), kv.slice(eq + 1)];
  }) };
}

function addIfs(dp: Dpif, dpName: string, ifaces: string[], out: Out): void {
  for (const arg of ifaces) {
    const p = parseIface(arg, out);
    if (!p) continue;
    let type = 'system', portNo: number | undefined;
    const config: Record<string, string> = {};
    let bad = false;
    for (const [k, v] of p.opts) {
      if (k === 'type') type = v;
      else if (k === 'port_no') portNo = Number.parseInt(v, 10) || 0;
      else if (k in config) { out.err(0, `duplicate "${k}" option`); bad = true; }
      else config[k] = v;
    }
    if (bad) continue;
    const netdev = netdevOpen(p.name, dp.dpifClass.portOpenType(type));
    if (typeof netdev === 'number') {
      out.err(netdev, `${p.name}: failed to open network device`);
      continue;
    }
    const cfgErr = netdevSetConfig(netdev, config);
    if (cfgErr) { out.err(0, cfgErr); netdevClose(netdev); continue; }
    const r = dpifPortAdd(dp, netdev, portNo);
    if (r < 0) {
      out.err(-r, `adding ${p.name} to ${dpName} failed`);
      netdevClose(netdev);
      continue;
    }
    const f = netdevUpdateFlags(netdev, 0, NetdevFlags.UP);
    if (f < 0) out.err(-f, `${p.name}: failed bringing interface up`);
  }
}

const cmdAddDp: Handler = (args, out) => {
  const dp = openDp(args[0]!, out, true);
  if (!dp) return;
  addIfs(dp, args[0]!, args.slice(1), out);
  dpifClose(dp);
};

const cmdDelDp: Handler = (args, out) => {
  const dp = openDp(args[0]!, out);
  if (!dp) return;
  const e = dpifDelete(dp);
  if (e) out.err(e, 'del_dp');
  dpifClose(dp);
};

const cmdAddIf: Handler = (args, out) => {
  const dp = openDp(args[0]!, out);
  if (!dp) return;
  addIfs(dp, args[0]!, args.slice(1), out);
  dpifClose(dp);
};

const cmdSetIf: Handler = (args, out) => {
  const dp = openDp(args[0]!, out);
  if (!dp) return;
  for (const arg of args.slice(1)) {
    const p = parseIface(arg, out);
    if (!p) continue;
    const port = dpifPortQueryByName(dp, p.name);
    if (!port) { out.err(19, `${p.name}: failed to query port in ${args[0]}`); continue; }
    const netdev = dpifPortNetdev(dp, port.portNo);
    if (!netdev) { out.err(19, `${p.name}: failed to open network device`); continue; }
    const config = { ...netdevGetConfig(netdev) };
    let bad = false;
    for (const [k, v] of p.opts) {
      if (k === 'type') {
        if (v !== port.type) {
          out.err(0, `${p.name}: can't change type from ${port.type} to ${v}`);
          bad = true;
        }
      } else if (k === 'port_no') {
        if (port.portNo !== (Number.parseInt(v, 10) || 0)) {
          out.err(0, `${p.name}: can't change port number from ${port.portNo} to ${Number.parseInt(v, 10) || 0}`);
          bad = true;
        }
      } else if (v === '') {
        delete config[k];
      } else {
        config[k] = v;
      }
    }
    if (bad) continue;
    const e = netdevSetConfig(netdev, config);
    if (e) out.err(0, e);
  }
  dpifClose(dp);
};

const cmdDelIf: Handler = (args, out) => {
  const dp = openDp(args[0]!, out);
  if (!dp) return;
  for (const name of args.slice(1)) {
    const port = /^\d+$/.test(name) ? dpifPortDump(dp).find((p) => p.portNo === Number(name)) : dpifPortQueryByName(dp, name);
    if (!port) { out.err(0, `no port named ${name}`); continue; }
    const e = dpifPortDel(dp, port.portNo);
    if (e) out.err(e, `deleting port ${name} from ${args[0]} failed`);
  }
  dpifClose(dp);
};

const cmdDumpDps: Handler = (_args, out) => {
  for (const n of allDps()) out.print(`${n}\n`);
};

function showDp(dp: Dpif, out: Out, opts: Opts): void {
  out.print(`${dp.fullName}:\n`);
  const s = dpifGetStats(dp);
  out.print(`  lookups: hit:${s.hit} missed:${s.missed} lost:${s.lost}\n  flows: ${s.flows}\n`);
  if (s.masks >= 0) {
    const n = s.hit + s.missed;
    out.print(`  masks: hit:${s.maskHit} total:${s.masks} hit/pkt:${(n ? s.maskHit / n : 0).toFixed(2)}\n`);
  }
  for (const port of dpifPortDump(dp)) {
    out.print(`  port ${port.portNo}: ${port.name}`);
    if (port.type !== 'system') {
      out.print(` (${port.type}`);
      const netdev = dpifPortNetdev(dp, port.portNo);
      if (netdev) {
        const cfg = netdevGetConfig(netdev);
        Object.keys(cfg).sort().forEach((k, j) => out.print(`${j ? ',' : ':'} ${k}=${cfg[k]}`));
      }
      out.print(')');
    }
    out.print('\n');
    if (opts.statistics) {
      const netdev = dpifPortNetdev(dp, port.portNo);
      const st = netdev ? netdev.netdevClass.getStats?.(netdev) : undefined;
      if (st && typeof st === 'object') {
        out.print(`    RX packets:${st.rx_packets} errors:${st.rx_errors} dropped:${st.rx_dropped} overruns:${st.rx_over_errors} frame:${st.rx_frame_errors}\n`);
        out.print(`    TX packets:${st.tx_packets} errors:${st.tx_errors} dropped:${st.tx_dropped} aborted:${st.tx_aborted_errors} carrier:${st.tx_carrier_errors}\n`);
        out.print(`    collisions:${st.collisions}\n`);
        out.print(`    RX bytes:${st.rx_bytes}${humanSize(st.rx_bytes)}  TX bytes:${st.tx_bytes}${humanSize(st.tx_bytes)}\n`);
      }
    }
  }
}

/** OVS print_human_size(): " (1.0 KiB)" etc., nothing below 1 KiB. */
function humanSize(n: number): string {
  const units: [number, string][] = [[1024 ** 4, 'TiB'], [1024 ** 3, 'GiB'], [1024 ** 2, 'MiB'], [1024, 'KiB']];
  for (const [u, name] of units) if (n >= u) return ` (${(n / u).toFixed(1)} ${name})`;
  return '';
}

const cmdShow: Handler = (args, out, opts) => {
  const names = args.length ? args : allDps();
  for (const n of names) {
    const dp = openDp(n, out);
    if (!dp) continue;
    showDp(dp, out, opts);
    dpifClose(dp);
  }
};

const cmdDumpFlows: Handler = (args, out, opts) => {
  const rest = args.filter((a) => !/^(filter|type|pmd)=/.test(a));
  const [dp] = openDefaultDp(rest, 0, out);
  if (!dp) return;
  const names = opts.names ? new Map(dpifPortDump(dp).map((p) => [p.portNo, p.name])) : undefined;
  let thread = '';
  const now = Math.max(1, timeMsec());
  for (const { thread: t, flow: f } of dpifFlowDump(dp)) {
    if (t !== thread) {
      out.print(`flow-dump from ${t === 'main' ? 'the main thread' : `pmd on cpu core: ${t}`}:\n`);
      thread = t;
    }
    let s = `${formatFlowKey(f.key, 0, f.mask, 0, { verbose: opts.more > 0, portNames: names })}, `;
    s += formatDpifFlowStats(f, now);
    out.print(`${s}, actions:${formatOdpActions(f.actions, (p) => names?.get(p) ?? String(p))}\n`);
  }
  dpifClose(dp);
};

/** "packets:N, bytes:N, used:T[, flags:F]" (OVS dpif_flow_stats_format); 'now' in the datapath's clock. */
export function formatDpifFlowStats(f: { packets: number; bytes: number; used: number; tcpFlags: number }, now: number): string {
  let s = `packets:${f.packets}, bytes:${f.bytes}, used:${f.used ? `${((now - f.used) / 1000).toFixed(3)}s` : 'never'}`;
  if (f.tcpFlags) s += `, flags:${formatTcpFlagsShort(f.tcpFlags)}`;
  return s;
}

/** Parses FLOW [ACTIONS] for a flow command; null after reporting an error. */
function parseFlow(flowText: string, actionsText: string | null, out: Out, dp: Dpif) {
  const key = newFlowKey(), mask = newFlowKey();
  const names = new Map(dpifPortDump(dp).map((p) => [p.name, p.portNo]));
  const e = parseFlowKey(flowText, key, mask, 0, 0, { portNumbers: names });
  if (e) { out.err(22, `parsing flow key (${e})`); return null; }
  if (actionsText === null) return { key, mask, actions: [] };
  const actions = parseOdpActions(actionsText, names);
  if (typeof actions === 'string') { out.err(22, `parsing actions (${actions})`); return null; }
  return { key, mask, actions };
}

function putFlow(args: string[], out: Out, flags: number): void {
  const [dp, rest] = openDefaultDp(args, 2, out);
  if (!dp) return;
  const f = parseFlow(rest[0]!, rest[1]!, out, dp);
  if (f) {
    const e = dpifFlowPut(dp, f.key, f.mask, f.actions, flags);
    if (e) out.err(e, 'updating flow table');
  }
  dpifClose(dp);
}

const cmdAddFlow: Handler = (args, out, opts) =>
  putFlow(args, out, DpifFlowPutFlags.CREATE | (opts.clear ? DpifFlowPutFlags.ZERO_STATS : 0));
const cmdModFlow: Handler = (args, out, opts) =>
  putFlow(args, out, DpifFlowPutFlags.MODIFY | (opts.clear ? DpifFlowPutFlags.ZERO_STATS : 0));

const cmdDelFlow: Handler = (args, out) => {
  const [dp, rest] = openDefaultDp(args, 1, out);
  if (!dp) return;
  const f = parseFlow(rest[0]!, null, out, dp);
  if (f) {
    const e = dpifFlowDel(dp, f.key, f.mask);
    if (e) out.err(e, 'deleting flow');
  }
  dpifClose(dp);
};

/** add-flows / mod-flows / del-flows FILE: a file of "[add|modify|delete] FLOW [ACTIONS]" lines. */
function processFlows(defaultOp: 'add' | 'modify' | 'delete') {
  return (args: string[], out: Out): void => {
    const [dp, rest] = openDefaultDp(args, 1, out);
    if (!dp) return;
    let text: string;
    try {
      text = readFileSync(rest[0]!, 'utf8');
    } catch (e) {
      out.err(0, `${rest[0]}: ${strerror((e as NodeJS.ErrnoException).code)}`);
      dpifClose(dp);
      return;
    }
    for (const raw of text.split('\n')) {
      const words = raw.trim().split(/\s+/).filter((w) => w !== '');
      if (!words.length) continue;
      let op: string = defaultOp;
      if (['add', 'modify', 'delete'].includes(words[0]!)) op = words.shift()!;
      const f = parseFlow(words[0] ?? '', op === 'delete' ? null : words[1] ?? 'drop', out, dp);
      if (!f) continue;
      const e = op === 'delete' ? dpifFlowDel(dp, f.key, f.mask)
        : dpifFlowPut(dp, f.key, f.mask, f.actions, op === 'add' ? DpifFlowPutFlags.CREATE : DpifFlowPutFlags.MODIFY);
      if (e) out.err(e, op === 'delete' ? 'deleting flow' : 'updating flow table');
    }
    dpifClose(dp);
  };
}

const cmdDelFlows: Handler = (args, out) => {
  // del-flows [dp] [file]: with a file, delete those flows; else all of them.
  const isDp = (a: string) => a.includes('@') || allDps().includes(a);
  if (args.length === 2 || (args.length === 1 && !isDp(args[0]!))) {
    processFlows('delete')(args, out);
    return;
  }
  const [dp] = openDefaultDp(args, 0, out);
  if (!dp) return;
  const e = dpifFlowFlush(dp);
  if (e) out.err(e, 'deleting all flows');
  dpifClose(dp);
};

/** The commands: name, usage, min and max arguments, function. */
const COMMANDS: [string, string, number, number, Handler][] = [
  ['add-dp', 'dp [iface...]', 1, Number.MAX_SAFE_INTEGER, cmdAddDp],
  ['del-dp', 'dp', 1, 1, cmdDelDp],
  ['add-if', 'dp iface...', 2, Number.MAX_SAFE_INTEGER, cmdAddIf],
  ['del-if', 'dp iface...', 2, Number.MAX_SAFE_INTEGER, cmdDelIf],
  ['set-if', 'dp iface...', 2, Number.MAX_SAFE_INTEGER, cmdSetIf],
  ['dump-dps', '', 0, 0, cmdDumpDps],
  ['show', '[-s] [dp...]', 0, Number.MAX_SAFE_INTEGER, cmdShow],
  ['dump-flows', '[-m] [--names] [dp] [filter=..] [type=..] [pmd=..]', 0, 6, cmdDumpFlows],
  ['add-flow', '[dp] flow actions', 2, 3, cmdAddFlow],
  ['mod-flow', '[dp] flow actions', 2, 3, cmdModFlow],
  ['del-flow', '[dp] flow', 1, 2, cmdDelFlow],
  ['add-flows', '[dp] file', 1, 2, processFlows('add')],
  ['mod-flows', '[dp] file', 1, 2, processFlows('modify')],
  ['del-flows', '[dp] [file]', 0, 2, cmdDelFlows],
];

/** Runs dpctl command 'name' with 'argv' (options first, as ovs-appctl
 * passes them); resolves to the output text, throws UnixctlError with the
 * error text if the command failed. */
export function dpctlRun(name: string, argv: string[]): string {
  const row = COMMANDS.find((c) => c[0] === name);
  if (!row) throw new UnixctlError(`${getProgramName()}: unknown command '${name}'; use --help for help\n`);
  const opts: Opts = { statistics: false, more: 0, names: false, clear: false };
  const args = [...argv];
  const out = new Out();
  while (args.length && args[0]!.startsWith('-')) {
    const a = args.shift()!;
    if (a === '--statistics' || a === '-s') opts.statistics = true;
    else if (a === '--more' || a === '-m') opts.more++;
    else if (a === '--names') opts.names = true;
    else if (a === '--no-names') opts.names = false;
    else if (a === '--clear') opts.clear = true;
    else if (a === '--may-create') { /* accepted */ }
    else { out.err(0, `'${a}' option is not supported`); throw new UnixctlError(out.text); }
  }
  if (args.length < row[2]) { out.err(0, `'${name}' command requires at least ${row[2]} arguments`); throw new UnixctlError(out.text); }
  if (args.length > row[3]) { out.err(0, `'${name}' command takes at most ${row[3]} arguments`); throw new UnixctlError(out.text); }
  row[4](args, out, opts);
  if (out.error) throw new UnixctlError(out.text);
  return out.text;
}

/** Registers dpctl/COMMAND for every command with unixctl. */
export function dpctlUnixctlRegister(): void {
  for (const [name, usage, min, max] of COMMANDS) {
    unixctlCommandRegister(`dpctl/${name}`, usage, min, max === Number.MAX_SAFE_INTEGER ? max : max + 4,
      (args) => dpctlRun(name, args));
  }
}
