// Reruns the test-ovsdb checks of OVS's own tests/ovsdb-*.at files (from the
// OVS source in /tmp/ovs-src, skipped when absent) against our engine through
// test-ovsdb.ts, and fails on any check that is not in the KNOWN list below.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AtCase, parseAtFile, shellFunctions, uuidfilt } from './at-file.js';
import { runTestOvsdb } from './test-ovsdb.js';

const TESTS_DIR = process.env['OVS_TESTS_DIR'] ?? '/tmp/ovs-src/openvswitch/tests';
const FILES = [
  'ovsdb-data.at', 'ovsdb-types.at', 'ovsdb-column.at', 'ovsdb-table.at', 'ovsdb-schema.at', 'ovsdb-row.at',
  'ovsdb-condition.at', 'ovsdb-mutation.at', 'ovsdb-query.at', 'ovsdb-execution.at', 'ovsdb-transaction.at',
  'ovsdb-trigger.at',
];

/** Checks we knowingly do not pass, with the reason. */
const KNOWN: { [title: string]: string } = {
  'no invalid UTF-8 sequences in strings':
    'needs m4_esyscmd to put a raw 0xC0 byte in the argument; JavaScript strings cannot hold invalid UTF-8',
};

/** Runs one case; returns null on success or a description of the mismatch. */
export function runCase(c: AtCase): string | null {
  if (c.argv.length === 0) return 'could not parse the test';
  // "test-ovsdb ...; echo" appends a newline.
  const semi = c.argv.indexOf(';');
  const r = runTestOvsdb(semi >= 0 ? c.argv.slice(0, semi) : c.argv);
  if (semi >= 0 && c.argv[semi + 1] === 'echo') r.stdout += '\n';
  switch (c.kind) {
    case 'positive':
      if (r.status !== 0) return `exit ${r.status}: ${r.stderr}`;
      return r.stdout === c.expected ? null : `stdout:\n${r.stdout}\nexpected:\n${c.expected}`;
    case 'negative':
      if (r.status !== 1) return `exit ${r.status}, expected 1; stdout:\n${r.stdout}`;
      return r.stderr.includes(c.expected) ? null : `stderr:\n${r.stderr}\nexpected to contain:\n${c.expected}`;
    default: {
      if (r.status !== 0) return `exit ${r.status}: ${r.stderr}`;
      const got = uuidfilt(r.stdout);
      return got === c.expected ? null : `stdout:\n${got}\nexpected:\n${c.expected}`;
    }
  }
}

const available = existsSync(join(TESTS_DIR, 'ovsdb-data.at'));
// Shell helpers (schemas) are defined in one file and used in others.
const shared = new Map<string, string>();
if (available) for (const f of FILES) for (const [k, v] of shellFunctions(readFileSync(join(TESTS_DIR, f), 'utf8'))) shared.set(k, v);

for (const file of FILES) {
  test(`OVS ${file}`, { skip: !available && 'OVS source tests not found' }, () => {
    const cases = parseAtFile(file, readFileSync(join(TESTS_DIR, file), 'utf8'), shared);
    assert.ok(cases.length > 0, 'no cases found');
    const failures: string[] = [];
    let passed = 0;
    for (const c of cases) {
      let err: string | null;
      try {
        err = runCase(c);
      } catch (e) {
        err = `threw ${(e as Error).stack ?? String(e)}`;
      }
      if (err === null) passed++;
      else if (!(c.title in KNOWN)) failures.push(`${c.title}: ${err}`);
    }
    if (process.env['AT_VERBOSE']) console.log(`${file}: ${passed}/${cases.length} passed`);
    assert.deepEqual(failures, [], `${file}: ${passed}/${cases.length} passed`);
  });
}
