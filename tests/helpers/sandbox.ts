/* sandbox: a private OVS directory for integration tests.
 *
 * A Sandbox is a temporary folder used as OVS_RUNDIR, OVS_LOGDIR, OVS_DBDIR
 * and OVS_SYSCONFDIR.  run() executes one of our programs (bin/) or a real OVS
 * tool with that environment; startDaemon() launches a daemon with --detach
 * --pidfile and remembers it; cleanup() kills every daemon by its pidfile and
 * removes the folder, and is safe to call from a test's finally/after hook.
 */
import { mkdtempSync, rmSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { spawnSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The ovs-ts folder (tests run from build/tests/helpers/). */
export const ROOT = (() => {
  let d = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(d, 'package.json'))) d = dirname(d);
  return d;
})();
export const BIN = join(ROOT, 'bin');

export interface RunResult { status: number; stdout: string; stderr: string }

/** True if the real OVS tool 'name' is installed (for interoperability tests). */
export function haveReal(name: string): boolean {
  return ['/usr/bin', '/usr/sbin'].some((d) => existsSync(join(d, name)));
}
export function realPath(name: string): string {
  return ['/usr/bin', '/usr/sbin'].map((d) => join(d, name)).find((p) => existsSync(p)) ?? name;
}

/** Sandboxes not cleaned up yet: if the test process ends without reaching
 * a test's finally block (the runner's timeout, a signal), their daemons are
 * killed on the way out so none outlives the test run. */
const live = new Set<Sandbox>();
function killLeftovers(): void {
  for (const sb of live) sb.killNow();
}
process.on('exit', killLeftovers);
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.once(sig, () => { killLeftovers(); process.exit(sig === 'SIGTERM' ? 143 : 130); });
}

export class Sandbox {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  private readonly pidfiles: string[] = [];

  constructor(prefix = 'ovs-ts-test-') {
    this.dir = mkdtempSync(join(tmpdir(), prefix));
    this.env = { ...process.env, OVS_RUNDIR: this.dir, OVS_LOGDIR: this.dir, OVS_DBDIR: this.dir, OVS_SYSCONFDIR: this.dir };
    live.add(this);
  }

  /** SIGKILLs every daemon started here, synchronously (process exit). */
  killNow(): void {
    for (const pf of this.pidfiles) {
      try {
        const pid = parseInt(readFileSync(pf, 'utf8'), 10);
        if (pid > 0) process.kill(pid, 'SIGKILL');
      } catch { /* not running */ }
    }
  }

  /** Runs 'program' (ours from bin/, or an absolute path) synchronously. */
  run(program: string, args: string[], input?: string): RunResult {
    const path = program.startsWith('/') ? program : join(BIN, program);
    const r = spawnSync(path, args, { env: this.env, input, encoding: 'utf8', timeout: 30_000 });
    return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  }

  /** Runs 'program' asynchronously (for tools that wait on a daemon). */
  runAsync(program: string, args: string[]): Promise<RunResult> {
    const path = program.startsWith('/') ? program : join(BIN, program);
    return new Promise((resolve) => {
      const c = spawn(path, args, { env: this.env });
      let stdout = '', stderr = '';
      c.stdout.on('data', (b) => { stdout += b; });
      c.stderr.on('data', (b) => { stderr += b; });
      c.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr }));
    });
  }

  /** Starts a daemon detached with a pidfile in the sandbox; throws with its
   * stderr if it does not start. */
  startDaemon(program: string, args: string[], name = program.split('/').pop()!): void {
    const pidfile = join(this.dir, `${name}.pid`);
    this.pidfiles.push(pidfile);
    const r = this.run(program, [...args, '--detach', '--no-chdir', `--pidfile=${pidfile}`,
      `--log-file=${join(this.dir, name + '.log')}`]);
    if (r.status !== 0) throw new Error(`${program} failed to start (status ${r.status}): ${r.stderr}`);
  }

  pid(name: string): number | null {
    try { return parseInt(readFileSync(join(this.dir, `${name}.pid`), 'utf8'), 10) || null; } catch { return null; }
  }

  log(name: string): string {
    try { return readFileSync(join(this.dir, `${name}.log`), 'utf8'); } catch { return ''; }
  }

  /** Kills every daemon started here and removes the folder. */
  async cleanup(): Promise<void> {
    const pids: number[] = [];
    for (const pf of this.pidfiles) {
      try {
        const pid = parseInt(readFileSync(pf, 'utf8'), 10);
        if (pid > 0) { process.kill(pid, 'SIGTERM'); pids.push(pid); }
      } catch { /* not running */ }
    }
    for (let i = 0; i < 50 && pids.some(alive); i++) await new Promise((r) => setTimeout(r, 50));
    for (const pid of pids) if (alive(pid)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    live.delete(this);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}
