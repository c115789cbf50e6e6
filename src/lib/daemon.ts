/* daemon: the life cycle every OVS daemon shares.
 *
 * Options (OVS's daemon and vlog options):
 *   --pidfile[=FILE]  --overwrite-pidfile  --detach  --no-chdir  --monitor
 *   --log-file[=FILE] --unixctl=SOCKET    -v/--verbose[=SPEC]  --user (ignored)
 *
 * --detach runs the daemon as a child process: the parent waits until the
 * child calls daemonComplete() (or dies) and exits with the matching status,
 * so the shell sees an error (and its one-line reason on stderr) when the
 * daemon could not start.  --monitor keeps the starting process as a monitor
 * that runs the daemon as its child and starts it again when it dies of a
 * crash signal (the pidfile names the child); any other exit ends both.
 *
 * The control socket ($OVS_RUNDIR/<program>.<pid>.ctl) and the pidfile are
 * removed at exit, by "exit", SIGTERM, SIGINT or SIGHUP.
 */
import { spawn } from 'node:child_process';
import { writeSync, closeSync, unlinkSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { createPidfile, removePidfile } from './pidfile.js';
import type { OptionSpec, ParsedOption } from './command-line.js';
import { ovsRundir, ovsLogdir, absFileName } from './dirs.js';
import { getProgramName, ovsFatal, versionString, errorText, strerror } from './program.js';
import { UnixctlServer, UnixctlError, unixctlCommandRegister } from './unixctl.js';
import { coverageReadCounter, coverageShow, coverageStart } from './coverage.js';
import { vlogModule, vlogSetFromString, vlogSetLogFile, vlogDisableConsole } from './vlog.js';

const log = vlogModule('daemon');

/** Environment variable that marks the detached child and names its status pipe. */
const DETACH_ENV = 'OVS_TS_DETACHED_FD';
/** Environment variable that marks a daemon started by a --monitor process. */
const MONITOR_ENV = 'OVS_TS_MONITORED';
/** Environment variable naming the file in which a monitored daemon keeps
 * the state a restart must find again (see monitorStateFile()). */
const MONITOR_STATE_ENV = 'OVS_TS_MONITOR_STATE';
/** Signals after which the monitor starts the daemon again (OVS's list). */
const CRASH_SIGNALS = new Set(['SIGABRT', 'SIGALRM', 'SIGBUS', 'SIGFPE', 'SIGILL', 'SIGPIPE', 'SIGSEGV', 'SIGXCPU', 'SIGXFSZ']);

export const DAEMON_OPTIONS: OptionSpec[] = [
  { name: 'pidfile', arg: 'optional' },
  { name: 'overwrite-pidfile', arg: 'none' },
  { name: 'detach', arg: 'none' },
  { name: 'no-chdir', arg: 'none' },
  { name: 'monitor', arg: 'none' },
  { name: 'no-self-confinement', arg: 'none' },
  { name: 'user', arg: 'required' },
  { name: 'log-file', arg: 'optional' },
  { name: 'unixctl', arg: 'required' },
  { name: 'verbose', short: 'v', arg: 'optional' },
  { name: 'syslog-target', arg: 'required' },
  { name: 'syslog-method', arg: 'required' },
];

export interface DaemonConfig {
  pidfile: string | null;
  overwritePidfile: boolean;
  detach: boolean;
  chdir: boolean;
  logFile: string | null;
  unixctl: string | null;
  /** A --detach child keeps stdout and stderr (OVS's daemon_save_fd(), which
   * ovsdb-client uses so `monitor --detach > file` still writes there);
   * otherwise they are closed once it runs on its own. */
  saveStdio: boolean;
  /** --monitor: restart the daemon when it crashes. */
  monitor?: boolean;
}

/** Under --monitor, a file that outlives a crashed daemon and is handed to
 * the one started in its place (OVS's ovsdb-server keeps its added databases
 * and remotes in such a file); null without a monitor. */
export function monitorStateFile(): string | null { return process.env[MONITOR_STATE_ENV] ?? null; }

/** True in the child a --detach parent started (before Daemon.start() runs).
 * Like a forked child in OVS, it has no pending alarm (-t/--timeout). */
export function isDetachedChild(): boolean { return process.env[DETACH_ENV] !== undefined; }

export function defaultDaemonConfig(): DaemonConfig {
  return { pidfile: null, overwritePidfile: false, detach: false, chdir: true, logFile: null, unixctl: null, saveStdio: false };
}

/** Applies 'opt' if it is a daemon or vlog option; returns false otherwise.
 * A bad -v specification is fatal, as in OVS. */
export function handleDaemonOption(cfg: DaemonConfig, opt: ParsedOption): boolean {
  const program = getProgramName();
  switch (opt.name) {
    case 'pidfile': cfg.pidfile = absFileName(ovsRundir(), opt.value ?? `${program}.pid`); return true;
    case 'overwrite-pidfile': cfg.overwritePidfile = true; return true;
    case 'detach': cfg.detach = true; return true;
    case 'no-chdir': cfg.chdir = false; return true;
    case 'monitor': cfg.monitor = true; return true;
    case 'no-self-confinement': case 'user': return true;
    case 'syslog-target': case 'syslog-method': return true;
    case 'log-file': cfg.logFile = absFileName(ovsLogdir(), opt.value ?? `${program}.log`); return true;
    case 'unixctl': cfg.unixctl = opt.value!; return true;
    case 'verbose': {
      const err = vlogSetFromString(opt.value ?? '');
      if (err) ovsFatal(0, err);
      return true;
    }
    default: return false;
  }
}

/** Help text for the daemon options, as OVS's daemon_usage() and vlog_usage(). */
export function daemonUsage(): string {
  return `
Daemon options:
  --detach                run in background as daemon
  --monitor               creates a process to monitor this daemon
  --user=username[:group] changes the effective daemon user:group
  --no-chdir              do not chdir to '/'
  --pidfile[=FILE]        create pidfile (default: ${ovsRundir()}/${getProgramName()}.pid)
  --overwrite-pidfile     with --pidfile, start even if already running

Logging options:
  -vSPEC, --verbose=SPEC   set logging levels
  -v, --verbose            set maximum verbosity level
  --log-file[=FILE]        enable logging to specified FILE
                           (default: ${ovsLogdir()}/${getProgramName()}.log)
  --syslog-method=(libc|unix:file|udp:ip:port)
                           specify how to send messages to syslog daemon
  --syslog-target=HOST:PORT  also send syslog msgs to HOST:PORT via UDP
`;
}

/** --record[=DIR] and --replay[=DIR] (accepted and ignored). */
export const REPLAY_OPTIONS: OptionSpec[] = [
  { name: 'record', arg: 'optional' },
  { name: 'replay', arg: 'optional' },
];

/** The help text of --record/--replay, which OVS's database programs list
 * (accepted; ovs-ts does not record or replay). */
export function replayUsage(): string {
  return `
Replay options:
  --record[=DIR]            turn on writing replay files
  --replay[=DIR]            run from replay files
`;
}

/** A running daemon: its control socket, pidfile and exit hooks. */
export class Daemon {
  unixctl: UnixctlServer | null = null;
  private readonly exitHooks: (() => void | Promise<void>)[] = [];
  private exiting = false;
  private statusFd = -1;
  private completed = false;

  constructor(readonly cfg: DaemonConfig) {}

  /** Runs 'fn' before the process exits (in reverse order of registration). */
  atExit(fn: () => void | Promise<void>): void { this.exitHooks.unshift(fn); }

  /** Cleans up and exits with 'status'. */
  async exit(status = 0): Promise<never> {
    if (!this.exiting) {
      this.exiting = true;
      for (const h of this.exitHooks) {
        try { await h(); } catch (e) { log.err(`exit hook failed: ${errorText(e)}`); }
      }
    }
    process.exit(status);
  }

  /** Tells a waiting --detach parent that start-up succeeded, stops console
   * logging and changes to '/' (unless --no-chdir); logs the program's version
   * if 'logVersion' (long-running daemons do; ovsdb-client and
   * `ovsdb-server --run` do not, as in OVS). */
  complete(logVersion: boolean): void {
    if (this.completed) return;
    this.completed = true;
    if (this.statusFd >= 0) {
      try { writeSync(this.statusFd, 'ready\n'); closeSync(this.statusFd); } catch { /* parent gone */ }
      this.statusFd = -1;
      vlogDisableConsole();
      process.stderr.on('error', () => {});
      process.stdout.on('error', () => {});
    }
    if (this.cfg.chdir) {
      try { process.chdir('/'); } catch { /* stay */ }
    }
    // Like OVS, the version is logged once detached, so a --detach start
    // prints nothing on the terminal.
    if (logVersion) vlogModule(getProgramName().replace(/-/g, '_')).info(versionString());
  }

  /** Start-up shared by every daemon: detach, pidfile, log file, control
   * socket, signals.  Fatal problems print one line and exit 1. */
  static async start(cfg: DaemonConfig, memoryReport?: () => Record<string, number>): Promise<Daemon> {
    const d = new Daemon(cfg);
    const program = getProgramName();
    // The process is named for the program (ps, /proc/PID/comm), as OVS's are.
    try { process.title = program; } catch { /* not settable */ }
    if (cfg.detach && !process.env[DETACH_ENV]) await detachAndWait(cfg.saveStdio);
    if (process.env[DETACH_ENV]) {
      d.statusFd = Number(process.env[DETACH_ENV]);
      delete process.env[DETACH_ENV];
    }
    if (cfg.monitor && !process.env[MONITOR_ENV]) await monitorDaemon(d.statusFd);
    delete process.env[MONITOR_ENV];

    if (cfg.logFile) {
      const err = vlogSetLogFile(cfg.logFile);
      if (err) ovsFatal(0, `${cfg.logFile}: could not open log file (${err})`);
    }

    if (cfg.pidfile) d.makePidfile(cfg.pidfile);

    if (cfg.unixctl !== 'none') {
      const path = cfg.unixctl ? absFileName(ovsRundir(), cfg.unixctl) : `${ovsRundir()}/${program}.${process.pid}.ctl`;
      try {
        d.unixctl = await UnixctlServer.create(path);
      } catch (e) {
        await d.runHooksQuietly();
        // libuv reports a missing directory as EACCES; bind(2) says ENOENT.
        const why = (e as NodeJS.ErrnoException).code === 'EACCES' && !existsSync(dirname(path))
          ? strerror('ENOENT') : errorText(e);
        ovsFatal(0, `${path}: could not initialize control socket (${why})`);
      }
      d.onAnyExit(() => { try { unlinkSync(path); } catch { /* gone */ } });
      d.atExit(() => {
        d.unixctl?.close();
        try { unlinkSync(path); } catch { /* gone */ }
      });
    }

    unixctlCommandRegister('exit', '', 0, 0, () => {
      setImmediate(() => void d.exit(0));
    });
    unixctlCommandRegister('memory/show', '', 0, 0, () => formatMemory(memoryReport?.() ?? {}));
    unixctlCommandRegister('coverage/show', '', 0, 0, () => coverageShow());
    unixctlCommandRegister('coverage/read-counter', 'COUNTER', 1, 1, (args) => {
      const n = coverageReadCounter(args[0]!);
      if (n === null) throw new UnixctlError('No such counter');
      return `${n}\n`;
    });
    coverageStart();
    // OVS logs its peak memory after the first ten seconds of life.
    setTimeout(() => {
      const rss = Math.round(process.resourceUsage().maxRSS);
      log.info(`${rss} kB peak resident set size after 10.0 seconds`);
      const report = memoryReport?.();
      if (report && Object.keys(report).length) vlogModule('memory').info(formatMemory(report).trimEnd());
    }, 10_000).unref();

    for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
      process.on(sig, () => void d.exit(0));
    }
    process.on('uncaughtException', (e) => {
      log.emer(`uncaught exception: ${e.stack ?? e}`);
    });
    process.on('unhandledRejection', (e) => {
      log.err(`unhandled promise rejection: ${(e as Error)?.stack ?? e}`);
    });
    return d;
  }

  private makePidfile(path: string): void {
    try {
      createPidfile(path, this.cfg.overwritePidfile);
    } catch (e) {
      ovsFatal(0, (e as Error).message);
    }
    this.atExit(() => removePidfile(path));
    this.onAnyExit(() => removePidfile(path));
  }

  /** Runs 'fn' however the process ends: process.exit() (e.g. ovsFatal) or
   * SIGALRM (re-raised afterwards, so the exit status still tells it), as
   * OVS's fatal-signal hooks remove pidfiles and sockets. */
  private onAnyExit(fn: () => void): void {
    process.on('exit', fn);
    if (process.listenerCount('SIGALRM') === 0) {
      process.on('SIGALRM', () => {
        process.emit('exit', 142);
        process.removeAllListeners('exit');
        process.removeAllListeners('SIGALRM');
        process.kill(process.pid, 'SIGALRM');
      });
    }
  }

  private async runHooksQuietly(): Promise<void> {
    for (const h of this.exitHooks) { try { await h(); } catch { /* ignore */ } }
  }
}

function formatMemory(report: Record<string, number>): string {
  const parts = Object.entries(report).map(([k, v]) => `${k}:${v}`);
  return parts.length ? parts.join(' ') + '\n' : '';
}

/** The --monitor process: runs the same program as its child; a child that
 * dies of a crash signal is started again (restarts at least 10 s apart), any other
 * end of the child ends the monitor with the child's status.  'statusFd' is
 * the --detach parent's pipe: the first child's "ready" is passed on. */
function monitorDaemon(statusFd: number): Promise<never> {
  return new Promise(() => {
    let lastRestart = -Infinity;
    let relay = statusFd;
    const stateFile = join(tmpdir(), `ovs-ts-${getProgramName()}-${process.pid}.state`);
    process.on('exit', () => { try { unlinkSync(stateFile); } catch { /* none */ } });
    const startChild = (): void => {
      const detached = statusFd >= 0;
      const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
        stdio: detached ? ['ignore', 'inherit', relay >= 0 ? 'inherit' : 'ignore', 'pipe'] : 'inherit',
        env: { ...process.env, [MONITOR_ENV]: '1', [MONITOR_STATE_ENV]: stateFile, ...(detached ? { [DETACH_ENV]: '3' } : {}) },
      });
      if (detached) {
        (child.stdio[3] as NodeJS.ReadableStream).on('data', (b: Buffer) => {
          if (relay >= 0 && b.toString().includes('ready')) {
            try { writeSync(relay, 'ready\n'); closeSync(relay); } catch { /* parent gone */ }
            relay = -1;
            vlogDisableConsole();
            process.stderr.on('error', () => {});
          }
        });
      }
      child.on('exit', (code, signal) => {
        if (signal && CRASH_SIGNALS.has(signal)) {
          log.err(`${getProgramName()}: child died, killed (${signalText(signal)}), restarting`);
          const wait = Math.max(0, lastRestart + 10_000 - Date.now());
          lastRestart = Date.now() + wait;
          setTimeout(startChild, wait);
        } else {
          if (signal) log.info(`${getProgramName()}: child died, killed (${signalText(signal)}), exiting`);
          process.exit(code ?? 1);
        }
      });
    };
    startChild();
  });
}

function signalText(signal: string): string {
  const names: Record<string, string> = {
    SIGSEGV: 'Segmentation fault', SIGABRT: 'Aborted', SIGBUS: 'Bus error', SIGFPE: 'Floating point exception',
    SIGILL: 'Illegal instruction', SIGPIPE: 'Broken pipe', SIGALRM: 'Alarm clock', SIGXCPU: 'CPU time limit exceeded',
    SIGXFSZ: 'File size limit exceeded', SIGKILL: 'Killed', SIGTERM: 'Terminated',
  };
  return names[signal] ?? signal;
}

/** The --detach parent: start the same program as a child in its own session,
 * relay its stderr (or let it keep ours, if 'saveStdio') until it reports
 * ready, then exit 0 (or with its status). */
function detachAndWait(saveStdio: boolean): Promise<never> {
  return new Promise(() => {
    const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      detached: true,
      stdio: ['ignore', saveStdio ? 'inherit' : 'ignore', saveStdio ? 'inherit' : 'pipe', 'pipe'],
      env: { ...process.env, [DETACH_ENV]: '3' },
    });
    let ready = false;
    child.stderr?.on('data', (b: Buffer) => { if (!ready) process.stderr.write(b); });
    const status = child.stdio[3] as NodeJS.ReadableStream;
    status.on('data', (b: Buffer) => {
      if (b.toString().includes('ready')) {
        ready = true;
        child.unref();
        process.exit(0);
      }
    });
    child.on('exit', (code, signal) => {
      if (!ready) process.exit(code ?? (signal ? 1 : 0));
    });
  });
}
