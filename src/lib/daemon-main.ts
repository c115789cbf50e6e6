/* daemon-main: the command-line front shared by ovsdb-server and ovs-vswitchd.
 *
 * Parses the program's own options together with the daemon and vlog options
 * (daemon.ts), handles --help and --version, and reports a bad option in one
 * line with exit status 1, as OVS's daemons do.
 */
import { parseCommandLine, type OptionSpec, type ParsedOption } from './command-line.js';
import { DAEMON_OPTIONS, defaultDaemonConfig, handleDaemonOption, type DaemonConfig } from './daemon.js';
import { ovsFatal, printVersionAndExit } from './program.js';

export interface DaemonCommandLine {
  daemon: DaemonConfig;
  /** The program's own options, in order. */
  options: ParsedOption[];
  args: string[];
}

/** Parses process.argv.  'usage' is printed for --help. */
export function parseDaemonCommandLine(specs: OptionSpec[], usage: () => string): DaemonCommandLine {
  const all = [...specs, ...DAEMON_OPTIONS,
    { name: 'help', short: 'h', arg: 'none' as const },
    { name: 'version', short: 'V', arg: 'none' as const }];
  const parsed = parseCommandLine(process.argv.slice(2), all);
  if (parsed.error) ovsFatal(0, `${parsed.error} (use --help for help)`);
  const daemon = defaultDaemonConfig();
  const options: ParsedOption[] = [];
  for (const o of parsed.options) {
    if (o.name === 'help') { process.stdout.write(usage()); process.exit(0); }
    if (o.name === 'version') printVersionAndExit();
    if (!handleDaemonOption(daemon, o)) options.push(o);
  }
  return { daemon, options, args: parsed.args };
}
