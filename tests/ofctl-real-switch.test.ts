/* Our ovs-ofctl against the real ovs-vswitchd, compared with the real
 * ovs-ofctl (harness: tests/helpers/ofctl-real.ts): flows added in many
 * match and action forms, dumped (sorted, with names, in every OpenFlow
 * version and flow format), modified and deleted, and flow errors.  The
 * other tests/ofctl-real-switch-*.test.ts files cover the rest of the
 * commands (ports, sync, groups), each on its own pair of switches so that
 * every file stays short.
 */
import { realSwitchPair, scriptTest, S, type Step } from './helpers/ofctl-real.js';

realSwitchPair();

const SCRIPT: Step[] = [
  // Flows: add in many forms.
  S('del-flows', 'br0'),
  S('add-flow', 'br0', 'priority=100,in_port=1,actions=output:2'),
  S('add-flow', 'br0', 'table=1,priority=5,ip,nw_dst=10.0.0.0/8,actions=dec_ttl,output:1'),
  S('add-flow', 'br0', 'cookie=0x10,priority=7,tcp,tp_dst=80,actions=mod_tp_dst:8080,resubmit(,1)'),
  S('add-flow', 'br0', 'idle_timeout=600,hard_timeout=900,dl_vlan=5,actions=strip_vlan,NORMAL'),
  S('add-flow', 'br0', 'send_flow_rem,check_overlap,priority=200,udp,actions=output:3'),
  S('-O', 'OpenFlow13', 'add-flow', 'br0', 'table=4,priority=9,ip,actions=goto_table:5'),
  S('-O', 'OpenFlow13', 'add-flow', 'br0', 'table=5,importance=3,priority=9,actions=clear_actions,write_actions(output:1)'),
  S('-O', 'OpenFlow15', 'add-flow', 'br0', 'table=6,priority=1,eth_type=0x800,ip_dscp=10,actions=output:2'),
  S('add-flows', 'br0', 'flows.txt'),
  { args: ['add-flows', 'br0', '-'], input: 'priority=60,in_port=10,actions=output:1\npriority=61,in_port=3,actions=drop\n' },
  S('dump-flows', 'br0'),
  S('--no-stats', 'dump-flows', 'br0'),
  S('--sort', 'dump-flows', 'br0'),
  S('--rsort', 'dump-flows', 'br0'),
  S('--sort=in_port', '--rsort=priority', 'dump-flows', 'br0'),
  S('--names', 'dump-flows', 'br0', 'table=0'),
  S('--no-names', '--no-stats', 'dump-flows', 'br0', 'in_port=p3'),
  S('-O', 'OpenFlow13', 'dump-flows', 'br0'),
  S('-O', 'OpenFlow15', 'dump-flows', 'br0', 'table=1'),
  S('-O', 'OpenFlow11', 'dump-flows', 'br0', 'table=2'),
  S('-O', 'OpenFlow12', '--no-stats', 'dump-flows', 'br0', 'ip'),
  S('-O', 'OpenFlow14', 'dump-flows', 'br0', 'cookie=0xabc/-1'),
  S('-F', 'openflow10', 'dump-flows', 'br0', 'tcp'),
  S('-F', 'nxm', 'dump-flows', 'br0', 'udp'),
  S('dump-flows', 'br0', 'tcp'),
  S('--strict', 'dump-flows', 'br0', 'priority=100,in_port=1'),
  S('dump-aggregate', 'br0'),
  S('dump-aggregate', 'br0', 'table=1'),
  S('-O', 'OpenFlow13', 'dump-aggregate', 'br0', 'cookie=0x10/-1'),
  S('-O', 'OpenFlow15', 'dump-aggregate', 'br0'),
  // Modify and delete.
  S('mod-flows', 'br0', 'in_port=1,actions=output:LOCAL'),
  S('dump-flows', 'br0', 'in_port=1'),
  S('--strict', 'mod-flows', 'br0', 'priority=5,ip,nw_dst=10.0.0.0/8,table=1,actions=drop'),
  S('--readd', 'mod-flows', 'br0', 'table=2,cookie=0xabc/-1,actions=output:2'),
  S('-O', 'OpenFlow13', 'mod-flows', 'br0', 'table=4,actions=goto_table:6'),
  S('mod-flows', 'br0', 'table=9,actions=output:1'),
  S('--strict', 'mod-flows', 'br0', 'priority=999,actions=output:1'),
  S('dump-flows', 'br0', 'table=1'),
  S('--no-stats', 'dump-flows', 'br0'),
  S('del-flows', 'br0', 'tcp'),
  S('--strict', 'del-flows', 'br0', 'priority=100,in_port=1'),
  S('--strict', 'del-flows', 'br0', 'priority=100,in_port=1'),
  S('del-flows', 'br0', 'table=2,cookie=0xabd/-1'),
  S('-O', 'OpenFlow13', 'del-flows', 'br0', 'table=3,out_port=2'),
  S('-O', 'OpenFlow15', 'del-flows', 'br0', 'table=1,ct_state=+trk+est'),
  S('--no-stats', '--sort', 'dump-flows', 'br0'),
  // Flow errors.
  S('add-flow', 'br0', 'table=300,actions=drop'),
  S('add-flow', 'br0', 'actions=output:70000'),
  S('add-flow', 'br0', 'priority=1,nonsense=1,actions=drop'),
  S('add-flow', 'br0', 'tcp,tp_dst=80,nw_proto=17,actions=drop'),
  S('-O', 'OpenFlow13', 'add-flow', 'br0', 'actions=group:1234'),
  S('-O', 'OpenFlow13', 'add-flow', 'br0', 'actions=meter:5'),
  S('add-flow', 'br0', 'check_overlap,priority=200,udp,actions=output:1'),
  S('-O', 'OpenFlow10', 'add-flow', 'br0', 'table=1,actions=goto_table:2'),
  S('add-flows', 'br0', 'bad.txt'),
  S('add-flows', 'br0', 'missing.txt'),
  S('add-flow', 'br0'),
  S('add-flow', 'nosuchbr', 'actions=drop'),
  S('dump-flows', 'br0', 'nonsense'),
];

scriptTest('ovs-ofctl flows against the real ovs-vswitchd: ours prints what the real one prints', SCRIPT);
