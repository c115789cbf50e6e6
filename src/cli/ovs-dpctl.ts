/* ovs-dpctl: datapath management.
 *
 * Our datapath is userspace and lives inside ovs-vswitchd, so ovs-dpctl does
 * what `ovs-appctl dpctl/COMMAND` does: it sends the command, with the same
 * options and arguments, to ovs-vswitchd's control socket and prints the
 * reply.  Commands, options and output are the real tool's.
 */
import { parseCommandLine } from '../lib/command-line.js';
import { setProgramName, ovsFatal, printVersionAndExit } from '../lib/program.js';
import { vlogSetFromString } from '../lib/vlog.js';

setProgramName('ovs-dpctl');

const USAGE = `ovs-dpctl: Open vSwitch datapath management utility
usage: ovs-dpctl [OPTIONS] COMMAND [ARG...]
  add-dp DP [IFACE...]     add new datapath DP (with IFACEs)
  del-dp DP                delete local datapath DP
  add-if DP IFACE...       add each IFACE as a port on DP
  set-if DP IFACE...       reconfigure each IFACE within DP
  del-if DP IFACE...       delete each IFACE from DP
  dump-dps                 display names of all datapaths
  show                     show basic info on all datapaths
  show DP...               show basic info on each DP
  dump-flows [DP]          display flows in DP
  add-flow [DP] FLOW ACTIONS add FLOW with ACTIONS to DP
  add-flows [DP] FILE        add flows from FILE
  mod-flow [DP] FLOW ACTIONS change FLOW actions to ACTIONS in DP
  mod-flows [DP] FILE        change flows from FILE
  get-flow [DP] ufid:UFID    fetch flow corresponding to UFID
  del-flow [DP] FLOW         delete FLOW from DP
  del-flows [DP] [FILE]      delete all or specified flows from DP
Each IFACE on add-dp, add-if, and set-if may be followed by
comma-separated options.  See ovs-dpctl(8) for syntax, or the
Interface table in ovs-vswitchd.conf.db(5) for an options list.
For COMMAND dump-flows, add-flow, add-flows, mod-flow,
mod-flows, del-flow and del-flows, DP is optional if there is
only one datapath.

The datapath is the userspace one inside ovs-vswitchd: each command is
sent to ovs-vswitchd as "dpctl/COMMAND" (like ovs-appctl dpctl/COMMAND).

Options for show and mod-flow:
  -s,  --statistics           print statistics for port or flow

Options for dump-flows:
  -m, --more                  increase verbosity of output
  --names                     use port names in output

Options for mod-flow:
  --may-create                create flow if it doesn't exist
  --read-only                 do not run read/write commands
  --clear                     reset existing stats to zero

Other options:
  -t, --timeout=SECS          give up after SECS seconds
  -h, --help                  display this help message
  -V, --version               display version information
`;

/** Options passed through to the daemon, as dpctl/ commands accept them. */
const PASS_THROUGH = new Set(['statistics', 'clear', 'may-create', 'read-only', 'more', 'names', 'no-names']);

async function main(): Promise<void> {
  const parsed = parseCommandLine(process.argv.slice(2), [
    { name: 'statistics', short: 's', arg: 'none' },
    { name: 'clear', arg: 'none' },
    { name: 'may-create', arg: 'none' },
    { name: 'read-only', arg: 'none' },
    { name: 'more', short: 'm', arg: 'none' },
    { name: 'names', arg: 'none' },
    { name: 'no-names', arg: 'none' },
    { name: 'timeout', short: 't', arg: 'required' },
    { name: 'help', short: 'h', arg: 'none' },
    { name: 'version', short: 'V', arg: 'none' },
    { name: 'verbose', short: 'v', arg: 'optional' },
  ]);
  if (parsed.error) ovsFatal(0, `${parsed.error} (use --help for help)`);
  const passed: string[] = [];
  for (const o of parsed.options) {
    if (o.name === 'help') { process.stdout.write(USAGE); process.exit(0); }
    if (o.name === 'version') printVersionAndExit();
    if (o.name === 'verbose') {
      const err = vlogSetFromString(o.value ?? '');
      if (err) ovsFatal(0, err);
    }
    if (o.name === 'timeout') {
      const secs = Number(o.value);
      if (!(secs > 0)) ovsFatal(0, `value ${o.value} on -t or --timeout is invalid`);
      setTimeout(() => ovsFatal(0, 'timeout expired'), secs * 1000).unref();
    }
    if (o.name === 'more') passed.push('-m');
    else if (o.name === 'statistics') passed.push('-s');
    else if (PASS_THROUGH.has(o.name)) passed.push(`--${o.name}`);
  }
  if (parsed.args.length === 0) ovsFatal(0, 'missing command name; use --help for help');
  const [command, ...args] = parsed.args as [string, ...string[]];

  const { unixctlSocketPath, unixctlTransact, UnixctlTargetError } = await import('../lib/unixctl-client.js');
  try {
    const reply = await unixctlTransact(unixctlSocketPath('ovs-vswitchd'), `dpctl/${command}`, [...passed, ...args]);
    if (reply.error !== undefined) {
      process.stderr.write(reply.error.startsWith('"dpctl/')
        ? `ovs-dpctl: unknown command '${command}'; use --help for help\n` : reply.error);
      process.exitCode = reply.error.startsWith('"dpctl/') ? 1 : 2;
    } else {
      process.stdout.write(reply.result ?? '');
    }
  } catch (e) {
    if (e instanceof UnixctlTargetError) ovsFatal(0, `${e.message}: is ovs-vswitchd running?`);
    throw e;
  }
}
void main();
