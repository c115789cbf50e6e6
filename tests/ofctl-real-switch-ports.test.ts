/* Our ovs-ofctl against the real ovs-vswitchd, compared with the real
 * ovs-ofctl (harness: tests/helpers/ofctl-real.ts): switch description,
 * fragment handling, ports and port mods, tables, queues and IPFIX.
 */
import { realSwitchPair, scriptTest, S, type Step } from './helpers/ofctl-real.js';

realSwitchPair();

const SCRIPT: Step[] = [
  // Switch description, ports, tables.
  S('show', 'br0'),
  S('-O', 'OpenFlow13', 'show', 'br0'),
  S('-O', 'OpenFlow15', 'show', 'br0'),
  S('dump-desc', 'br0'),
  S('get-frags', 'br0'),
  S('set-frags', 'br0', 'drop'), S('get-frags', 'br0'), S('set-frags', 'br0', 'normal'),
  S('dump-ports-desc', 'br0'),
  S('-O', 'OpenFlow14', 'dump-ports-desc', 'br0'),
  S('-O', 'OpenFlow15', 'dump-ports-desc', 'br0', 'p2'),
  S('dump-ports', 'br0'),
  S('dump-ports', 'br0', '1'),
  S('-O', 'OpenFlow13', 'dump-ports', 'br0', 'p2'),
  S('-O', 'OpenFlow14', 'dump-ports', 'br0'),
  S('dump-tables', 'br0'),
  S('-O', 'OpenFlow13', 'dump-tables', 'br0'),
  S('-O', 'OpenFlow15', 'dump-tables', 'br0'),
  S('-O', 'OpenFlow14', 'dump-table-desc', 'br0'),
  S('-O', 'OpenFlow13', 'dump-table-features', 'br0'),
  S('queue-stats', 'br0'),
  S('-O', 'OpenFlow13', 'queue-stats', 'br0', '1'),
  S('queue-get-config', 'br0', '1'),
  S('-O', 'OpenFlow13', 'queue-get-config', 'br0'),
  S('dump-ipfix-bridge', 'br0'),
  S('dump-ipfix-flow', 'br0'),
  // Port mods.
  S('mod-port', 'br0', 'p1', 'down'),
  S('dump-ports-desc', 'br0', 'p1'),
  S('mod-port', 'br0', '1', 'up'),
  S('mod-port', 'br0', 'p2', 'no-flood'),
  S('mod-port', 'br0', 'p2', 'no-receive'),
  S('mod-port', 'br0', 'p2', 'no-forward'),
  S('mod-port', 'br0', 'p2', 'no-packet-in'),
  S('-O', 'OpenFlow13', 'dump-ports-desc', 'br0'),
  S('mod-port', 'br0', 'p2', 'flood'), S('mod-port', 'br0', 'p2', 'receive'),
  S('mod-port', 'br0', 'p2', 'forward'), S('mod-port', 'br0', 'p2', 'packet-in'),
  S('-O', 'OpenFlow14', 'mod-port', 'br0', 'eth10', 'down'),
  S('-O', 'OpenFlow15', 'dump-ports-desc', 'br0', 'eth10'),
  S('mod-port', 'br0', 'eth10', 'up'),
  S('mod-port', 'br0', 'p9', 'down'),
  S('mod-port', 'br0', 'p1', 'sideways'),
];

scriptTest('ovs-ofctl ports and tables against the real ovs-vswitchd: ours prints what the real one prints', SCRIPT);
