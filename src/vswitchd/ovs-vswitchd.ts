/* ovs-vswitchd: the switch daemon's main.
 *
 * Reads the Open_vSwitch database named on the command line (default
 * unix:$OVS_RUNDIR/db.sock) and runs the bridges it describes.  This file only
 * wires the pieces together; bridge.ts does the reconciling.
 */
import { tnlUnixctlRegister } from '../ofproto/tunnel.js';
import { unixctlSetDpFeatures } from '../ofproto/ofproto-dpif.js';
import { setProgramName } from '../lib/program.js';
import { parseDaemonCommandLine } from '../lib/daemon-main.js';
import { Daemon, daemonUsage } from '../lib/daemon.js';
import { ovsRundir } from '../lib/dirs.js';
import { SSL_BOOTSTRAP_OPTION, SSL_OPTIONS, SSL_PEER_CA_OPTION, sslOptionApply, streamUsage } from '../lib/stream-ssl-options.js';
import { timevalRegisterCommands } from '../lib/timeval.js';
import { unixctlCommandRegister, UnixctlError } from '../lib/unixctl.js';
import { netdevInitialize } from '../datapath/netdev-classes.js';
import { netdevDummyRegister } from '../datapath/netdev-dummy.js';
import {
  unixctlFdbShow, unixctlFdbFlush, unixctlFdbStatsShow, unixctlFdbStatsClear, unixctlFdbAdd, unixctlFdbDel,
  unixctlTrace, unixctlTracePacketOut, ofprotoDpifLookup, type UnixctlReply,
} from '../ofproto/ofproto-dpif.js';
import { DpifNetdevBacker, dpifNetdevBackerRegisterCommands, dpifNetdevSetPmdCpuMask } from './dpif-netdev-backer.js';
import {
  ofprotoSetFlowLimit, ofprotoSetMaxIdle, OFPROTO_FLOW_LIMIT_DEFAULT, OFPROTO_MAX_IDLE_DEFAULT,
  unixctlRevalidatorWait, unixctlRevalidatorPurge, unixctlUpcallShow, unixctlUpcallSetFlowLimit,
  unixctlRevalidatorPause, unixctlUpcallSetMegaflows, unixctlUpcallSetUfid,
} from '../ofproto/ofproto-dpif-upcall.js';
import { dpctlUnixctlRegister } from '../datapath/dpctl.js';
import { dpifNetdevUnixctlRegister } from '../datapath/dpif-netdev.js';
import { Bridges } from './bridge.js';


setProgramName('ovs-vswitchd');

const { daemon: cfg, options, args } = parseDaemonCommandLine([
  { name: 'enable-dummy', arg: 'optional' },
  { name: 'disable-system', arg: 'none' },
  { name: 'disable-system-route', arg: 'none' },
  { name: 'mlockall', arg: 'none' },
  { name: 'unixctl', arg: 'required' },
  ...SSL_OPTIONS,
  SSL_BOOTSTRAP_OPTION,
  SSL_PEER_CA_OPTION,
  { name: 'n-handler-threads', arg: 'required' },
  { name: 'n-revalidator-threads', arg: 'required' },
  { name: 'hw-rawio-access', arg: 'none' },
], () => `ovs-vswitchd: Open vSwitch daemon
usage: ovs-vswitchd [OPTIONS] [DATABASE]
where DATABASE is a socket on which ovsdb-server is listening
      (default: "unix:${ovsRundir()}/db.sock").
${streamUsage('DATABASE', true, false, true)}${daemonUsage()}
DPDK options:
Configuration of DPDK via command-line is removed from this
version of Open vSwitch. DPDK is configured through ovsdb.

Other options:
  --unixctl=SOCKET          override default control socket name
  -h, --help                display this help message
  -V, --version             display version information
`);

if (args.length > 1) {
  process.stderr.write('ovs-vswitchd: at most one non-option argument accepted; use --help for usage\n');
  process.exit(1);
}
const remote = args[0] ?? `unix:${ovsRundir()}/db.sock`;
let enableDummy: null | 'yes' | 'override' = null;
for (const o of options) {
  if (o.name === 'enable-dummy') enableDummy = o.value === 'override' ? 'override' : 'yes';
  else if (o.value !== undefined) sslOptionApply(o.name, o.value);
}

/** Registers a unixctl command whose handler returns text or an error. */
function registerReply(name: string, usage: string, min: number, max: number, fn: (args: string[]) => UnixctlReply): void {
  unixctlCommandRegister(name, usage, min, max, (args) => {
    const r = fn(args);
    if ('error' in r) throw new UnixctlError(r.error);
    return r.text;
  });
}

/** The unixctl commands ofproto-dpif provides (fdb/*, ofproto/trace). */
function registerOfprotoDpifCommands(): void {
  registerReply('fdb/show', 'bridge', 1, 1, (a) => unixctlFdbShow(a[0]!));
  registerReply('fdb/flush', '[bridge]', 0, 1, (a) => unixctlFdbFlush(a[0]));
  registerReply('fdb/stats-show', 'bridge', 1, 1, (a) => unixctlFdbStatsShow(a[0]!));
  registerReply('fdb/stats-clear', '[bridge]', 0, 1, (a) => unixctlFdbStatsClear(a[0]));
  registerReply('fdb/add', 'bridge port vlan mac', 4, 4, (a) => unixctlFdbAdd(a[0]!, a[1]!, a[2]!, a[3]!));
  registerReply('fdb/del', 'bridge vlan mac', 3, 3, (a) => unixctlFdbDel(a[0]!, a[1]!, a[2]!));
  registerReply('ofproto/trace', '{[dp_name] odp_flow | bridge br_flow} [OPTIONS...] [-generate|packet]', 1, 6,
    (a) => unixctlTrace(a));
  registerReply('ofproto/trace-packet-out', '[-consistent] {[dp_name] odp_flow | bridge br_flow} [OPTIONS...] [-generate|packet] actions',
    2, 6, (a) => unixctlTracePacketOut(a));
}

/** The datapath commands: dpctl/*, dpif-netdev/pmd-stats-*, revalidator/*, upcall/*. */
function registerDatapathCommands(): void {
  dpctlUnixctlRegister();
  dpifNetdevUnixctlRegister();
  dpifNetdevBackerRegisterCommands();
  unixctlCommandRegister('revalidator/wait', '', 0, 0, () => unixctlRevalidatorWait());
  unixctlCommandRegister('revalidator/purge', '', 0, 0, () => unixctlRevalidatorPurge());
  unixctlCommandRegister('upcall/show', '', 0, 0, () => unixctlUpcallShow());
  unixctlCommandRegister('upcall/set-flow-limit', 'flow-limit-number', 1, 1, (a) => unixctlUpcallSetFlowLimit(a[0]!));
  unixctlCommandRegister('revalidator/pause', '', 0, 0, () => unixctlRevalidatorPause(true));
  unixctlCommandRegister('revalidator/resume', '', 0, 0, () => unixctlRevalidatorPause(false));
  for (const on of [true, false]) {
    const what = on ? 'enable' : 'disable';
    unixctlCommandRegister(`upcall/${what}-megaflows`, '', 0, 0, () => unixctlUpcallSetMegaflows(on));
    unixctlCommandRegister(`upcall/${what}-ufid`, '', 0, 0, () => unixctlUpcallSetUfid(on));
  }
  unixctlCommandRegister('dpif/dump-flows', '[-m] [--names | --no-names] bridge', 1, 4, (a) => {
    const p = ofprotoDpifLookup(a[a.length - 1]!);
    if (!p || !(p.backend instanceof DpifNetdevBacker)) throw new UnixctlError('no such bridge');
    const verbose = a.slice(0, -1).includes('-m');
    const opt = a.slice(0, -1).filter((x) => x === '--names' || x === '--no-names').pop();
    return p.backend.dumpFlows(p, verbose, opt ? opt === '--names' : verbose);
  });
}

/** Open_vSwitch other_config the datapath flows follow: flow-limit, max-idle. */
function applyDatapathConfig(bridges: Bridges): void {
  const oc = bridges.idl.first('Open_vSwitch')?.map('other_config');
  if (!oc) return;
  const num = (k: string, dflt: number) => {
    const v = Number.parseInt(oc.get(k) ?? '', 10);
    return Number.isFinite(v) && v >= 0 ? v : dflt;
  };
  ofprotoSetFlowLimit(num('flow-limit', OFPROTO_FLOW_LIMIT_DEFAULT));
  ofprotoSetMaxIdle(num('max-idle', OFPROTO_MAX_IDLE_DEFAULT));
  dpifNetdevSetPmdCpuMask(oc.get('pmd-cpu-mask'));
}

async function main(): Promise<void> {
  netdevInitialize();
  if (enableDummy) netdevDummyRegister(enableDummy === 'override' ? 'override' : 'dummy');
  timevalRegisterCommands();
  registerOfprotoDpifCommands();
  registerDatapathCommands();
  tnlUnixctlRegister();
  registerReply('dpif/set-dp-features', 'bridge', 1, 3, (a) => unixctlSetDpFeatures(a));
  const daemon = await Daemon.start(cfg, () => ({}));
  // OVS's own "exit" takes --cleanup (delete the datapaths; ours live in the process anyway).
  unixctlCommandRegister('exit', '[--cleanup]', 0, 1, (args) => {
    if (args.length && args[0] !== '--cleanup') throw new UnixctlError(`unknown option ${args[0]}`);
    setImmediate(() => void daemon.exit(0));
  });
  const bridges = new Bridges({ remote, enableDummy });
  bridges.idl.onChange.add(() => applyDatapathConfig(bridges));
  daemon.atExit(() => bridges.stop());
  bridges.start();
  daemon.complete(true);
}
void main();
