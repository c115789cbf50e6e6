/* ovs-appctl: sends one command to a running OVS daemon's control socket.
 * Usage and messages as OVS's utilities/ovs-appctl.c. */
import { parseCommandLine } from '../lib/command-line.js';
import { setProgramName, ovsFatal, ovsError, printVersionAndExit, writeStdout } from '../lib/program.js';
import { vlogSetFromString } from '../lib/vlog.js';

setProgramName('ovs-appctl');

const USAGE = `ovs-appctl, for querying and controlling Open vSwitch daemon
usage: ovs-appctl [TARGET] COMMAND [ARG...]
Targets:
  -t, --target=TARGET  pidfile or socket to contact
Common commands:
  list-commands      List commands supported by the target
  version            Print version of the target
  vlog/list          List current logging levels
  vlog/list-pattern  List logging patterns for each destination.
  vlog/set [SPEC]
      Set log levels as detailed in SPEC, which may include:
      A valid module name (all modules, by default)
      'syslog', 'console', 'file' (all destinations, by default))
      'off', 'emer', 'err', 'warn', 'info', or 'dbg' ('dbg', bydefault)
  vlog/reopen        Make the program reopen its log file
Other options:
  --timeout=SECS     wait at most SECS seconds for a response
  -h, --help         Print this helpful information
  -V, --version      Display ovs-appctl version information
`;

const specs = [
  { name: 'target', short: 't', arg: 'required' as const },
  { name: 'execute', short: 'e', arg: 'none' as const },
  { name: 'help', short: 'h', arg: 'none' as const },
  { name: 'option', short: 'o', arg: 'none' as const },
  { name: 'version', short: 'V', arg: 'none' as const },
  { name: 'timeout', short: 'T', arg: 'required' as const },
  { name: 'verbose', short: 'v', arg: 'optional' as const },
  { name: 'log-file', arg: 'optional' as const },
];

const parsed = parseCommandLine(process.argv.slice(2), specs, true);
if (parsed.error) {
  process.stderr.write(`ovs-appctl: ${parsed.error}\n`);
  process.exit(1);
}
let target: string | null = null;
let executeSeen = false;
for (const o of parsed.options) {
  switch (o.name) {
    case 'target':
      if (target !== null) ovsFatal(0, '-t or --target may be specified only once');
      target = o.value!;
      break;
    case 'execute':
      if (executeSeen) ovsFatal(0, '-e or --execute may be speciifed only once');
      executeSeen = true;
      break;
    case 'help': writeStdout(USAGE); process.exit(0);
    // falls through (unreachable)
    case 'option':
      for (const s of specs) writeStdout(`--${s.name}${s.arg === 'required' ? '=ARG' : s.arg === 'optional' ? '[=ARG]' : ''}\n`);
      process.exit(0);
    // falls through (unreachable)
    case 'version': printVersionAndExit();
    // falls through (unreachable)
    case 'timeout': {
      const t = /^\d+$/.test(o.value!) ? Number(o.value) : 0;
      if (!t) ovsFatal(0, `value ${o.value} on -T or --timeout is invalid`);
      setTimeout(() => { ovsError(0, 'timeout expired'); process.exit(1); }, t * 1000).unref();
      break;
    }
    case 'verbose': {
      const err = vlogSetFromString(o.value ?? '');
      if (err) ovsFatal(0, err);
      break;
    }
  }
}
if (parsed.args.length === 0) ovsFatal(0, 'at least one non-option argument is required (use --help for help)');
const t = target ?? 'ovs-vswitchd';
const [command, ...args] = parsed.args as [string, ...string[]];

async function transact(): Promise<void> {
  // Loaded only now, so that --help and --version start fast.
  const { unixctlSocketPath, unixctlTransact, UnixctlTargetError } = await import('../lib/unixctl-client.js');
  try {
    const reply = await unixctlTransact(unixctlSocketPath(t), command, args);
    if (reply.error !== undefined) {
      process.stderr.write(reply.error);
      ovsError(0, `${t}: server returned an error`);
      process.exitCode = 2;
    } else {
      writeStdout(reply.result ?? '');
    }
  } catch (e) {
    if (e instanceof UnixctlTargetError) ovsFatal(0, e.message);
    ovsFatal(0, `${t}: transaction error (End of file)`);
  }
}
void transact();
