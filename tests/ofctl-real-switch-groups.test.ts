/* Our ovs-ofctl against the real ovs-vswitchd, compared with the real
 * ovs-ofctl (harness: tests/helpers/ofctl-real.ts): groups, meters,
 * packet-out, TLV maps and table mods, then `ovs-ofctl monitor` receiving
 * packet-ins and port status.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { realSwitchPair, scriptTest, monitorRun, have, sandboxes, S, type Step, type Client } from './helpers/ofctl-real.js';
import { realPath } from './helpers/sandbox.js';

realSwitchPair();

const SCRIPT: Step[] = [
  // Groups.
  S('-O', 'OpenFlow11', 'add-group', 'br0', 'group_id=1234,type=all,bucket=output:1,bucket=output:2'),
  S('-O', 'OpenFlow11', 'add-group', 'br0', 'group_id=1234,type=all,bucket=output:1'),
  S('add-group', 'br0', 'group_id=5,type=all,bucket=output:1'),
  S('-O', 'OpenFlow13', 'add-groups', 'br0', 'groups.txt'),
  S('-O', 'OpenFlow13', 'dump-groups', 'br0'),
  S('-O', 'OpenFlow15', 'dump-groups', 'br0'),
  S('-O', 'OpenFlow15', 'dump-groups', 'br0', '1234'),
  S('-O', 'OpenFlow13', 'dump-group-stats', 'br0'),
  S('-O', 'OpenFlow13', 'dump-group-stats', 'br0', 'group_id=11'),
  S('-O', 'OpenFlow12', 'dump-group-features', 'br0'),
  S('-O', 'OpenFlow13', 'mod-group', 'br0', 'group_id=1234,type=select,bucket=output:2'),
  S('-O', 'OpenFlow13', 'mod-group', 'br0', 'group_id=999,type=all,bucket=output:2'),
  S('-O', 'OpenFlow13', '--may-create', 'mod-group', 'br0', 'group_id=999,type=all,bucket=output:2'),
  S('-O', 'OpenFlow15', 'insert-buckets', 'br0', 'group_id=10,command_bucket_id=last,bucket=bucket_id:5,output:3'),
  S('-O', 'OpenFlow15', 'remove-buckets', 'br0', 'group_id=10,command_bucket_id=0'),
  S('-O', 'OpenFlow15', 'dump-groups', 'br0', '10'),
  S('-O', 'OpenFlow13', 'add-flow', 'br0', 'priority=3,actions=group:1234'),
  S('-O', 'OpenFlow13', 'del-groups', 'br0', 'group_id=1234'),
  S('-O', 'OpenFlow13', 'dump-groups', 'br0'),
  S('-O', 'OpenFlow13', '--no-stats', 'dump-flows', 'br0'),
  S('-O', 'OpenFlow13', 'add-group', 'br0', 'group_id=20,type=bogus,bucket=output:1'),
  S('-O', 'OpenFlow13', 'del-groups', 'br0'),
  S('-O', 'OpenFlow13', 'dump-groups', 'br0'),
  // Meters.
  S('-O', 'OpenFlow13', 'meter-features', 'br0'),
  S('-O', 'OpenFlow13', 'add-meter', 'br0', 'meter=1,pktps,band=type=drop,rate=10'),
  S('-O', 'OpenFlow13', 'add-meter', 'br0', 'meter=2,kbps,burst,stats,band=type=drop,rate=1000,burst_size=100'),
  S('-O', 'OpenFlow13', 'add-meter', 'br0', 'meter=1,pktps,band=type=drop,rate=10'),
  S('-O', 'OpenFlow13', 'dump-meters', 'br0'),
  S('-O', 'OpenFlow15', 'dump-meters', 'br0', 'meter=2'),
  S('-O', 'OpenFlow13', 'mod-meter', 'br0', 'meter=1,kbps,band=type=drop,rate=20'),
  S('-O', 'OpenFlow13', 'mod-meter', 'br0', 'meter=7,kbps,band=type=drop,rate=20'),
  S('-O', 'OpenFlow13', 'add-flow', 'br0', 'priority=4,actions=meter:1,output:2'),
  S('-O', 'OpenFlow13', 'meter-stats', 'br0'),
  S('-O', 'OpenFlow13', 'meter-stats', 'br0', 'meter=1'),
  S('-O', 'OpenFlow13', 'del-meter', 'br0', 'meter=2'),
  S('-O', 'OpenFlow13', 'dump-meters', 'br0'),
  S('-O', 'OpenFlow13', 'del-meters', 'br0'),
  S('-O', 'OpenFlow13', 'dump-meters', 'br0'),
  S('add-meter', 'br0', 'meter=1,pktps,band=type=drop,rate=10'),
  S('-O', 'OpenFlow13', 'add-meter', 'br0', 'meter=1,band=type=bogus,rate=10'),
  // Packet-out.
  S('packet-out', 'br0', 'in_port=none packet=0001020304050010203040501234 actions=output:1'),
  S('packet-out', 'br0', 'LOCAL', 'output:2', '0001020304050010203040501234'),
  S('-O', 'OpenFlow13', 'packet-out', 'br0', 'in_port=1 packet=0001020304050010203040501234 actions=group:99'),
  S('-O', 'OpenFlow13', 'packet-out', 'br0', 'in_port=1 packet=0001020304050010203040501234 actions=output:2,output:3'),
  S('-O', 'OpenFlow15', 'packet-out', 'br0', 'in_port=2 packet=0001020304050010203040501234 actions=set_field:00:00:00:00:00:09->eth_dst,output:1'),
  S('packet-out', 'br0', 'in_port=1 packet=zz actions=output:1'),
  S('dump-ports', 'br0'),
  S('-O', 'OpenFlow13', 'dump-ports', 'br0', 'p1'),
  // TLV maps, table mods, misc.
  S('add-tlv-map', 'br0', '{class=0xffff,type=0,len=4}->tun_metadata0'),
  S('dump-tlv-map', 'br0'),
  S('add-tlv-map', 'br0', '{class=0xffff,type=0,len=4}->tun_metadata0'),
  S('del-tlv-map', 'br0'),
  S('-O', 'OpenFlow14', 'mod-table', 'br0', '2', 'evict'),
  S('-O', 'OpenFlow14', 'dump-table-desc', 'br0'),
  S('-O', 'OpenFlow10', 'mod-table', 'br0', '2', 'evict'),
  S('mod-table', 'br0', 'all', 'drop'),
  S('-O', 'OpenFlow13', 'dump-flows', 'br0', 'table=300'),
  S('-O', 'OpenFlow16', 'show', 'br0'),
  S('-O', 'OpenFlow10', 'dump-groups', 'br0'),
];

scriptTest('ovs-ofctl groups, meters, packet-out and table mods against the real ovs-vswitchd: ours prints what the real one prints', SCRIPT);

test('ovs-ofctl monitor against the real ovs-vswitchd: ours prints what the real one prints',
  { skip: !have && 'real OVS not installed', timeout: 300_000 }, async () => {
    const cases: [string[], string[]][] = [
      [[], ['65534', '-P', 'standard']],
      [['-O', 'OpenFlow13'], ['65534', '-P', 'nxt_packet_in2']],
    ];
    for (const [pre, args] of cases) {
      const [real, ours] = await Promise.all([monitorRun('real', pre, args), monitorRun('ours', pre, args)]);
      assert.equal(ours, real, `ovs-ofctl ${pre.join(' ')} monitor br0 ${args.join(' ')}`);
      assert.match(real, /PACKET_IN/);
      // Leave p3 as it was for the next case.
      await Promise.all(['real', 'ours'].map((c) => sandboxes.get(c as Client)!.runAsync(realPath('ovs-ofctl'), ['mod-port', 'br0', 'p3', 'flood'])));
    }
  });
