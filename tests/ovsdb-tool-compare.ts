// Helpers for comparing our ovsdb-tool with Open vSwitch's (used by
// ovsdb-tool-interop.test.ts and ovsdb-tool-cli.test.ts): running both tools
// the way a shell would, normalizing timestamps and UUIDs, and a database
// populated through a fixed series of transactions.
import assert from 'node:assert/strict';
import { spawnSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REAL = '/usr/bin/ovsdb-tool';
export const OURS = fileURLToPath(new URL('../../bin/ovsdb-tool', import.meta.url));
export const haveReal = existsSync(REAL);
export const skip = haveReal ? false : `${REAL} not installed`;
const SCHEMA = fileURLToPath(new URL('../../schemas/vswitch.ovsschema', import.meta.url));
const REAL_SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema';

export interface Run { stdout: string; stderr: string; status: number | null }

export function run(tool: string, args: string[], cwd: string): Run {
  // argv0 as a shell would pass it (glibc's getopt messages include it).
  const r = spawnSync(tool, args, { cwd, argv0: 'ovsdb-tool', encoding: 'utf8', env: { ...process.env, OVS_PKGDATADIR: '/nonexistent' } });
  return { stdout: r.stdout, stderr: r.stderr.replace(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\|/gm, 'TIME|'), status: r.status };
}

/** run(), asynchronously (so that many runs can overlap). */
export function runAsync(tool: string, args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(tool, args, { cwd, argv0: 'ovsdb-tool', env: { ...process.env, OVS_PKGDATADIR: '/nonexistent' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('close', (status) => {
      resolve({ stdout, stderr: stderr.replace(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\|/gm, 'TIME|'), status });
    });
  });
}

/** Runs 'jobs' with at most 'limit' at a time, keeping their order. */
export async function pool<T>(jobs: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return out;
}

export function schemaPath(): string {
  return existsSync(SCHEMA) ? SCHEMA : REAL_SCHEMA;
}

const UUID_RE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** Replaces UUIDs by <0>, <1>, ... in order of appearance (OVS's uuidfilt). */
export function uuidfilt(s: string): string {
  const seen = new Map<string, number>();
  return s.replace(UUID_RE, (u) => {
    if (!seen.has(u)) seen.set(u, seen.size);
    return `<${seen.get(u)}>`;
  });
}

export const TXNS = [
  '["Open_vSwitch",{"op":"insert","table":"Open_vSwitch","row":{"other_config":["map",[["a","b"]]],"bridges":["named-uuid","br"]}},{"op":"insert","table":"Bridge","uuid-name":"br","row":{"name":"br0","ports":["named-uuid","p"]}},{"op":"insert","table":"Port","uuid-name":"p","row":{"name":"p0","interfaces":["named-uuid","i"]}},{"op":"insert","table":"Interface","uuid-name":"i","row":{"name":"p0","type":"internal"}},{"op":"comment","comment":"first"}]',
  '["Open_vSwitch",{"op":"mutate","table":"Open_vSwitch","where":[],"mutations":[["other_config","insert",["map",[["c","d"]]]],["next_cfg","+=",1],["external_ids","insert",["map",[["x","1"]]]]]}]',
  '["Open_vSwitch",{"op":"update","table":"Bridge","where":[["name","==","br0"]],"row":{"fail_mode":"secure","external_ids":["map",[["k","v"]]],"other_config":["map",[["hwaddr","00:11:22:33:44:55"]]]}}]',
  '["Open_vSwitch",{"op":"mutate","table":"Open_vSwitch","where":[],"mutations":[["other_config","delete",["set",["a"]]]]},{"op":"commit","durable":true}]',
  '["Open_vSwitch",{"op":"update","table":"Interface","where":[],"row":{"type":""}},{"op":"comment","comment":"second\\nline"}]',
];

export const QUERIES = [
  '["Open_vSwitch",{"op":"select","table":"Open_vSwitch","where":[],"columns":["other_config","next_cfg","external_ids"]}]',
  '["Open_vSwitch",{"op":"select","table":"Bridge","where":[],"columns":["name","fail_mode","external_ids","other_config"]},{"op":"select","table":"Interface","where":[],"columns":["name","type"]}]',
];

export function populate(tool: string, dir: string): void {
  assert.equal(run(tool, ['create', 'db', schemaPath()], dir).status, 0);
  for (const t of TXNS) {
    const r = run(tool, ['transact', 'db', t], dir);
    assert.equal(r.status, 0, r.stderr);
  }
}

