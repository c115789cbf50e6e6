/* json-stream: splits a byte stream into JSON texts, as OVS's JSON-RPC expects.
 *
 * OVS sends JSON-RPC messages back to back with no delimiter: a message ends
 * where its top-level object (or array) closes.  JsonStreamParser scans bytes
 * for that point, tracking nesting depth and string/escape state across chunk
 * boundaries (so each byte is scanned once, however the stream is split), then
 * hands the complete text to JSON.parse.
 *
 * Errors are framing errors: a top-level value that is not an object or array,
 * JSON that does not parse, nesting deeper than 1000 levels (OVS's limit), or
 * a message longer than 'maxSize' bytes.  After
 * an error the parser is unusable; the connection should be closed, as OVS does.
 */

export class JsonFramingError extends Error {}

const SPACE = 0x20, TAB = 0x09, LF = 0x0a, CR = 0x0d;
const QUOTE = 0x22, BACKSLASH = 0x5c;
const LBRACE = 0x7b, RBRACE = 0x7d, LBRACKET = 0x5b, RBRACKET = 0x5d;
/** Deepest nesting accepted, as OVS's JSON parser. */
const MAX_DEPTH = 1000;

export class JsonStreamParser {
  /** Parts of the message being scanned (already scanned up to their end). */
  private parts: Buffer[] = [];
  private partsSize = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private failed: JsonFramingError | null = null;
  /** Inside a top-level scalar (0: none, 1: bare word or number, 2: string,
   * 3: string after a backslash): OVS reports the error only once the
   * scalar's token is complete, so we wait for its end too. */
  private scalar = 0;

  /** 'maxSize': the longest message accepted, in bytes; 'parse' turns one
   * complete JSON text into a value (JSON.parse unless the owner needs more,
   * e.g. exact 64-bit integers). */
  constructor(private readonly maxSize = 64 * 1024 * 1024,
    private readonly parse: (text: string) => unknown = JSON.parse) {}

  /** Feeds 'chunk'; calls 'onMessage' for every complete JSON text in it.
   * Throws JsonFramingError on broken framing. */
  push(chunk: Buffer, onMessage: (value: unknown) => void): void {
    if (this.failed) throw this.failed;
    const n = chunk.length;
    if (n <= SINGLE_MAX && n <= this.maxSize && this.depth === 0 && this.scalar === 0 && this.parts.length === 0
      && this.pushSingle(chunk, onMessage)) return;
    let start = 0; // Where the current message starts within 'chunk'.
    let i = 0;
    if (this.depth === 0) {
      start = skipSpace(chunk, 0);
      i = start;
    }
    while (i < n) {
      if (this.scalar) {
        i = this.skipScalar(chunk, i);
        if (i >= n) { start = n; break; }
      }
      if (this.depth === 0) {
        // Between messages: skip white space, then require '{' or '['.
        i = skipSpace(chunk, i);
        if (i >= n) { start = n; break; }
        const c = chunk[i]!;
        if (c !== LBRACE && c !== LBRACKET) {
          this.scalar = c === QUOTE ? 2 : 1;
          i = this.skipScalar(chunk, c === QUOTE ? i + 1 : i);
          if (i >= n) { start = n; break; }
        }
        start = i;
        this.depth = 1;
        i++;
        continue;
      }
      const c = chunk[i]!;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) this.inString = false;
      } else if (c === QUOTE) {
        this.inString = true;
      } else if (c === LBRACE || c === LBRACKET) {
        if (++this.depth > MAX_DEPTH) this.fail(`input exceeds maximum nesting depth ${MAX_DEPTH}`);
      } else if (c === RBRACE || c === RBRACKET) {
        if (--this.depth === 0) {
          const piece = chunk.subarray(start, i + 1);
          let text: Buffer;
          if (this.parts.length) {
            this.parts.push(piece);
            text = Buffer.concat(this.parts, this.partsSize + piece.length);
            this.parts = [];
            this.partsSize = 0;
          } else {
            text = piece;
          }
          this.checkSize(text.length);
          let value: unknown;
          try {
            value = this.parse(text.toString('utf8'));
          } catch (e) {
            this.fail(`syntax error: ${(e as Error).message}`);
          }
          onMessage(value);
          start = i + 1;
        }
      }
      i++;
    }
    if (this.depth > 0 && start < n) {
      // Keep the unfinished tail; copy it, since the caller may reuse 'chunk'.
      const tail = Buffer.from(chunk.subarray(start));
      this.parts.push(tail);
      this.partsSize += tail.length;
      this.checkSize(this.partsSize);
    }
  }

  /** The common case of a request and its reply: 'chunk' is exactly one
   * message (an object or array, no other message glued to it).  Parsing it
   * whole skips the byte scan; returns false (having done nothing) if 'chunk'
   * is anything else, which the scan then handles (and reports) as usual. */
  private pushSingle(chunk: Buffer, onMessage: (value: unknown) => void): boolean {
    let first = 0;
    while (first < chunk.length && isSpace(chunk[first]!)) first++;
    let last = chunk.length - 1;
    while (last > first && isSpace(chunk[last]!)) last--;
    const a = chunk[first], b = chunk[last];
    if (!((a === LBRACE && b === RBRACE) || (a === LBRACKET && b === RBRACKET))) return false;
    const text = chunk.toString('utf8');
    if (text.indexOf('}{') >= 0) return false;
    let value: unknown;
    try {
      value = this.parse(text);
    } catch {
      return false;
    }
    onMessage(value);
    return true;
  }

  /** Scans a top-level scalar from 'i'; fails once it is complete, else
   * returns 'chunk.length' to wait for more input. */
  private skipScalar(chunk: Buffer, i: number): number {
    for (; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (this.scalar === 3) { this.scalar = 2; continue; }
      if (this.scalar === 2) {
        if (c === BACKSLASH) this.scalar = 3;
        else if (c === QUOTE) break;
        continue;
      }
      if (c === SPACE || c === TAB || c === LF || c === CR || c === QUOTE || c === LBRACE || c === RBRACE
        || c === LBRACKET || c === RBRACKET || c === 0x2c || c === 0x3a) break;
    }
    if (i >= chunk.length) return i;
    this.fail('syntax error at beginning of input');
  }

  /** Bytes of an unfinished message held so far. */
  get pendingSize(): number { return this.partsSize; }

  private checkSize(size: number): void {
    if (size > this.maxSize) this.fail(`message exceeds maximum size of ${this.maxSize} bytes`);
  }

  private fail(message: string): never {
    this.parts = [];
    this.partsSize = 0;
    this.failed = new JsonFramingError(message);
    throw this.failed;
  }
}

/** Longest chunk tried as one whole message: one this short cannot nest
 * deeper than MAX_DEPTH, so JSON.parse accepts exactly what the scan would. */
const SINGLE_MAX = 2 * MAX_DEPTH + 1;

function isSpace(c: number): boolean {
  return c === SPACE || c === LF || c === CR || c === TAB;
}

function skipSpace(b: Buffer, i: number): number {
  const n = b.length;
  while (i < n) {
    const c = b[i]!;
    if (c !== SPACE && c !== LF && c !== CR && c !== TAB) break;
    i++;
  }
  return i;
}
