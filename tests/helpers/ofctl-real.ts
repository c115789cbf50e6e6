/* ofctl-real: the harness of the tests/ofctl-real-switch*.test.ts files,
 * which compare our ovs-ofctl with the real one against the real ovs-vswitchd.
 *
 * realSwitchPair() registers before/after hooks that start two sandboxes,
 * each with the real ovsdb-server and ovs-vswitchd (--enable-dummy, a
 * dummy-datapath bridge with dummy ports, configured the same way): the real
 * ovs-ofctl works on sandbox "real", ours on sandbox "ours", so both switches
 * see the same sequence of changes.  scriptTest() runs a script step by step
 * with both clients at once; every step must print the same stdout and
 * stderr and end with the same exit status.  Only durations, ages,
 * timestamps and the sandbox's own path are normalized, and the lines of
 * outputs whose order OVS leaves to hash iteration are compared sorted.
 * monitorRun() runs `ovs-ofctl monitor` until it has seen a packet-in and a
 * port status.  Everything is skipped when the real OVS is not installed;
 * OFCTL_REAL_ALL=1 prints each step's time and every differing step.
 */
import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { writeFileSync, existsSync } from 'node:fs';
import { Sandbox, haveReal, realPath, BIN, type RunResult } from './sandbox.js';
import { vswitchSchema } from './ovsdb-peer.js';

/** True when the real OVS daemons and tools are installed. */
export const have = ['ovs-vswitchd', 'ovsdb-server', 'ovs-ofctl', 'ovs-vsctl', 'ovsdb-tool'].every(haveReal);

export type Client = 'real' | 'ours';
/** The two sandboxes, by the client that works on each. */
export const sandboxes = new Map<Client, Sandbox>();

const BRIDGE = ['--', 'add-br', 'br0', '--', 'set', 'bridge', 'br0', 'datapath-type=dummy', 'fail-mode=secure',
  'other-config:datapath-id=fedcba9876543210', 'other-config:hwaddr=aa:55:aa:55:00:00',
  'protocols=[OpenFlow10,OpenFlow11,OpenFlow12,OpenFlow13,OpenFlow14,OpenFlow15]',
  '--', 'add-port', 'br0', 'p1', '--', 'set', 'Interface', 'p1', 'type=dummy', 'ofport_request=1',
  '--', 'add-port', 'br0', 'p2', '--', 'set', 'Interface', 'p2', 'type=dummy', 'ofport_request=2',
  '--', 'add-port', 'br0', 'p3', '--', 'set', 'Interface', 'p3', 'type=dummy', 'ofport_request=3',
  '--', 'add-port', 'br0', 'eth10', '--', 'set', 'Interface', 'eth10', 'type=dummy', 'ofport_request=10'];

/** Files the scripts read (relative to the sandbox, the clients' working directory). */
const FILES: Record<string, string> = {
  'flows.txt': [
    '# a comment line, then flows in several forms',
    'priority=10,in_port=1,actions=output:2',
    'priority=10,in_port=2,actions=output:1',
    'table=0,priority=20,arp,actions=NORMAL',
    'priority=30,ip,nw_src=192.168.0.0/16,nw_dst=10.1.2.3,actions=mod_nw_tos:16,output:3',
    'priority=31,tcp,tp_src=1024,tp_dst=80,actions=mod_tp_src:2048,output:p3',
    'priority=32,udp,dl_src=00:11:22:33:44:55,tp_dst=53,actions=set_field:00:00:00:00:00:01->eth_dst,output:2',
    'priority=33,icmp,icmp_type=8,actions=CONTROLLER:128',
    'priority=34,dl_vlan=10,dl_vlan_pcp=3,actions=strip_vlan,output:1',
    'priority=35,in_port=3,actions=mod_vlan_vid:20,mod_vlan_pcp:5,output:2',
    'priority=36,ipv6,ipv6_src=2001:db8::/32,actions=dec_ttl,output:1',
    'priority=37,tcp6,ipv6_dst=fe80::1,tp_dst=22,actions=drop',
    'priority=38,reg0=0x5/0xff,actions=load:0x1->NXM_NX_REG1[],resubmit(,1)',
    'priority=39,metadata=0x10,actions=note:01.02.03,output:1',
    'priority=40,tun_id=0x7,actions=set_tunnel:0x8,output:2',
    'priority=41,mpls,mpls_label=100,actions=pop_mpls:0x0800,output:1',
    'priority=42,ip,nw_ttl=1,nw_frag=later,actions=drop',
    'priority=43,dl_type=0x88cc,actions=move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],output:in_port',
    'table=1,priority=5,ip,actions=learn(table=2,NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],output:NXM_OF_IN_PORT[]),output:1',
    'table=1,priority=6,tcp,tcp_flags=+syn-ack,actions=ct(commit,zone=5),output:2',
    'table=1,priority=7,ct_state=+trk+est,actions=output:3',
    'table=2,cookie=0xabc,priority=1,actions=multipath(eth_src,50,modulo_n,1,0,NXM_NX_REG0[0..3]),output:1',
    'table=2,cookie=0xabd,priority=2,in_port=1,actions=bundle(eth_src,0,hrw,ofport,members:1,2),output:3',
    'table=3,priority=8,actions=push_vlan:0x8100,set_field:4196->vlan_vid,output:1',
    'table=3,priority=9,ip,actions=push_mpls:0x8847,set_mpls_label:77,output:2',
    '',
  ].join('\n'),
  'replace.txt': [
    'priority=10,in_port=1,actions=output:3',
    'priority=11,in_port=2,actions=output:1',
    'table=1,priority=5,ip,actions=output:2',
    'table=2,cookie=0x1,priority=100,tcp,actions=drop',
    '',
  ].join('\n'),
  'diff.txt': [
    'priority=10,in_port=1,actions=output:3',
    'priority=12,in_port=3,actions=output:1',
    'table=1,priority=5,ip,actions=output:1',
    '',
  ].join('\n'),
  'bundle.txt': [
    'add priority=50,in_port=1,actions=output:2',
    'add priority=51,in_port=2,actions=output:1',
    'delete priority=10',
    'group add group_id=77,type=all,bucket=output:1',
    'packet-out in_port=1 packet=0001020304050010203040501234 actions=output:2',
    '',
  ].join('\n'),
  'groups.txt': [
    'group_id=10,type=all,bucket=output:1,bucket=output:2',
    'group_id=11,type=select,selection_method=hash,bucket=weight:10,output:1,bucket=weight:20,output:2',
    'group_id=12,type=indirect,bucket=actions=set_field:00:11:22:33:44:55->eth_src,output:3',
    'group_id=13,type=ff,bucket=watch_port:1,output:1,bucket=watch_port:2,output:2',
    '',
  ].join('\n'),
  'bad.txt': [
    'priority=1,actions=output:1',
    'priority=2,nonsense=1,actions=drop',
    '',
  ].join('\n'),
};

/** One ovs-ofctl command line (optionally with stdin). */
export interface Step { args: string[]; input?: string }
export const S = (...args: string[]): Step => ({ args });

/** Starts the real ovsdb-server and ovs-vswitchd in a new sandbox and makes the bridge. */
function startSwitch(name: Client): Sandbox {
  const sb = new Sandbox(`ovs-ts-ofctl-real-${name}-`);
  sandboxes.set(name, sb);
  const c = sb.run(realPath('ovsdb-tool'), ['create', join(sb.dir, 'conf.db'), vswitchSchema()]);
  assert.equal(c.status, 0, c.stderr);
  sb.startDaemon(realPath('ovsdb-server'), [join(sb.dir, 'conf.db'), `--remote=punix:${join(sb.dir, 'db.sock')}`], 'ovsdb-server');
  const init = sb.run(realPath('ovs-vsctl'), ['--no-wait', 'init']);
  assert.equal(init.status, 0, init.stderr);
  sb.startDaemon(realPath('ovs-vswitchd'), ['--enable-dummy', '--disable-system', '--disable-system-route'], 'ovs-vswitchd');
  const r = sb.run(realPath('ovs-vsctl'), ['--timeout=20', ...BRIDGE]);
  assert.equal(r.status, 0, `${name}: ${r.stderr}`);
  for (const [file, text] of Object.entries(FILES)) writeFileSync(join(sb.dir, file), text);
  return sb;
}

/** Starts the two switches before the file's tests and stops them after. */
export function realSwitchPair(): void {
  before(() => {
    if (!have) return;
    // A file cut short by the runner's timeout gets SIGTERM and no after
    // hooks: stop the daemons here so that none is left behind.
    process.once('SIGTERM', () => {
      for (const sb of sandboxes.values()) {
        for (const d of ['ovs-vswitchd', 'ovsdb-server']) {
          const pid = sb.pid(d);
          if (pid) try { process.kill(pid, 'SIGTERM'); } catch { /* gone */ }
        }
      }
      process.exit(1);
    });
    startSwitch('real');
    startSwitch('ours');
  });
  after(async () => { for (const sb of sandboxes.values()) await sb.cleanup(); });
}

/** What may differ between the two runs: durations, ages, timestamps, the sandbox path. */
function normalize(s: string, dir: string): string {
  return s
    .split(dir).join('$DIR')
    .replace(/duration[=:][0-9.]+s?/g, 'duration=?')
    .replace(/(idle|hard)_age=\d+/g, '$1_age=?')
    .replace(/\d{4}-\d\d-\d\dT[0-9:.]+Z\|\d+\|/g, '');
}

/** Commands whose output order is not defined: the switch and ovs-ofctl keep
 * flows and groups in cmaps, whose iteration order depends on a random basis
 * chosen per process, so even two runs of the real switch differ.  Their
 * output lines are compared sorted. */
function unordered(args: string[]): boolean {
  if (args.some((a) => a.startsWith('--sort') || a.startsWith('--rsort'))) return false;
  return args.some((a) => ['dump-flows', 'dump-groups', 'dump-group-stats', 'diff-flows', 'replace-flows'].includes(a));
}

const sortLines = (s: string): string => (s ? s.trimEnd().split('\n').sort().join('\n') + '\n' : s);

const clientPath = (c: Client): string => (c === 'real' ? realPath('ovs-ofctl') : join(BIN, 'ovs-ofctl'));

/** Runs one step with client 'c' against its own switch. */
function run(c: Client, step: Step): Promise<string> {
  const sb = sandboxes.get(c)!;
  return new Promise((resolve) => {
    const stdin = step.input === undefined ? 'ignore' : 'pipe';
    const child = spawn(clientPath(c), step.args, { env: sb.env, cwd: sb.dir, stdio: [stdin, 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout!.on('data', (b) => { stdout += b; });
    child.stderr!.on('data', (b) => { stderr += b; });
    if (child.stdin) {
      child.stdin.on('error', () => { /* the client may exit before reading it */ });
      child.stdin.end(step.input);
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const r: RunResult = { status: code ?? -1, stdout: normalize(stdout, sb.dir), stderr: normalize(stderr, sb.dir) };
      if (unordered(step.args)) { r.stdout = sortLines(r.stdout); r.stderr = sortLines(r.stderr); }
      resolve(`status ${signal ?? r.status}\n${r.stdout}--stderr--\n${r.stderr}`);
    });
  });
}

/** A test that runs 'script' with both clients, step by step. */
export function scriptTest(name: string, script: Step[]): void {
  test(name, { skip: !have && 'real OVS not installed', timeout: 900_000 }, async (t: TestContext) => {
    const diffs: string[] = [];
    const all = process.env.OFCTL_REAL_ALL === '1';
    for (const step of script) {
      const t0 = Date.now();
      const [real, ours] = await Promise.all([run('real', step), run('ours', step)]);
      if (all) console.log(`# ${Date.now() - t0} ms: ovs-ofctl ${step.args.join(' ')}`);
      if (real !== ours) {
        diffs.push(`ovs-ofctl ${step.args.join(' ')}\n--- real\n${real}--- ours\n${ours}`);
        if (all) console.log(diffs[diffs.length - 1]);
      }
    }
    t.diagnostic(`${script.length - diffs.length} of ${script.length} steps agree`);
    assert.deepEqual(diffs, []);
  });
}

/** Waits until 'cond' holds, polling every 50 ms, for at most 'ms'. */
async function until(cond: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) if (cond()) return true;
  return cond();
}

/** Runs `ovs-ofctl [pre...] monitor br0 args...` with client 'c' on its own
 * switch until it has shown a packet-in and a port status, then tells it to
 * exit through its control socket; returns what it printed. */
export async function monitorRun(c: Client, pre: string[], args: string[]): Promise<string> {
  const sb = sandboxes.get(c)!;
  const ctl = join(sb.dir, `monitor-${c}.ctl`);
  const child = spawn(clientPath(c), [...pre, `--unixctl=${ctl}`, 'monitor', 'br0', ...args], { env: sb.env, cwd: sb.dir });
  let out = '';
  child.stdout.on('data', (b) => { out += b; });
  child.stderr.on('data', (b) => { out += b; });
  const done = new Promise<number | string>((r) => child.on('close', (code, sig) => r(sig ?? code ?? -1)));
  try {
    assert.ok(await until(() => existsSync(ctl), 20_000), `${c} monitor did not start: ${out}`);
    const real = (cmd: string[]): Promise<RunResult> => sb.runAsync(realPath('ovs-ofctl'), cmd);
    const po = await real(['packet-out', 'br0', 'in_port=none packet=0001020304050010203040501234 actions=controller,output:1']);
    assert.equal(po.status, 0, po.stderr);
    await until(() => out.includes('PACKET_IN'), 10_000);
    const pm = await real(['mod-port', 'br0', 'p3', 'no-flood']);
    assert.equal(pm.status, 0, pm.stderr);
    await until(() => out.includes('PORT_STATUS'), 10_000);
    await sb.runAsync(realPath('ovs-appctl'), ['-t', ctl, 'exit']);
  } finally {
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  }
  const status = await done;
  return `status ${status}\n${normalize(out, sb.dir)}`;
}
