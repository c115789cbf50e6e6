// Our ovsdb-tool against Open vSwitch 3.1's on the command line: usage
// errors, inspection commands, malformed inputs, damaged files, query and
// transact results — stdout, stderr and exit status must be identical.
// Skipped when the real tool is not installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REAL, OURS, skip, run, runAsync, pool, schemaPath, uuidfilt, QUERIES, populate } from './ovsdb-tool-compare.js';

test('commands, errors and exit statuses match the real tool', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ovsdb-interop-'));
  populate(REAL, dir);
  writeFileSync(join(dir, 'bad.json'), '{"name":"x"');
  writeFileSync(join(dir, 'bad2.json'), '{"name":"x"}');
  writeFileSync(join(dir, 'junk'), 'hello\n');
  writeFileSync(join(dir, 'empty'), '');
  const torn = readFileSync(join(dir, 'db'));
  writeFileSync(join(dir, 'torn'), torn.subarray(0, torn.length - 30));
  const s = schemaPath();
  const cases: string[][] = [
    [], ['foo'], ['create', 'a', 'b', 'c'], ['query'], ['--bogus'], ['-x'], ['--ver'], ['--rbac-role'],
    ['--more=3'], ['-V'], ['--version'], ['--option'], ['list-commands'],
    ['compare-versions', '1.2.3', '<', '1.2.4'], ['compare-versions', '1.2.3', '>', '1.2.4'],
    ['compare-versions', '1.2', '<', '1'], ['compare-versions', '1.2.3', 'x', '1.2.4'],
    ['-vfoo', 'x'], ['--cid=xyz', 'x'], ['--election-timer=5', 'x'],
    ['schema-name', s], ['schema-version', s], ['schema-cksum', s],
    ['schema-name', 'bad.json'], ['schema-name', 'bad2.json'], ['schema-name', 'nonexistent'], ['schema-name', '/'],
    ['db-name', 'db'], ['db-version', 'db'], ['db-cksum', 'db'], ['db-is-standalone', 'db'], ['db-is-clustered', 'db'],
    ['db-cid', 'db'], ['db-sid', 'db'], ['db-local-address', 'db'],
    ['db-name', 'nonexistent'], ['db-name', 'junk'], ['db-name', 'empty'], ['db-version', 'empty'],
    ['needs-conversion', 'db', s], ['create', 'db', s],
    ['show-log', 'torn'], ['-m', 'show-log', 'junk'], ['query', 'torn', QUERIES[0]!],
    ['query', 'db', 'xx'], ['query', 'db', '["Open_vSwitch",{"op":"bogus"}]'],
    ['query', 'db', '["Open_vSwitch",{"op":"mutate","table":"Open_vSwitch","where":[],"mutations":[["next_cfg","+=",1]]}]'],
    ['join-cluster', 'j', 'Open_vSwitch', 'tcp:1.2.3.4', 'tcp:9.9.9.9:1'],
    ['join-cluster', 'j', 'Open_vSwitch', 'tcp:1.2.3.4:99999', 'unix:x'],
    ['join-cluster', 'j', 'Open_vSwitch', 'x', 'unix:x'], ['join-cluster', 'j', '1bad', 'unix:a', 'unix:b'],
    ['join-cluster', 'j', 'n', 'unix:a', 'unix:a'], ['create-cluster', 'c', 'junk', 'unix:a'],
    ['create-cluster', 'c', s, 'udp:1.2.3.4:5'],
    ['transact', 'db', '["Open_vSwitch",{"op":"insert","table":"Open_vSwitch","row":{}}]'],
    ['transact', 'db', '["Open_vSwitch",{"op":"select","table":"Bridge","where":[["name","==","br0"]],"columns":["name"]}]'],
  ];
  let same = 0;
  const diffs: string[] = [];
  // Read-only cases may run side by side; the writing ones come last, in order.
  const readOnly = cases.filter((c) => c[0] !== 'transact' && c[0] !== 'create');
  const writing = cases.filter((c) => c[0] === 'transact' || c[0] === 'create');
  const results = await pool(readOnly.map((c) => () => Promise.all([runAsync(REAL, c, dir), runAsync(OURS, c, dir)])), 3);
  for (const c of writing) results.push([run(REAL, c, dir), run(OURS, c, dir)]);
  const all = [...readOnly, ...writing];
  for (let i = 0; i < all.length; i++) {
    const c = all[i]!;
    const [a, b] = results[i]!;
    const ta = uuidfilt(`${a.stdout}|${a.stderr}|${a.status}`);
    const tb = uuidfilt(`${b.stdout}|${b.stderr}|${b.status}`);
    if (ta === tb) same++;
    else diffs.push(`ovsdb-tool ${c.join(' ')}\n  real: ${JSON.stringify(ta)}\n  ours: ${JSON.stringify(tb)}`);
  }
  assert.deepEqual(diffs, [], `${same}/${cases.length} identical`);
});
