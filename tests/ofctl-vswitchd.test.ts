/* ovs-ofctl against our ovs-vswitchd and against the real one.
 *
 * Two sandboxes, each with the real ovsdb-server, one running
 * /usr/sbin/ovs-vswitchd and the other ours (both --enable-dummy
 * --disable-system, a bridge configured as OVS's tests do with dummy ports).
 * A fixed script of ovs-ofctl commands (show, flow mods and dumps, ports,
 * tables, groups, meters, packet-out, monitor) runs step by step against
 * both switches with the real ovs-ofctl, and a subset of it also with ours;
 * for each client the two switches must print the same thing.  Only
 * durations, ages and timestamps are normalized.  Skipped when the real OVS
 * is not installed.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { Sandbox, haveReal, realPath, BIN, type RunResult } from './helpers/sandbox.js';
import { startDummySwitch } from './helpers/ovsdb-peer.js';

const have = ['ovs-vswitchd', 'ovsdb-server', 'ovs-ofctl', 'ovs-vsctl', 'ovsdb-tool'].every(haveReal);

interface Switch { name: string; sb: Sandbox }
const switches: Switch[] = [];

const BRIDGE = ['--', 'add-br', 'br0', '--', 'set', 'bridge', 'br0', 'datapath-type=dummy', 'fail-mode=secure',
  'other-config:datapath-id=fedcba9876543210', 'other-config:hwaddr=aa:55:aa:55:00:00',
  'protocols=[OpenFlow10,OpenFlow11,OpenFlow12,OpenFlow13,OpenFlow14,OpenFlow15]',
  '--', 'add-port', 'br0', 'p1', '--', 'set', 'Interface', 'p1', 'type=dummy', 'ofport_request=1',
  '--', 'add-port', 'br0', 'p2', '--', 'set', 'Interface', 'p2', 'type=dummy', 'ofport_request=2'];

async function startSwitch(name: string, vswitchd: string): Promise<Switch> {
  const sb = new Sandbox(`ovs-ts-ofctl-${name}-`);
  startDummySwitch(sb, name, vswitchd, BRIDGE);
  return { name, sb };
}

before(async () => {
  if (!have) return;
  switches.push(...await Promise.all([startSwitch('real', realPath('ovs-vswitchd')), startSwitch('ours', 'ovs-vswitchd')]));
});

after(async () => { for (const s of switches) await s.sb.cleanup(); });

/** What may differ between two runs: durations, ages, timestamps. */
function normalize(s: string): string {
  return s
    .replace(/duration[=:][0-9.]+s?/g, 'duration=?')
    .replace(/(idle|hard)_age=\d+/g, '$1_age=?')
    .replace(/\d{4}-\d\d-\d\dT[0-9:.]+Z\|\d+\|/g, '');
}

function format(r: RunResult): string {
  return `status ${r.status}\n${normalize(r.stdout)}${r.stderr ? '--stderr--\n' + normalize(r.stderr) : ''}`;
}

type Client = 'real' | 'ours';
const clientPath = (c: Client): string => (c === 'real' ? realPath('ovs-ofctl') : join(BIN, 'ovs-ofctl'));

/** Runs one ovs-ofctl step against both switches with client 'c'. */
async function step(c: Client, args: string[]): Promise<[string, string]> {
  const [a, b] = await Promise.all(switches.map((s) => s.sb.runAsync(clientPath(c), args)));
  return [format(a!), format(b!)];
}

/** Flows for `add-flows` (written next to the first switch's database). */
const FLOWS = `priority=50,in_port=2,dl_src=00:11:22:33:44:55,actions=output:1
table=2,priority=10,udp,tp_dst=53,actions=controller
priority=40,arp,actions=NORMAL
`;

/** The script, run with the real ovs-ofctl; steps marked 'ours' also run with our
 * ovs-ofctl (right after the real one, so a mutating step must be idempotent or be
 * undone by the next steps).  FLOWS_FILE stands for the add-flows file. */
const FLOWS_FILE = '@flows';
const SCRIPT: { args: string[]; ours?: true }[] = [
  { args: ['show', 'br0'], ours: true },
  { args: ['-O', 'OpenFlow13', 'show', 'br0'], ours: true },
  { args: ['dump-desc', 'br0'] },
  { args: ['get-frags', 'br0'] },
  { args: ['dump-ports-desc', 'br0'] },
  { args: ['-O', 'OpenFlow15', 'dump-ports-desc', 'br0'], ours: true },
  { args: ['dump-ports', 'br0'], ours: true },
  { args: ['-O', 'OpenFlow14', 'dump-ports', 'br0', '1'] },
  { args: ['queue-stats', 'br0'] },
  { args: ['-O', 'OpenFlow12', 'queue-get-config', 'br0', '1'] },
  { args: ['del-flows', 'br0'], ours: true },
  { args: ['add-flow', 'br0', 'priority=100,in_port=1,actions=output:2'], ours: true },
  { args: ['add-flow', 'br0', 'table=1,priority=5,ip,nw_dst=10.0.0.0/8,actions=dec_ttl,output:1'] },
  { args: ['add-flow', 'br0', 'cookie=0x10,priority=7,tcp,tp_dst=80,actions=mod_tp_dst:8080,resubmit(,1)'] },
  { args: ['add-flow', 'br0', 'idle_timeout=600,hard_timeout=900,dl_vlan=5,actions=strip_vlan,NORMAL'] },
  { args: ['add-flows', 'br0', FLOWS_FILE], ours: true },
  { args: ['dump-flows', 'br0'], ours: true },
  { args: ['--no-stats', 'dump-flows', 'br0'] },
  { args: ['--names', '--no-stats', 'dump-flows', 'br0'], ours: true },
  { args: ['-O', 'OpenFlow13', 'dump-flows', 'br0'], ours: true },
  { args: ['-O', 'OpenFlow15', 'dump-flows', 'br0', 'table=1'] },
  { args: ['dump-flows', 'br0', 'tcp'] },
  { args: ['--strict', 'dump-flows', 'br0', 'priority=100,in_port=1'] },
  { args: ['dump-aggregate', 'br0'], ours: true },
  { args: ['-O', 'OpenFlow13', 'dump-aggregate', 'br0', 'cookie=0x10/-1'] },
  { args: ['mod-flows', 'br0', 'in_port=1,actions=output:LOCAL'], ours: true },
  { args: ['dump-flows', 'br0', 'in_port=1'] },
  { args: ['--strict', 'mod-flows', 'br0', 'priority=5,ip,nw_dst=10.0.0.0/8,table=1,actions=drop'] },
  { args: ['dump-flows', 'br0', 'table=1'] },
  { args: ['add-flow', 'br0', 'table=300,actions=drop'] },
  { args: ['add-flow', 'br0', 'actions=output:70000'] },
  { args: ['-O', 'OpenFlow13', 'add-flow', 'br0', 'actions=group:1234'], ours: true },
  { args: ['del-flows', 'br0', 'tcp'] },
  { args: ['--strict', 'del-flows', 'br0', 'priority=100,in_port=1'], ours: true },
  { args: ['dump-flows', 'br0'] },
  { args: ['dump-tables', 'br0'] },
  { args: ['-O', 'OpenFlow13', 'dump-tables', 'br0'] },
  { args: ['-O', 'OpenFlow14', 'dump-table-desc', 'br0'] },
  { args: ['-O', 'OpenFlow11', 'add-group', 'br0', 'group_id=1234,type=all,bucket=output:1,bucket=output:2'] },
  { args: ['-O', 'OpenFlow11', 'add-group', 'br0', 'group_id=1234,type=all,bucket=output:1'], ours: true },
  { args: ['-O', 'OpenFlow13', 'dump-groups', 'br0'], ours: true },
  { args: ['-O', 'OpenFlow15', 'dump-groups', 'br0', '1234'] },
  { args: ['-O', 'OpenFlow13', 'dump-group-stats', 'br0'] },
  { args: ['-O', 'OpenFlow12', 'dump-group-features', 'br0'] },
  { args: ['-O', 'OpenFlow13', 'mod-group', 'br0', 'group_id=1234,type=select,bucket=output:2'] },
  { args: ['-O', 'OpenFlow13', 'dump-groups', 'br0'] },
  { args: ['-O', 'OpenFlow13', 'add-flow', 'br0', 'priority=3,actions=group:1234'] },
  { args: ['-O', 'OpenFlow13', 'del-groups', 'br0', 'group_id=1234'] },
  { args: ['-O', 'OpenFlow13', 'dump-groups', 'br0'] },
  { args: ['-O', 'OpenFlow13', 'dump-flows', 'br0'] },
  { args: ['-O', 'OpenFlow13', 'meter-features', 'br0'] },
  { args: ['-O', 'OpenFlow13', 'add-meter', 'br0', 'meter=1,pktps,band=type=drop,rate=10'] },
  { args: ['-O', 'OpenFlow13', 'dump-meters', 'br0'], ours: true },
  { args: ['-O', 'OpenFlow13', 'meter-stats', 'br0'] },
  { args: ['-O', 'OpenFlow13', 'del-meters', 'br0'] },
  { args: ['packet-out', 'br0', 'in_port=none packet=0001020304050010203040501234 actions=output:1'], ours: true },
  { args: ['-O', 'OpenFlow13', 'packet-out', 'br0', 'in_port=1 packet=0001020304050010203040501234 actions=group:99'] },
  { args: ['packet-out', 'br0', 'LOCAL', 'output:2', '0001020304050010203040501234'] },
  { args: ['dump-ports', 'br0'], ours: true },
  { args: ['mod-port', 'br0', 'p1', 'no-flood'] },
  { args: ['dump-ports-desc', 'br0', '1'] },
  { args: ['mod-port', 'br0', 'p1', 'flood'], ours: true },
  { args: ['mod-port', 'br0', 'p9', 'down'] },
  { args: ['del-flows', 'br0'], ours: true },
  { args: ['dump-flows', 'br0'] },
];

test('ovs-ofctl script: our ovs-vswitchd answers as the real one', { skip: !have && 'real OVS not installed' }, async (t) => {
  const flowsFile = join(switches[0]!.sb.dir, 'flows.txt');
  writeFileSync(flowsFile, FLOWS);
  const diffs: string[] = [];
  let n = 0;
  for (const { args: a, ours } of SCRIPT) {
    const args = a.map((x) => (x === FLOWS_FILE ? flowsFile : x));
    for (const c of ours ? ['real', 'ours'] as const : ['real'] as const) {
      const [real, our] = await step(c, args);
      n++;
      if (real !== our) diffs.push(`${c} ovs-ofctl ${args.join(' ')}\n--- real switch\n${real}--- our switch\n${our}`);
    }
  }
  t.diagnostic(`${n - diffs.length} of ${n} steps agree`);
  assert.deepEqual(diffs, []);
});

/** What a detached `ovs-ofctl monitor` (client 'c') on switch 's' prints while a packet-out
 * sends to the controller and two mod-ports change p2 and back; a barrier through the monitor's own
 * connection (ofctl/barrier) makes sure everything before it has arrived. */
async function monitorOutput(s: Switch, c: Client): Promise<string> {
  const appctl = async (...args: string[]): Promise<void> => {
    const r = await s.sb.runAsync(realPath('ovs-appctl'), ['-t', ctl, ...args]);
    assert.equal(r.status, 0, `ovs-appctl ${args.join(' ')}: ${r.stderr}`);
  };
  const ctl = join(s.sb.dir, `monitor-${c}.ctl`), log = join(s.sb.dir, `monitor-${c}.log`);
  // A detached monitor keeps its stderr (and ours its stdout): give it a file, not a pipe,
  // and wait for the starting process to exit.
  const err = join(s.sb.dir, `monitor-${c}.err`);
  const fd = openSync(err, 'w');
  const child = spawn(clientPath(c), ['monitor', 'br0', '65534', '-P', 'standard', '--detach', '--no-chdir',
    `--pidfile=${join(s.sb.dir, `monitor-${c}.pid`)}`, `--unixctl=${ctl}`], { env: s.sb.env, stdio: ['ignore', fd, fd] });
  const status = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  closeSync(fd);
  assert.equal(status, 0, readFileSync(err, 'utf8'));
  await appctl('ofctl/set-output-file', log);
  const po = await s.sb.runAsync(clientPath('real'), ['packet-out', 'br0',
    'in_port=none packet=0001020304050010203040501234 actions=controller,output:1']);
  assert.equal(po.status, 0, po.stderr);
  for (const setting of ['no-flood', 'flood']) {
    const pm = await s.sb.runAsync(clientPath('real'), ['mod-port', 'br0', 'p2', setting]);
    assert.equal(pm.status, 0, pm.stderr);
  }
  await appctl('ofctl/barrier');
  await appctl('exit');
  return normalize(readFileSync(log, 'utf8')).replace(/ \(xid=0x[0-9a-f]+\)/g, '');
}

test('ovs-ofctl monitor sees the same packet-ins and port status', { skip: !have && 'real OVS not installed' }, async () => {
  for (const c of ['real', 'ours'] as const) {
    const outs = await Promise.all(switches.map((s) => monitorOutput(s, c)));
    assert.equal(outs[1], outs[0], `${c} ovs-ofctl monitor`);
    assert.match(outs[0]!, /OFPT_PACKET_IN/);
    assert.match(outs[0]!, /OFPT_PORT_STATUS/);
  }
});
