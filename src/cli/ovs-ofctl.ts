/* ovs-ofctl: the OpenFlow switch management tool.
 *
 * A command table (COMMANDS) maps each command to its argument counts and
 * handler; handlers import their heavy modules lazily so `ovs-ofctl
 * --version` and simple commands start fast.  Offline commands (ofp-print,
 * parse-flow(s)) work on text; switch commands connect to a bridge's
 * management socket ($OVS_RUNDIR/<bridge>.mgmt) or to unix:/tcp: targets.
 */
import { vlogSetFromString, vlogModule } from '../lib/vlog.js';
import { parseCommandLine, type OptionSpec } from '../lib/command-line.js';
import { SSL_OPTIONS, sslOptionApply } from '../lib/stream-ssl-options.js';

/** Global options shared by the commands. */
export interface OfctlOptions {
  /** Allowed OpenFlow versions as a bitmap (bit N = wire version N). */
  allowedVersions: number;
  /** Usable flow protocols (ofp-protocol.ts bits), after -F and -O. */
  allowedProtocols: number;
  strict: boolean;
  readd: boolean;
  /** --may-create: mod-group adds the group if missing. */
  mayCreate: boolean;
  names: boolean | null;
  stats: boolean;
  /** --sort / --rsort criteria in order (field '' = priority). */
  sortCriteria: { field: string; desc: boolean }[];
  timestamp: boolean;
  bundle: boolean;
  raw: boolean;
  color: boolean;
  more: string[];
  /** -P: preferred packet-in format for monitor (0 standard, 1 nxt_packet_in, 2 nxt_packet_in2), -1 default. */
  packetInFormat: number;
  /** -t: seconds before giving up (0: none). */
  timeout: number;
  pcap: boolean;
  readOnly: boolean;
  /** --unixctl: control socket path for monitor/snoop. */
  unixctl: string | null;
  /** Daemon options of monitor/snoop. */
  detach: boolean;
  chdir: boolean;
  pidfile: string | null;
  overwritePidfile: boolean;
}

/** Log modules of the code ovs-ofctl runs.  The C tool has them all from
 * the start; ours load lazily, so they are named here for -v to find. */
const VLOG_MODULES = [
  'ofctl', 'vconn', 'vconn_stream', 'stream', 'stream_unix', 'stream_tcp', 'stream_ssl', 'socket_util', 'rconn',
  'reconnect', 'unixctl', 'daemon', 'fatal_signal', 'poll_loop', 'timeval', 'lockfile', 'util', 'vlog', 'pcap',
  'flow', 'packets', 'tun_metadata', 'meta_flow', 'nx_match', 'ofp_actions', 'ofp_bundle', 'ofp_connection',
  'ofp_errors', 'ofp_flow', 'ofp_group', 'ofp_match', 'ofp_meter', 'ofp_monitor', 'ofp_msgs', 'ofp_packet',
  'ofp_port', 'ofp_print', 'ofp_prop', 'ofp_protocol', 'ofp_queue', 'ofp_switch', 'ofp_table', 'ofp_util',
  'ofp_ct', 'ofp_ipfix', 'ofp_parse', 'ofp_version_opt', 'learn', 'bundle', 'multipath', 'odp_util',
];

/** ovs-ofctl's options as getopt_long sees them. */
const OPTION_SPECS: OptionSpec[] = [
  { name: 'timeout', short: 't', arg: 'required' }, { name: 'strict', arg: 'none' }, { name: 'readd', arg: 'none' },
  { name: 'flow-format', short: 'F', arg: 'required' }, { name: 'packet-in-format', short: 'P', arg: 'required' },
  { name: 'more', short: 'm', arg: 'none' }, { name: 'timestamp', arg: 'none' }, { name: 'sort', arg: 'optional' },
  { name: 'rsort', arg: 'optional' }, { name: 'names', arg: 'none' }, { name: 'no-names', arg: 'none' },
  { name: 'stats', arg: 'none' }, { name: 'no-stats', arg: 'none' }, { name: 'unixctl', arg: 'required' },
  { name: 'help', short: 'h', arg: 'none' }, { name: 'option', short: 'o', arg: 'none' }, { name: 'bundle', arg: 'none' },
  { name: 'color', arg: 'optional' }, { name: 'may-create', arg: 'none' }, { name: 'pcap', arg: 'none' },
  { name: 'raw', arg: 'none' }, { name: 'read-only', arg: 'none' },
  { name: 'detach', arg: 'none' }, { name: 'no-self-confinement', arg: 'none' }, { name: 'no-chdir', arg: 'none' },
  { name: 'pidfile', arg: 'optional' }, { name: 'overwrite-pidfile', arg: 'none' }, { name: 'monitor', arg: 'none' },
  { name: 'user', arg: 'required' },
  { name: 'version', short: 'V', arg: 'none' }, { name: 'protocols', short: 'O', arg: 'required' },
  { name: 'verbose', short: 'v', arg: 'optional' }, { name: 'log-file', arg: 'optional' },
  { name: 'syslog-method', arg: 'required' }, { name: 'syslog-target', arg: 'required' },
  ...SSL_OPTIONS,
];

type Handler = (args: string[], opts: OfctlOptions) => Promise<number | void> | number | void;

interface Command { min: number; max: number; run: Handler }

class CliError extends Error {}

/** Prints "ovs-ofctl: text" to stderr and exits 1. */
export function fatal(text: string): never {
  throw new CliError(text);
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function parseHexArg(s: string): Uint8Array {
  const out: number[] = [];
  let i = 0;
  for (;;) {
    while (i < s.length && ' .\t\r\n'.includes(s[i]!)) i++;
    const pair = s.substr(i, 2);
    if (pair.length < 2 || !/^[0-9a-fA-F]{2}$/.test(pair)) break;
    out.push(parseInt(pair, 16));
    i += 2;
  }
  if (i < s.length) fatal('trailing garbage following hex bytes');
  return Uint8Array.from(out);
}

async function cmdOfpPrint(args: string[], opts: OfctlOptions): Promise<void> {
  const verbosity = args.length > 1 ? parseInt(args[1]!, 10) || 0 : 2;
  let data: Uint8Array;
  if (args[0] === '-') {
    const input = await readStdin();
    if (opts.raw) data = new Uint8Array(input);
    else {
      const text = input.toString('latin1');
      const nl = text.indexOf('\n');
      data = parseHexArg(nl >= 0 ? text.slice(0, nl) : text);
    }
  } else {
    data = parseHexArg(args[0]!);
  }
  const { ofpToString } = await import('../openflow/ofp-print.js');
  process.stdout.write(ofpToString(data, verbosity));
}

async function cmdParseFlow(args: string[], opts: OfctlOptions): Promise<number | void> {
  const m = await import('./ofctl-parse.js');
  return m.parseFlows([args[0]!], opts);
}

async function cmdParseFlows(args: string[], opts: OfctlOptions): Promise<number | void> {
  const { readFileSync } = await import('node:fs');
  const text = args[0] === '-' ? (await readStdin()).toString() : readFileSync(args[0]!, 'utf8');
  const m = await import('./ofctl-parse.js');
  return m.parseFlows(text.split('\n'), opts, args[0]!);
}

async function switchCommand(name: string, args: string[], opts: OfctlOptions): Promise<number | void> {
  const m = await import('./ofctl-switch.js');
  return m.runSwitchCommand(name, args, opts);
}

function sw(name: string, min: number, max: number): [string, Command] {
  return [name, { min, max, run: (a, o) => switchCommand(name, a, o) }];
}

function flt(name: string): Handler {
  return async (a, o) => (await import('./ofctl-offline.js')).flowLanguageTest(name, a, o);
}

/** Commands --read-only allows (OVS_RO in ovs-ofctl's table). */
const READ_ONLY_COMMANDS = new Set([
  'show', 'monitor', 'snoop', 'dump-desc', 'dump-tables', 'dump-table-features', 'dump-table-desc', 'dump-flows',
  'dump-aggregate', 'queue-stats', 'queue-get-config', 'dump-meter', 'dump-meters', 'meter-stats', 'meter-features',
  'dump-ports', 'dump-ports-desc', 'get-frags', 'probe', 'ping', 'benchmark', 'dump-ipfix-bridge', 'dump-ipfix-flow',
  'ct-flush-zone', 'ct-flush', 'dump-groups', 'dump-group-stats', 'dump-group-features', 'add-tlv-map', 'del-tlv-map',
  'dump-tlv-map', 'help', 'list-commands', 'compose-packet', 'parse-packet',
]);

/** Every command: name -> argument counts and handler. */
const COMMANDS = new Map<string, Command>([
  ['ofp-print', { min: 1, max: 2, run: cmdOfpPrint }],
  ['help', { min: 0, max: Infinity, run: async () => { process.stdout.write((await import('./ofctl-usage.js')).usageText()); } }],
  ['list-commands', { min: 0, max: Infinity, run: async () => { process.stdout.write((await import('./ofctl-usage.js')).listCommandsText()); } }],
  ['parse-flow', { min: 1, max: 1, run: cmdParseFlow }],
  ['parse-flows', { min: 1, max: 1, run: cmdParseFlows }],
  ['print-error', { min: 1, max: 1, run: async (a) => (await import('./ofctl-offline.js')).printError(a) }],
  ['encode-error-reply', { min: 2, max: 2, run: async (a) => (await import('./ofctl-offline.js')).encodeErrorReply(a) }],
  ['encode-hello', { min: 1, max: 1, run: async (a, o) => (await import('./ofctl-offline.js')).encodeHelloCmd(a, o) }],
  ...(['parse-nx-match', 'parse-nxm', 'parse-ofp10-match', 'parse-ofp11-match'].map((n): [string, Command] => [n, { min: 0, max: 0, run: flt(n) }])),
  ...(['parse-oxm', 'parse-actions', 'parse-instructions'].map((n): [string, Command] => [n, { min: 1, max: 1, run: flt(n) }])),
  ['check-vlan', { min: 2, max: 2, run: async (a) => (await import('./ofctl-offline.js')).checkVlan(a) }],
  ['ofp-parse', { min: 1, max: 1, run: async (a, o) => (await import('./ofctl-offline.js')).ofpParse(a, o) }],
  ['parse-key-value', { min: 1, max: Infinity, run: async (a) => (await import('./ofctl-offline.js')).parseKeyValueCmd(a) }],
  ['parse-packet', { min: 0, max: 0, run: async () => (await import('./ofctl-offline.js')).parsePacket() }],
  ['parse-pcap', { min: 1, max: Infinity, run: async (a) => (await import('./ofctl-offline.js')).parsePcapCmd(a) }],
  ['parse-group', { min: 1, max: 1, run: async (a, o) => (await import('./ofctl-offline.js')).parseGroupCmd(a, o) }],
  sw('show', 1, 1),
  sw('dump-desc', 1, 1),
  sw('dump-tables', 1, 1),
  sw('dump-table-features', 1, 1),
  sw('dump-table-desc', 1, 1),
  sw('dump-flows', 1, 2),
  sw('dump-aggregate', 1, 2),
  sw('queue-stats', 1, 3),
  sw('queue-get-config', 1, 3),
  sw('add-flow', 2, 2),
  sw('add-flows', 2, 2),
  sw('mod-flows', 2, 2),
  sw('del-flows', 1, 2),
  sw('replace-flows', 2, 2),
  sw('diff-flows', 2, 2),
  sw('dump-ports', 1, 2),
  sw('dump-ports-desc', 1, 2),
  sw('mod-port', 3, 3),
  sw('mod-table', 3, 3),
  sw('get-frags', 1, 1),
  sw('set-frags', 2, 2),
  sw('probe', 1, 1),
  sw('ping', 1, 2),
  sw('benchmark', 3, 3),
  sw('packet-out', 2, Infinity),
  sw('monitor', 1, 3),
  sw('snoop', 1, 1),
  sw('add-group', 1, 2),
  sw('add-groups', 2, 2),
  sw('mod-group', 1, 2),
  sw('del-groups', 1, 2),
  sw('insert-buckets', 1, 2),
  sw('remove-buckets', 1, 2),
  sw('dump-groups', 1, 2),
  sw('dump-group-stats', 1, 2),
  sw('dump-group-features', 1, 1),
  sw('add-meter', 2, 2),
  sw('mod-meter', 2, 2),
  sw('del-meter', 1, 2),
  sw('del-meters', 1, 2),
  sw('dump-meter', 1, 2),
  sw('dump-meters', 1, 2),
  sw('meter-stats', 1, 2),
  sw('meter-features', 1, 1),
  sw('dump-ipfix-bridge', 1, 1),
  sw('dump-ipfix-flow', 1, 1),
  sw('ct-flush-zone', 2, 2),
  sw('ct-flush', 1, 4),
  sw('add-tlv-map', 2, 2),
  sw('bundle', 2, 2),
  sw('del-tlv-map', 1, 2),
  sw('dump-tlv-map', 1, 1),
]);

const VERSION_NAMES: Record<string, number> = {
  OpenFlow10: 1, OpenFlow11: 2, OpenFlow12: 3, OpenFlow13: 4, OpenFlow14: 5, OpenFlow15: 6,
};

function parseVersions(s: string): number {
  let bm = 0;
  for (const w of s.split(/[\s,]+/).filter(Boolean)) {
    const key = Object.keys(VERSION_NAMES).find((k) => k.toLowerCase() === w.toLowerCase());
    if (!key) {
      process.stderr.write(`ovs-ofctl: Unknown OpenFlow version: "${w}"\n`);
      process.exit(1);
    }
    bm |= 1 << VERSION_NAMES[key]!;
  }
  return bm;
}


/** Runs ovs-ofctl with 'argv' (without node and script); returns the exit
 * status. */
export async function main(argv: string[]): Promise<number> {
  const opts: OfctlOptions = {
    allowedVersions: 1 << 1,
    allowedProtocols: 0x1ff, strict: false, readd: false, mayCreate: false, names: null, stats: true,
    sortCriteria: [], timestamp: false, bundle: false, raw: false, color: false, more: [],
    packetInFormat: -1, timeout: 0, pcap: false, readOnly: false, unixctl: null,
    detach: false, chdir: true, pidfile: null, overwritePidfile: false,
  };
  const positional: string[] = [];
  try {
    for (const m of VLOG_MODULES) vlogModule(m);
    const parsed = parseCommandLine(argv, OPTION_SPECS);
    if (parsed.error) fatal(parsed.error);
    positional.push(...parsed.args);
    for (const { name, value } of parsed.options) {
      switch (name) {
        case 'version':
          process.stdout.write('ovs-ofctl (Open vSwitch) 3.1.0\nOpenFlow versions 0x1:0x6\n');
          return 0;
        case 'help':
          process.stdout.write((await import('./ofctl-usage.js')).usageText());
          return 0;
        case 'option':
          // ovs_cmdl_print_options: each long option, then its short form.
          process.stdout.write(OPTION_SPECS.map((o) => {
            const arg = o.arg === 'required' ? '=ARG' : o.arg === 'optional' ? '=[ARG]' : '';
            return `--${o.name}${arg}\n` + (o.short ? `-${o.short} ${o.arg === 'none' ? '' : o.arg === 'required' ? 'ARG' : '[ARG]'}\n` : '');
          }).join(''));
          return 0;
        case 'verbose': {
          const err = vlogSetFromString(value ?? 'any:any:dbg');
          if (err) fatal(value === undefined ? err : `processing "${value}": ${err}`);
          break;
        }
        case 'protocols': opts.allowedVersions = parseVersions(value!); break;
        case 'flow-format': {
          const { protocolsFromString } = await import('../openflow/ofp-protocol.js');
          const ps = protocolsFromString(value!);
          if (typeof ps === 'string') fatal(ps);
          opts.allowedProtocols = ps;
          break;
        }
        case 'packet-in-format': {
          const f = ({ standard: 0, openflow10: 0, nxt_packet_in: 1, nxm: 1, nxt_packet_in2: 2 } as Record<string, number>)[value!];
          if (f === undefined) fatal(`unknown packet-in format \`${value}'`);
          opts.packetInFormat = f;
          break;
        }
        case 'timeout':
          if (!/^[0-9]+$/.test(value!) || !Number(value)) fatal(`value ${value} on -t or --timeout is invalid`);
          opts.timeout = Number(value);
          break;
        case 'strict': opts.strict = true; break;
        case 'readd': opts.readd = true; break;
        case 'may-create': opts.mayCreate = true; break;
        case 'names': opts.names = true; break;
        case 'no-names': opts.names = false; break;
        case 'stats': opts.stats = true; break;
        case 'no-stats': opts.stats = false; break;
        case 'sort': opts.sortCriteria.push({ field: value ?? '', desc: false }); break;
        case 'rsort': opts.sortCriteria.push({ field: value ?? '', desc: true }); break;
        case 'timestamp': opts.timestamp = true; break;
        case 'bundle': opts.bundle = true; break;
        case 'raw': opts.raw = true; break;
        case 'pcap': opts.pcap = true; break;
        case 'read-only': opts.readOnly = true; break;
        case 'unixctl': opts.unixctl = value!; break;
        case 'more': opts.more.push('more'); break;
        case 'color': {
          const v = value?.toLowerCase();
          if (v === undefined || ['auto', 'tty', 'if-tty'].includes(v)) opts.color = !!process.stdout.isTTY;
          else if (['always', 'yes', 'force'].includes(v)) opts.color = true;
          else if (['never', 'no', 'none'].includes(v)) opts.color = false;
          else fatal(`incorrect value \`${value}' for --color`);
          break;
        }
        case 'detach': opts.detach = true; break;
        case 'no-chdir': opts.chdir = false; break;
        case 'pidfile': {
          const { absFileName, ovsRundir } = await import('../lib/dirs.js');
          opts.pidfile = absFileName(ovsRundir(), value ?? 'ovs-ofctl.pid');
          break;
        }
        case 'overwrite-pidfile': opts.overwritePidfile = true; break;
        case 'log-file': {
          const { absFileName, ovsLogdir } = await import('../lib/dirs.js');
          const { vlogSetLogFile } = await import('../lib/vlog.js');
          const f = absFileName(ovsLogdir(), value ?? 'ovs-ofctl.log');
          const err = vlogSetLogFile(f);
          if (err) fatal(`${f}: could not open log file (${err})`);
          break;
        }
        default: // TLS options go to the stream layer; other daemon options are accepted and unused
          sslOptionApply(name, value!);
          break;
      }
    }
    // ctl_timeout_setup: -t or $OVS_CTL_TIMEOUT ends the process with SIGALRM.  A --detach
    // child is exempt: OVS forks it, and a pending alarm() does not pass to the child
    // (the waiting parent keeps it).
    if (!process.env.OVS_OFCTL_DETACHED_FD) { // set in the child by ofctl-monitor.ts
      const env = process.env.OVS_CTL_TIMEOUT;
      const secs = opts.timeout || (env && /^[0-9]+$/.test(env) ? Number(env) : 0);
      if (secs) setTimeout(() => process.kill(process.pid, 'SIGALRM'), secs * 1000).unref();
    }
    if (opts.bundle && !(opts.allowedVersions & 0x70)) opts.allowedVersions = (opts.allowedVersions | (1 << 5)) & 0x70;
    {
      const p = await import('../openflow/ofp-protocol.js');
      const versionProtocols = p.protocolsFromVersionBitmap(opts.allowedVersions);
      if (!(opts.allowedProtocols & versionProtocols)) {
        const { formatVersionBitmapNames } = await import('../openflow/ofp-hello.js');
        fatal(`None of the enabled OpenFlow versions (${formatVersionBitmapNames(opts.allowedVersions)}) supports any of the enabled flow formats (${p.protocolsToString(opts.allowedProtocols)}).  (Use -O to enable additional OpenFlow versions or -F to enable additional flow formats.)`);
      }
      opts.allowedProtocols &= versionProtocols;
      opts.allowedVersions &= p.protocolsToVersionBitmap(opts.allowedProtocols);
    }
    if (!positional.length) fatal('missing command name; use --help for help');
    const cmdName = positional[0]!;
    const cmd = COMMANDS.get(cmdName);
    if (!cmd) fatal(`unknown command '${cmdName}'; use --help for help`);
    const args = positional.slice(1);
    if (args.length < cmd.min) fatal(`'${cmdName}' command requires at least ${cmd.min} arguments`);
    if (args.length > cmd.max) fatal(`'${cmdName}' command takes at most ${cmd.max} arguments`);
    if (opts.readOnly && !READ_ONLY_COMMANDS.has(cmdName)) fatal(`'${cmdName}' command does not work in read only mode`);
    const rc = await cmd.run(args, opts);
    return typeof rc === 'number' ? rc : 0;
  } catch (e) {
    if (e instanceof CliError) {
      process.stderr.write(`ovs-ofctl: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

/* fatal_signal: SIGTERM, SIGINT, SIGHUP and SIGALRM (-t) run the cleanup
 * hooks (monitor's control socket and pidfile), log "terminating with
 * signal N" as OVS does, and end the process by the same signal. */
const fatalHooks: (() => void)[] = [];
const FATAL_SIGNALS: [NodeJS.Signals, number, string][] = [
  ['SIGTERM', 15, 'Terminated'], ['SIGINT', 2, 'Interrupt'], ['SIGHUP', 1, 'Hangup'], ['SIGALRM', 14, 'Alarm clock'],
];

/** Runs 'hook' before ovs-ofctl ends on a fatal signal. */
export function onFatalSignal(hook: () => void): void { fatalHooks.push(hook); }

function installFatalSignals(): void {
  for (const [sig, num, name] of FATAL_SIGNALS) {
    process.on(sig, () => {
      for (const h of fatalHooks.splice(0)) { try { h(); } catch { /* keep going */ } }
      vlogModule('fatal_signal').warn(`terminating with signal ${num} (${name})`);
      for (const [s] of FATAL_SIGNALS) process.removeAllListeners(s);
      process.kill(process.pid, sig);
    });
  }
}

const isMain = process.argv[1] !== undefined && /ovs-ofctl(\.[cm]?js|\.ts)?$/.test(process.argv[1]);
if (isMain) {
  // A reader that goes away (`ovs-ofctl ... | head -1`) ends us quietly, as
  // SIGPIPE ends the C tool.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(141);
    throw e;
  });
  // Exit as soon as the output is flushed: an error path may leave a
  // connection open.  (Writes to pipes are asynchronous, so wait for them.)
  const exitFlushed = (rc: number): void => {
    process.stdout.write('', () => process.stderr.write('', () => process.exit(rc)));
  };
  installFatalSignals();
  main(process.argv.slice(2)).then(exitFlushed, (e) => {
    process.stderr.write(`ovs-ofctl: ${e instanceof Error ? e.message : String(e)}\n`);
    exitFlushed(1);
  });
}
