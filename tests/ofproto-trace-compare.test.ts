/* ofproto/trace on our ovs-vswitchd and on the real one, live.
 *
 * Two sandboxes, each with the real ovsdb-server, one running
 * /usr/sbin/ovs-vswitchd and the other ours (--enable-dummy, dummy ports with
 * fixed OpenFlow port numbers, access and trunk VLAN ports).  The real
 * ovs-ofctl installs the same groups and flows in both (several tables,
 * resubmit, goto_table, write_actions, NORMAL with VLANs, learn, set_field,
 * groups, drop, controller, dec_ttl, conjunctions), a packet received on one
 * port teaches both MAC tables, and the real ovs-appctl traces the same
 * packets through both: the outputs must be identical.  Recirculation ids are
 * the only thing normalized.  Skipped when the real OVS is not installed.
 * (src/ofproto/ofproto-dpif-trace.test.ts replays recorded outputs against
 * the translation alone; this test covers the daemon around it: bridge
 * configuration, port numbering, the unixctl command and its parsing.)
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { Sandbox, haveReal, realPath, type RunResult } from './helpers/sandbox.js';
import { startDummySwitch } from './helpers/ovsdb-peer.js';

const have = ['ovs-vswitchd', 'ovsdb-server', 'ovs-ofctl', 'ovs-vsctl', 'ovs-appctl', 'ovsdb-tool'].every(haveReal);

interface Switch { name: string; sb: Sandbox }
const switches: Switch[] = [];

/** Ports: p1 untagged (all VLANs), p2 and p3 access VLAN 10, p4 access VLAN 20,
 * p5 trunk of 10 and 20, p6 native-untagged VLAN 20 trunking 10. */
const PORTS: { n: number; opts: string[] }[] = [
  { n: 1, opts: [] },
  { n: 2, opts: ['tag=10'] },
  { n: 3, opts: ['tag=10'] },
  { n: 4, opts: ['tag=20'] },
  { n: 5, opts: ['trunks=10,20'] },
  { n: 6, opts: ['tag=20', 'trunks=10', 'vlan_mode=native-untagged'] },
];

const BRIDGE = ['--', 'add-br', 'br0', '--', 'set', 'bridge', 'br0', 'datapath-type=dummy', 'fail-mode=secure',
  'other-config:datapath-id=fedcba9876543210', 'other-config:hwaddr=aa:55:aa:55:00:00',
  'protocols=[OpenFlow10,OpenFlow13,OpenFlow15]',
  ...PORTS.flatMap(({ n, opts }) => ['--', 'add-port', 'br0', `p${n}`, ...opts,
    '--', 'set', 'Interface', `p${n}`, 'type=dummy', `ofport_request=${n}`])];

const GROUPS = [
  'group_id=1,type=all,bucket=output:2,bucket=set_field:00:00:00:00:00:42->eth_dst,output:5',
  'group_id=2,type=select,selection_method=hash,fields=ip_src,bucket=bucket_id=1,output:3,bucket=bucket_id=2,output:4',
  'group_id=3,type=indirect,bucket=mod_nw_tos:16,resubmit(,4)',
  'group_id=4,type=ff,bucket=watch_port:7,output:7,bucket=watch_port:6,output:6',
];

const FLOWS = [
  // Table 0: dispatch on the input port and protocol.
  'table=0,priority=100,in_port=1,ip,nw_dst=10.0.0.1,actions=resubmit(,1)',
  'table=0,priority=95,in_port=1,ip,nw_dst=10.0.0.2,actions=set_field:10.1.1.1->ip_src,goto_table:2',
  'table=0,priority=90,in_port=1,tcp,tp_dst=80,actions=mod_dl_src:00:00:00:00:00:aa,dec_ttl,output:5',
  'table=0,priority=90,in_port=1,tcp,tp_dst=22,actions=resubmit(,9),resubmit(1,1)',
  'table=0,priority=85,in_port=1,arp,actions=learn(table=3,hard_timeout=60,priority=7,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],output:NXM_OF_IN_PORT[]),resubmit(,3)',
  'table=0,priority=80,in_port=1,udp,tp_dst=53,actions=group:1',
  'table=0,priority=80,in_port=1,udp,tp_dst=54,actions=group:2',
  'table=0,priority=80,in_port=1,udp,tp_dst=55,actions=group:3',
  'table=0,priority=80,in_port=1,udp,tp_dst=56,actions=group:4',
  'table=0,priority=75,in_port=1,icmp,actions=controller(reason=no_match,max_len=128,userdata=01.02),output:2',
  'table=0,priority=70,in_port=1,ipv6,actions=drop',
  'table=0,priority=60,in_port=1,ip,nw_src=192.168.0.1,actions=conjunction(7,1/2)',
  'table=0,priority=60,in_port=1,ip,nw_dst=192.168.0.2,actions=conjunction(7,2/2)',
  'table=0,priority=60,conj_id=7,ip,actions=mod_vlan_vid:99,output:5',
  'table=0,priority=50,in_port=2,actions=NORMAL',
  'table=0,priority=50,in_port=3,actions=NORMAL',
  'table=0,priority=50,in_port=4,actions=NORMAL',
  'table=0,priority=50,in_port=5,actions=NORMAL',
  'table=0,priority=50,in_port=6,actions=NORMAL',
  'table=0,priority=20,in_port=1,sctp,actions=load:0x2->NXM_NX_REG0[0..3],resubmit(,6),load:0x9->NXM_NX_REG0[0..3],resubmit(,6)',
  'table=0,priority=20,in_port=1,sctp,tp_dst=1,actions=multipath(eth_src,50,hrw,12,0,NXM_NX_REG0[0..3]),bundle(eth_src,0,hrw,ofport,members:4,5),resubmit(,6)',
  'table=0,priority=20,in_port=1,sctp,tp_dst=2,actions=multipath(symmetric_l4,7,modulo_n,5,0,NXM_NX_REG0[0..3]),bundle(symmetric_l3l4,3,hrw,ofport,members:2,3,4,5),resubmit(,6)',
  'table=0,priority=20,in_port=1,sctp,tp_dst=3,actions=multipath(symmetric_l3l4+udp,1,iter_hash,6,8,NXM_NX_REG0[0..3]),bundle_load(nw_src,0,hrw,ofport,NXM_NX_REG3[],members:1,2,3),resubmit(,6)',
  'table=0,priority=20,in_port=1,sctp,tp_dst=4,actions=multipath(nw_dst,2,hash_threshold,3,0,NXM_NX_REG0[0..3]),bundle(symmetric_l3,0,active_backup,ofport,members:7,5,4),resubmit(,6)',
  'table=0,priority=10,actions=resubmit(,5)',
  'table=6,priority=10,reg0=1,actions=output:1',
  'table=6,priority=10,reg0=2,actions=output:2',
  'table=6,priority=5,actions=move:NXM_NX_REG0[0..3]->NXM_NX_REG1[4..7],load:0x7->NXM_NX_REG2[],output:NXM_NX_REG0[0..3],controller',
  // Table 1: push a VLAN and send on the trunk; table 2: write_actions then goto.
  'table=1,priority=10,ip,actions=push_vlan:0x8100,set_field:4106->vlan_vid,output:5',
  'table=2,priority=10,actions=set_field:5->reg0,write_actions(output:6),goto_table:3',
  'table=3,priority=5,reg0=5,actions=output:4',
  'table=3,priority=0,actions=drop',
  'table=4,priority=0,actions=output:4',
  // Table 5: the miss path, NORMAL on a packet from p1 after a rewrite.
  'table=5,priority=10,dl_vlan=10,actions=strip_vlan,NORMAL',
  'table=5,priority=5,actions=NORMAL',
];

/** Starts switch number 'i' (registered at once, so that after() cleans up
 * even when the start fails half-way). */
async function startSwitch(i: number, name: string, vswitchd: string): Promise<void> {
  const sb = new Sandbox(`ovs-ts-trace-${name}-`);
  switches[i] = { name, sb };
  startDummySwitch(sb, name, vswitchd, BRIDGE);
  const ofctl = async (input: string, ...args: string[]): Promise<void> => {
    const res = await runWithInput(sb, realPath('ovs-ofctl'), args, input);
    assert.equal(res.status, 0, `${name}: ovs-ofctl ${args.join(' ')}: ${res.stderr}`);
  };
  await ofctl(GROUPS.join('\n') + '\n', '-O', 'OpenFlow15', 'add-groups', 'br0', '-');
  await ofctl(FLOWS.join('\n') + '\n', '-O', 'OpenFlow13', 'add-flows', 'br0', '-');
}

/** Runs 'program' with 'input' on its stdin, without blocking the event loop. */
function runWithInput(sb: Sandbox, program: string, args: string[], input: string): Promise<RunResult> {
  return new Promise((resolve) => {
    const c = spawn(program, args, { env: sb.env });
    let stdout = '', stderr = '';
    c.stdout.on('data', (b) => { stdout += b; });
    c.stderr.on('data', (b) => { stderr += b; });
    c.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr }));
    c.stdin.end(input);
  });
}

before(async () => {
  if (!have) return;
  await Promise.all([startSwitch(0, 'real', realPath('ovs-vswitchd')), startSwitch(1, 'ours', 'ovs-vswitchd')]);
});

after(async () => { for (const s of switches) if (s) await s.sb.cleanup(); });

const appctl = (s: Switch, ...args: string[]): Promise<RunResult> => s.sb.runAsync(realPath('ovs-appctl'), args);

/** What may differ between two daemons: recirculation ids, and the order in
 * which NORMAL floods (the real switch walks its ports in an order that
 * depends on where they were allocated, different in every process).  A
 * datapath action list of outputs and VLAN pushes and pops is compared as the
 * sorted set of (port, VLAN header) it sends. */
function normalize(s: string): string {
  return s.replace(/recirc_id=(0x[0-9a-f]+|\d+)/g, 'recirc_id=N').replace(/recirc\(0x[0-9a-f]+\)/g, 'recirc(N)')
    .replace(/^Datapath actions: (.*)$/m, (line, acts: string) => {
      const tokens = acts.split(/,(?![^(]*\))/);
      if (!tokens.every((x) => /^(\d+|pop_vlan|push_vlan\(vid=\d+,pcp=\d+\))$/.test(x))) return line;
      // The packet's own VLAN header, from the "Flow:" line.
      const tag = /^Flow: .*\bdl_vlan=(\d+),dl_vlan_pcp=(\d+)/m.exec(s);
      const vlans: string[] = tag ? [`vid=${tag[1]},pcp=${tag[2]}`] : [], outs: string[] = [];
      for (const x of tokens) {
        if (x === 'pop_vlan') vlans.pop();
        else if (x.startsWith('push_vlan')) vlans.push(x.slice(10, -1));
        else outs.push(`${x}[${vlans.join('|')}]`);
      }
      return `Datapath actions (as a set): ${outs.sort().join(' ')}`;
    });
}

const ETH = 'dl_src=50:54:00:00:00:01,dl_dst=50:54:00:00:00:09';
/** Packets to trace (ofproto/trace's flow syntax). */
const TRACES = [
  `in_port=1,${ETH},ip,nw_src=10.0.0.9,nw_dst=10.0.0.1,nw_ttl=64`,
  `in_port=1,${ETH},ip,nw_src=10.0.0.9,nw_dst=10.0.0.2`,
  `in_port=1,${ETH},tcp,nw_src=10.0.0.9,nw_dst=10.0.0.3,nw_ttl=64,tp_src=1000,tp_dst=80`,
  `in_port=1,${ETH},tcp,nw_src=10.0.0.9,nw_dst=10.0.0.3,nw_ttl=1,tp_dst=80`,
  `in_port=1,${ETH},tcp,nw_src=10.0.0.9,nw_dst=10.0.0.3,tp_dst=22`,
  `in_port=1,${ETH},arp,arp_spa=10.0.0.9,arp_tpa=10.0.0.1,arp_op=1`,
  `in_port=1,${ETH},udp,nw_src=10.0.0.9,nw_dst=10.0.0.3,udp_dst=53`,
  `in_port=1,${ETH},udp,nw_src=10.0.0.9,nw_dst=10.0.0.3,udp_dst=54`,
  `in_port=1,${ETH},udp,nw_src=10.0.0.9,nw_dst=10.0.0.3,udp_dst=55`,
  `in_port=1,${ETH},udp,nw_src=10.0.0.9,nw_dst=10.0.0.3,udp_dst=56`,
  `in_port=1,${ETH},icmp,nw_src=10.0.0.9,nw_dst=10.0.0.3,icmp_type=8`,
  `in_port=1,${ETH},ipv6,ipv6_src=2001:db8::1,ipv6_dst=2001:db8::2`,
  `in_port=1,${ETH},ip,nw_src=192.168.0.1,nw_dst=192.168.0.2`,
  `in_port=1,${ETH},ip,nw_src=192.168.0.1,nw_dst=192.168.0.3`,
  `in_port=1,${ETH},dl_vlan=10,ip,nw_src=10.0.0.9,nw_dst=10.0.0.7`,
  `in_port=1,${ETH},sctp,nw_src=10.0.0.9,nw_dst=10.0.0.3`,
  ...[1, 2, 3, 4].flatMap((p) => [`in_port=1,dl_src=50:54:00:00:00:21,dl_dst=50:54:00:00:00:09,sctp,nw_src=10.0.0.9,nw_dst=10.0.0.3,tp_dst=${p}`,
    `in_port=1,dl_src=50:54:00:00:00:22,dl_dst=50:54:00:00:00:09,sctp,nw_src=10.0.0.19,nw_dst=10.0.0.3,tp_src=7,tp_dst=${p}`]),
  // After the ARP trace above: is the flow it learned in table 3 used?
  `in_port=1,dl_src=50:54:00:00:00:09,dl_dst=50:54:00:00:00:01,ip,nw_src=10.0.0.9,nw_dst=10.0.0.2`,
  // Errors: tp_dst is TCP's field; masks are not taken; unknown fields.
  `in_port=1,${ETH},udp,tp_dst=53`,
  `in_port=1,${ETH},ip,nw_dst=10.0.0.0/8`,
  `in_port=1,${ETH},ip,in_port=2`,
  `in_port=1,no_such_field=1`,
  'in_port=2,dl_src=50:54:00:00:00:02,dl_dst=ff:ff:ff:ff:ff:ff',
  'in_port=5,dl_vlan=20,dl_src=50:54:00:00:00:05,dl_dst=ff:ff:ff:ff:ff:ff',
  'in_port=5,dl_vlan=30,dl_src=50:54:00:00:00:05,dl_dst=ff:ff:ff:ff:ff:ff',
  'in_port=6,dl_src=50:54:00:00:00:06,dl_dst=ff:ff:ff:ff:ff:ff',
  'in_port=4,dl_src=50:54:00:00:00:04,dl_dst=50:54:00:00:00:03',
  // p3 has sent a packet (below): a learned destination.
  'in_port=2,dl_src=50:54:00:00:00:02,dl_dst=50:54:00:00:00:03',
  'in_port=5,dl_vlan=10,dl_src=50:54:00:00:00:05,dl_dst=50:54:00:00:00:03',
];

test('ofproto/trace: our ovs-vswitchd prints the same translation as the real one', { skip: !have && 'real OVS not installed', timeout: 60000 }, async (t) => {
  // Teach both switches that 50:54:00:00:00:03 is on p3 (VLAN 10).
  for (const s of switches) {
    const r = await appctl(s, 'netdev-dummy/receive', 'p3',
      'in_port(3),eth(src=50:54:00:00:00:03,dst=ff:ff:ff:ff:ff:ff),eth_type(0x1234)');
    assert.equal(r.status, 0, `${s.name}: ${r.stderr}`);
  }
  for (const s of switches) {
    let fdb = '';
    for (let i = 0; i < 50 && !/50:54:00:00:00:03/.test(fdb); i++) {
      if (i) await new Promise((r) => setTimeout(r, 100));
      fdb = (await appctl(s, 'fdb/show', 'br0')).stdout;
    }
    assert.match(fdb, /^\s+3\s+10\s+50:54:00:00:00:03/m, `${s.name}: ${fdb}`);
  }
  const diffs: string[] = [];
  for (const flow of TRACES) {
    const [real, ours] = await Promise.all(switches.map((s) => appctl(s, 'ofproto/trace', 'br0', flow)));
    const a = `status ${real!.status}\n${normalize(real!.stdout)}${real!.stderr}`;
    const b = `status ${ours!.status}\n${normalize(ours!.stdout)}${ours!.stderr}`;
    if (a !== b) diffs.push(`ofproto/trace br0 ${flow}\n--- real\n${a}--- ours\n${b}`);
  }
  t.diagnostic(`${TRACES.length - diffs.length} of ${TRACES.length} traces identical`);
  assert.deepEqual(diffs, []);
});
