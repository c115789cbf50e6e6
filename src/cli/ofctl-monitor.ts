/* ofctl-monitor: ovs-ofctl's long-running commands, monitor and snoop.
 *
 * Both print every message received from the switch on stderr (with
 * --timestamp, prefixed by the time) and serve a control socket
 * ($OVS_RUNDIR/ovs-ofctl.PID.ctl or --unixctl) with exit, ofctl/send,
 * ofctl/packet-out, ofctl/barrier, ofctl/set-output-file, ofctl/block and
 * ofctl/unblock.  monitor first applies its arguments (miss_send_len,
 * invalid_ttl, watch:SPEC flow monitors, resume) and asks for NXT_PACKET_IN2;
 * snoop listens on the bridge's .snoop socket to the controller traffic.
 *
 * --detach: the C tool forks after connecting; Node cannot fork, so the
 * command re-runs itself as a child at once (stderr shared, as OVS keeps
 * it) and the parent exits 0 when the child reports it is monitoring, or
 * with the child's status if it fails first. */
import { spawn } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { onFatalSignal, type OfctlOptions } from './ovs-ofctl.js';
import {
  openVconn, transactNoReply, portsToAccept, tablesToAccept, die, fetchConfig, dumpTransaction,
} from './ofctl-switch.js';
import type { Vconn } from '../openflow/vconn.js';
import { ofpToString } from '../openflow/ofp-print.js';
import { allocXid, decodeMsg } from '../openflow/ofp-msgs.js';
import { OfpError } from '../openflow/ofp-errors.js';
import { encodeEchoReply, encodeBarrierRequest } from '../openflow/ofp-hello.js';
import { encodeSetConfig } from '../openflow/ofp-switch.js';
import { encodeSetPacketInFormat } from '../openflow/ofp-connection.js';
import { encodeFlowMonitorRequest } from '../openflow/ofp-monitor.js';
import { parseFlowMonitorRequest } from '../openflow/ofp-monitor-parse.js';
import { parsePacketOutStr, encodePacketOut, decodePacketIn, encodeResume, packetInContinuationProp } from '../openflow/ofp-packet.js';
import { protocolFromVersion, protocolsToString } from '../openflow/ofp-protocol.js';
import { formatVersionBitmapNames } from '../openflow/ofp-hello.js';
import { parseHex } from '../lib/hex-dump.js';
import { ovsRundir, absFileName } from '../lib/dirs.js';
import { createPidfile, removePidfile } from '../lib/pidfile.js';
import { UnixctlServer, UnixctlError, unixctlCommandRegister } from '../lib/unixctl.js';
import { strerror } from '../lib/program.js';
import { vlogModule } from '../lib/vlog.js';

const log = vlogModule('ofctl');

/** Environment variable naming the status pipe of a detached child. */
const DETACHED_ENV = 'OVS_OFCTL_DETACHED_FD';

const PIF_NXT = 1, PIF_NXT2 = 2;

/** With --detach, the parent side: re-run as a child and wait for it.
 * Returns only in the process that should do the work. */
async function detachIfRequested(opts: OfctlOptions): Promise<number> {
  if (process.env[DETACHED_ENV]) {
    const fd = Number(process.env[DETACHED_ENV]);
    delete process.env[DETACHED_ENV];
    return fd;
  }
  if (!opts.detach) return -1;
  return new Promise<never>(() => {
    const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      detached: true,
      // The child prints the replies to its requests (watch:) on stdout before it is
      // ready, as OVS's monitor does before it detaches; ovs-ofctl keeps its stderr.
      stdio: ['ignore', 'inherit', 'inherit', 'pipe'],
      env: { ...process.env, [DETACHED_ENV]: '3' },
    });
    let ready = false;
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (b: Buffer) => {
      if (!ready && b.toString().includes('ready')) {
        ready = true;
        child.unref();
        process.exit(0);
      }
    });
    child.on('exit', (code, signal) => { if (!ready) process.exit(code ?? (signal ? 1 : 0)); });
  });
}

/** Where monitor output and errors go: stderr until ofctl/set-output-file (which
 * OVS implements by dup2()ing the file onto stderr). */
let outFd = 2;
function emit(text: string): void {
  try { writeSync(outFd, text); } catch { /* reader gone */ }
}

function timestampPrefix(): string {
  const d = new Date();
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}: `;
}

/** ofctl/send's hex parsing (openflow_from_hex). */
function openflowFromHex(hex: string): Uint8Array | string {
  const b = parseHex(hex.replace(/\./g, ' '));
  if (!b) return 'Trailing garbage in hex data';
  if (b.length < 8) return 'Message too short for OpenFlow';
  if (b.length !== ((b[2]! << 8) | b[3]!)) return 'Message size does not match length in OpenFlow header';
  return b;
}

/** Serves the control socket and prints what 'vc' receives until "exit"
 * or the connection ends (monitor_vconn). */
async function monitorVconn(vc: Vconn, name: string, opts: OfctlOptions, replyToEcho: boolean,
  resume: boolean, statusFd: number): Promise<number> {
  const verbosity = opts.more.length;
  vc.autoEcho = false;
  let exiting = false;
  let blocked = false;
  let wake: (() => void) | null = null;
  const poke = (): void => { const w = wake; wake = null; w?.(); };
  const barrier: { waiter: ((v: string | void) => void) | null } = { waiter: null };

  unixctlCommandRegister('exit', '', 0, 0, () => { exiting = true; poke(); });
  unixctlCommandRegister('ofctl/send', 'OFMSG...', 1, Infinity, (args) => {
    let reply = '', ok = true;
    for (const hex of args) {
      const msg = openflowFromHex(hex);
      if (typeof msg === 'string') { reply += msg + '\n'; ok = false; continue; }
      emit('send: ' + ofpToString(msg, verbosity));
      try {
        vc.send(msg);
        reply += 'sent\n';
      } catch (e) {
        reply += `${e instanceof Error ? e.message : String(e)}\n`;
        ok = false;
      }
    }
    if (!ok) throw new UnixctlError(reply);
    return reply;
  });
  unixctlCommandRegister('ofctl/packet-out', '"in_port=<port> packet=<hex data> actions=..."', 1, 1, async (args) => {
    const protocol = protocolFromVersion(vc.version);
    const r = parsePacketOutStr(args[0]!, { ports: await portsToAccept(name, opts), tables: await tablesToAccept(name, opts) });
    if (typeof r === 'string') throw new UnixctlError(r + '\n');
    if (!(r.usable & protocol)) throw new UnixctlError('PACKET_OUT actions are incompatible with the OpenFlow connection.\n');
    const msg = encodePacketOut(r.po, vc.version, allocXid());
    emit(ofpToString(msg, verbosity));
    vc.send(msg);
  });
  unixctlCommandRegister('ofctl/barrier', '', 0, 0, () => {
    if (barrier.waiter) throw new UnixctlError('already waiting for barrier reply');
    vc.send(encodeBarrierRequest(vc.version, allocXid()));
    return new Promise<string | void>((resolve) => { barrier.waiter = resolve; });
  });
  unixctlCommandRegister('ofctl/set-output-file', 'FILE', 1, 1, (args) => {
    let fd: number;
    try {
      fd = openSync(args[0]!, 'w', 0o666);
    } catch (e) {
      throw new UnixctlError(strerror((e as NodeJS.ErrnoException).code));
    }
    if (outFd !== 2) closeSync(outFd);
    outFd = fd;
  });
  unixctlCommandRegister('ofctl/block', '', 0, 0, () => {
    if (blocked) return 'already blocking';
    blocked = true;
  });
  unixctlCommandRegister('ofctl/unblock', '', 0, 0, () => {
    if (!blocked) return 'already unblocked';
    blocked = false;
    poke();
  });

  const ctlPath = opts.unixctl ? absFileName(ovsRundir(), opts.unixctl) : `${ovsRundir()}/ovs-ofctl.${process.pid}.ctl`;
  let server: UnixctlServer;
  try {
    server = await UnixctlServer.create(ctlPath);
  } catch (e) {
    die(`failed to create unixctl server (${e instanceof Error ? e.message : String(e)})`);
  }
  const pidfile = opts.pidfile;
  const cleanup = (): void => {
    server.close();
    if (pidfile) removePidfile(pidfile);
  };
  onFatalSignal(cleanup);
  if (statusFd >= 0) {
    try { writeSync(statusFd, 'ready\n'); closeSync(statusFd); } catch { /* parent gone */ }
  }
  if (opts.detach && opts.chdir) {
    try { process.chdir('/'); } catch { /* stay */ }
  }

  const protocol = protocolFromVersion(vc.version);
  let status = 0;
  let pending: Promise<Uint8Array> | null = null;
  while (!exiting) {
    if (blocked) {
      await new Promise<void>((resolve) => { wake = resolve; });
      continue;
    }
    pending ??= vc.recv();
    const got = await Promise.race([
      pending.then((m) => ({ m }), (e: unknown) => ({ e })),
      new Promise<null>((resolve) => { wake = () => resolve(null); }),
    ]);
    if (got === null) continue;
    pending = null;
    wake = null;
    if ('e' in got) {
      emit(`ovs-ofctl: vconn_recv (${got.e instanceof Error && got.e.message === 'Protocol error' ? 'Protocol error' : 'End of file'})\n`);
      status = 1;
      break;
    }
    const m = got.m;
    emit((opts.timestamp ? timestampPrefix() : '') + ofpToString(m, verbosity + 2));
    const d = decodeMsg(m);
    if (d instanceof OfpError) continue;
    if (d.info.type === 'BARRIER_REPLY' && barrier.waiter) {
      const w = barrier.waiter;
      barrier.waiter = null;
      w();
    } else if (d.info.type === 'ECHO_REQUEST' && replyToEcho) {
      vc.send(encodeEchoReply(d));
    } else if (d.info.type === 'PACKET_IN' && resume) {
      try {
        const pin = decodePacketIn(d, true);
        const cont = packetInContinuationProp(m);
        if (cont) {
          const reply = encodeResume(pin, vc.version, cont);
          emit('send: ' + ofpToString(reply, verbosity + 2));
          vc.send(reply);
        }
      } catch (e) {
        emit(`decoding packet-in failed: ${e instanceof OfpError ? e.error : String(e)}`);
      }
    }
    void protocol;
  }
  vc.close();
  cleanup();
  return status;
}

/** Sends a set-packet-in-format request; with 'mustSucceed' an error
 * reply ends ovs-ofctl, otherwise it returns false. */
async function setPacketInFormat(vc: Vconn, format: number, mustSucceed: boolean, opts: OfctlOptions): Promise<boolean> {
  const req = encodeSetPacketInFormat(format, vc.version, allocXid());
  if (mustSucceed) {
    await transactNoReply(vc, req, opts);
    return true;
  }
  const reply = await vc.transactNoReply(req);
  if (reply) {
    log.dbg(`${vc.name}: failed to set packet in format to nx_packet_in, controller replied: ${ofpToString(reply, 2)}.`);
    return false;
  }
  log.dbg(`${vc.name}: using user-specified packet in format ${['standard', 'nxt_packet_in', 'nxt_packet_in2'][format]}`);
  return true;
}

function prepareDaemon(opts: OfctlOptions): void {
  if (opts.pidfile) {
    try {
      createPidfile(opts.pidfile, opts.overwritePidfile);
    } catch (e) {
      die((e as Error).message);
    }
  }
}

/** monitor SWITCH [MISSLEN] [invalid_ttl] [watch:[SPEC...]] [resume]. */
export async function cmdMonitor(args: string[], opts: OfctlOptions): Promise<number> {
  const name = args[0]!;
  if (args.slice(1).includes('invalid_ttl')) {
    const usableVersions = (1 << 1) | (1 << 2) | (1 << 3);
    if (!(opts.allowedVersions & usableVersions)) {
      die(`invalid_ttl requires one of the OpenFlow versions ${formatVersionBitmapNames(usableVersions)} but none is enabled (use -O)`);
    }
    opts.allowedVersions &= usableVersions;
  }
  const statusFd = await detachIfRequested(opts);
  const { vc } = await openVconn(name, opts);
  let resume = false;
  for (const arg of args.slice(1)) {
    if (/^[0-9]/.test(arg)) {
      const config = await fetchConfig(vc);
      config.missSendLen = (parseInt(arg, 10) || 0) & 0xffff;
      await transactNoReply(vc, encodeSetConfig(config, vc.version, allocXid()), opts);
    } else if (arg === 'invalid_ttl') {
      let config = await fetchConfig(vc);
      if (config.invalidTtlToController !== 1) {
        config.invalidTtlToController = 1;
        await transactNoReply(vc, encodeSetConfig(config, vc.version, allocXid()), opts);
        config = await fetchConfig(vc);
        if (config.invalidTtlToController !== 1) {
          die('setting invalid_ttl_to_controller failed (this switch probably doesn\'t support this flag)');
        }
      }
    } else if (arg.startsWith('watch:')) {
      const r = parseFlowMonitorRequest(arg.slice(6), await portsToAccept(name, opts), await tablesToAccept(name, opts));
      if (typeof r === 'string') die(r);
      if (!(r.usable & opts.allowedProtocols)) {
        die(`none of the usable flow formats (${protocolsToString(r.usable)}) is among the allowed flow formats (${protocolsToString(opts.allowedProtocols)})`);
      }
      const msg = encodeFlowMonitorRequest(r.fmr, vc.version, allocXid());
      if (opts.more.length) process.stdout.write(ofpToString(msg, opts.more.length + 2));
      await dumpTransaction(vc, msg, opts);
    } else if (arg === 'resume') {
      resume = true;
      const config = await fetchConfig(vc);
      config.missSendLen = 0xffff;
      await transactNoReply(vc, encodeSetConfig(config, vc.version, allocXid()), opts);
    } else {
      die(`${arg}: unsupported "monitor" argument`);
    }
  }
  if (opts.packetInFormat >= 0) {
    await setPacketInFormat(vc, opts.packetInFormat, true, opts);
  } else if (!await setPacketInFormat(vc, PIF_NXT2, false, opts) && vc.version === 1) {
    await setPacketInFormat(vc, PIF_NXT, false, opts);
  }
  prepareDaemon(opts);
  return monitorVconn(vc, name, opts, true, resume, statusFd);
}

/** snoop SWITCH: the OpenFlow traffic between the switch and its controller. */
export async function cmdSnoop(args: string[], opts: OfctlOptions): Promise<number> {
  opts.names = false;
  const statusFd = await detachIfRequested(opts);
  const { vc } = await openVconn(args[0]!, opts, 'snoop');
  vc.setRecvAnyVersion();
  prepareDaemon(opts);
  return monitorVconn(vc, args[0]!, opts, false, false, statusFd);
}
