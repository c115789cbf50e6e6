// median-time.mjs N CMD [ARGS...]: runs CMD N times (after 2 warm-ups) and
// prints the median and minimum wall time in milliseconds.
import { spawnSync } from 'node:child_process';

const [n, cmd, ...args] = process.argv.slice(2);
const times = [];
for (let i = 0; i < Number(n) + 2; i++) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) { console.error(`${cmd} exited with ${r.status}`); process.exit(1); }
  if (i >= 2) times.push(ms);
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
console.log(`${[cmd, ...args].join(' ')}: median ${median.toFixed(1)} ms, min ${times[0].toFixed(1)} ms (${times.length} runs)`);
