// Network-namespace fixtures for the datapath tests that move real traffic:
// two namespaces A and B, each joined by a veth pair to the test's own
// namespace, IPs 10.78.0.1/.2 inside them, and ping/TCP checks between them.
// Names carry the test process's pid and a per-setup counter so that parallel
// test files and namespaces still being deleted never collide.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { netdevOpen } from '../../src/datapath/netdev.js';
import { type Netdev } from '../../src/datapath/netdev-provider.js';

export const has = (cmd: string, arg = '-V') => spawnSync(cmd, [arg]).status === 0;
// The system interpreter: version-manager shims are slow to start on a busy machine.
export const PY = spawnSync('/usr/bin/python3', ['-V']).status === 0 ? '/usr/bin/python3' : 'python3';
export const skip = process.getuid?.() !== 0 || !has('ip') || !has(PY, '-V') ? 'needs root, ip(8) and python3' : false;
export const hasEthtool = has('ethtool', '--version');

export const tag = `ovt${process.pid % 100000}`;
// Names change per test: a namespace deleted by one test may still be going away.
export let round = 0;
export let NS_A = '', NS_B = '', A0 = '', B0 = '';
export const IP_A = '10.78.0.1', IP_B = '10.78.0.2';

export function sh(cmd: string, ...args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

/** Runs a command without blocking the event loop (the relay runs in this process). */
export function run(cmd: string, args: string[], timeoutMs = 8000): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('close', (code) => { clearTimeout(t); resolve({ code: code ?? -1, out }); });
  });
}

export function nsx(ns: string, ...args: string[]): Promise<{ code: number; out: string }> {
  return run('ip', ['netns', 'exec', ns, ...args]);
}

export function setup(txOff: boolean): void {
  round++;
  NS_A = `${tag}a${round}`; NS_B = `${tag}b${round}`; A0 = `${tag}a${round}x`; B0 = `${tag}b${round}x`;
  sh('ip', 'netns', 'add', NS_A);
  sh('ip', 'netns', 'add', NS_B);
  for (const [ns, inner, outer, addr] of [[NS_A, 'veth0', A0, IP_A], [NS_B, 'veth0', B0, IP_B]] as const) {
    sh('ip', 'link', 'add', outer, 'type', 'veth', 'peer', 'name', inner, 'netns', ns);
    spawnSync('sysctl', ['-qw', `net.ipv6.conf.${outer}.disable_ipv6=1`]);
    sh('ip', 'link', 'set', outer, 'up');
    sh('ip', 'netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
    sh('ip', 'netns', 'exec', ns, 'ip', 'addr', 'add', `${addr}/24`, 'dev', inner);
    sh('ip', 'netns', 'exec', ns, 'ip', 'link', 'set', inner, 'up');
    if (txOff && hasEthtool) sh('ip', 'netns', 'exec', ns, 'ethtool', '-K', inner, 'tx', 'off');
  }
}

export function teardown(): void {
  for (const l of [A0, B0]) spawnSync('ip', ['link', 'del', l], { stdio: 'ignore' });
  for (const ns of [NS_A, NS_B]) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
}

export function open(name: string, type: string): Netdev {
  const n = netdevOpen(name, type);
  assert.equal(typeof n, 'object', `netdevOpen ${name}: errno ${n}`);
  return n as Netdev;
}

// A TCP sink and source in Python: exact byte counts, no timing guesswork.
export const SINK = 'import socket,sys\ns=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n'
  + 's.bind((sys.argv[1],5299));s.listen(1);print("listening",flush=True);c,_=s.accept();n=0\n'
  + 'while True:\n d=c.recv(1<<16)\n if not d: break\n n+=len(d)\nprint(n,flush=True)';
export const SOURCE = 'import socket,sys\nc=socket.create_connection((sys.argv[1],5299),timeout=10)\n'
  + 'b=bytes(range(256))*256\nfor i in range(16): c.sendall(b)\nc.close()';
export const TCP_BYTES = 16 * 65536;

export async function pingAndTcp(diag?: () => Promise<string>): Promise<void> {
  const ping = await nsx(NS_A, 'ping', '-c', '2', '-i', '0.2', '-W', '2', IP_B);
  assert.equal(ping.code, 0, ping.out);
  assert.match(ping.out, /2 received/);
  const sink = spawn('ip', ['netns', 'exec', NS_B, PY, '-c', SINK, IP_B], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  sink.stdout.on('data', (d) => { out += d; });
  try {
    for (let i = 0; i < 100 && !out.includes('listening'); i++) await new Promise((r) => setTimeout(r, 20));
    const src = await nsx(NS_A, PY, '-c', SOURCE, IP_B);
    assert.equal(src.code, 0, src.out + (diag ? await diag() : ''));
    for (let i = 0; i < 250 && !/\d+\n$/.test(out); i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(Number(out.split('\n')[1]), TCP_BYTES);
  } finally {
    sink.kill();
  }
}
