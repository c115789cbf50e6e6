/* unixctl: the control socket every OVS daemon serves, answered by ovs-appctl.
 *
 * A daemon listens on $OVS_RUNDIR/<program>.<pid>.ctl (or --unixctl=PATH).
 * Each request is JSON-RPC: the method is the command name and the params are
 * its string arguments.  The reply's result (or error) is the command's text;
 * a non-empty text always ends in a newline, as OVS guarantees.
 *
 * Commands are registered process-wide with unixctlCommandRegister(), with
 * their usage text and argument counts.  A handler returns the reply text (or
 * nothing, for an empty reply), throws UnixctlError for an error reply, or
 * returns a promise of either for replies that must wait.  One connection
 * runs one command at a time, in order, as OVS's does.
 */
import type { Server, Socket } from 'node:net';
import { JsonRpc, type JsonId } from './jsonrpc.js';
import { openPassive } from './stream.js';
import { vlogModule, vlogListText, vlogPatternsText, vlogSetFromString, vlogSetLogFile,
  vlogCloseLogFile, vlogLogFileName, vlogSetRateLimit } from './vlog.js';
import { versionString } from './program.js';
import { coverageCounter } from './coverage.js';

const log = vlogModule('unixctl');
const coverageReceived = coverageCounter('unixctl_received');
const coverageReplied = coverageCounter('unixctl_replied');

/** An error reply: its message is the text ovs-appctl prints on stderr. */
export class UnixctlError extends Error {}

export type UnixctlHandler = (args: string[]) => string | void | Promise<string | void>;

interface Command {
  usage: string;
  minArgs: number;
  maxArgs: number;
  handler: UnixctlHandler;
}

const commands = new Map<string, Command>();

/** Registers 'name'.  'usage' is shown by list-commands (OVS hides commands
 * registered with a null usage). */
export function unixctlCommandRegister(name: string, usage: string | null, minArgs: number,
  maxArgs: number, handler: UnixctlHandler): void {
  commands.set(name, { usage: usage ?? '\0hidden', minArgs, maxArgs, handler });
}

function listCommands(): string {
  let s = 'The available commands are:\n';
  for (const name of [...commands.keys()].sort()) {
    const c = commands.get(name)!;
    if (c.usage === '\0hidden') continue;
    s += `  ${name.padEnd(23)} ${c.usage}\n`;
  }
  return s;
}

/** The commands every program has (OVS's unixctl and vlog modules). */
function registerBuiltins(): void {
  if (commands.has('list-commands')) return;
  unixctlCommandRegister('list-commands', '', 0, 0, listCommands);
  unixctlCommandRegister('version', '', 0, 0, () => versionString());
  unixctlCommandRegister('vlog/list', '', 0, 0, vlogListText);
  unixctlCommandRegister('vlog/list-pattern', '', 0, 0, vlogPatternsText);
  unixctlCommandRegister('vlog/set', '{spec | PATTERN:destination:pattern}', 1, Number.MAX_SAFE_INTEGER, (args) => {
    for (const a of args) {
      const err = vlogSetFromString(a);
      if (err) throw new UnixctlError(err);
    }
  });
  unixctlCommandRegister('vlog/reopen', '', 0, 0, () => {
    if (!vlogLogFileName()) throw new UnixctlError('Logging to file not configured');
    const err = vlogSetLogFile(null);
    if (err) throw new UnixctlError(err);
  });
  unixctlCommandRegister('vlog/close', '', 0, 0, () => { vlogCloseLogFile(); });
  unixctlCommandRegister('vlog/enable-rate-limit', '[module]...', 0, Number.MAX_SAFE_INTEGER, (args) => {
    const err = vlogSetRateLimit(args, true);
    if (err) throw new UnixctlError(err);
  });
  unixctlCommandRegister('vlog/disable-rate-limit', '[module]...', 0, Number.MAX_SAFE_INTEGER, (args) => {
    const err = vlogSetRateLimit(args, false);
    if (err) throw new UnixctlError(err);
  });
}

function withNewline(s: string): string {
  return s.length > 0 && !s.endsWith('\n') ? s + '\n' : s;
}

/** The longest request accepted on a control socket. */
const MAX_REQUEST_SIZE = 16 * 1024 * 1024;

export class UnixctlServer {
  private readonly conns = new Set<JsonRpc>();

  private constructor(private readonly server: Server, readonly path: string) {}

  /** Listens on 'path' (punix semantics: a stale socket is replaced). */
  static async create(path: string): Promise<UnixctlServer> {
    registerBuiltins();
    let self: UnixctlServer | null = null;
    const pending: Socket[] = [];
    const server = await openPassive(`punix:${path}`, 0, (sock) => {
      if (self) self.accept(sock); else pending.push(sock);
    });
    self = new UnixctlServer(server, path);
    for (const s of pending) self.accept(s);
    return self;
  }

  private accept(sock: Socket): void {
    const rpc = new JsonRpc(sock, { name: 'unixctl', maxMessageSize: MAX_REQUEST_SIZE });
    this.conns.add(rpc);
    let queue: Promise<void> = Promise.resolve();
    rpc.onRequest = (method, params, id) => {
      queue = queue.then(() => this.run(rpc, method, params, id));
    };
    rpc.onClose = () => this.conns.delete(rpc);
  }

  private async run(rpc: JsonRpc, method: string, params: unknown[], id: JsonId): Promise<void> {
    coverageReceived.inc();
    const cmd = commands.get(method);
    let error: string | null = null;
    if (!cmd) {
      error = `"${method}" is not a valid command (use "list-commands" to see a list of valid commands)`;
    } else if (params.length < cmd.minArgs) {
      error = `"${method}" command requires at least ${cmd.minArgs} arguments`;
    } else if (params.length > cmd.maxArgs) {
      error = `"${method}" command takes at most ${cmd.maxArgs} arguments`;
    } else if (params.some((p) => typeof p !== 'string')) {
      error = `"${method}" command has non-string argument`;
    }
    if (error) {
      rpc.replyError(id, withNewline(error));
      return;
    }
    try {
      const result = await cmd!.handler(params as string[]);
      log.dbg(`replying with success, id=${JSON.stringify(id)}: "${result ?? ''}"`);
      rpc.reply(id, withNewline(result ?? ''));
      coverageReplied.inc();
    } catch (e) {
      const text = e instanceof UnixctlError ? e.message : `internal error: ${(e as Error).message}`;
      if (!(e instanceof UnixctlError)) log.err(`${method}: ${(e as Error).stack ?? e}`);
      rpc.replyError(id, withNewline(text));
    }
  }

  close(): void {
    this.server.close();
    for (const c of this.conns) c.close();
  }
}
