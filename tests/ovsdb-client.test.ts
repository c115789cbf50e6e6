/* ovsdb-client against /usr/bin/ovsdb-client: both run the same commands
 * against the same server (the real ovsdb-server, then ours), and stdout,
 * stderr and exit status must be identical.  Covers the listing commands,
 * transact/query, every dump format, error paths, monitor output for a
 * change, lock notifications and wait.  Skipped without the real tools. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Sandbox, haveReal, realPath, BIN } from './helpers/sandbox.js';
import { startOvsdbServer, REAL_SERVER, REAL_TOOL, sleep, type ServerHandle } from './helpers/ovsdb-peer.js';

const have = haveReal('ovsdb-client') && haveReal('ovsdb-server') && haveReal('ovs-vsctl');
const sb = new Sandbox();
const servers: ServerHandle[] = [];

before(async () => {
  if (!have) return;
  servers.push(await startOvsdbServer(sb, 'real', REAL_SERVER, undefined, [], REAL_TOOL));
  servers.push(await startOvsdbServer(sb, 'ours', 'ovsdb-server'));
  for (const s of servers) {
    const r = sb.run(realPath('ovs-vsctl'), [`--db=unix:${s.sock}`, '--no-wait', 'init', '--',
      'add-br', 'br0', '--', 'add-port', 'br0', 'p1', '--', 'set', 'bridge', 'br0',
      'other_config:a="x,y"', 'external_ids:k=v', '--', 'add-br', 'br<&>1']);
    assert.equal(r.status, 0, r.stderr);
  }
});

after(() => sb.cleanup());

interface Pair { real: string; ours: string }

/** Runs 'args' with the real client and ours against server 's'. */
async function both(s: ServerHandle, args: (sock: string) => string[]): Promise<Pair> {
  const a = args(`unix:${s.sock}`);
  const [r, o] = await Promise.all([sb.runAsync(realPath('ovsdb-client'), a), sb.runAsync('ovsdb-client', a)]);
  const fmt = (x: { status: number; stdout: string; stderr: string }) =>
    `status ${x.status}\n--stdout--\n${x.stdout}--stderr--\n${x.stderr.replace(/\d{4}-\d\d-\d\dT\S+\|\d+\|/g, '')}`;
  // Aborted inserts return fresh random UUIDs; everything else is the same
  // server state for both clients.
  const mask = (x: string) => (a[0] === 'query' ? x.replace(/"uuid","[0-9a-f-]{36}"/g, '"uuid","<uuid>"') : x);
  return { real: mask(fmt(r)), ours: mask(fmt(o)) };
}

/** Runs 'jobs' with at most 'n' at a time. */
async function pool<T>(jobs: (() => Promise<T>)[], n: number): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < jobs.length) { const i = next++; out[i] = await jobs[i]!(); }
  }));
  return out;
}

const CASES: ((sock: string) => string[])[] = [
  (s) => ['list-dbs', s],
  (s) => ['get-schema', s],
  (s) => ['--pretty', 'get-schema', s, '_Server'],
  (s) => ['get-schema-version', s],
  (s) => ['get-schema-cksum', s, 'Open_vSwitch'],
  (s) => ['list-tables', s],
  (s) => ['list-columns', s],
  (s) => ['list-columns', s, 'Open_vSwitch', 'Bridge'],
  (s) => ['-f', 'csv', 'list-columns', s, 'Open_vSwitch', 'Port'],
  (s) => ['transact', s, '["Open_vSwitch",{"op":"select","table":"Bridge","where":[],"columns":["name","other_config"]}]'],
  (s) => ['--pretty', 'transact', s, '["Open_vSwitch",{"op":"select","table":"Bridge","where":[["name","==","br0"]],"columns":["name","external_ids"]},{"op":"bogus"}]'],
  (s) => ['query', s, '["Open_vSwitch",{"op":"select","table":"Port","where":[],"columns":["name"]}]'],
  (s) => ['query', s, '["Open_vSwitch",{"op":"insert","table":"Bridge","row":{"name":"x"}}]'],
  (s) => ['dump', s],
  (s) => ['dump', s, 'Open_vSwitch', 'Bridge', 'name', 'other_config', 'ports'],
  (s) => ['-f', 'list', 'dump', s, 'Open_vSwitch', 'Bridge'],
  (s) => ['-f', 'csv', 'dump', s, 'Open_vSwitch', 'Bridge', 'name', 'other_config'],
  (s) => ['-f', 'json', 'dump', s, 'Open_vSwitch', 'Interface'],
  (s) => ['-f', 'json', '--pretty', 'dump', s, 'Open_vSwitch', 'Port', 'name', 'interfaces'],
  (s) => ['-f', 'html', 'dump', s, 'Open_vSwitch', 'Bridge', '_uuid', 'name', 'ports'],
  (s) => ['--bare', 'dump', s, 'Open_vSwitch', 'Bridge', 'name', 'other_config'],
  (s) => ['-d', 'json', 'dump', s, 'Open_vSwitch', 'Bridge', 'name', 'other_config'],
  (s) => ['--no-headings', '--max-column-width=5', 'dump', s, 'Open_vSwitch', 'Bridge', 'name', 'ports'],
  (s) => ['dump', s, 'Open_vSwitch', 'Nope'],
  (s) => ['dump', s, 'Open_vSwitch', 'Bridge', 'nope'],
  (s) => ['dump', s, '_Server'],
  (s) => ['wait', s, 'Open_vSwitch', 'added'],
  (s) => ['wait', s, 'Open_vSwitch', 'bogus'],
  (s) => ['transact', s, '[bad json'],
  (s) => ['transact', s, '{}'],
  (s) => ['transact', s, '["Nope"]'],
  (s) => ['list-tables', s, 'Nope'],
  (s) => ['get-schema', s, 'a', 'b'],
  (s) => ['frobnicate', s],
  () => [],
  (s) => ['--format=xml', 'list-dbs', s],
  (s) => ['--timeout=0', 'list-dbs', s],
  () => ['list-dbs', 'unix:/nonexistent/sock'],
  (s) => ['monitor', s, 'Open_vSwitch', 'Nope'],
  (s) => ['monitor', s, 'Open_vSwitch', 'Bridge', 'nope'],
  (s) => ['monitor', s, 'Open_vSwitch', 'Bridge', 'name,name'],
  (s) => ['monitor-cond', s, 'Open_vSwitch', '[["nope","==",1]]', 'Bridge'],
];

test('ovsdb-client commands print exactly what the real one prints', { skip: !have }, async () => {
  // Every case against our server; against the real server, every fourth.
  const jobs: { label: string; run: () => Promise<Pair> }[] = [];
  CASES.forEach((c, i) => {
    for (const s of servers) {
      if (s.name === 'real' && i % 4 !== 0) continue;
      jobs.push({ label: `case ${i} (${c('SERVER').join(' ')}) on ${s.name} server`, run: () => both(s, c) });
    }
  });
  const results = await pool(jobs.map((j) => j.run), 6);
  const failures = results.flatMap((r, k) => (r.real === r.ours ? []
    : [`${jobs[k]!.label}:\n--- real\n${r.real}\n--- ours\n${r.ours}`]));
  assert.equal(failures.length, 0, failures.join('\n\n'));
});

interface Client { name: string; output: () => string; stop: () => Promise<string> }

/** Starts a long-running client. */
function startClient(name: string, program: string, args: string[]): Client {
  const c = spawn(program, args, { env: sb.env });
  let out = '';
  c.stdout.on('data', (b) => { out += b; });
  c.stderr.on('data', () => {});
  return {
    name,
    output: () => out,
    stop: () => new Promise((resolve) => {
      c.on('close', () => resolve(out));
      c.kill('SIGTERM');
    }),
  };
}

test('monitor and lock output match the real client', { skip: !have }, async () => {
  for (const s of servers) {
    const db = `unix:${s.sock}`;
    const stops: Client[] = [];
    for (const [name, prog] of [['real', realPath('ovsdb-client')], ['ours', join(BIN, 'ovsdb-client')]] as const) {
      stops.push(startClient(`${name} monitor`, prog, ['monitor', db, 'Open_vSwitch', 'Bridge', 'name,external_ids']));
      stops.push(startClient(`${name} monitor-cond`, prog, ['monitor-cond', db, 'Open_vSwitch', '[["name","==","br0"]]', 'Bridge', 'name,external_ids']));
    }
    // The lockers start once the monitors are up, the stealers once the
    // lockers hold their locks.
    const ready = async (cs: Client[], re: RegExp) => {
      for (let i = 0; i < 200 && !cs.every((c) => re.test(c.output())); i++) await sleep(50);
    };
    await ready(stops, /initial/);
    const lockers = (['real', 'ours'] as const).map((n) =>
      startClient(`${n} lock`, n === 'real' ? realPath('ovsdb-client') : join(BIN, 'ovsdb-client'), ['lock', db, `L${n}`]));
    await ready(lockers, /locked/);
    const stealers = (['real', 'ours'] as const).map((n) =>
      startClient(`${n} steal`, n === 'real' ? realPath('ovsdb-client') : join(BIN, 'ovsdb-client'),
        ['steal', db, `L${n === 'real' ? 'ours' : 'real'}`]));
    await ready(stealers, /locked/);
    await ready(lockers, /stolen/);
    stops.push(...stealers);
    const r = sb.run(realPath('ovs-vsctl'), [`--db=${db}`, '--no-wait', 'set', 'bridge', 'br0', 'external_ids:k=w']);
    assert.equal(r.status, 0, r.stderr);
    await sleep(1000);
    const outs = new Map<string, string>();
    for (const x of stops) outs.set(x.name, await x.stop());
    // With the stealers gone, the lockers get their locks back.
    await ready(lockers, /locked\n\[/);
    for (const x of lockers) outs.set(x.name, await x.stop());
    for (const kind of ['monitor', 'monitor-cond']) {
      assert.equal(outs.get(`ours ${kind}`), outs.get(`real ${kind}`), `${kind} on ${s.name}`);
      assert.match(outs.get(`ours ${kind}`)!, /k=w/);
    }
    // Each client locked its own lock, then had it stolen by the other.
    assert.equal(outs.get('ours lock'), outs.get('real lock')!.replaceAll('Lreal', 'Lours'), `lock on ${s.name}`);
    assert.equal(outs.get('ours steal'), outs.get('real steal')!.replaceAll('Lours', 'Lreal'), `steal on ${s.name}`);
  }
});
