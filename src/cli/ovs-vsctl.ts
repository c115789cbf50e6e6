/* ovs-vsctl: configure ovs-vswitchd through its database (OVS's
 * utilities/ovs-vsctl.c main loop).
 *
 * The command line is parsed first (options, then commands separated by
 * "--"); the commands' prerequisites choose the tables and columns to
 * monitor, so a bad command fails before any connection is made.  Then an
 * Idl (ovsdb/idl.ts) connects to --db (default unix:$OVS_RUNDIR/db.sock),
 * and every time its replica changes all commands are run inside one
 * transaction.  A commit that comes back 'try-again' (a verified value
 * changed under us) or a command that asks to wait (wait-until) runs again
 * on the next change.  Unless --no-wait, the transaction also increments
 * Open_vSwitch.next_cfg and ovs-vsctl waits for ovs-vswitchd to report that
 * value in cur_cfg.  --timeout ends the process with SIGALRM, as OVS does.
 *
 * The commands are in vsctl-commands.ts and db-ctl-base.ts, output tables
 * in table-format.ts.
 */
import { readFileSync } from 'node:fs';
import { setProgramName, ovsError, versionString, writeStdout } from '../lib/program.js';
import { parseCommandLine, type OptionSpec } from '../lib/command-line.js';
import { Level, setSyslogSender, vlogModule, vlogSetFromString, vlogSetLevels, vlogSetLogFile } from '../lib/vlog.js';
import { ovsRundir } from '../lib/dirs.js';
import { SSL_BOOTSTRAP_OPTION, SSL_OPTIONS, SSL_PEER_CA_OPTION, sslOptionApply } from '../lib/stream-ssl-options.js';
import { SymbolTable } from '../ovsdb/atom.js';
import { Idl } from '../ovsdb/idl.js';
import type { IdlTxn, TxnStatus } from '../ovsdb/idl-txn.js';
import { vswitchIdlClass, VSWITCH_SCHEMA_VERSION } from '../ovsdb/vswitch-idl.js';
import {
  CtlError, CtlExit, type CtlCommand, ctlCommandOptions, ctlInit, ctlMightWriteToDb, ctlParseCommands,
  ctlRegisterCommands,
} from './db-ctl-base.js';
import {
  VsctlContext, escapeArgs, postDbReloadCheckInit, postDbReloadDoChecks, vsctlCommands, vsctlCommandsInit,
  vsctlRowIds, vsctlShowTables,
} from './vsctl-commands.js';
import { type TableStyle, defaultTableStyle, parseCellFormat, parseTableFormat } from '../ovsdb/table-format.js';

const log = vlogModule('vsctl');
const CONSOLE = 0, SYSLOG = 1;

interface Options {
  db: string;
  oneline: boolean;
  dryRun: boolean;
  waitForReload: boolean;
  timeout: number;
  retry: boolean;
  leaderOnly: boolean;
  style: TableStyle;
  local: Map<string, string | null>;
  args: string[];
}

/** Prints "ovs-vsctl: message" and exits 1 (OVS's ctl_fatal). */
function fatal(message: string): never {
  log.levels[CONSOLE] = Level.OFF;
  log.err(message);
  ovsError(0, message);
  process.exit(1);
}

function globalOptions(): OptionSpec[] {
  return [
    { name: 'db', arg: 'required' },
    { name: 'no-syslog', arg: 'none' },
    { name: 'no-wait', arg: 'none' },
    { name: 'dry-run', arg: 'none' },
    { name: 'oneline', arg: 'none' },
    { name: 'timeout', short: 't', arg: 'required' },
    { name: 'retry', arg: 'none' },
    { name: 'help', short: 'h', arg: 'none' },
    { name: 'commands', arg: 'none' },
    { name: 'options', arg: 'none' },
    { name: 'leader-only', arg: 'none' },
    { name: 'no-leader-only', arg: 'none' },
    { name: 'shuffle-remotes', arg: 'none' },
    { name: 'no-shuffle-remotes', arg: 'none' },
    { name: 'version', short: 'V', arg: 'none' },
    { name: 'verbose', short: 'v', arg: 'optional' },
    { name: 'log-file', arg: 'optional' },
    { name: 'syslog-method', arg: 'required' },
    { name: 'syslog-target', arg: 'required' },
    { name: 'format', short: 'f', arg: 'required' },
    { name: 'data', short: 'd', arg: 'required' },
    { name: 'no-headings', arg: 'none' },
    { name: 'pretty', arg: 'none' },
    { name: 'bare', arg: 'none' },
    { name: 'max-column-width', arg: 'required' },
    ...SSL_OPTIONS,
    SSL_BOOTSTRAP_OPTION,
    SSL_PEER_CA_OPTION,
  ];
}

/** Digits only, no overflow (OVS's str_to_uint with base 10). */
function strToUint(s: string): number | null {
  if (!/^[ \t\n\v\f\r]*\+?\d+$/.test(s)) return null;
  const n = Number(s.trim());
  return n <= 0xffffffff ? n : null;
}

async function parseOptions(argv: string[]): Promise<Options> {
  const o: Options = {
    db: '', oneline: false, dryRun: false, waitForReload: true, timeout: 0, retry: false, leaderOnly: true,
    style: defaultTableStyle(), local: new Map(), args: [],
  };
  const globals = globalOptions();
  const nGlobal = globals.length;
  const specs: OptionSpec[] = [...globals];
  const cmdOpts = ctlCommandOptions();
  const { shashOrder } = await import('../lib/shash-order.js');
  const order = shashOrder(cmdOpts.map((c) => c.name));
  for (const name of order) specs.push({ name, arg: cmdOpts.find((c) => c.name === name)!.arg });
  const r = parseCommandLine(argv, specs, true);
  for (const opt of r.options) {
    const v = opt.value;
    const idx = specs.findIndex((s) => s.name === opt.name);
    if (idx >= nGlobal) {
      o.local.set(`--${opt.name}`, v ?? null);
      continue;
    }
    switch (opt.name) {
      case 'db': o.db = v!; break;
      case 'oneline': o.oneline = true; break;
      case 'no-syslog': vlogSetLevels(log, SYSLOG, Level.WARN); break;
      case 'no-wait': o.waitForReload = false; break;
      case 'dry-run': o.dryRun = true; break;
      case 'help': await usage(); break;
      case 'commands': {
        const { ctlCommandsText } = await import('./db-ctl-base.js');
        writeStdout(ctlCommandsText(shashOrder(order0())));
        process.exit(0);
        break;
      }
      case 'options': {
        let s = '';
        for (const g of globals) {
          s += `--${g.name}${g.arg !== 'none' ? '=ARG' : ''}\n`;
          if (g.short) s += `-${g.short}${g.arg !== 'none' ? ' ARG' : ''}\n`;
        }
        writeStdout(s);
        process.exit(0);
        break;
      }
      case 'version':
        writeStdout(`${versionString()}\nDB Schema ${VSWITCH_SCHEMA_VERSION}\n`);
        process.exit(0);
        break;
      case 'timeout': {
        const t = strToUint(v!);
        if (!t) fatal(`value ${v} on -t or --timeout is invalid`);
        o.timeout = t;
        break;
      }
      case 'retry': o.retry = true; break;
      case 'leader-only': o.leaderOnly = true; break;
      case 'no-leader-only': o.leaderOnly = false; break;
      case 'shuffle-remotes': case 'no-shuffle-remotes': break;
      case 'verbose': {
        if (v === undefined) {
          vlogSetLevels(null, -1, Level.DBG);
        } else {
          const err = vlogSetFromString(v);
          if (err) { ovsError(0, `processing "${v}": ${err}`); process.exit(1); }
        }
        break;
      }
      case 'log-file': {
        const err = vlogSetLogFile(v ?? `${process.env['OVS_LOGDIR'] || '/var/log/openvswitch'}/ovs-vsctl.log`);
        if (err && v !== undefined) process.exit(1);
        break;
      }
      case 'syslog-method': case 'syslog-target': break;
      case 'format': {
        const f = parseTableFormat(v!);
        if (typeof f !== 'string') { ovsError(0, f.error); process.exit(1); }
        o.style.format = f;
        break;
      }
      case 'data': {
        const f = parseCellFormat(v!);
        if (typeof f !== 'string') { ovsError(0, f.error); process.exit(1); }
        o.style.cellFormat = f;
        break;
      }
      case 'no-headings': o.style.headings = false; break;
      case 'pretty': o.style.pretty = true; break;
      case 'bare':
        o.style.format = 'list';
        o.style.cellFormat = 'bare';
        o.style.headings = false;
        break;
      case 'max-column-width': o.style.maxColumnWidth = parseInt(v!, 10) || 0; break;
      default: sslOptionApply(opt.name, v!); break; // TLS options; others are accepted and unused
    }
  }
  if (r.error) {
    ovsError(0, r.error);
    process.exit(1);
  }
  o.args = r.args;
  if (!o.db) o.db = `unix:${ovsRundir()}/db.sock`;
  return o;
}

/** Command names in registration order (OVS registers the database commands first). */
function order0(): string[] {
  return ['comment', 'get', 'list', 'find', 'set', 'add', 'remove', 'clear', 'create', 'destroy', 'wait-until', 'show',
    ...vsctlCommands.map((c) => c.name)];
}

async function usage(): Promise<never> {
  const { vsctlUsage } = await import('./vsctl-usage.js');
  writeStdout(vsctlUsage(`unix:${ovsRundir()}/db.sock`));
  process.exit(0);
}

/** The command line of the process that ran us, for the transaction comment. */
function parentProcessInfo(): string {
  const ppid = process.ppid;
  let s = '';
  try {
    const cmd = readFileSync(`/proc/${ppid}/cmdline`, 'latin1');
    s = cmd.split('\0')[0] ?? '';
  } catch { /* no /proc: leave it empty */ }
  return `${s} (pid ${ppid})`;
}

/** Runs every command in one transaction; true when done, false to retry
 * after the next change of the replica (OVS's do_vsctl). */
async function doVsctl(opts: Options, args: string, commands: CtlCommand[], idl: Idl): Promise<boolean> {
  const cls = idl.cls;
  const ovsT = cls.tbl('Open_vSwitch');
  const txn: IdlTxn = idl.txn();
  if (opts.dryRun) txn.setDryRun();
  txn.addComment(() => `ovs-vsctl (invoked by ${parentProcessInfo()}): ${args}`);
  let ovs = idl.first(ovsT);
  if (!ovs) ovs = txn.insert(ovsT);
  if (opts.waitForReload) txn.increment(ovs, ovsT.col('next_cfg'));
  postDbReloadCheckInit();
  const symtab = new SymbolTable();
  for (const c of commands) { c.output = ''; c.table = null; }
  const ctx = new VsctlContext(idl, txn, symtab, ovs);
  try {
    for (let i = 0; i < commands.length; i++) {
      const c = commands[i]!;
      ctx.initCommand(c, i === commands.length - 1);
      c.syntax.run?.(ctx);
      ctx.doneCommand(c);
      if (ctx.tryAgain) {
        ctx.invalidate();
        txn.abort();
        return false;
      }
    }
    ctx.invalidate();

    const { shashOrder } = await import('../lib/shash-order.js');
    for (const name of shashOrder([...symtab.symbols.keys()])) {
      const symbol = symtab.symbols.get(name)!;
      if (!symbol.created) {
        throw new CtlError(`row id "${name}" is referenced but never created (e.g. with "-- --id=${name} create ...")`);
      }
      if (!symbol.strongRef) {
        if (!symbol.weakRef) {
          log.warn(`row id "${name}" was created but no reference to it was inserted, so it will not actually appear in the database`);
        } else {
          log.warn(`row id "${name}" was created but only a weak reference to it was inserted, so it will not actually appear in the database`);
        }
      }
    }
  } catch (e) {
    txn.abort();
    throw e;
  }

  const status: TxnStatus = await txn.commit();
  let nextCfg = 0;
  if (opts.waitForReload && status === 'success') nextCfg = txn.incrementNewValue ?? 0;
  if (status === 'unchanged' || status === 'success') {
    for (const c of commands) {
      if (!c.syntax.postprocess) continue;
      const pctx = new VsctlContext(idl, txn, symtab, ovs);
      pctx.initCommand(c, false);
      c.syntax.postprocess(pctx);
      pctx.doneCommand(c);
    }
  }
  switch (status) {
    case 'aborted': throw new CtlError('transaction aborted');
    case 'unchanged': case 'success': break;
    case 'try-again': return false;
    case 'error': throw new CtlError(`transaction error: ${txn.error}`);
    case 'not-locked': throw new CtlError('database not locked');
    default: throw new Error(`unexpected transaction status ${status}`);
  }

  let out = '';
  for (const c of commands) {
    if (c.table) {
      out += c.table.format(opts.style);
    } else if (opts.oneline) {
      out += c.output.replace(/\n$/, '').replace(/[\\\n]/g, (ch) => (ch === '\n' ? '\\n' : '\\\\')) + '\n';
    } else {
      out += c.output;
    }
  }
  writeStdout(out);

  if (opts.waitForReload && status !== 'unchanged') {
    // ovs-vswitchd applies the change and then copies next_cfg to cur_cfg.
    idl.enableReconnect();
    const curCfg = ovsT.col('cur_cfg');
    await idl.waitFor(() => {
      for (const r of idl.rows(ovsT)) if ((r.int(curCfg) ?? 0) >= nextCfg) return true;
      return false;
    }).catch(() => new Promise<void>(() => { /* keep waiting until --timeout */ }));
    postDbReloadDoChecks(idl, txn);
  }
  return true;
}

async function main(): Promise<void> {
  setProgramName('ovs-vsctl');
  vlogSetLevels(null, CONSOLE, Level.WARN);
  // OVS logs INFO and up to syslog by default; messages are numbered in the
  // same sequence whatever their destination, so the syslog destination is
  // kept on (without a syslog daemon to send to) to number them as OVS does.
  vlogSetLevels(null, SYSLOG, Level.INFO);
  setSyslogSender(() => {});
  vlogSetFromString('reconnect:warn');
  let cls;
  try {
    cls = vswitchIdlClass();
  } catch (e) {
    fatal((e as Error).message);
  }
  vsctlCommandsInit(cls);
  ctlInit(cls, vsctlRowIds, vsctlShowTables);
  ctlRegisterCommands(vsctlCommands);

  const argv = process.argv.slice(2);
  const args = escapeArgs(['ovs-vsctl', ...argv]);
  const opts = await parseOptions(argv);
  let commands: CtlCommand[];
  try {
    commands = ctlParseCommands(opts.args, opts.local);
  } catch (e) {
    if (e instanceof CtlError) fatal(e.message);
    throw e;
  }
  log.log(ctlMightWriteToDb(commands) ? Level.INFO : Level.DBG, `Called as ${args}`);

  let timeout = opts.timeout;
  if (!timeout) {
    const env = process.env['OVS_CTL_TIMEOUT'];
    if (env) timeout = strToUint(env) ?? 0;
  }
  if (timeout) {
    setTimeout(() => {
      // As OVS's fatal-signal handler: log, then die of the signal.
      vlogModule('fatal_signal').warn('terminating with signal 14 (Alarm clock)');
      process.kill(process.pid, 'SIGALRM');
    }, timeout * 1000).unref();
  }

  const idl = new Idl(cls, opts.db, {
    retry: opts.retry, leaderOnly: opts.leaderOnly, dbChangeAware: false, serverSchema: false,
  });
  idl.addTable(cls.tbl('Open_vSwitch'));
  if (opts.waitForReload) idl.addColumn(cls.tbl('Open_vSwitch').col('cur_cfg'));
  try {
    for (const c of commands) {
      if (!c.syntax.prerequisites) continue;
      const ctx = new VsctlContext(idl, null, null, null);
      ctx.initCommand(c, false);
      c.syntax.prerequisites(ctx);
    }
  } catch (e) {
    if (e instanceof CtlError) fatal(e.message);
    throw e;
  }

  // Reconnection timers do not hold the process open; we exit explicitly.
  setInterval(() => {}, 1 << 30);
  idl.start();
  // 'seqno' is the replica version the commands last ran against: there is no
  // point in running them twice on the same data.
  let seqno = -1;
  for (;;) {
    if (!idl.alive) fatal(`${opts.db}: database connection failed (${idl.lastError})`);
    if (idl.hasEverConnected && idl.isMonitoring && seqno !== idl.seqno) {
      seqno = idl.seqno;
      try {
        if (await doVsctl(opts, args, commands, idl)) process.exit(0);
      } catch (e) {
        if (e instanceof CtlError) fatal(e.message);
        if (e instanceof CtlExit) process.exit(e.status);
        throw e;
      }
      if (seqno !== idl.seqno) continue;
    }
    await idl.nextChange().catch(() => {});
  }
}

main().catch((e: unknown) => {
  ovsError(0, `internal error: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
  process.exit(1);
});
