// netdev-io benchmark: packets/s and Gbit/s of a pure relay (port A rx → port
// B tx and back, no flow lookup) between two veth ports, in the topology of
// /work/shared/lab/bench-datapath.sh so the figures compare with its table:
//
//   NS_A[veth 10.77.1.1] <-veth-> A0 [NS_SW: this relay] B0 <-veth-> [veth 10.77.1.2]NS_B
//
// Everything lives in namespaces made here and removed at the end; the relay
// runs as a child process inside NS_SW.  Modes:
//   off: userspace TSO off; TX checksum offload turned off on the senders
//        (what OVS users do; the lab's default "ovs" row)
//   on:  userspace TSO on, senders keep offloads: GSO/TSO packets stay whole
//        (the lab's userspace-tso-enable row)
// (System ports always carry virtio-net headers; see datapath/netdev-linux.ts.)
//   veth: no relay, one veth pair between the namespaces (the same-run baseline)
//   dp-off, dp-on: as off/on but through a DpifNetdev (extraction, EMC, megaflows)
//
// Usage: node build/bench/netdev-io.js [--secs 5] [--modes veth,off,on,dp-off,dp-on] [--udp-len 64] [--json FILE]
// Needs root, ip(8), iperf3 and ethtool.
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { netdevInitialize } from '../src/datapath/netdev-classes.js';
import { netdevOpen, netdevClose } from '../src/datapath/netdev.js';
import { type Netdev } from '../src/datapath/netdev-provider.js';
import { netdevLinuxSetUserspaceTso } from '../src/datapath/netdev-linux.js';
import { NetdevRelay } from '../src/datapath/netdev-relay.js';
import { DpifNetdev } from '../src/datapath/dpif-netdev.js';
import { W, newFlowKey } from '../src/datapath/flow.js';

const NS_A = 'ovtb-a', NS_B = 'ovtb-b', NS_SW = 'ovtb-sw';
const IP_A = '10.77.1.1', IP_B = '10.77.1.2';
const PORT = 5298;

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : dflt;
}

function sh(...args: string[]): void {
  const r = spawnSync(args[0]!, args.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
}
const nsx = (ns: string, ...args: string[]) => sh('ip', 'netns', 'exec', ns, ...args);

function run(args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const p = spawn(args[0]!, args.slice(1), { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('close', () => { clearTimeout(t); resolve(out); });
  });
}

function teardown(): void {
  for (const ns of [NS_A, NS_B, NS_SW]) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
}

function setup(txOff: boolean, direct: boolean): void {
  teardown();
  if (direct) {
    for (const ns of [NS_A, NS_B]) {
      sh('ip', 'netns', 'add', ns);
      nsx(ns, 'ip', 'link', 'set', 'lo', 'up');
    }
    sh('ip', 'link', 'add', 'a1', 'netns', NS_A, 'type', 'veth', 'peer', 'name', 'b1', 'netns', NS_B);
    for (const [ns, dev, addr] of [[NS_A, 'a1', IP_A], [NS_B, 'b1', IP_B]] as const) {
      nsx(ns, 'ip', 'addr', 'add', `${addr}/24`, 'dev', dev);
      nsx(ns, 'ip', 'link', 'set', dev, 'up');
      if (txOff) nsx(ns, 'ethtool', '-K', dev, 'tx', 'off');
    }
    return;
  }
  for (const ns of [NS_A, NS_B, NS_SW]) {
    sh('ip', 'netns', 'add', ns);
    nsx(ns, 'ip', 'link', 'set', 'lo', 'up');
  }
  for (const [ns, inner, outer, addr] of [[NS_A, 'a1', 'a0', IP_A], [NS_B, 'b1', 'b0', IP_B]] as const) {
    sh('ip', 'link', 'add', inner, 'netns', ns, 'type', 'veth', 'peer', 'name', outer, 'netns', NS_SW);
    nsx(NS_SW, 'ip', 'link', 'set', outer, 'up');
    nsx(ns, 'ip', 'addr', 'add', `${addr}/24`, 'dev', inner);
    nsx(ns, 'ip', 'link', 'set', inner, 'up');
    if (txOff) nsx(ns, 'ethtool', '-K', inner, 'tx', 'off');
  }
}

/** Child mode: forward a0 <-> b0 inside NS_SW until SIGTERM, then print
 * counters as JSON.  With 'dpif' a DpifNetdev does it (flow extraction, EMC,
 * megaflows matching in_port only, as a two-port bridge would need). */
function relayMain(tso: boolean, dpif: boolean): void {
  netdevInitialize();
  netdevLinuxSetUserspaceTso(tso);
  const a = netdevOpen('a0', 'system'), b = netdevOpen('b0', 'system');
  if (typeof a === 'number' || typeof b === 'number') {
    console.error(`cannot open ports: ${a} ${b}`);
    process.exit(1);
  }
  const capacity = tso ? 65546 : 2048;
  let relay: { counters(): unknown[]; stop(): void };
  if (dpif) {
    const dp = new DpifNetdev('ovs-netdev', { packetCapacity: capacity });
    dp.portAdd(a as Netdev, 1);
    dp.portAdd(b as Netdev, 2);
    const mask = newFlowKey();
    mask[W.IN_PORT] = 0xffffffff;
    dp.setUpcallHandler((_p, key, k) => ({ actions: [{ type: 'output', port: key[k + W.IN_PORT] === 1 ? 2 : 1 }], mask }));
    dp.start();
    relay = { counters: () => [{ packets: dp.stats.emcHits + dp.stats.megaflowHits + dp.stats.misses }, dp.stats], stop: () => dp.stop() };
  } else {
    const r = new NetdevRelay(a as Netdev, b as Netdev, { packetCapacity: capacity });
    r.start();
    relay = r;
  }
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  console.log('ready');
  process.on('SIGTERM', () => {
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    const [ab, ba] = relay.counters();
    relay.stop();
    netdevClose(a as Netdev);
    netdevClose(b as Netdev);
    const pkts = ((ab as { packets?: number }).packets ?? 0) + ((ba as { packets?: number }).packets ?? 0);
    const cpuUs = cpu.user + cpu.system;
    console.log(JSON.stringify({ ab, ba, secs, cpuPct: cpuUs / 1e4 / secs, usPerPacket: pkts ? cpuUs / pkts : 0 }));
    process.exit(0);
  });
}

type Mode = 'off' | 'on' | 'veth' | 'dp-off' | 'dp-on';

async function measure(mode: Mode, secs: number, udpLen: number): Promise<Record<string, unknown>> {
  const offl = mode.endsWith('off') ? 'off' : 'on';
  setup(offl === 'off', mode === 'veth');
  const self = fileURLToPath(import.meta.url);
  const relay = mode === 'veth'
    ? spawn('sleep', ['1000'], { stdio: ['ignore', 'pipe', 'inherit'] })
    : spawn('ip', ['netns', 'exec', NS_SW, process.execPath, self, '--relay', offl, ...(mode.startsWith('dp') ? ['--dpif'] : [])],
      { stdio: ['ignore', 'pipe', 'inherit'] });
  let relayOut = mode === 'veth' ? 'ready' : '';
  relay.stdout!.on('data', (d) => { relayOut += d; });
  try {
    for (let i = 0; i < 100 && !relayOut.includes('ready'); i++) await new Promise((r) => setTimeout(r, 50));
    const ping = await run(['ip', 'netns', 'exec', NS_A, 'ping', '-c', '10', '-i', '0.2', '-q', IP_B], 10000);
    const pingAvg = /= [\d.]+\/([\d.]+)\//.exec(ping)?.[1] ?? '-';
    const srv = spawn('ip', ['netns', 'exec', NS_B, 'iperf3', '-s', '-B', IP_B, '-p', String(PORT)], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 400));
    let tcp = 'fail', kpps = 'fail', loss = '-';
    try {
      const t = await run(['ip', 'netns', 'exec', NS_A, 'iperf3', '-c', IP_B, '-p', String(PORT), '-t', String(secs),
        '--connect-timeout', '3000', '-J'], (secs + 15) * 1000);
      try { tcp = (JSON.parse(t).end.sum_received.bits_per_second / 1e9).toFixed(2); } catch { /* fail */ }
      const u = await run(['ip', 'netns', 'exec', NS_A, 'iperf3', '-c', IP_B, '-p', String(PORT), '-t', String(secs),
        '-u', '-l', String(udpLen), '-b', '0', '--connect-timeout', '3000', '-J'], (secs + 15) * 1000);
      try {
        const s = JSON.parse(u).end.sum;
        kpps = ((s.packets - s.lost_packets) / s.seconds / 1e3).toFixed(1);
        loss = Number(s.lost_percent).toFixed(1);
      } catch { /* fail */ }
    } finally {
      srv.kill();
    }
    relay.kill('SIGTERM');
    await new Promise((r) => relay.on('close', r));
    const counters = JSON.parse(relayOut.split('\n').find((l) => l.startsWith('{')) ?? '{}');
    return { mode, pingAvgMs: pingAvg, tcpGbps: tcp, [`udp${udpLen}RxKpps`]: kpps, udpLossPct: loss,
      relayCpuPct: counters.cpuPct?.toFixed(0), relayUsPerPacket: counters.usPerPacket?.toFixed(2), relayPackets: counters.ab?.packets, relayBatches: counters.ab?.batches };
  } finally {
    if (relay.exitCode === null) relay.kill('SIGKILL');
    teardown();
  }
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--relay');
  if (i >= 0) {
    relayMain(process.argv[i + 1] === 'on', process.argv.includes('--dpif'));
    return;
  }
  if (process.getuid?.() !== 0) {
    console.error('netdev-io: needs root (network namespaces)');
    process.exit(1);
  }
  const secs = Number(arg('--secs', '5'));
  const udpLen = Number(arg('--udp-len', '64'));
  const json = arg('--json', '');
  console.log(`${'mode'.padEnd(6)} ${'ping avg ms'.padStart(12)} ${'TCP Gbit/s'.padStart(12)} ${`UDP${udpLen}B kpps`.padStart(14)} ${'loss %'.padStart(8)} ${'relay CPU%'.padStart(11)} ${'CPU us/pkt'.padStart(11)}`);
  for (const mode of arg('--modes', 'veth,off,on,dp-off,dp-on').split(',') as Mode[]) {
    const r = await measure(mode, secs, udpLen);
    console.log(`${mode.padEnd(6)} ${String(r.pingAvgMs).padStart(12)} ${String(r.tcpGbps).padStart(12)} ${String(r[`udp${udpLen}RxKpps`]).padStart(14)} ${String(r.udpLossPct).padStart(8)} ${String(r.relayCpuPct ?? '-').padStart(11)} ${String(r.relayUsPerPacket ?? '-').padStart(11)}`);
    if (json) appendFileSync(json, `${JSON.stringify({ ...r, date: new Date().toISOString() })}\n`);
  }
}

await main();
