/* Our ovs-ofctl against the real ovs-vswitchd, compared with the real
 * ovs-ofctl (harness: tests/helpers/ofctl-real.ts): replace-flows,
 * diff-flows, bundles, a flow OpenFlow 1.0 cannot carry, port and table
 * names, protocols and flow formats, and command-line and connection errors.
 */
import { realSwitchPair, scriptTest, S, type Step } from './helpers/ofctl-real.js';

realSwitchPair();

const SCRIPT: Step[] = [
  S('add-flows', 'br0', 'flows.txt'),
  // replace-flows, diff-flows, bundles.
  S('replace-flows', 'br0', 'replace.txt'),
  S('--no-stats', 'dump-flows', 'br0'),
  S('diff-flows', 'br0', 'diff.txt'),
  S('diff-flows', 'diff.txt', 'br0'),
  S('diff-flows', 'br0', 'br0'),
  S('-O', 'OpenFlow13', '--readd', 'replace-flows', 'br0', 'diff.txt'),
  S('--bundle', 'add-flow', 'br0', 'priority=70,in_port=2,actions=output:3'),
  S('--bundle', 'add-flows', 'br0', 'flows.txt'),
  S('--bundle', 'replace-flows', 'br0', 'replace.txt'),
  S('-O', 'OpenFlow14', '--bundle', 'del-flows', 'br0', 'in_port=2'),
  S('--bundle', 'add-flows', 'br0', 'bad.txt'),
  S('-O', 'OpenFlow10', '--bundle', 'add-flow', 'br0', 'actions=drop'),
  S('-O', 'OpenFlow14', 'bundle', 'br0', 'bundle.txt'),
  S('--no-stats', 'dump-flows', 'br0'),
  // A flow that OF1.0 cannot carry in order (write_metadata, then goto_table as resubmit).
  S('-O', 'OpenFlow13', 'add-flow', 'br0', 'table=7,priority=9,ip,actions=write_metadata:0x5/0xff,goto_table:8'),
  S('--no-stats', 'dump-flows', 'br0', 'table=7'),
  S('-O', 'OpenFlow13', 'dump-flows', 'br0', 'table=7'),
  S('-O', 'OpenFlow13', 'del-flows', 'br0', 'table=7'),
  // Names, protocols and flow formats.
  S('add-flow', 'br0', 'in_port=p1,actions=output:p2,output:eth10'),
  S('--names', 'dump-flows', 'br0', 'in_port=p1'),
  S('--names', '--no-stats', 'dump-flows', 'br0'),
  S('--names', 'dump-ports', 'br0', 'p2'),
  S('--names', 'dump-ports-desc', 'br0'),
  S('dump-ports', 'br0', 'LOCAL'),
  S('-F', 'openflow10', 'add-flow', 'br0', 'reg0=1,actions=drop'),
  S('-F', 'nxm', 'add-flow', 'br0', 'reg0=1,actions=drop'),
  S('-F', 'nxm,tid', 'add-flow', 'br0', 'table=2,reg1=2,actions=drop'),
  S('-F', 'oxm', 'dump-flows', 'br0'),
  S('-F', 'bogus', 'dump-flows', 'br0'),
  S('-O', 'OpenFlow13', '-F', 'openflow10', 'dump-flows', 'br0'),
  S('-O', 'OpenFlow10', 'add-flow', 'br0', 'actions=meter:1'),
  S('-O', 'OpenFlow10', 'add-meter', 'br0', 'meter=1,pktps,band=type=drop,rate=10'),
  S('-O', 'OpenFlow13', '--bundle', 'add-flow', 'br0', 'priority=80,actions=drop'),
  S('-O', 'OpenFlow15', 'meter-stats', 'br0'),
  S('-O', 'OpenFlow15', 'dump-group-stats', 'br0'),
  S('-O', 'OpenFlow13', 'queue-stats', 'br0', 'ALL', '5'),
  S('set-frags', 'br0', 'bogus'),
  S('mod-port', 'br0', 'LOCAL', 'down'),
  S('mod-port', 'br0', 'LOCAL', 'up'),
  S('--strict', 'del-flows', 'br0', 'in_port=p1'),
  S('-m', 'dump-aggregate', 'br0'),
  S('--timestamp', 'dump-desc', 'br0'),
  S('probe', 'br0'),
  S('dump-flows', 'unix:/nonexistent/socket'),
  S('dump-flows', 'tcp:127.0.0.1:1'),
  S('dump-flows'),
  S('frobnicate', 'br0'),
  S('del-flows', 'br0'),
  S('--no-stats', 'dump-flows', 'br0'),
];

scriptTest('ovs-ofctl replace/diff-flows, bundles, names and errors against the real ovs-vswitchd: ours prints what the real one prints', SCRIPT);
