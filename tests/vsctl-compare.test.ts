// ovs-vsctl against Open vSwitch 3.1's /usr/bin/ovs-vsctl: two real
// ovsdb-servers start from the same empty database, one driven by the real
// tool and one by ours with the same command lines; stdout, stderr and exit
// status must agree after UUIDs are replaced by labels in order of
// appearance.  Covers bridge/port/bond/fake-bridge commands, the database
// commands with every output format, --id references and error cases
// (which must leave the database unchanged).  Skipped without the real tools.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Sandbox, haveReal, realPath, BIN } from './helpers/sandbox.js';

const skip = !haveReal('ovs-vsctl') || !haveReal('ovsdb-server') || !haveReal('ovsdb-tool')
  ? 'real Open vSwitch tools not installed' : false;
const SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema';

interface Out { status: number; stdout: string; stderr: string }

function exec(program: string, args: string[], env: NodeJS.ProcessEnv): Promise<Out> {
  return new Promise((resolve) => {
    const c = spawn(program, args, { env });
    let stdout = '', stderr = '';
    c.stdout.on('data', (b) => { stdout += b; });
    c.stderr.on('data', (b) => { stderr += b; });
    c.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr }));
  });
}

/** Replaces UUIDs by <0>, <1>... in order of first appearance and log
 * timestamps by <time>. */
function normalize(s: string, map: Map<string, string>): string {
  return s
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (u) => {
      let l = map.get(u);
      if (!l) { l = `<${map.size}>`; map.set(u, l); }
      return l;
    })
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/g, '<time>');
}

// Each entry is one ovs-vsctl command line (after --no-wait).
const SCRIPT: string[][] = [
  ['init'],
  ['add-br', 'br0'],
  ['add-br', 'br0'],
  ['--may-exist', 'add-br', 'br0'],
  ['add-br', ''],
  ['add-port', 'br0', 'p1', 'tag=10', '--', 'set', 'Interface', 'p1', 'type=internal'],
  ['add-bond', 'br0', 'bond0', 'a', 'b', 'lacp=active'],
  ['add-bond', 'br0', 'bond1', 'c'],
  ['add-br', 'fake5', 'br0', '5'],
  ['add-br', 'fake6', 'fake5', '6'],
  ['add-port', 'fake5', 'p5'],
  ['list-br'], ['--real', 'list-br'], ['--fake', 'list-br'],
  ['list-ports', 'br0'], ['list-ports', 'fake5'], ['list-ifaces', 'br0'],
  ['br-to-vlan', 'fake5'], ['br-to-parent', 'fake5'], ['port-to-br', 'p5'], ['iface-to-br', 'a'],
  ['br-exists', 'nope'], ['port-to-br', 'nope'],
  ['br-set-external-id', 'br0', 'k', 'v'], ['br-set-external-id', 'fake5', 'fk', 'fv'],
  ['br-get-external-id', 'br0'], ['br-get-external-id', 'fake5', 'fk'],
  ['add-bond-iface', 'bond0', 'd'], ['del-bond-iface', 'bond0', 'd'], ['del-bond-iface', 'p1'],
  ['--may-exist', 'add-port', 'br0', 'p5'],
  ['del-port', 'br0', 'p5'], ['del-port', 'br0'],
  ['set-controller', 'br0', 'tcp:1.2.3.4:6653', 'bogus:x'], ['get-controller', 'br0'],
  ['set-fail-mode', 'br0', 'secure'], ['get-fail-mode', 'fake5'], ['set-fail-mode', 'fake5', 'secure'],
  ['set-manager', 'ptcp:6640'], ['get-manager'], ['del-manager'],
  ['set-ssl', '/k', '/c', '/ca'], ['get-ssl'], ['del-ssl'],
  ['set', 'Bridge', 'br0', 'other_config:hwaddr="00:11:22:33:44:55"', 'stp_enable=true'],
  ['get', 'Bridge', 'br0', 'other_config:hwaddr', 'stp_enable', 'external_ids'],
  ['get', 'Bridge', 'br0', 'other_config:nokey'],
  ['--if-exists', 'get', 'Bridge', 'br0', 'other_config:nokey'],
  ['set', 'Port', 'p1', 'trunks=1,2,3', 'vlan_mode=trunk'],
  ['add', 'Port', 'p1', 'trunks', '4', '5-7'],
  ['remove', 'Port', 'p1', 'trunks', '2', '6'],
  ['get', 'Port', 'p1', 'trunks'],
  ['clear', 'Port', 'p1', 'trunks'],
  ['clear', 'Port', 'p1', 'interfaces'],
  ['set', 'Port', 'p1', 'tag=5000'],
  ['set', 'Port', 'p1', 'name=x'],
  ['set', 'Bridge', 'br0', 'no_such_column=1'],
  ['set', 'Br', 'br0', 'other_config:x='],
  ['list', 'Q'],
  ['--columns=name,tag,trunks,vlan_mode', 'list', 'Port', 'p1'],
  ['--format=table', '--columns=name,tag', 'list', 'Port', 'p1'],
  ['--format=csv', '--columns=name,lacp', 'list', 'Port', 'bond0'],
  ['--format=json', '--columns=name,other_config', 'list', 'Bridge', 'br0'],
  ['--format=json', '--pretty', '--columns=name,tag', 'list', 'Port', 'p1'],
  ['--format=html', '--columns=_uuid,name', 'list', 'Port', 'p1'],
  ['--data=json', '--columns=name,trunks,other_config', 'list', 'Bridge', 'br0'],
  ['--bare', '--columns=name', 'find', 'Interface', 'type=internal'],
  ['--columns=name', 'find', 'Port', 'tag>=5', 'tag<=5'],
  ['--columns=name', 'find', 'Bridge', 'other_config:hwaddr{=}"00:11:22:33:44:55"'],
  ['--oneline', 'get', 'Bridge', 'br0', 'name', '--', 'list-ports', 'br0'],
  ['--', '--id=@q', 'create', 'QoS', 'type=linux-htb', 'other_config:max-rate=1000', '--', 'set', 'Port', 'p1', 'qos=@q'],
  ['--columns=type,other_config', 'list', 'QoS'],
  ['--id=@m', 'get', 'Port', 'p1', '--', '--id=@mm', 'create', 'Mirror', 'name=m0', 'select_src_port=@m', '--', 'add', 'Bridge', 'br0', 'mirrors', '@mm'],
  ['list', 'Mirror', 'm0'],
  ['--', '--id=@x', 'create', 'QoS', 'type=y'],
  ['create', 'Queue', 'dscp=1'],
  ['set', 'Port', 'p1', 'qos=@nope'],
  ['destroy', 'Bridge'],
  ['--all', '--if-exists', 'destroy', 'QoS'],
  ['wait-until', 'Bridge', 'br0', 'stp_enable=true'],
  ['show'],
  ['nope-command'],
  ['list-br', 'extra'],
  ['--if-exists', 'list-br'],
  ['add-br', 'fake7', 'br0', '5000'],
  ['del-br', 'fake5'],
  ['emer-reset'],
  ['show'],
  ['del-br', 'br0'],
  ['--if-exists', 'del-br', 'br0'],
  ['show'],
];

const READ_ONLY = new Set(['list-br', 'list-ports', 'list-ifaces', 'br-to-vlan', 'br-to-parent', 'port-to-br',
  'iface-to-br', 'br-get-external-id', 'get-controller', 'get-fail-mode', 'get-manager', 'get-ssl', 'get', 'list',
  'find', 'show']);

/** True for a command line whose single command only reads (and does not create UUIDs). */
function isReadOnly(cmd: string[]): boolean {
  if (cmd.includes('--')) return false;
  const name = cmd.find((w) => !w.startsWith('-'));
  return name !== undefined && READ_ONLY.has(name) && !cmd.some((w) => w.startsWith('--id'));
}

test('ovs-vsctl output matches the real tool command by command', { skip, timeout: 230_000 }, async () => {
  const sb = new Sandbox('vsctl-compare-');
  try {
    const envs: NodeJS.ProcessEnv[] = [];
    for (const side of ['real', 'ours']) {
      const db = join(sb.dir, `${side}.db`);
      const r = sb.run(realPath('ovsdb-tool'), ['create', db, SCHEMA]);
      assert.equal(r.status, 0, r.stderr);
      sb.startDaemon(realPath('ovsdb-server'), [db, `--remote=punix:${join(sb.dir, side + '.sock')}`], `ovsdb-server-${side}`);
      envs.push({ ...sb.env, OVS_RUNDIR: join(sb.dir) });
    }
    const maps = [new Map<string, string>(), new Map<string, string>()];
    const failures: string[] = [];
    const runPair = (cmd: string[]) => Promise.all([
      exec(realPath('ovs-vsctl'), [`--db=unix:${join(sb.dir, 'real.sock')}`, '--no-wait', ...cmd], envs[0]!),
      exec(join(BIN, 'ovs-vsctl'), [`--db=unix:${join(sb.dir, 'ours.sock')}`, '--no-wait', ...cmd], envs[1]!),
    ]);
    // Runs of read-only commands go in parallel (the machine has few cores
    // and every run starts a process); the rest one at a time, in order.
    for (let i = 0; i < SCRIPT.length;) {
      let j = i + 1;
      if (isReadOnly(SCRIPT[i]!)) while (j < SCRIPT.length && j - i < 4 && isReadOnly(SCRIPT[j]!)) j++;
      const results = await Promise.all(SCRIPT.slice(i, j).map(runPair));
      results.forEach(([a, b], k) => {
        const cmd = SCRIPT[i + k]!;
        // Rows come in UUID order (hash order in OVS), and the two servers
        // assign different UUIDs: compare those outputs as sorted lines.
        const unordered = cmd.includes('show') || cmd.includes('find');
        const out = (o: string, m: Map<string, string>) => {
          const t = normalize(o, m).replace(/>[0-9a-f]{8}<\/a>/g, '>uuid</a>');
          return unordered ? t.split('\n').sort().join('\n') : t;
        };
        const na = `exit ${a.status}\n${out(a.stdout, maps[0]!)}--\n${normalize(a.stderr, maps[0]!)}`;
        const nb = `exit ${b.status}\n${out(b.stdout, maps[1]!)}--\n${normalize(b.stderr, maps[1]!)}`;
        if (na !== nb) failures.push(`ovs-vsctl ${cmd.join(' ')}\n--- real\n${na}\n--- ours\n${nb}`);
      });
      i = j;
    }
    assert.deepEqual(failures, []);
  } finally {
    await sb.cleanup();
  }
});

test('errors exit 1 with one line and commit nothing', { skip, timeout: 180_000 }, async () => {
  const sb = new Sandbox('vsctl-errors-');
  try {
    const db = join(sb.dir, 'conf.db');
    assert.equal(sb.run(realPath('ovsdb-tool'), ['create', db, SCHEMA]).status, 0);
    sb.startDaemon(realPath('ovsdb-server'), [db, `--remote=punix:${join(sb.dir, 'db.sock')}`], 'ovsdb-server');
    const vsctl = (...args: string[]) => exec(join(BIN, 'ovs-vsctl'), ['--no-wait', ...args], sb.env);
    assert.equal((await vsctl('add-br', 'br0')).status, 0);
    const dump = async () => (await exec(realPath('ovsdb-client'), ['dump', `unix:${join(sb.dir, 'db.sock')}`, 'Open_vSwitch', 'Bridge', 'Port', 'Interface'], sb.env)).stdout;
    const before = await dump();
    const cases: [string[], string][] = [
      [['add-br', 'br1', '--', 'add-port', 'br0', 'br0'], 'ovs-vsctl: cannot create a port named br0 because a bridge named br0 already exists\n'],
      [['add-port', 'br0', 'p1', '--', 'set', 'Port', 'p1', 'tag=99999'], 'ovs-vsctl: constraint violation: 99999 is not in the valid range 0 to 4095 (inclusive)\n'],
      [['add-br', 'br2', '--', 'get', 'Bridge', 'nope', 'name'], 'ovs-vsctl: no row "nope" in table Bridge\n'],
      [['--db=unix:/nonexistent/sock', 'list-br'], 'ovs-vsctl: unix:/nonexistent/sock: database connection failed (No such file or directory)\n'],
      [['--no-such-option'], "ovs-vsctl: unrecognized option '--no-such-option'\n"],
      [['list', 'Bridge', '--', ''], "ovs-vsctl: unknown command ''; use --help for help\n"],
      [['add-br', 'br3', '--', 'list', 'Nosuchtable'], 'ovs-vsctl: unknown table "Nosuchtable"\n'],
    ];
    for (const [args, err] of cases) {
      const r = await vsctl(...args);
      assert.equal(r.status, 1, args.join(' '));
      assert.equal(r.stdout, '', args.join(' '));
      assert.equal(r.stderr, err, args.join(' '));
    }
    assert.equal(await dump(), before);
    assert.equal((await vsctl('br-exists', 'nope')).status, 2);
  } finally {
    await sb.cleanup();
  }
});
