// Tests for dpctl: the command sequences and exact outputs of OVS's
// tests/dpctl.at, run in-process on the dummy datapath and dummy netdevs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setProgramName, strerror } from '../lib/program.js';
import { UnixctlError } from '../lib/unixctl.js';
import { dpctlRun } from './dpctl.js';
import { dpifDummyRegister } from './dpif.js';
import { netdevDummyRegister } from './netdev-dummy.js';

setProgramName('ovs-vswitchd');
netdevDummyRegister('override');
dpifDummyRegister();

/** Runs a command; [output, error text]. */
function run(cmd: string, ...args: string[]): [string, string] {
  try {
    return [dpctlRun(cmd, args), ''];
  } catch (e) {
    assert.ok(e instanceof UnixctlError);
    return ['', e.message];
  }
}

const norm = (s: string) => s.replace(/\(.*\)/, '(...)');
// Error texts come from lib/program.ts strerror(); OVS prints glibc's (e.g.
// EEXIST is "File exists"), which that function should match.

test('dpctl - add-dp del-dp', () => {
  assert.deepEqual(run('add-dp', 'dummy@br0'), ['', '']);
  assert.deepEqual(run('add-dp', 'dummy@br0'), ['', `ovs-vswitchd: add_dp (${strerror(17)})\n`]);
  assert.deepEqual(run('del-dp', 'dummy@br0'), ['', '']);
  assert.equal(norm(run('del-dp', 'dummy@br0')[1]), 'ovs-vswitchd: opening datapath (...)\n');
});

test('dpctl - add-if set-if del-if', () => {
  const show0 = 'dummy@br0:\n  lookups: hit:0 missed:0 lost:0\n  flows: 0\n  port 0: br0 (dummy-internal)\n';
  assert.deepEqual(run('add-dp', 'dummy@br0'), ['', '']);
  assert.deepEqual(run('show', 'dummy@br0'), [show0, '']);
  assert.deepEqual(run('add-if', 'dummy@br0', 'vif1.0,type=dummy,port_no=5'), ['', '']);
  assert.deepEqual(run('show', 'dummy@br0'), [`${show0}  port 5: vif1.0 (dummy)\n`, '']);
  assert.equal(norm(run('add-if', 'dummy@br0', 'vif1.0,type=dummy')[1]), 'ovs-vswitchd: adding vif1.0 to dummy@br0 failed (...)\n');
  assert.deepEqual(run('set-if', 'dummy@br0', 'vif1.0,port_no=5'), ['', '']);
  assert.deepEqual(run('set-if', 'dummy@br0', 'vif1.0,type=system'), ['', 'ovs-vswitchd: vif1.0: can\'t change type from dummy to system\n']);
  assert.deepEqual(run('set-if', 'dummy@br0', 'br0,type=dummy-internal'), ['', '']);
  assert.deepEqual(run('set-if', 'dummy@br0', 'br0,type=internal'), ['', 'ovs-vswitchd: br0: can\'t change type from dummy-internal to internal\n']);
  assert.deepEqual(run('del-if', 'dummy@br0', 'vif1.0'), ['', '']);
  assert.deepEqual(run('show', 'dummy@br0'), [show0, '']);
  assert.deepEqual(run('del-if', 'dummy@br0', 'vif1.0'), ['', 'ovs-vswitchd: no port named vif1.0\n']);
  assert.deepEqual(run('del-if', 'dummy@br0', 'nonexistent'), ['', 'ovs-vswitchd: no port named nonexistent\n']);
  assert.equal(norm(run('del-if', 'dummy@br0', 'br0')[1]), 'ovs-vswitchd: deleting port br0 from dummy@br0 failed (...)\n');
  assert.deepEqual(run('del-dp', 'dummy@br0'), ['', '']);
  assert.equal(norm(run('del-if', 'dummy@br0', 'br0')[1]), 'ovs-vswitchd: opening datapath (...)\n');
});

test('dpctl - add/mod/del-flows', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dpctl-'));
  const file = join(dir, 'flows.txt');
  const sorted = (s: string) => s.split('\n').filter((l) => l).sort().map((l) => `${l}\n`).join('');
  const header = 'flow-dump from the main thread:\n';
  const flow = (dst: string, out: number) => `recirc_id(0),in_port(1),eth(src=00:00:00:00:00:01,dst=00:00:00:00:00:0${dst}),eth_type(0x1234), packets:0, bytes:0, used:never, actions:${out}\n`;
  try {
    assert.deepEqual(run('add-dp', 'dummy@br0'), ['', '']);
    writeFileSync(file, 'in_port(1),eth(src=00:00:00:00:00:01,dst=00:00:00:00:00:02),eth_type(0x1234) 2\n');
    assert.deepEqual(run('add-flows', 'dummy@br0', file), ['', '']);
    assert.equal(sorted(run('dump-flows', 'dummy@br0')[0]), header + flow('2', 2));
    writeFileSync(file, 'in_port(1),eth(src=00:00:00:00:00:01,dst=00:00:00:00:00:02),eth_type(0x1234) 3\n');
    assert.deepEqual(run('mod-flows', 'dummy@br0', file), ['', '']);
    assert.equal(sorted(run('dump-flows', 'dummy@br0')[0]), header + flow('2', 3));
    writeFileSync(file, 'in_port(1),eth(src=00:00:00:00:00:01,dst=00:00:00:00:00:02),eth_type(0x1234)\n');
    assert.deepEqual(run('del-flows', 'dummy@br0', file), ['', '']);
    assert.deepEqual(run('dump-flows', 'dummy@br0'), ['', '']);
    writeFileSync(file, [
      'add in_port(1),eth(src=00:00:00:00:00:01,dst=00:00:00:00:00:02),eth_type(0x1234) 2',
      'add in_port(1),eth(src=00:00:00:00:00:01,dst=00:00:00:00:00:03),eth_type(0x1234) 2',
      'add in_port(1),eth(src=00:00:00:00:00:01,dst=00:00:00:00:00:04),eth_type(0x1234) 2',
      'modify in_port(1),eth(src=00:00:00:00:00:01,dst=00:00:00:00:00:02),eth_type(0x1234) 1',
      'delete in_port(1),eth(src=00:00:00:00:00:01,dst=00:00:00:00:00:03),eth_type(0x1234)', ''].join('\n'));
    assert.deepEqual(run('add-flows', 'dummy@br0', file), ['', '']);
    assert.equal(sorted(run('dump-flows', 'dummy@br0')[0]), header + flow('2', 1) + flow('4', 2));
    assert.deepEqual(run('del-flows', 'dummy@br0'), ['', '']);
    assert.deepEqual(run('dump-flows', 'dummy@br0'), ['', '']);
    // Single-flow commands and the default datapath.
    assert.deepEqual(run('add-flow', 'in_port(1),eth_type(0x0800),ipv4(frag=no)', 'push_vlan(vid=5,pcp=0),1'), ['', '']);
    assert.equal(run('add-flow', 'in_port(1),eth_type(0x0800),ipv4(frag=no)', '1')[1], `ovs-vswitchd: updating flow table (${strerror(17)})\n`);
    assert.match(run('dump-flows')[0], /eth_type\(0x0800\),ipv4\(frag=no\), packets:0, bytes:0, used:never, actions:push_vlan\(vid=5,pcp=0\),1\n$/);
    assert.equal(run('mod-flow', 'in_port(2),eth_type(0x0800),ipv4(frag=no)', '1')[1], 'ovs-vswitchd: updating flow table (No such file or directory)\n');
    assert.deepEqual(run('del-flow', 'in_port(1),eth_type(0x0800),ipv4(frag=no)'), ['', '']);
    assert.match(run('add-flow', 'in_port(1),bogus(1)', '1')[1], /^ovs-vswitchd: parsing flow key \(unknown attribute "bogus"\) \(Invalid argument\)\n$/);
    assert.deepEqual(run('dump-dps'), ['dummy@br0\n', '']);
    assert.deepEqual(run('del-dp', 'dummy@br0'), ['', '']);
    assert.equal(run('dump-flows')[1], 'ovs-vswitchd: no datapaths exist\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
