/* timeval: the daemon's clock (OVS lib/timeval.c), which tests can stop and
 * advance.
 *
 * timeMsec() is the monotonic millisecond clock every timeout in the switch
 * is measured with (flow idle/hard timeouts, MAC aging, bundle expiry).
 * `ovs-appctl time/stop` freezes it and `time/warp [LARGE] MSECS` moves it
 * forward, running the registered periodic work after each step, exactly as
 * OVS's test suite expects ("warped" is the reply).  Wall-clock time for
 * log lines is not affected, as in OVS.
 */
import { unixctlCommandRegister, UnixctlError } from './unixctl.js';

let offset = 0;
let stoppedAt: number | null = null;
const runHooks: (() => void | Promise<void>)[] = [];

/** Milliseconds of the (possibly stopped or warped) monotonic clock. */
export function timeMsec(): number {
  const base = stoppedAt ?? performance.now();
  return Math.floor(base + offset);
}

/** True while `time/stop` is in effect. */
export function timeIsStopped(): boolean { return stoppedAt !== null; }

/** Registers periodic work to run after each warp step (the main loop's run functions). */
export function timevalOnWarp(fn: () => void | Promise<void>): void { runHooks.push(fn); }

async function warp(total: number, step: number): Promise<void> {
  for (let left = total; left > 0; left -= step) {
    offset += Math.min(step, left);
    for (const fn of runHooks) await fn();
  }
}

/** Registers time/stop and time/warp (timeval_init's unixctl commands). */
export function timevalRegisterCommands(): void {
  unixctlCommandRegister('time/stop', '', 0, 0, () => {
    if (stoppedAt === null) stoppedAt = performance.now();
  });
  unixctlCommandRegister('time/warp', '[large_msecs] msecs', 1, 2, async (args) => {
    const nums = args.map((a) => Number.parseInt(a, 10));
    if (nums.some((n) => !Number.isFinite(n) || n < 0)) throw new UnixctlError('invalid MSECS');
    const total = nums[0]!;
    const step = nums.length > 1 ? nums[1]! : total;
    if (step <= 0) throw new UnixctlError('invalid MSECS');
    await warp(total, step);
    return 'warped';
  });
}
