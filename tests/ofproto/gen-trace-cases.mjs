#!/usr/bin/env node
// Records what the real Open vSwitch prints for the scenarios in
// trace-scenarios.json, into src/ofproto/testdata/trace-cases.json, which
// ofproto-dpif-trace.test.ts compares our output with.
//
// Needs a real switch started with the lab script:
//   RUN_DIR=/tmp/ofp-real DUMMY=override /work/shared/lab/start-ovs.sh
//   OVS_RUN_DIR=/tmp/ofp-real node tests/ofproto/gen-trace-cases.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const runDir = process.env.OVS_RUN_DIR ?? '/tmp/ofp-real';
const env = {
  ...process.env, OVS_RUNDIR: runDir, OVS_LOGDIR: runDir, OVS_DBDIR: runDir, OVS_SYSCONFDIR: runDir,
  PATH: `${runDir}/bin:${process.env.PATH}`,
};
const here = new URL('.', import.meta.url).pathname;
const scenarios = JSON.parse(readFileSync(`${here}trace-scenarios.json`, 'utf8'));

function run(cmd, args, input) {
  return execFileSync(cmd, args, { env, input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

const out = [];
for (const sc of scenarios) {
  run('ovs-vsctl', ['--if-exists', 'del-br', 'br0']);
  run('ovs-vsctl', ['add-br', 'br0', '--', 'set', 'bridge', 'br0', 'datapath_type=dummy', 'fail-mode=secure']);
  for (const p of sc.ports) {
    const spec = typeof p === 'number' ? { ofpPort: p } : p;
    const name = `p${spec.ofpPort}`;
    const args = ['add-port', 'br0', name, '--', 'set', 'Interface', name, 'type=dummy', `ofport_request=${spec.ofpPort}`];
    if (spec.tag !== undefined) args.push('--', 'set', 'Port', name, `tag=${spec.tag}`);
    if (spec.trunks) args.push('--', 'set', 'Port', name, `trunks=${spec.trunks.join(',')}`);
    if (spec.vlanMode) args.push('--', 'set', 'Port', name, `vlan_mode=${spec.vlanMode}`);
    run('ovs-vsctl', args);
  }
  for (const p of sc.noflood ?? []) run('ovs-ofctl', ['mod-port', 'br0', `p${p}`, 'no-flood']);
  const of = sc.of ? ['-O', sc.of] : [];
  if (sc.groups) run('ovs-ofctl', [...of, 'add-groups', 'br0', '-'], sc.groups.join('\n') + '\n');
  run('ovs-ofctl', [...of, 'add-flows', 'br0', '-'], sc.flows.join('\n') + '\n');
  const traces = sc.traces.map((flow) => ({ flow, output: run('ovs-appctl', ['ofproto/trace', 'br0', flow]) }));
  out.push({ ...sc, traces });
}
writeFileSync(`${here}../../src/ofproto/testdata/trace-cases.json`, JSON.stringify(out, null, 1) + '\n');
console.log(`recorded ${out.reduce((n, s) => n + s.traces.length, 0)} traces from ${out.length} scenarios`);
