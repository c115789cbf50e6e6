/* ofctl-switch: ovs-ofctl commands that talk to a switch over OpenFlow
 * (show, dump-flows, add-flow, ...): open the connection, negotiate the
 * version, send requests and print replies. */
import type { OfctlOptions } from './ovs-ofctl.js';

/** Runs switch command 'name'; returns the exit status. */
export async function runSwitchCommand(name: string, _args: string[], _opts: OfctlOptions): Promise<number> {
  process.stderr.write(`ovs-ofctl: '${name}' is not implemented yet\n`);
  return 1;
}
