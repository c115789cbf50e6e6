/* unixctl-client: one request to a daemon's control socket (what ovs-appctl does).
 *
 * Resolves a target as ovs-appctl does: a name starting with '/' is a socket
 * path; anything else is a program whose pid is read from
 * $OVS_RUNDIR/<target>.pid, giving $OVS_RUNDIR/<target>.<pid>.ctl.
 */
import { connect } from 'node:net';
import { readPidfile } from './pidfile.js';
import { ovsRundir } from './dirs.js';
import { JsonRpc, JsonRpcError } from './jsonrpc.js';
import { errorText } from './program.js';

/** Why a target could not be reached; 'message' is ovs-appctl's line. */
export class UnixctlTargetError extends Error {}

/** The control socket path for 'target'. */
export function unixctlSocketPath(target: string): string {
  if (target.startsWith('/')) return target;
  const pidfile = `${ovsRundir()}/${target}.pid`;
  const r = readPidfile(pidfile);
  if ('error' in r) throw new UnixctlTargetError(`cannot read pidfile "${pidfile}" (${r.error})`);
  const pid = r.pid;
  return `${ovsRundir()}/${target}.${pid}.ctl`;
}

export interface UnixctlReply {
  /** Set for a successful reply. */
  result?: string;
  /** Set for an error reply. */
  error?: string;
}

/** Sends 'command' with 'args' to the socket at 'path'. */
export function unixctlTransact(path: string, command: string, args: string[]): Promise<UnixctlReply> {
  return new Promise((resolve, reject) => {
    const sock = connect({ path });
    sock.once('error', (e) => reject(new UnixctlTargetError(`cannot connect to "${path}" (${errorText(e)})`)));
    sock.once('connect', () => {
      sock.removeAllListeners('error');
      const rpc = new JsonRpc(sock, { name: path });
      rpc.request(command, args).then(
        (result) => { rpc.close(); resolve({ result: typeof result === 'string' ? result : JSON.stringify(result) }); },
        (e) => {
          rpc.close();
          if (e instanceof JsonRpcError) resolve({ error: typeof e.error === 'string' ? e.error : JSON.stringify(e.error) });
          else reject(e);
        });
    });
  });
}
