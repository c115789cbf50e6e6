/* vlog: logging as Open vSwitch does it.
 *
 * Each source module gets a named logger from vlogModule('name').  A module has
 * one level per destination (console, syslog, file); a message is written to a
 * destination when its level is at or above the destination's threshold.  The
 * line format is OVS's:
 *
 *     file:    2026-11-24T22:23:41.591Z|00029|module|INFO|message
 *     console: 2026-11-24T22:23:41Z|00029|module|INFO|message
 *
 * Levels are changed at run time with `ovs-appctl vlog/set` (see
 * vlogSetFromString, the same grammar as -v/--verbose on the command line).
 *
 * Rate limiting: a RateLimit is a token bucket owned by a call site; messages
 * that find the bucket empty are counted and reported later in one line
 * ("Dropped N log messages in last S seconds ...").
 *
 * Syslog: the destination exists (levels can be set and listed) but is OFF by
 * default; when enabled, lines go to /dev/log through logger(1)-compatible
 * datagrams only if a sender has been installed with setSyslogSender().
 */
import { openSync, writeSync, closeSync, fsyncSync } from 'node:fs';
import { formatLogLine } from './vlog-pattern.js';

export const LEVELS = ['OFF', 'EMER', 'ERR', 'WARN', 'INFO', 'DBG'] as const;
export type LevelName = (typeof LEVELS)[number];
export const enum Level { OFF = 0, EMER = 1, ERR = 2, WARN = 3, INFO = 4, DBG = 5 }

export const DESTINATIONS = ['console', 'syslog', 'file'] as const;
export type Destination = (typeof DESTINATIONS)[number];
const N_DEST = 3;
const CONSOLE = 0, SYSLOG = 1, FILE = 2;

/** Default thresholds per destination for newly created modules. */
const defaultLevels: number[] = [Level.INFO, Level.OFF, Level.INFO];

export class VlogModule {
  /** Threshold per destination, indexed like DESTINATIONS. */
  readonly levels: number[] = defaultLevels.slice();
  /** Highest threshold over all active destinations: a quick "is anything on". */
  minLevel = 0;
  honorRateLimits = true;

  constructor(readonly name: string) { this.update(); }

  update(): void {
    let m = 0;
    for (let d = 0; d < N_DEST; d++) {
      if (d === FILE && logFd < 0) continue;
      if (d === CONSOLE && consoleOff) continue;
      if (d === SYSLOG && !syslogSender) continue;
      if (this.levels[d]! > m) m = this.levels[d]!;
    }
    this.minLevel = m;
  }

  isEnabled(level: Level): boolean { return this.minLevel >= level; }

  log(level: Level, message: string): void {
    if (this.minLevel >= level) emit(this, level, message);
  }
  emer(msg: string): void { this.log(Level.EMER, msg); }
  err(msg: string): void { this.log(Level.ERR, msg); }
  warn(msg: string): void { this.log(Level.WARN, msg); }
  info(msg: string): void { this.log(Level.INFO, msg); }
  dbg(msg: string): void { this.log(Level.DBG, msg); }

  /** Logs through a rate limiter.  'message' may be a thunk so that a dropped
   * message costs nothing to format. */
  logRl(rl: RateLimit, level: Level, message: string | (() => string)): void {
    if (this.minLevel < level) return;
    if (this.honorRateLimits && rl.shouldDrop(this, level)) return;
    emit(this, level, typeof message === 'string' ? message : message());
  }
  errRl(rl: RateLimit, msg: string | (() => string)): void { this.logRl(rl, Level.ERR, msg); }
  warnRl(rl: RateLimit, msg: string | (() => string)): void { this.logRl(rl, Level.WARN, msg); }
  infoRl(rl: RateLimit, msg: string | (() => string)): void { this.logRl(rl, Level.INFO, msg); }
  dbgRl(rl: RateLimit, msg: string | (() => string)): void { this.logRl(rl, Level.DBG, msg); }
}

/** A token bucket: 'rate' messages per minute on average, bursts of up to
 * 'burst' messages (OVS's VLOG_RATE_LIMIT_INIT). */
export class RateLimit {
  private tokens: number;
  private lastFill = Date.now();
  private firstDropped = 0;
  private lastDropped = 0;
  private nDropped = 0;
  private readonly msPerToken: number;

  constructor(rate = 5, private readonly burst = 20) {
    this.tokens = burst * 1000;
    this.msPerToken = 60_000 / Math.max(rate, 1);
  }

  shouldDrop(module: VlogModule, level: Level): boolean {
    const now = Date.now();
    // Tokens are counted in thousandths so that fractional refills add up.
    if (this.tokens < 1000) {
      const gained = Math.floor(((now - this.lastFill) * 1000) / this.msPerToken);
      if (gained > 0) {
        this.tokens = Math.min(this.tokens + gained, this.burst * 1000);
        this.lastFill = now;
      }
    } else {
      this.lastFill = now;
    }
    if (this.tokens < 1000) {
      if (this.nDropped === 0) this.firstDropped = now;
      this.lastDropped = now;
      this.nDropped++;
      return true;
    }
    this.tokens -= 1000;
    if (this.nDropped > 0) {
      const n = this.nDropped;
      const first = Math.floor((now - this.firstDropped) / 1000);
      const last = Math.floor((now - this.lastDropped) / 1000);
      this.nDropped = 0;
      emit(module, level, `Dropped ${n} log messages in last ${first} seconds (most recently, ${last} seconds ago) due to excessive rate`);
    }
    return false;
  }
}

const modules = new Map<string, VlogModule>();
let seqno = 0;
let logFd = -1;
let logFileName: string | null = null;
let consoleOff = false;
let syslogSender: ((line: string, level: Level) => void) | null = null;
/** Where console lines go; tests and detached daemons replace it. */
let consoleWrite: (line: string) => void = (line) => {
  try { process.stderr.write(line); } catch { /* stderr gone: nothing to do */ }
};

/** Returns the logger for 'name', creating it on first use. */
export function vlogModule(name: string): VlogModule {
  let m = modules.get(name);
  if (!m) {
    m = new VlogModule(name);
    modules.set(name, m);
  }
  return m;
}

/** Every module name ovs-ts's programs log under (and a few of OVS's).  Programs load some code
 * lazily, so a module may not exist yet when `-v` or `vlog/set` names it;
 * these names are accepted anyway (the module is created early and keeps the
 * setting), as OVS accepts any module linked into the program.
 * lib/vlog.test.ts checks that the list covers the source. */
export const KNOWN_MODULES: ReadonlySet<string> = new Set([
  'bridge', 'connmgr', 'daemon', 'db_ctl_base', 'dpif', 'dpif_netdev', 'fatal_signal', 'jsonrpc',
  'lockfile', 'memory', 'meta_flow', 'netdev', 'netdev_dummy', 'netdev_linux', 'nx_match', 'ofctl',
  'ofp_actions', 'ofp_bundle', 'ofp_connection', 'ofp_errors', 'ofp_flow', 'ofp_group', 'ofp_match',
  'ofp_meter', 'ofp_monitor', 'ofp_msgs', 'ofp_packet', 'ofp_port', 'ofp_queue', 'ofp_table', 'ofp_util',
  'netdev_vport', 'ofproto', 'ofproto_dpif', 'ofproto_dpif_upcall', 'ofproto_dpif_xlate', 'ovs_router', 'ovsdb', 'ovsdb_client',
  'ovsdb_cs', 'ovsdb_file', 'ovsdb_idl', 'ovsdb_jsonrpc_server', 'ovsdb_log', 'ovsdb_server', 'pcap',
  'reconnect', 'replication', 'socket_util', 'storage', 'stream_ssl', 'unixctl', 'userspace_tso',
  'tunnel', 'vconn', 'vlog', 'vsctl',
  // OVS library modules that have no code of their own here but that scripts
  // and OVS's tests name (e.g. -vtimeval:off, vlog/set bond).
  'backtrace', 'bond', 'coverage', 'ct_dpif', 'ovs_rcu', 'ovs_thread', 'poll_loop', 'raft', 'stream',
  'stream_fd', 'stream_tcp', 'stream_unix', 'timeval', 'util',
]);

/** This module's own log (OVS's "vlog" module, present in every program). */
const log = vlogModule('vlog');

function pad5(n: number): string {
  const s = String(n);
  return s.length >= 5 ? s : '00000'.slice(s.length) + s;
}

/** Custom line patterns per destination (null: OVS's default, fast path). */
const patterns: (string | null)[] = [null, null, null];

function patterned(d: number, module: VlogModule, level: Level, message: string, n: number, now: Date): string {
  return formatLogLine(patterns[d]!, { module: module.name, level: LEVELS[level], levelNum: level, message, seqno: n, time: now }) + '\n';
}

function emit(module: VlogModule, level: Level, message: string): void {
  const n = ++seqno;
  const now = new Date();
  if (patterns[0] !== null || patterns[1] !== null || patterns[2] !== null) {
    if (logFd >= 0 && module.levels[FILE]! >= level) {
      try { writeSync(logFd, patterns[FILE] !== null ? patterned(FILE, module, level, message, n, now) : now.toISOString() + `|${pad5(n)}|${module.name}|${LEVELS[level]}|${message}\n`); } catch { /* ignore */ }
    }
    if (!consoleOff && module.levels[CONSOLE]! >= level) {
      consoleWrite(patterns[CONSOLE] !== null ? patterned(CONSOLE, module, level, message, n, now)
        : now.toISOString().slice(0, 19) + `Z|${pad5(n)}|${module.name}|${LEVELS[level]}|${message}\n`);
    }
    if (syslogSender && module.levels[SYSLOG]! >= level) {
      syslogSender(patterns[SYSLOG] !== null ? patterned(SYSLOG, module, level, message, n, now).slice(0, -1)
        : `${module.name}|${LEVELS[level]}|${message}`, level);
    }
    return;
  }
  const iso = now.toISOString(); // 2026-11-24T22:23:41.591Z
  const tail = `|${pad5(n)}|${module.name}|${LEVELS[level]}|${message}\n`;
  if (logFd >= 0 && module.levels[FILE]! >= level) {
    try { writeSync(logFd, iso + tail); } catch { /* disk trouble must not kill the daemon */ }
  }
  if (!consoleOff && module.levels[CONSOLE]! >= level) {
    consoleWrite(iso.slice(0, 19) + 'Z' + tail);
  }
  if (syslogSender && module.levels[SYSLOG]! >= level) {
    syslogSender(`${module.name}|${LEVELS[level]}|${message}`, level);
  }
}

function updateAll(): void {
  for (const m of modules.values()) m.update();
}

function levelFromName(word: string): number {
  const i = LEVELS.findIndex((l) => l.toLowerCase() === word.toLowerCase());
  return i;
}
function destinationFromName(word: string): number {
  return DESTINATIONS.findIndex((d) => d === word.toLowerCase());
}

/** Sets 'level' for 'module' (null: every module, present and future) on
 * 'destination' (-1: every destination). */
export function vlogSetLevels(module: VlogModule | null, destination: number, level: number): void {
  const dests = destination < 0 ? [0, 1, 2] : [destination];
  const targets = module ? [module] : [...modules.values()];
  for (const d of dests) {
    if (!module) defaultLevels[d] = level;
    for (const m of targets) m.levels[d] = level;
  }
  updateAll();
}

/** Applies a "module:destination:level" style specification as OVS does
 * (words separated by spaces, commas or colons, in any order, "any" allowed).
 * Returns null on success or the error text. */
export function vlogSetFromString(spec: string): string | null {
  const words = spec.split(/[ ,:\t]+/).filter((w) => w.length > 0);
  if (words.length > 0 && words[0]!.toLowerCase() === 'pattern') {
    if (words.length < 2) return 'missing destination';
    if (words[1]!.toLowerCase() !== 'any' && destinationFromName(words[1]!) < 0) {
      return `unknown destination "${words[1]}"`;
    }
    // The pattern is everything after "PATTERN:destination:".
    const m = /^[ ,:\t]*[^ ,:\t]+[ ,:\t]+[^ ,:\t]+[ ,:\t]*/.exec(spec);
    const pattern = m ? spec.slice(m[0].length) : '';
    const d = destinationFromName(words[1]!);
    for (let i = 0; i < N_DEST; i++) if (d < 0 || d === i) patterns[i] = pattern || null;
    return null;
  }
  if (words.length > 0 && words[0]!.toLowerCase() === 'facility') {
    const facilities = ['kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'clock', 'authpriv', 'ftp', 'ntp', 'audit', 'alert', 'clock2', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'];
    return words.length === 2 && facilities.includes(words[1]!.toLowerCase()) ? null : 'invalid facility';
  }
  let module: VlogModule | null = null;
  let level = -1;
  let destination = -2;
  for (const word of words) {
    if (word.toLowerCase() === 'any') continue;
    const d = destinationFromName(word);
    if (d >= 0) {
      if (destination !== -2) return 'cannot specify multiple destinations';
      destination = d;
      continue;
    }
    const l = levelFromName(word);
    if (l >= 0) {
      if (level !== -1) return 'cannot specify multiple levels';
      level = l;
      continue;
    }
    const m = modules.get(word) ?? (KNOWN_MODULES.has(word) ? vlogModule(word) : undefined);
    if (m) {
      if (module) return 'cannot specify multiple modules';
      module = m;
      continue;
    }
    return `no destination, level, or module "${word}"`;
  }
  vlogSetLevels(module, destination === -2 ? -1 : destination, level === -1 ? Level.DBG : level);
  return null;
}

/** The text of `vlog/list`, formatted like OVS. */
export function vlogListText(): string {
  const lines: string[] = [];
  for (const m of modules.values()) {
    let line = m.name.padEnd(16) + '  ' +
      LEVELS[m.levels[CONSOLE]!]!.padStart(4) + '       ' +
      LEVELS[m.levels[SYSLOG]!]!.padStart(4) + '       ' +
      LEVELS[m.levels[FILE]!]!.padStart(4);
    if (!m.honorRateLimits) line += '    (rate limiting disabled)';
    lines.push(line + '\n');
  }
  lines.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return '                 console    syslog    file\n' +
    '                 -------    ------    ------\n' + lines.join('');
}

/** The text of `vlog/list-pattern`. */
export function vlogPatternsText(): string {
  const pat = ['%D{%Y-%m-%dT%H:%M:%SZ}|%05N|%c|%p|%m', '%05N|%c|%p|%m', '%D{%Y-%m-%dT%H:%M:%S.###Z}|%05N|%c|%p|%m'];
  let s = '         prefix                            format\n         ------                            ------\n';
  DESTINATIONS.forEach((d, i) => { s += `${d.padEnd(7)}  ${'none'.padEnd(32)}  ${patterns[i] ?? pat[i]}\n`; });
  return s;
}

/** Opens (or reopens) the log file.  Returns null or an error text. */
export function vlogSetLogFile(fileName: string | null): string | null {
  const name = fileName ?? logFileName;
  if (!name) return 'Logging to file not configured';
  let fd: number;
  try {
    fd = openSync(name, 'a', 0o640);
  } catch (e) {
    return (e as NodeJS.ErrnoException).message;
  }
  if (logFd >= 0) { try { closeSync(logFd); } catch { /* ignore */ } }
  const reopened = logFileName === name;
  logFd = fd;
  logFileName = name;
  updateAll();
  if (!reopened) log.info(`opened log file ${name}`);
  return null;
}

export function vlogLogFileName(): string | null { return logFileName; }

/** Closes the log file (vlog/close). */
export function vlogCloseLogFile(): void {
  if (logFd >= 0) {
    try { fsyncSync(logFd); closeSync(logFd); } catch { /* ignore */ }
  }
  logFd = -1;
  logFileName = null;
  updateAll();
}

/** Turns console logging off for good (after a daemon detaches). */
export function vlogDisableConsole(): void {
  consoleOff = true;
  vlogSetLevels(null, CONSOLE, Level.OFF);
}

/** Replaces where console lines go (tests). */
export function vlogSetConsoleWriter(fn: (line: string) => void): void {
  consoleWrite = fn;
}

/** Installs (or removes) the syslog sender; null keeps syslog silent. */
export function setSyslogSender(fn: ((line: string, level: Level) => void) | null): void {
  syslogSender = fn;
  updateAll();
}

/** vlog/enable-rate-limit and vlog/disable-rate-limit. */
export function vlogSetRateLimit(names: string[], enable: boolean): string | null {
  const targets: VlogModule[] = [];
  for (const n of names) {
    const m = modules.get(n);
    if (!m) return `unknown module "${n}"`;
    targets.push(m);
  }
  for (const m of names.length ? targets : modules.values()) m.honorRateLimits = enable;
  return null;
}

/** Module names in creation order (for tests). */
export function vlogModuleNames(): string[] { return [...modules.keys()]; }
