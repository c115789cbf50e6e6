/* Multi-session behaviour of ovsdb-server, run against ours and (when
 * installed) the real one, with the message sequences compared:
 *   - locks: lock/steal/unlock with "locked" and "stolen" notifications;
 *   - "wait" transactions completed by another session's commit, timing out,
 *     and canceled by a db-change-aware session;
 *   - monitors: initial contents, the update for a client's own commit
 *     arriving before the reply, updates from other sessions, conditional
 *     monitors and monitor_cond_change, monitor_cancel. */
import { test, before, after } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { Sandbox, haveReal } from './helpers/sandbox.js';
import { RawPeer, startOvsdbServer, REAL_SERVER, REAL_TOOL, sleep, type ServerHandle } from './helpers/ovsdb-peer.js';

const UUID_RE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

function canon(v: unknown): string {
  // Objects print with members sorted after UUIDs are masked, so rows keyed
  // by random UUIDs compare by content.
  const mask = (s: string) => s.replace(UUID_RE, '<uuid>').replace(/timed out after \d+ ms/g, 'timed out after N ms');
  const text = (x: unknown): string => {
    if (Array.isArray(x)) return `[${x.map(text).join(',')}]`;
    if (x && typeof x === 'object') {
      const members = Object.entries(x).map(([k, val]) => `${mask(JSON.stringify(k))}:${text(val)}`).sort();
      return `{${members.join(',')}}`;
    }
    return mask(JSON.stringify(x) ?? 'undefined');
  };
  return text(v);
}

const sb = new Sandbox();
let ours: ServerHandle;
let real: ServerHandle | null = null;

/** A small schema with root tables, so rows stay without references. */
const SCHEMA = {
  name: 'S', version: '1.0.0',
  tables: {
    Bridge: { columns: { name: { type: 'string' }, n: { type: 'integer' } }, isRoot: true },
  },
};

before(async () => {
  const schema = join(sb.dir, 's.ovsschema');
  writeFileSync(schema, JSON.stringify(SCHEMA));
  ours = await startOvsdbServer(sb, 'ours', 'ovsdb-server', schema);
  if (haveReal('ovsdb-server') && haveReal('ovsdb-tool')) {
    real = await startOvsdbServer(sb, 'real', REAL_SERVER, schema, [], REAL_TOOL);
  }
});

after(() => sb.cleanup());

type Scenario = (sock: string) => Promise<string[]>;

/** Runs 'scenario' on ours (and the real server) and compares transcripts. */
async function compare(scenario: Scenario): Promise<string[]> {
  const o = await scenario(ours.sock);
  if (real) {
    const r = await scenario(real.sock);
    assert.deepEqual(o, r);
  }
  return o;
}

async function peers(sock: string, n: number): Promise<RawPeer[]> {
  const ps = Array.from({ length: n }, () => new RawPeer(sock));
  await Promise.all(ps.map((p) => p.connected()));
  return ps;
}

/** Everything 'p' received so far, canonicalized, then cleared. */
function drain(p: RawPeer, tag: string): string[] {
  const out = p.received.map((m) => `${tag} ${canon(m)}`);
  p.received.length = 0;
  return out;
}

test('locks: lock, steal, unlock and their notifications', async () => {
  const log = await compare(async (sock) => {
    const [a, b, c] = await peers(sock, 3);
    const t: string[] = [];
    await a!.request('lock', ['L'], 1);
    t.push(...drain(a!, 'a'));
    await b!.request('lock', ['L'], 2);
    t.push(...drain(b!, 'b'));
    await c!.request('steal', ['L'], 3);
    await sleep(100);
    t.push(...drain(a!, 'a'), ...drain(b!, 'b'), ...drain(c!, 'c'));
    await c!.request('unlock', ['L'], 4);
    await sleep(100);
    t.push(...drain(a!, 'a'), ...drain(b!, 'b'), ...drain(c!, 'c'));
    await a!.request('transact', ['S', { op: 'assert', lock: 'L' }], 5);
    t.push(...drain(a!, 'a'));
    a!.close();
    await sleep(100);
    t.push(...drain(b!, 'b'));
    await b!.request('transact', ['S', { op: 'assert', lock: 'L' }], 6);
    t.push(...drain(b!, 'b'));
    b!.close(); c!.close();
    return t;
  });
  assert.ok(log.includes('c {"error":null,"id":3,"result":{"locked":true}}'), log.join('\n'));
  assert.ok(log.some((l) => l.startsWith('a {"id":null,"method":"stolen"')), log.join('\n'));
});

test('wait: completed by another commit, timed out, canceled', async () => {
  const log = await compare(async (sock) => {
    const [a, b] = await peers(sock, 2);
    const t: string[] = [];
    const waitOp = (name: string, timeout?: number) => ({
      op: 'wait', table: 'Bridge', where: [['name', '==', name]], columns: ['name'], until: '==',
      rows: [{ name }], ...(timeout !== undefined ? { timeout } : {}),
    });
    a!.write(JSON.stringify({ method: 'transact', id: 'w1', params: ['S', waitOp('bw')] }));
    await sleep(200);
    t.push(...drain(a!, 'a'));
    await b!.request('transact', ['S', { op: 'insert', table: 'Bridge', row: { name: 'bw' } }], 'i1');
    t.push(...drain(b!, 'b').map((l) => l.replace(/"uuid":\[[^\]]*\]/, '"uuid":"x"')));
    await a!.until(() => a!.received.length > 0);
    t.push(...drain(a!, 'a'));
    const r = await a!.request('transact', ['S', waitOp('nope', 100)], 'w2');
    t.push(`a ${canon(r)}`);
    a!.received.length = 0;
    // A plain "cancel" of a pending wait sends nothing back (OVS does so only
    // for db-change-aware sessions, as "canceled").
    a!.write(JSON.stringify({ method: 'transact', id: 'w3', params: ['S', waitOp('never')] }));
    a!.write(JSON.stringify({ method: 'cancel', id: null, params: ['w3'] }));
    await sleep(200);
    t.push(...drain(a!, 'a'));
    await b!.request('set_db_change_aware', [true], 'sdca');
    b!.write(JSON.stringify({ method: 'transact', id: 'w4', params: ['S', waitOp('never')] }));
    b!.write(JSON.stringify({ method: 'cancel', id: null, params: ['w4'] }));
    await sleep(200);
    t.push(...drain(b!, 'b'));
    a!.close(); b!.close();
    return t;
  });
  assert.ok(log.some((l) => l.includes('"id":"w1"') && l.includes('"result":[{}]')), log.join('\n'));
  assert.ok(log.some((l) => l.includes('"id":"w2"') && l.includes('timed out')), log.join('\n'));
});

test('monitors: initial contents, own update before reply, conditions, cancel', async () => {
  await compare(async (sock) => {
    const [a, b] = await peers(sock, 2);
    const t: string[] = [];
    await a!.request('transact', ['S', { op: 'insert', table: 'Bridge', row: { name: 'm0' } }], 'i0');
    a!.received.length = 0;
    const mon = await a!.request('monitor', ['S', 'M1', { Bridge: { columns: ['name'] } }], 'm1');
    const names = Object.values((mon!.result as Record<string, Record<string, { new: { name: string } }>>)['Bridge']!)
      .map((r) => r.new.name).sort();
    t.push(`initial ${JSON.stringify(names)}`);
    a!.received.length = 0;
    await b!.request('monitor_cond', ['S', 'M2', { Bridge: { columns: ['name'], where: [['name', '==', 'm1']] } }], 'm2');
    t.push(...drain(b!, 'b'));
    // a's own insert: the update must come before the reply.
    await a!.request('transact', ['S', { op: 'insert', table: 'Bridge', row: { name: 'm1' } }], 'i1');
    t.push(...drain(a!, 'a').map((l) => (l.includes('"method":"update"') ? `a update ${l.includes('m1')}` : l.replace(/"uuid":\[[^\]]*\]/, '"uuid":"x"'))));
    await b!.until(() => b!.received.length > 0);
    t.push(...drain(b!, 'b'));
    await b!.request('monitor_cond_change', ['M2', 'M3', { Bridge: [{ where: [['name', '==', 'm0']] }] }], 'cc');
    await sleep(100);
    t.push(...drain(b!, 'b'));
    await b!.request('monitor_cancel', ['M3'], 'mc');
    await a!.request('transact', ['S', { op: 'update', table: 'Bridge', where: [['name', '==', 'm0']], row: { name: 'm0x' } }], 'u0');
    await sleep(150);
    t.push(...drain(b!, 'b'));
    t.push(...drain(a!, 'a'));
    a!.close(); b!.close();
    return t;
  });
});
