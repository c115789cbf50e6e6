import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsonStreamParser, JsonFramingError } from './json-stream.js';

const text = '{"method":"echo","params":["a}{\\"]"],"id":1} \n[1,{"x":[2]}]{"s":"\\\\"}';
const expected = [
  { method: 'echo', params: ['a}{"]'], id: 1 },
  [1, { x: [2] }],
  { s: '\\' },
];

test('splits concatenated JSON texts, whatever the chunking', () => {
  const bytes = Buffer.from(text);
  for (let cut1 = 0; cut1 <= bytes.length; cut1++) {
    for (const cut2 of [cut1, Math.min(bytes.length, cut1 + 7)]) {
      const p = new JsonStreamParser();
      const got: unknown[] = [];
      for (const part of [bytes.subarray(0, cut1), bytes.subarray(cut1, cut2), bytes.subarray(cut2)]) {
        p.push(part, (v) => got.push(v));
      }
      assert.deepEqual(got, expected, `cut at ${cut1}/${cut2}`);
      assert.equal(p.pendingSize, 0);
    }
  }
});

test('multi-byte UTF-8 split across chunks', () => {
  const bytes = Buffer.from('{"s":"h\u00e9llo \u2603"}');
  for (let cut = 0; cut <= bytes.length; cut++) {
    const p = new JsonStreamParser();
    const got: unknown[] = [];
    p.push(bytes.subarray(0, cut), (v) => got.push(v));
    p.push(bytes.subarray(cut), (v) => got.push(v));
    assert.deepEqual(got, [{ s: 'h\u00e9llo \u2603' }]);
  }
});

test('rejects a top-level scalar and bad JSON', () => {
  assert.throws(() => new JsonStreamParser().push(Buffer.from('123 '), () => {}), JsonFramingError);
  assert.throws(() => new JsonStreamParser().push(Buffer.from('"s"'), () => {}), JsonFramingError);
  assert.throws(() => new JsonStreamParser().push(Buffer.from('{"a":}'), () => {}), JsonFramingError);
  assert.throws(() => new JsonStreamParser().push(Buffer.from('['.repeat(1001)), () => {}), JsonFramingError);
  // Like OVS, an unfinished scalar token is an error only once it ends.
  const q = new JsonStreamParser();
  q.push(Buffer.from('12'), () => {});
  assert.throws(() => q.push(Buffer.from('3{}'), () => {}), JsonFramingError);
  const p = new JsonStreamParser();
  assert.throws(() => p.push(Buffer.from('xyz\n'), () => {}), JsonFramingError);
  assert.throws(() => p.push(Buffer.from('{}'), () => {}), JsonFramingError, 'stays failed');
});

test('enforces the size limit on unfinished messages', () => {
  const p = new JsonStreamParser(1000);
  p.push(Buffer.from('{"a":"'), () => {});
  assert.throws(() => p.push(Buffer.alloc(2000, 0x61), () => {}), /maximum size/);
});
