// Differential test of dpctl against the real ovs-vswitchd (Debian's OVS 3.1,
// started with --enable-dummy in a sandbox): the same datapath flow texts go
// through `ovs-appctl dpctl/add-flow` + `dpctl/dump-flows` there and through
// our dpctl in-process, and the outputs must be identical.  Skipped when the
// real OVS is not installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Sandbox, haveReal, realPath } from './helpers/sandbox.js';
import { setProgramName } from '../src/lib/program.js';
import { UnixctlError } from '../src/lib/unixctl.js';
import { dpctlRun } from '../src/datapath/dpctl.js';
import { dpifDummyRegister } from '../src/datapath/dpif.js';
import { netdevDummyRegister } from '../src/datapath/netdev-dummy.js';

const E = 'in_port(1),eth(src=00:00:00:00:00:01,dst=00:00:00:00:00:02)';
/** Flow texts and actions the real datapath accepts. */
const FLOWS: [string, string][] = [
  [`${E},eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=6,tos=0x10,ttl=64,frag=no),tcp(src=1,dst=2)`, '2'],
  [`${E},eth_type(0x0800),ipv4(src=10.0.0.0/255.255.255.0,frag=no)`, '2'],
  [`${E},eth_type(0x0800),ipv4(proto=6,frag=no),tcp(dst=80),tcp_flags(syn)`, '2'],
  [`${E},eth_type(0x0800),ipv4(proto=17,frag=first),udp(src=53/0xff00)`, '2'],
  [`${E},eth_type(0x0800),ipv4(frag=later)`, 'drop'],
  [`${E},eth_type(0x0800),ipv4(proto=1,frag=no),icmp(type=8,code=0)`, '2'],
  [`${E},eth_type(0x0806),arp(sip=1.2.3.4,tip=5.6.7.8,op=1,sha=00:00:00:00:00:0a,tha=00:00:00:00:00:00)`, '2'],
  [`${E},eth_type(0x86dd),ipv6(src=2001:db8::1,dst=::2/ffff:ffff::,label=0x12345,proto=17,tclass=0x20,hlimit=5,frag=no),udp(dst=53)`, '2'],
  [`${E},eth_type(0x86dd),ipv6(proto=58,frag=no),icmpv6(type=136,code=0),nd(target=::3,tll=00:00:00:00:00:0e)`, '2'],
  [`${E},eth_type(0x8100),vlan(vid=10,pcp=3),encap(eth_type(0x0800),ipv4(frag=no))`, 'pop_vlan,2'],
  ['in_port(1),eth_type(0x1234/0xfff0)', '2'],
  ['recirc_id(0x5),in_port(1),eth_type(0x0800),ipv4(frag=no)', '2'],
  ['dp_hash(0x5/0xf),in_port(1),eth_type(0x0800),ipv4(frag=no)', '2'],
  [`${E},eth_type(0x0800),ipv4(proto=132,frag=no),sctp(src=1,dst=2)`, '2'],
  [`${E},eth_type(0x0800),ipv4(tos=0x3/0x3,ttl=1,frag=no)`, 'push_vlan(tpid=0x88a8,vid=7,pcp=2),2'],
];

const skip = !haveReal('ovs-vswitchd') || !haveReal('ovsdb-server') ? 'real OVS not installed' : false;

test('dpctl output matches the real ovs-vswitchd', { skip, timeout: 60000 }, async () => {
  setProgramName('ovs-vswitchd');
  netdevDummyRegister('override');
  dpifDummyRegister();
  const sb = new Sandbox('dpctl-interop-');
  try {
    const db = join(sb.dir, 'conf.db');
    assert.equal(sb.run(realPath('ovsdb-tool'), ['create', db, '/usr/share/openvswitch/vswitch.ovsschema']).status, 0);
    sb.startDaemon(realPath('ovsdb-server'), [db, `--remote=punix:${join(sb.dir, 'db.sock')}`]);
    sb.startDaemon(realPath('ovs-vswitchd'), [`unix:${join(sb.dir, 'db.sock')}`, '--enable-dummy=override', '--disable-system']);
    const real = (...args: string[]) => {
      const r = sb.run(realPath('ovs-appctl'), args);
      return r.status === 0 ? r.stdout : `ERR ${r.stderr.split('\n')[0]}\n`;
    };
    const ours = (cmd: string, ...args: string[]) => {
      try {
        return dpctlRun(cmd, args);
      } catch (e) {
        assert.ok(e instanceof UnixctlError);
        return `ERR ${e.message}`;
      }
    };
    for (const f of [real, (c: string, ...a: string[]) => ours(c.replace('dpctl/', ''), ...a)]) f('dpctl/add-dp', 'dummy@dd');
    const mismatches: string[] = [];
    for (const [flow, actions] of FLOWS) {
      real('dpctl/del-flows', 'dummy@dd');
      ours('del-flows', 'dummy@dd');
      const r = real('dpctl/add-flow', 'dummy@dd', flow, actions) + real('dpctl/dump-flows', 'dummy@dd');
      const o = ours('add-flow', 'dummy@dd', flow, actions) + ours('dump-flows', 'dummy@dd');
      if (r !== o) mismatches.push(`${flow} ${actions}\n  real: ${r}  ours: ${o}`);
    }
    for (const args of [['show', 'dummy@dd'], ['add-if', 'dummy@dd', 'p1,type=dummy,port_no=3'], ['show', 'dummy@dd'],
      ['del-if', 'dummy@dd', 'p9'], ['dump-dps']]) {
      const r = real(`dpctl/${args[0]}`, ...args.slice(1)), o = ours(args[0]!, ...args.slice(1));
      if (r !== o.split('\n')[0] + (o.startsWith('ERR') ? '\n' : o.slice(o.split('\n')[0]!.length))) {
        mismatches.push(`${args.join(' ')}\n  real: ${r}  ours: ${o}`);
      }
    }
    real('dpctl/del-dp', 'dummy@dd');
    ours('del-dp', 'dummy@dd');
    assert.deepEqual(mismatches, []);
  } finally {
    await sb.cleanup();
  }
});
