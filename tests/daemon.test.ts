/* Daemon plumbing end to end: ovsdb-server and ovs-vswitchd start detached,
 * answer ovs-appctl (ours and the real one), survive bad input on their
 * control sockets, and leave nothing behind when told to exit. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox, haveReal, realPath, alive, ROOT } from './helpers/sandbox.js';

/** Creates conf.db from our schema and starts ovsdb-server on db.sock. */
function startDb(sb: Sandbox): void {
  const db = join(sb.dir, 'conf.db');
  const mk = sb.run('ovsdb-tool', ['create', db, join(ROOT, 'schemas', 'vswitch.ovsschema')]);
  assert.equal(mk.status, 0, mk.stderr);
  sb.startDaemon('ovsdb-server', [db, `--remote=punix:${join(sb.dir, 'db.sock')}`]);
}

function ctlPath(sb: Sandbox, name: string): string {
  return join(sb.dir, `${name}.${sb.pid(name)}.ctl`);
}

/** Writes 'data' to a unix socket; resolves with what came back before close. */
/** Sends 'data' on a control socket and collects what comes back for
 * 'waitMs' (or until the daemon closes the connection, if 'untilClosed':
 * then 'waitMs' is only an upper bound, so a loaded machine is not a failure). */
function rawExchange(path: string, data: Buffer | string, waitMs = 300, untilClosed = false): Promise<{ out: string; closed: boolean }> {
  return new Promise((resolve) => {
    const s = connect({ path });
    let out = '';
    let closed = false;
    const finish = () => { clearTimeout(timer); s.destroy(); resolve({ out, closed }); };
    s.on('data', (b) => { out += b.toString(); });
    s.on('error', () => { closed = true; if (untilClosed) finish(); });
    s.on('close', () => { closed = true; if (untilClosed) finish(); });
    s.write(data, () => {});
    const timer = setTimeout(finish, waitMs);
  });
}

test('daemons start, answer ovs-appctl, reject bad input and exit cleanly', async (t) => {
  const sb = new Sandbox();
  try {
    startDb(sb);
    sb.startDaemon('ovs-vswitchd', []);
    for (const name of ['ovsdb-server', 'ovs-vswitchd']) {
      const v = sb.run('ovs-appctl', ['-t', name, 'version']);
      assert.equal(v.status, 0, v.stderr);
      assert.equal(v.stdout, `${name} (Open vSwitch) 3.1.0\n`);
    }

    const list = sb.run('ovs-appctl', ['-t', 'ovsdb-server', 'list-commands']);
    assert.match(list.stdout, /^The available commands are:\n/);
    assert.match(list.stdout, /^ {2}vlog\/set {16}\{spec \| PATTERN:destination:pattern\}$/m);

    const vl = sb.run('ovs-appctl', ['-t', 'ovs-vswitchd', 'vlog/list']);
    assert.match(vl.stdout, /^ {17}console {4}syslog {4}file\n/);

    const bad = sb.run('ovs-appctl', ['-t', 'ovsdb-server', 'no-such-command']);
    assert.equal(bad.status, 2);
    assert.equal(bad.stderr, '"no-such-command" is not a valid command (use "list-commands" to see a list of valid commands)\n' +
      'ovs-appctl: ovsdb-server: server returned an error\n');

    const args = sb.run('ovs-appctl', ['-t', 'ovsdb-server', 'version', 'extra']);
    assert.equal(args.status, 2);
    assert.match(args.stderr, /^"version" command takes at most 0 arguments\n/);

    const setLevel = sb.run('ovs-appctl', ['-t', 'ovsdb-server', 'vlog/set', 'unixctl:file:dbg']);
    assert.equal(setLevel.status, 0);
    assert.match(sb.run('ovs-appctl', ['-t', 'ovsdb-server', 'vlog/list']).stdout, /^unixctl +OFF +OFF +DBG$/m);

    const noTarget = sb.run('ovs-appctl', ['-t', 'nothere', 'version']);
    assert.equal(noTarget.status, 1);
    assert.match(noTarget.stderr, /ovs-appctl: cannot read pidfile ".*nothere.pid" \(No such file or directory\)/);

    // Bad input on the control socket: the daemon closes that connection and stays up.
    const ctl = ctlPath(sb, 'ovsdb-server');
    const garbage = await rawExchange(ctl, '{"method": nonsense');
    assert.equal(garbage.out, '');
    const notJson = await rawExchange(ctl, 'hello world\n', 60_000, true);
    assert.equal(notJson.closed, true);
    const nonString = await rawExchange(ctl, '{"method":"version","params":[1],"id":3}');
    assert.equal(nonString.out, '{"id":3,"error":"\\"version\\" command takes at most 0 arguments\\n"}');
    const big = Buffer.alloc(100 * 1024 * 1024, 0x61);
    big.write('{"method":"vlog/set","params":["', 0);
    const huge = await rawExchange(ctl, big, 120_000, true);
    assert.equal(huge.closed, true);
    assert.equal(huge.out, '');
    assert.equal(sb.run('ovs-appctl', ['-t', 'ovsdb-server', 'version']).status, 0, 'still up');

    if (haveReal('ovs-appctl')) {
      const real = sb.run(realPath('ovs-appctl'), ['-t', 'ovs-vswitchd', 'vlog/list']);
      assert.equal(real.status, 0, real.stderr);
      assert.match(real.stdout, /console {4}syslog {4}file/);
      const realBad = sb.run(realPath('ovs-appctl'), ['-t', 'ovsdb-server', 'foo']);
      assert.equal(realBad.status, 2);
    } else {
      t.diagnostic('real ovs-appctl not installed: interoperability checks skipped');
    }

    // exit removes the pidfile and the control socket.
    const pids = [sb.pid('ovsdb-server')!, sb.pid('ovs-vswitchd')!];
    assert.equal(sb.run('ovs-appctl', ['-t', 'ovsdb-server', 'exit']).status, 0);
    assert.equal(sb.run('ovs-appctl', ['-t', 'ovs-vswitchd', 'exit']).status, 0);
    for (let i = 0; i < 40 && pids.some(alive); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(!pids.some(alive), 'both daemons exited');
    assert.deepEqual(readdirSync(sb.dir).filter((f) => f.endsWith('.pid') || f.endsWith('.ctl')), []);
  } finally {
    await sb.cleanup();
  }
});

test('a daemon that cannot start says why and exits non-zero', async () => {
  const sb = new Sandbox();
  try {
    startDb(sb);
    const second = sb.run('ovsdb-server', ['--detach', '--no-chdir', `--pidfile=${join(sb.dir, 'ovsdb-server.pid')}`]);
    assert.equal(second.status, 1);
    assert.match(second.stderr, /ovsdb-server: .*ovsdb-server\.pid: already running as pid \d+, aborting\n$/);
    const badOpt = sb.run('ovs-vswitchd', ['--frobnicate']);
    assert.equal(badOpt.status, 1);
    assert.equal(badOpt.stderr, "ovs-vswitchd: unrecognized option '--frobnicate' (use --help for help)\n");
    const badLog = sb.run('ovs-vswitchd', ['--log-file=/nonexistent/dir/x.log', '--detach']);
    assert.equal(badLog.status, 1);
    assert.match(badLog.stderr, /could not open log file/);
    assert.ok(!existsSync(join(sb.dir, 'ovs-vswitchd.pid')));
  } finally {
    await sb.cleanup();
  }
});

test('our ovs-appctl talks to the real daemons', { skip: !haveReal('ovsdb-server') && 'real OVS not installed' }, async () => {
  const sb = new Sandbox();
  try {
    const db = join(sb.dir, 'conf.db');
    const mk = sb.run(realPath('ovsdb-tool'), ['create', db, '/usr/share/openvswitch/vswitch.ovsschema']);
    assert.equal(mk.status, 0, mk.stderr);
    sb.startDaemon(realPath('ovsdb-server'), [db, `--remote=punix:${join(sb.dir, 'db.sock')}`]);
    const v = sb.run('ovs-appctl', ['-t', 'ovsdb-server', 'version']);
    assert.equal(v.stdout, 'ovsdb-server (Open vSwitch) 3.1.0\n');
    const bad = sb.run('ovs-appctl', ['-t', 'ovsdb-server', 'bogus']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /"bogus" is not a valid command/);
  } finally {
    await sb.cleanup();
  }
});

test('--monitor restarts a daemon that dies of a crash signal', async () => {
  const sb = new Sandbox();
  const pidfile = join(sb.dir, 'ovsdb-server.pid');
  const ppidOf = (pid: number): number => Number(readFileSync(`/proc/${pid}/stat`, 'latin1').replace(/^.*\) /s, '').split(' ')[1]);
  const until = async (cond: () => boolean, what: string): Promise<void> => {
    for (let i = 0; i < 150 && !cond(); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(cond(), what);
  };
  let monitor = 0;
  try {
    const r = sb.run('ovsdb-server', ['--detach', '--monitor', '--no-chdir', `--pidfile=${pidfile}`, '--no-db']);
    assert.equal(r.status, 0, r.stderr);
    const child = Number(readFileSync(pidfile, 'utf8'));
    monitor = ppidOf(child);
    assert.notEqual(monitor, child);
    assert.equal(readFileSync(`/proc/${child}/comm`, 'latin1'), 'ovsdb-server\n');
    process.kill(child, 'SIGSEGV');
    await until(() => !alive(child), 'the crashed child is gone');
    const readPid = (): number => { try { return Number(readFileSync(pidfile, 'utf8')); } catch { return 0; } };
    await until(() => readPid() > 0 && readPid() !== child, 'a new child wrote the pidfile');
    const child2 = readPid();
    assert.equal(ppidOf(child2), monitor);
    process.kill(child2, 'SIGTERM');
    await until(() => !alive(monitor) && !alive(child2) && !existsSync(pidfile), 'SIGTERM ends the child and the monitor');
  } finally {
    if (monitor && alive(monitor)) process.kill(monitor, 'SIGKILL');
    await sb.cleanup();
  }
});
