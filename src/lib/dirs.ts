/* dirs: the directories OVS programs use, overridable from the environment
 * exactly as OVS's lib/dirs.c allows (OVS_RUNDIR, OVS_LOGDIR, OVS_DBDIR,
 * OVS_SYSCONFDIR, OVS_PKGDATADIR, OVS_BINDIR).
 */
import { dirname, join, resolve, isAbsolute } from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

function env(name: string): string | undefined {
  const v = process.env[name];
  return v && v.length > 0 ? v : undefined;
}

export function ovsRundir(): string { return env('OVS_RUNDIR') ?? '/var/run/openvswitch'; }
export function ovsLogdir(): string { return env('OVS_LOGDIR') ?? '/var/log/openvswitch'; }
export function ovsSysconfdir(): string { return env('OVS_SYSCONFDIR') ?? '/etc'; }
export function ovsDbdir(): string {
  const d = env('OVS_DBDIR');
  if (d) return d;
  const s = env('OVS_SYSCONFDIR');
  return s ? `${s}/openvswitch` : '/etc/openvswitch';
}

/** The ovs-ts installation root: the folder holding bin/, dist/ and schemas/. */
export function packageRoot(): string {
  // Bundles live in dist/, transpiled modules in build/src/lib/; walk up to package.json.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  return resolve(dirname(fileURLToPath(import.meta.url)), '..');
}

/** Where schemas live: $OVS_PKGDATADIR, else our bundled schemas/ folder. */
export function ovsPkgdatadir(): string { return env('OVS_PKGDATADIR') ?? join(packageRoot(), 'schemas'); }
export function ovsBindir(): string { return env('OVS_BINDIR') ?? join(packageRoot(), 'bin'); }

/** 'name' made absolute relative to 'dir' (OVS's abs_file_name). */
export function absFileName(dir: string, name: string): string {
  return isAbsolute(name) ? name : join(dir, name);
}
