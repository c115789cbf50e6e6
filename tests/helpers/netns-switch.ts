/* netns-switch: what the tests that run our daemons in a switch namespace
 * and send real traffic between host namespaces share (netns.ts is the
 * in-process datapath tests' fixture): ip(8) and commands inside a namespace,
 * a non-blocking command runner, the skip reason when the machine cannot do
 * it, and the usual topology: hosts A and B, each joined by a veth pair to a
 * switch namespace SW where our daemons run.  Names carry a per-test tag
 * (with the process id), so parallel test files never collide.
 */
import { spawn, spawnSync } from 'node:child_process';

/** ip(8), if installed. */
export const IP = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].find((p) => spawnSync(p, ['-V'], { stdio: 'ignore' }).status === 0);

/** True if 'cmd arg' runs and exits 0 (a presence check). */
export const has = (cmd: string, arg = '-V'): boolean => spawnSync(cmd, [arg], { stdio: 'ignore' }).status === 0;

/** Why namespace tests cannot run here (root, ip netns, ping), or false. */
export function netnsSkipReason(): string | false {
  return process.getuid?.() !== 0 ? 'needs root'
    : !IP || spawnSync(IP, ['netns', 'list'], { stdio: 'ignore' }).status !== 0 ? 'needs ip(8) with netns support'
      : !has('ping') ? 'needs ping' : false;
}

/** Runs a command synchronously; throws with its stderr if it fails. */
export function sh(...args: string[]): string {
  const r = spawnSync(args[0]!, args.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** sh() inside namespace 'ns'. */
export const nsx = (ns: string, ...args: string[]): string => sh(IP!, 'netns', 'exec', ns, ...args);

/** Runs a command without blocking the event loop; output is stdout + stderr. */
export function run(args: string[], timeoutMs: number): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(args[0]!, args.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('close', (code) => { clearTimeout(t); resolve({ code: code ?? -1, out }); });
  });
}

/** Hosts A and B and a switch namespace SW: A's veth <tag>a0i (address
 * ipA) pairs with <tag>a0 in SW, B's likewise; the SW ends are up and have no
 * address (they become the bridge's ports). */
export class HostPair {
  readonly nsA: string; readonly nsB: string; readonly nsSw: string;
  /** The switch-side veth ends. */
  readonly a0: string; readonly b0: string;

  constructor(readonly tag: string, readonly ipA: string, readonly ipB: string, nsSuffixes = ['a', 'b', 's']) {
    this.nsA = tag + nsSuffixes[0]; this.nsB = tag + nsSuffixes[1]; this.nsSw = tag + nsSuffixes[2];
    this.a0 = `${tag}a0`; this.b0 = `${tag}b0`;
  }

  /** Creates the namespaces and veths; with 'txOff', the hosts' TX
   * checksum offload is turned off (as OVS's userspace users do). */
  build(txOff = false): void {
    for (const ns of [this.nsA, this.nsB, this.nsSw]) {
      sh(IP!, 'netns', 'add', ns);
      nsx(ns, 'ip', 'link', 'set', 'lo', 'up');
    }
    for (const [ns, outer, addr] of [[this.nsA, this.a0, this.ipA], [this.nsB, this.b0, this.ipB]] as const) {
      sh(IP!, 'link', 'add', `${outer}i`, 'netns', ns, 'type', 'veth', 'peer', 'name', outer, 'netns', this.nsSw);
      nsx(this.nsSw, 'ip', 'link', 'set', outer, 'up');
      nsx(ns, 'ip', 'addr', 'add', `${addr}/24`, 'dev', `${outer}i`);
      nsx(ns, 'ip', 'link', 'set', `${outer}i`, 'up');
      if (txOff) nsx(ns, 'ethtool', '-K', `${outer}i`, 'tx', 'off');
    }
  }

  /** Deletes the namespaces (and with them the veths); never throws. */
  remove(): void {
    for (const ns of [this.nsA, this.nsB, this.nsSw]) spawnSync(IP!, ['netns', 'del', ns], { stdio: 'ignore' });
  }
}

/** Bytes tcpTransfer() sends. */
export const TCP_BYTES = 32 * 65536;
const PY = '/usr/bin/python3';
const SINK = 'import socket,sys\ns=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n'
  + 's.bind((sys.argv[1],int(sys.argv[2])));s.listen(1);print("listening",flush=True);c,_=s.accept();n=0\n'
  + 'while True:\n d=c.recv(1<<16)\n if not d: break\n n+=len(d)\nprint(n,flush=True)';
const SOURCE = 'import socket,sys\nc=socket.create_connection((sys.argv[1],int(sys.argv[2])),timeout=10)\n'
  + 'b=bytes(range(256))*256\nfor i in range(32): c.sendall(b)\nc.close()';

/** Sends TCP_BYTES over TCP from namespace 'fromNs' to 'ip':'port' in
 * 'toNs' (a Python sink and source: exact byte counts); returns the bytes
 * that arrived (NaN if the sink never reported). */
export async function tcpTransfer(fromNs: string, toNs: string, ip: string, port: number, timeoutMs = 20000): Promise<number> {
  const sink = spawn(IP!, ['netns', 'exec', toNs, PY, '-c', SINK, ip, String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  sink.stdout.on('data', (d) => { out += d; });
  try {
    for (let i = 0; i < 250 && !out.includes('listening'); i++) await new Promise((r) => setTimeout(r, 20));
    const src = await run([IP!, 'netns', 'exec', fromNs, PY, '-c', SOURCE, ip, String(port)], timeoutMs);
    if (src.code !== 0) throw new Error(`TCP source failed: ${src.out}`);
    for (let i = 0; i < 250 && !/\d+\n$/.test(out); i++) await new Promise((r) => setTimeout(r, 20));
    return Number(out.split('\n')[1]);
  } finally {
    sink.kill('SIGKILL');
  }
}
