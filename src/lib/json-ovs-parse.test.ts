// Tests for json-ovs-parse.ts: OVS's JSON error texts (as printed by the real
// ovsdb-tool for malformed schema files and transactions).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJsonOvs } from './json-ovs-parse.js';

function err(text: string): string {
  const r = parseJsonOvs(text);
  assert.ok('error' in r, `expected an error for ${JSON.stringify(text)}`);
  return r.error;
}

test('error texts match OVS', () => {
  assert.equal(err('{"name":"x"\n'), 'line 1, column 0, byte 12: unexpected end of input');
  assert.equal(err('{"name":"x","tables":{}} x\n'), "line 0, column 26, byte 26: invalid keyword 'x'");
  assert.equal(err('\n'), 'line 1, column 0, byte 1: empty input stream');
  assert.equal(err('"abc"\n'), 'line 0, column 4, byte 4: syntax error at beginning of input');
  assert.equal(err('[1,2\n'), 'line 1, column 0, byte 5: unexpected end of input');
  assert.equal(err('{"a":tru}'), "line 0, column 8, byte 8: invalid keyword 'tru'");
  assert.equal(err('null\n'), 'line 0, column 4, byte 4: syntax error at beginning of input');
  assert.equal(err('[01]'), 'line 0, column 3, byte 3: leading zeros not allowed');
  assert.equal(err('["\\u0000"]'), 'line 0, column 8, byte 8: null bytes not supported in quoted strings');
  assert.equal(err('[1,]'), 'line 0, column 3, byte 3: syntax error expecting value');
  assert.equal(err('{} []'), 'line 0, column 3, byte 3: trailing garbage at end of input');
  assert.equal(err('["é" x]'), "line 0, column 7, byte 7: invalid keyword 'x'");
  assert.equal(err('["é" 1]'), "line 0, column 7, byte 7: syntax error expecting ']' or ','");
  assert.equal(err('[@]'), "line 0, column 1, byte 1: invalid character '@'");
  assert.equal(err('["abc'), 'line 0, column 5, byte 5: unexpected end of input in quoted string');
});

test('values: fast path and faithful path agree', () => {
  assert.deepEqual(parseJsonOvs('{"a":[1,2.5,"x",null,true]}'), { value: { a: [1, 2.5, 'x', null, true] } });
  assert.deepEqual(parseJsonOvs('["\\ud83d\\ude00", 1e3, -0]'), { value: ['\u{1f600}', 1000, 0] });
  assert.deepEqual(parseJsonOvs('[9223372036854775807]'), { value: [9223372036854775807n] });
});
