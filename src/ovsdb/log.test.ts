// Tests for log.ts: the OVSDB record log (format, error texts from OVS's
// tests/ovsdb-log.at, torn and corrupt records, group commit, replace, locks).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, appendFileSync, truncateSync, existsSync, symlinkSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { OvsdbLog, OpenMode, OVSDB_MAGIC, OvsdbError, composeRecord } from './log.js';
import { vlogSetConsoleWriter } from '../lib/vlog.js';

const consoleLines: string[] = [];
vlogSetConsoleWriter((line) => { consoleLines.push(line); });

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'ovsdb-log-test-'));
}

function readAll(l: OvsdbLog): unknown[] {
  const out: unknown[] = [];
  for (;;) {
    const r = l.read();
    if (r === null) return out;
    out.push(r);
  }
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof OvsdbError, `expected OvsdbError, got ${e}`);
    return e.toString();
  }
  assert.fail('expected an error');
}

function writeThree(file: string): void {
  const l = OvsdbLog.open(file, OVSDB_MAGIC, OpenMode.Create);
  l.write({ x: 0 });
  l.write({ x: 1 });
  l.write({ x: 2 });
  l.commitBlock();
  l.close();
}

test('record format: header with byte length and SHA-1 of data plus newline', () => {
  // Known record from OVS's tests: "null\n" has this SHA-1.
  const rec = composeRecord('null').toString('latin1');
  assert.equal(rec, 'OVSDB JSON 5 d910b02871075d3156ec8675dfc95b7d5d640aa6\nnull\n');
  // Length counts UTF-8 bytes.
  const u = composeRecord('{"a":"é"}').toString('utf8');
  assert.match(u, /^OVSDB JSON 11 [0-9a-f]{40}\n\{"a":"é"\}\n$/);
});

test('write, reread, append; lockfile created', () => {
  const dir = tmp();
  const file = join(dir, 'file');
  writeThree(file);
  assert.ok(existsSync(join(dir, '.file.~lock~')));
  const text = readFileSync(file, 'latin1');
  assert.equal(text.split('\n').length, 7);
  let l = OvsdbLog.open(file, OVSDB_MAGIC, OpenMode.ReadWrite);
  assert.deepEqual(readAll(l), [{ x: 0 }, { x: 1 }, { x: 2 }]);
  l.write({ append: 0 });
  l.close();
  l = OvsdbLog.open(file, OVSDB_MAGIC, OpenMode.ReadOnly);
  assert.deepEqual(readAll(l), [{ x: 0 }, { x: 1 }, { x: 2 }, { append: 0 }]);
  l.close();
});

test('write after partial read overwrites the unread records', () => {
  const file = join(tmp(), 'file');
  writeThree(file);
  let l = OvsdbLog.open(file, OVSDB_MAGIC, OpenMode.ReadWrite);
  assert.deepEqual(l.read(), { x: 0 });
  l.write({ 'more data': 0 });
  l.close();
  l = OvsdbLog.open(file, OVSDB_MAGIC, OpenMode.ReadOnly);
  assert.deepEqual(readAll(l), [{ x: 0 }, { 'more data': 0 }]);
  l.close();
});

test('create-excl fails if file exists; magic mismatch; empty file with many magics', () => {
  const dir = tmp();
  const file = join(dir, 'file');
  writeThree(file);
  assert.equal(errorOf(() => OvsdbLog.open(file, OVSDB_MAGIC, OpenMode.CreateExcl)),
    `I/O error: ${file}: create failed (File exists)`);
  assert.equal(errorOf(() => OvsdbLog.open(file, 'MORE_MAGIC', OpenMode.ReadOnly)),
    `ovsdb error: ${file}: cannot identify file type`);
  writeFileSync(join(dir, 'empty'), '');
  assert.equal(errorOf(() => OvsdbLog.open(join(dir, 'empty'), 'JSON|CLUSTER', OpenMode.ReadOnly)),
    `ovsdb error: ${join(dir, 'empty')}: cannot identify file type`);
  writeFileSync(join(dir, 'junk'), 'hello\n');
  assert.equal(errorOf(() => OvsdbLog.open(join(dir, 'junk'), 'JSON|CLUSTER', OpenMode.ReadOnly)),
    `ovsdb error: ${join(dir, 'junk')}: unexpected file format`);
  assert.equal(errorOf(() => OvsdbLog.open(join(dir, 'missing'), OVSDB_MAGIC, OpenMode.ReadOnly)),
    `I/O error: ${join(dir, 'missing')}: open failed (No such file or directory)`);
  const l = OvsdbLog.open(file, 'JSON|CLUSTER', OpenMode.ReadOnly);
  assert.equal(l.magic, 'JSON');
  l.close();
});

test('garbage appended: parse error at offset, then overwritten by a write', () => {
  const file = 'file';
  const dir = tmp();
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    writeThree(file);
    appendFileSync(file, 'xxx\n');
    let l = OvsdbLog.open(file, OVSDB_MAGIC, OpenMode.ReadWrite);
    for (let i = 0; i < 3; i++) l.read();
    const msg = 'syntax error: file: parse error at offset 186 in header line "xxx"';
    assert.equal(errorOf(() => l.read()), msg);
    assert.equal(errorOf(() => l.read()), msg, 'the error sticks');
    assert.equal(l.hasValidRecordAfterError(), false);
    l.write({ x: 3 });
    l.close();
    l = OvsdbLog.open(file, OVSDB_MAGIC, OpenMode.ReadOnly);
    assert.deepEqual(readAll(l), [{ x: 0 }, { x: 1 }, { x: 2 }, { x: 3 }]);
    l.close();
  } finally {
    process.chdir(cwd);
  }
});

test('corrupt SHA-1 and torn record: OVS error texts', () => {
  const dir = tmp();
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    writeThree('file');
    writeFileSync('file', readFileSync('file', 'latin1').replace('{"x":2}', '{"x":3}'), 'latin1');
    let l = OvsdbLog.open('file', OVSDB_MAGIC, OpenMode.ReadWrite);
    l.read(); l.read();
    assert.equal(errorOf(() => l.read()),
      'syntax error: file: 8 bytes starting at offset 178 have SHA-1 hash 2683fd63b5b9fd49df4f2aa25bf7db5cbbebbe6f but should have hash 3d8ed30f471ad1b7b4b571cb0c7d5ed3e81350aa');
    l.write({ 'longer data': 0 });
    l.close();
    l = OvsdbLog.open('file', OVSDB_MAGIC, OpenMode.ReadOnly);
    assert.deepEqual(readAll(l), [{ x: 0 }, { x: 1 }, { 'longer data': 0 }]);
    l.close();

    writeThree('file2');
    writeFileSync('file2', readFileSync('file2', 'latin1').replace('{"x":2}', '2'), 'latin1');
    l = OvsdbLog.open('file2', OVSDB_MAGIC, OpenMode.ReadOnly);
    l.read(); l.read();
    assert.equal(errorOf(() => l.read()),
      'I/O error: file2: error reading 8 bytes starting at offset 178 (End of file)');
    l.close();

    writeThree('file3');
    appendFileSync('file3', 'OVSDB JSON 5 d910b02871075d3156ec8675dfc95b7d5d640aa6\nnull\n');
    l = OvsdbLog.open('file3', OVSDB_MAGIC, OpenMode.ReadOnly);
    l.read(); l.read(); l.read();
    assert.equal(errorOf(() => l.read()),
      'syntax error: file3: 5 bytes starting at offset 240 are not valid JSON (line 0, column 4, byte 4: syntax error at beginning of input)');
    l.close();
  } finally {
    process.chdir(cwd);
  }
});

test('corruption in the middle is told apart from a damaged tail', () => {
  const file = join(tmp(), 'db');
  const l0 = OvsdbLog.open(file, OVSDB_MAGIC, OpenMode.Create);
  for (let i = 0; i < 5; i++) l0.write({ n: i, pad: 'p'.repeat(i * 10) });
  l0.close();
  const text = readFileSync(file, 'latin1');
  writeFileSync(file, text.replace('"n":1', '"n":9'), 'latin1');
  const l = OvsdbLog.open(file, OVSDB_MAGIC, OpenMode.ReadOnly);
  l.read();
  assert.throws(() => l.read(), /have SHA-1 hash/);
  assert.equal(l.hasValidRecordAfterError(), true);
  l.close();
});

test('crash safety: truncation at any offset keeps every complete record', () => {
  const dir = tmp();
  const file = join(dir, 'db');
  const n = 40;
  const l0 = OvsdbLog.open(file, OVSDB_MAGIC, OpenMode.Create);
  const ends: number[] = [];
  for (let i = 0; i < n; i++) {
    l0.write({ i, s: 'x'.repeat((i * 37) % 200), u: 'ü' });
    ends.push(l0.offset);
  }
  l0.close();
  const original = readFileSync(file);
  const firstHeaderEnd = original.indexOf(0x0a) + 1;
  let seed = 12345;
  const rand = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed; };
  const cuts = [0, 1, ends[0]! - 1, ends[0]!, ends[0]! + 1, original.length - 1, original.length];
  for (let k = 0; k < 60; k++) cuts.push(rand() % original.length);
  for (const cut of cuts) {
    writeFileSync(file, original.subarray(0, cut));
    const complete = ends.filter((e) => e <= cut).length;
    if (cut === 0) continue; // an empty file is a new, empty log
    if (cut <= firstHeaderEnd - 1) {
      // OVS identifies the file by its first header line: a torn one is fatal.
      assert.throws(() => OvsdbLog.open(file, OVSDB_MAGIC, OpenMode.ReadWrite), /unexpected file format/);
      continue;
    }
    const l = OvsdbLog.open(file, OVSDB_MAGIC, OpenMode.ReadWrite);
    const got: unknown[] = [];
    let failed = false;
    for (;;) {
      let r;
      try { r = l.read(); } catch { failed = true; break; }
      if (r === null) break;
      got.push(r);
    }
    assert.equal(got.length, complete, `cut at ${cut}`);
    assert.equal(failed, !ends.includes(cut), `cut at ${cut}: error iff torn`);
    if (failed) assert.equal(l.hasValidRecordAfterError(), false);
    l.write({ after: cut });
    l.close();
    const l2 = OvsdbLog.open(file, OVSDB_MAGIC, OpenMode.ReadOnly);
    const all = readAll(l2);
    l2.close();
    assert.equal(all.length, complete + 1);
    assert.deepEqual(all[complete], { after: cut });
  }
});

test('group commit: one write per turn, durable ones after fdatasync, in order', async () => {
  const file = join(tmp(), 'db');
  const l = OvsdbLog.open(file, OVSDB_MAGIC, OpenMode.Create);
  l.write({ schema: true });
  const before = l.offset;
  const order: number[] = [];
  const ps: Promise<void>[] = [];
  for (let i = 0; i < 1000; i++) {
    ps.push(l.commit({ i }, i % 100 === 99).then(() => { order.push(i); }));
  }
  assert.equal(l.offset, before, 'nothing written synchronously');
  await Promise.all(ps);
  assert.equal(order.length, 1000);
  // Non-durable ones resolve at the write, durable ones after the sync.
  assert.ok(order.indexOf(99) > order.indexOf(100));
  l.close();
  const l2 = OvsdbLog.open(file, OVSDB_MAGIC, OpenMode.ReadOnly);
  const all = readAll(l2);
  l2.close();
  assert.equal(all.length, 1001);
  for (let i = 0; i < 1000; i++) assert.deepEqual(all[i + 1], { i });
});

test('close writes queued commits and settles durable waiters', async () => {
  const file = join(tmp(), 'db');
  const l = OvsdbLog.open(file, OVSDB_MAGIC, OpenMode.Create);
  const p = l.commit({ a: 1 }, true);
  l.close();
  await p;
  const l2 = OvsdbLog.open(file, OVSDB_MAGIC, OpenMode.ReadOnly);
  assert.deepEqual(readAll(l2), [{ a: 1 }]);
  l2.close();
  await assert.rejects(l.commit({ b: 1 }), /closed/);
});

test('replace: compacts into one file, keeps records committed meanwhile', async () => {
  const dir = tmp();
  mkdirSync(join(dir, 'real'));
  const file = join(dir, 'db');
  symlinkSync('real/db', file);
  const l = OvsdbLog.open(file, OVSDB_MAGIC, OpenMode.CreateExcl);
  assert.ok(statSync(join(dir, 'real', 'db')).isFile());
  l.write({ schema: 1 });
  for (let i = 0; i < 50; i++) l.write({ old: i });
  async function* slowChunks(): AsyncGenerator<string> {
    yield '{"snap":';
    await new Promise((r) => setTimeout(r, 5));
    yield '[1,2,3]';
    await new Promise((r) => setTimeout(r, 5));
    yield '}';
  }
  const replacing = l.replace([{ json: { schema: 1 } }, { chunks: slowChunks() }]);
  const during = [l.commit({ during: 1 }), l.commit({ during: 2 }, true)];
  await replacing;
  await Promise.all(during);
  await l.commit({ after: 1 }, true);
  l.close();
  assert.ok(!existsSync(join(dir, 'real', 'db.tmp')));
  const l2 = OvsdbLog.open(file, OVSDB_MAGIC, OpenMode.ReadOnly);
  assert.deepEqual(readAll(l2), [{ schema: 1 }, { snap: [1, 2, 3] }, { during: 1 }, { during: 2 }, { after: 1 }]);
  l2.close();
  // The symlink still points at the same target.
  assert.ok(existsSync(join(dir, 'real', 'db')));
});

test('grewLots follows OVS: over the size floor and twice the base', () => {
  const file = join(tmp(), 'db');
  const l = OvsdbLog.open(file, OVSDB_MAGIC, OpenMode.Create);
  l.write({ s: 'x'.repeat(1000) });
  l.markBase();
  assert.equal(l.grewLots(), false);
  assert.equal(l.grewLots(100), false, 'not yet twice the base');
  l.write({ s: 'y'.repeat(1000) });
  l.write({ s: 'y'.repeat(1000) });
  assert.equal(l.grewLots(100), true);
  l.close();
});

test('locking: same process gets EDEADLK, another process EAGAIN', async () => {
  const dir = tmp();
  const file = join(dir, 'db');
  writeThree(file);
  const l = OvsdbLog.open(file, OVSDB_MAGIC, OpenMode.ReadWrite);
  consoleLines.length = 0;
  assert.equal(errorOf(() => OvsdbLog.open(file, OVSDB_MAGIC, OpenMode.ReadWrite)),
    `I/O error: ${file}: failed to lock lockfile (Resource deadlock avoided)`);
  assert.match(consoleLines.join(''), /lockfile\|WARN\|.*\.db\.~lock~: cannot lock file because this process has already locked it/);
  // Read-only opens do not lock.
  OvsdbLog.open(file, OVSDB_MAGIC, OpenMode.ReadOnly).close();
  l.close();

  // A child process holds the lock.
  const logUrl = new URL('./log.js', import.meta.url).href;
  const child = spawn(process.execPath, ['--input-type=module', '-e', `
    const { OvsdbLog, OpenMode } = await import(${JSON.stringify(logUrl)});
    const l = OvsdbLog.open(${JSON.stringify(file)}, 'JSON', OpenMode.ReadWrite);
    process.stdout.write('locked\\n');
    process.stdin.on('data', () => {}); process.stdin.on('end', () => { l.close(); process.exit(0); });
  `], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((res) => child.stdout.once('data', () => res()));
  consoleLines.length = 0;
  assert.equal(errorOf(() => OvsdbLog.open(file, OVSDB_MAGIC, OpenMode.ReadWrite)),
    `I/O error: ${file}: failed to lock lockfile (Resource temporarily unavailable)`);
  assert.match(consoleLines.join(''), new RegExp(`cannot lock file because it is already locked by pid ${child.pid}`));
  child.stdin.end();
  await new Promise((res) => child.once('exit', res));
  // Released: we can lock it now.
  OvsdbLog.open(file, OVSDB_MAGIC, OpenMode.ReadWrite).close();
});

test('split and oversize writes: large records and many records in one flush', async () => {
  const file = join(tmp(), 'db');
  const l = OvsdbLog.open(file, OVSDB_MAGIC, OpenMode.Create);
  const big = 'z'.repeat(3 << 20);
  const ps = [l.commit({ big }), l.commit({ small: 1 }), l.commit({ big2: big }, true)];
  await Promise.all(ps);
  l.close();
  truncateSync(file, statSync(file).size - 10);
  const l2 = OvsdbLog.open(file, OVSDB_MAGIC, OpenMode.ReadWrite);
  assert.deepEqual(l2.read(), { big });
  assert.deepEqual(l2.read(), { small: 1 });
  assert.throws(() => l2.read(), /error reading \d+ bytes starting at offset \d+ \(End of file\)/);
  l2.truncateUnread();
  const good = l2.offset;
  l2.close();
  assert.equal(statSync(file).size, good);
});
