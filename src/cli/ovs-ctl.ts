/* ovs-ctl: starts and stops ovsdb-server and ovs-vswitchd (what `npm start`
 * and `npm stop` run), like OVS's utilities/ovs-ctl for a private install.
 *
 * Directories default to ./var/{run,log,db} under the ovs-ts folder, and can
 * be moved with OVS_RUNDIR, OVS_LOGDIR and OVS_DBDIR.  "start" creates the
 * database from the bundled Open_vSwitch schema when none exists.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../lib/dirs.js';
import { readPidfile } from '../lib/pidfile.js';
import { setProgramName, ovsFatal } from '../lib/program.js';

setProgramName('ovs-ctl');

const root = packageRoot();
const bin = join(root, 'bin');
const rundir = process.env.OVS_RUNDIR || join(root, 'var', 'run');
const logdir = process.env.OVS_LOGDIR || join(root, 'var', 'log');
const dbdir = process.env.OVS_DBDIR || join(root, 'var', 'db');
const env = { ...process.env, OVS_RUNDIR: rundir, OVS_LOGDIR: logdir, OVS_DBDIR: dbdir };
const dbFile = join(dbdir, 'conf.db');
const dbSock = join(rundir, 'db.sock');
const schema = join(root, 'schemas', 'vswitch.ovsschema');

function run(program: string, args: string[], quiet = false): boolean {
  const r = spawnSync(join(bin, program), args, { env, stdio: quiet ? 'ignore' : 'inherit' });
  return r.status === 0;
}

function pidOf(program: string): number | null {
  const r = readPidfile(join(rundir, `${program}.pid`));
  return 'pid' in r ? r.pid : null;
}

function say(text: string): void { process.stdout.write(text + '\n'); }

function sleep(ms: number): Promise<void> { return new Promise((r) => setTimeout(r, ms)); }

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  for (let t = 0; t < ms; t += 50) {
    if (cond()) return true;
    await sleep(50);
  }
  return cond();
}

async function start(): Promise<void> {
  for (const d of [rundir, logdir, dbdir]) mkdirSync(d, { recursive: true });

  if (!existsSync(dbFile)) {
    say(`Creating empty database ${dbFile}`);
    if (!run('ovsdb-tool', ['create', dbFile, schema])) ovsFatal(0, `could not create ${dbFile}`);
  }

  if (pidOf('ovsdb-server')) {
    say(`ovsdb-server is already running (pid ${pidOf('ovsdb-server')})`);
  } else {
    say('Starting ovsdb-server');
    const ok = run('ovsdb-server', [dbFile, `--remote=punix:${dbSock}`,
      '--remote=db:Open_vSwitch,Open_vSwitch,manager_options',
      '--pidfile', '--detach', '--log-file', '--no-chdir', '-vconsole:emer', '-vfile:info']);
    if (!ok) ovsFatal(0, 'ovsdb-server failed to start; see ' + join(logdir, 'ovsdb-server.log'));
    await waitFor(() => existsSync(dbSock), 5000);
    run('ovs-vsctl', ['--no-wait', 'init'], true);
  }

  if (pidOf('ovs-vswitchd')) {
    say(`ovs-vswitchd is already running (pid ${pidOf('ovs-vswitchd')})`);
  } else {
    say('Starting ovs-vswitchd');
    const ok = run('ovs-vswitchd', [`unix:${dbSock}`, '--pidfile', '--detach', '--log-file', '--no-chdir', '-vconsole:emer', '-vfile:info']);
    if (!ok) ovsFatal(0, 'ovs-vswitchd failed to start; see ' + join(logdir, 'ovs-vswitchd.log'));
  }

  say(`
Open vSwitch (ovs-ts) is running.  To use it from a shell:

  export OVS_RUNDIR=${rundir} OVS_LOGDIR=${logdir} OVS_DBDIR=${dbdir}
  export PATH=${bin}:$PATH
  ovs-vsctl show
  ovs-appctl -t ovsdb-server version

Logs: ${logdir}.  Stop with: npm stop`);
}

async function stop(): Promise<void> {
  for (const program of ['ovs-vswitchd', 'ovsdb-server']) {
    const pid = pidOf(program);
    if (!pid) { say(`${program} is not running`); continue; }
    say(`Stopping ${program} (pid ${pid})`);
    try { process.kill(pid, 'SIGTERM'); } catch { continue; }
    const gone = await waitFor(() => { try { process.kill(pid, 0); return false; } catch { return true; } }, 5000);
    if (!gone) {
      say(`${program} did not exit; killing it`);
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
  }
}

function status(): void {
  let all = true;
  for (const program of ['ovsdb-server', 'ovs-vswitchd']) {
    const pid = pidOf(program);
    say(pid ? `${program} is running with pid ${pid}` : `${program} is not running`);
    if (!pid) all = false;
  }
  process.exitCode = all ? 0 : 1;
}

async function main(): Promise<void> {
  switch (process.argv[2]) {
    case 'start': await start(); break;
    case 'stop': await stop(); break;
    case 'restart': await stop(); await start(); break;
    case 'status': status(); break;
    default:
      process.stderr.write('usage: ovs-ctl start|stop|restart|status\n');
      process.exit(1);
  }
}
void main();
