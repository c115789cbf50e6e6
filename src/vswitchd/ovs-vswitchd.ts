/* ovs-vswitchd: the switch daemon's main.
 *
 * Reads the Open_vSwitch database named on the command line (default
 * unix:$OVS_RUNDIR/db.sock) and runs the bridges it describes.  This file only
 * wires the pieces together; bridge.ts does the reconciling.
 */
import { setProgramName } from '../lib/program.js';
import { parseDaemonCommandLine } from '../lib/daemon-main.js';
import { Daemon, daemonUsage } from '../lib/daemon.js';
import { ovsRundir } from '../lib/dirs.js';
import { Bridges } from './bridge.js';

setProgramName('ovs-vswitchd');

const { daemon: cfg, options, args } = parseDaemonCommandLine([
  { name: 'enable-dummy', arg: 'optional' },
  { name: 'disable-system', arg: 'none' },
  { name: 'disable-system-route', arg: 'none' },
  { name: 'mlockall', arg: 'none' },
  { name: 'unixctl', arg: 'required' },
  { name: 'bootstrap-ca-cert', arg: 'required' },
  { name: 'private-key', short: 'p', arg: 'required' },
  { name: 'certificate', short: 'c', arg: 'required' },
  { name: 'ca-cert', short: 'C', arg: 'required' },
  { name: 'peer-ca-cert', arg: 'required' },
  { name: 'n-handler-threads', arg: 'required' },
  { name: 'n-revalidator-threads', arg: 'required' },
  { name: 'hw-rawio-access', arg: 'none' },
], () => `ovs-vswitchd: Open vSwitch daemon
usage: ovs-vswitchd [OPTIONS] [DATABASE]
where DATABASE is a socket on which ovsdb-server is listening
      (default: "unix:${ovsRundir()}/db.sock").

Other options:
  --unixctl=SOCKET          override default control socket name
  -h, --help                display this help message
  -V, --version             display version information
  --enable-dummy[=override] enable dummy network devices
  --disable-system          disable system datapath
${daemonUsage()}`);

if (args.length > 1) {
  process.stderr.write('ovs-vswitchd: at most one non-option argument accepted; use --help for usage\n');
  process.exit(1);
}
const remote = args[0] ?? `unix:${ovsRundir()}/db.sock`;
let enableDummy: null | 'yes' | 'override' = null;
for (const o of options) {
  if (o.name === 'enable-dummy') enableDummy = o.value === 'override' ? 'override' : 'yes';
}

async function main(): Promise<void> {
  const daemon = await Daemon.start(cfg, () => ({}));
  const bridges = new Bridges({ remote, enableDummy });
  daemon.atExit(() => bridges.stop());
  bridges.start();
  daemon.complete();
}
void main();
