/* log: the record log that backs OVSDB database files (OVS ovsdb/log.c).
 *
 * A log file is a sequence of records, each a header line
 *
 *     OVSDB <magic> <length> <sha1-hex>\n
 *
 * followed by exactly <length> bytes of data: one JSON object and a newline
 * (the length and the SHA-1 both cover that newline).  A standalone database
 * uses magic "JSON" (the first record is the schema, each later record a
 * transaction; file.ts gives them meaning); a clustered one uses "CLUSTER".
 *
 * OvsdbLog follows OVS's state machine: records are read one by one from the
 * start; the first write truncates whatever has not been read (so a torn or
 * corrupt tail found while reading is overwritten by the next append); a read
 * error sticks until a write.  On top of OVS's synchronous write() and
 * commitBlock() it offers commit(), a group commit: records are gathered and
 * written with one system call per event-loop turn, and durable ones are
 * acknowledged after one fdatasync() that covers every record written before
 * it.  replace() rewrites the whole log (compaction) into "<name>.tmp" and
 * renames it over the original, copying across any records committed while
 * the new contents were being produced, so callers may produce them slowly.
 *
 * The file is locked as OVS locks it (lib/lockfile.ts).
 */
import {
  openSync, closeSync, readSync, writeSync, writev, ftruncateSync, fdatasyncSync, fdatasync,
  fstatSync, renameSync, unlinkSync, statSync, lstatSync, constants, fsyncSync,
} from 'node:fs';
import * as nodeCrypto from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { vlogModule, RateLimit } from '../lib/vlog.js';
import { lockfileLock, lockfileUnlock, followSymlinks, type Lockfile } from '../lib/lockfile.js';
import { strerror } from '../lib/strerror.js';
import { type Json, type JsonObject, jsonParse, isJsonObject } from '../lib/json.js';
import { jsonToStringHashOrder } from '../lib/json-shash.js';
import { OvsdbError } from './ovsdb-error.js';

export { OvsdbError };

const log = vlogModule('ovsdb_log');
const writeRl = new RateLimit(5, 5);

/** Magic of a standalone database log. */
export const OVSDB_MAGIC = 'JSON';
/** Magic of a clustered (Raft) database log. */
export const RAFT_MAGIC = 'CLUSTER';

/** OVS's ovsdb_io_error(): "I/O error: details (strerror)". */
export function ioError(errno: string | undefined, details: string): OvsdbError {
  return new OvsdbError('I/O error', details, null, strerror(errno ?? 'EIO'));
}

/** OVS's ovsdb_syntax_error() without JSON. */
function logSyntaxError(details: string): OvsdbError {
  return new OvsdbError('syntax error', details);
}

/** How OvsdbLog.open() opens the file. */
export const enum OpenMode {
  ReadOnly = 0,
  ReadWrite = 1,
  /** Create; fail if the file exists. */
  CreateExcl = 2,
  /** Create if missing, else open read/write. */
  Create = 3,
}

const enum State { Read, ReadError, Write, WriteError, Broken }

/** Header lines are read as OVS's fgets() into a 128-byte buffer does. */
const HEADER_MAX = 127;
const READ_CHUNK = 1 << 20;
/** Gathered bytes that trigger an immediate flush instead of waiting a turn. */
const FLUSH_THRESHOLD = 1 << 20;

interface ParsedHeader { magic: string; length: number; sha1: string }

/** Parses a header line (including its '\n') as OVS's parse_header(). */
function parseHeader(line: string): ParsedHeader | null {
  if (!line.startsWith('OVSDB ')) return null;
  const sp = line.indexOf(' ', 6);
  if (sp < 0) return null;
  const magic = line.slice(6, sp);
  const m = /^[ \t\n\v\f\r]*\+?(\d+) ([0-9a-fA-F]{40})\n$/.exec(line.slice(sp + 1));
  if (!m) return null;
  const length = Number(m[1]);
  if (!length || !Number.isSafeInteger(length)) return null;
  return { magic, length, sha1: m[2]!.toLowerCase() };
}

/** Whether 'needle' is one of the '|'-separated words in 'haystack'. */
function isMagicOk(needle: string, haystack: string): boolean {
  return !needle.includes('|') && haystack.split('|').includes(needle);
}

/** Returns OVS's message for JSON text that failed to parse as a record. */
function jsonErrorText(text: string, e: unknown): string {
  // OVS's parser takes a top-level scalar as a syntax error at its end.
  const trimmed = text.replace(/[ \t\n\r]+$/, '');
  if (trimmed.length && !/^[[{]/.test(trimmed.trimStart())) {
    try {
      JSON.parse(trimmed);
      const n = trimmed.length;
      return `line 0, column ${n}, byte ${n}: syntax error at beginning of input`;
    } catch { /* fall through */ }
  }
  const msg = e instanceof Error ? e.message : String(e);
  const pos = /position (\d+)/.exec(msg);
  if (pos) {
    const p = Number(pos[1]);
    const before = text.slice(0, p);
    const line = before.split('\n').length - 1;
    const column = p - (before.lastIndexOf('\n') + 1);
    return `line ${line}, column ${column}, byte ${p}: syntax error`;
  }
  return /end of (JSON )?input/i.test(msg) ? 'unexpected end of input' : 'syntax error';
}

/** SHA-1 of 'data' (a string is hashed as UTF-8) in hex; the one-shot
 * crypto.hash() where Node has it, being several times faster. */
const sha1Hex: (data: string | Uint8Array) => string =
  typeof (nodeCrypto as { hash?: unknown }).hash === 'function'
    ? (data) => (nodeCrypto as unknown as { hash(alg: string, d: string | Uint8Array): string }).hash('sha1', data)
    : (data) => nodeCrypto.createHash('sha1').update(data).digest('hex');

/** Composes a record (header and data lines) for JSON text 'jsonText', as a
 * string and its length in bytes. */
export function composeRecordText(jsonText: string, magic: string = OVSDB_MAGIC): { text: string; bytes: number } {
  const data = jsonText + '\n';
  const dataLen = Buffer.byteLength(data);
  const header = `OVSDB ${magic} ${dataLen} ${sha1Hex(data)}\n`;
  return { text: header + data, bytes: header.length + dataLen };
}

/** Composes a record (header and data lines) for JSON text 'jsonText'. */
export function composeRecord(jsonText: string, magic: string = OVSDB_MAGIC): Buffer {
  return Buffer.from(composeRecordText(jsonText, magic).text);
}

/** A record waiting in the group-commit queue. */
interface Waiter {
  /** Sequence number of the record (count of records appended through it). */
  seq: number;
  durable: boolean;
  /** Called once: with null when the record is written (and synced if
   * durable), or with the error that prevented it. */
  done: (e: OvsdbError | null) => void;
}

/** Contents to write when replacing a log: a JSON value, its text, or text
 * produced incrementally (an iterable of chunks, awaited one by one). */
export type ReplaceEntry =
  | { json: Json }
  | { text: string }
  | { chunks: AsyncIterable<string> | Iterable<string> };

/** fsync()s the directory holding 'name' (so a new entry in it is durable). */
export function fsyncParentDir(name: string): void {
  let fd: number;
  const dir = dirname(name);
  try {
    fd = openSync(dir, constants.O_RDONLY);
  } catch (e) {
    log.err(`${dir}: open failed (${strerror((e as NodeJS.ErrnoException).code)})`);
    return;
  }
  try {
    fsyncSync(fd);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EROFS') log.err(`${dir}: fsync failed (${strerror(code)})`);
  }
  closeSync(fd);
}

/** An open log file. */
export class OvsdbLog {
  private state = State.Read;
  private error: OvsdbError | null = null;
  private prevOffset = 0;
  /** Offset just past the last record read or written. */
  offset = 0;
  /** Offset of the end of the log when it was last compacted/opened. */
  private base = 0;
  private fd: number;
  private rbuf: Buffer = Buffer.alloc(0);
  private rbufStart = 0;

  /* Group commit. */
  private pending: string[] = [];
  private pendingBytes = 0;
  private pendingWaiters: Waiter[] = [];
  private flushScheduled = false;
  /** Records appended so far (through any write path). */
  private appended = 0;
  /** Records known durable on disk. */
  private synced = 0;
  private durableWaiters: Waiter[] = [];
  private syncInFlight = false;
  /** Bumped when the file behind 'fd' changes, to disown in-flight syncs. */
  private generation = 0;
  /** Descriptors to close once their in-flight sync completes. */
  private deferredClose: number[] = [];
  /** While a replace() runs: every record appended, for copying across. */
  private replaceTail: Buffer[] | null = null;
  private closed = false;

  private constructor(
    /** Absolute file name. */
    readonly name: string,
    /** The name as the caller gave it, for messages. */
    readonly displayName: string,
    /** The magic actually in the file (or used to create it). */
    public magic: string,
    private lockfile: Lockfile | null,
    fd: number,
  ) {
    this.fd = fd;
  }

  /** Opens 'name' as OVS's ovsdb_log_open().  'magic' may list several
   * acceptable magics separated by '|' (not when creating).  'locking':
   * true to lock, false not to, null to lock only if writing.  Throws
   * OvsdbError. */
  static open(name: string, magic: string, mode: OpenMode, locking: boolean | null = null): OvsdbLog {
    if ((mode === OpenMode.CreateExcl || mode === OpenMode.Create) && magic.includes('|')) {
      throw new Error('cannot create a log with more than one magic');
    }
    const absName = resolve(name);
    const lock = locking ?? mode !== OpenMode.ReadOnly;
    let lockfile: Lockfile | null = null;
    if (lock) {
      const r = lockfileLock(name);
      if (r.error) throw ioError(r.error, `${name}: failed to lock lockfile`);
      lockfile = r.lock!;
    }
    let fd: number;
    try {
      if (name === '/dev/stdin' && mode === OpenMode.ReadOnly) {
        fd = 0;
        const st = fstatSync(0);
        // Records are read by offset, which a pipe cannot do (OVS fails the
        // same way, when it seeks back after reading the first header).
        if (!st.isFile() && !st.isBlockDevice()) throw ioError('ESPIPE', `${name}: seek failed`);
      } else {
        let flags: number;
        switch (mode) {
          case OpenMode.ReadOnly: flags = constants.O_RDONLY; break;
          case OpenMode.ReadWrite: flags = constants.O_RDWR; break;
          case OpenMode.Create: flags = constants.O_RDWR | constants.O_CREAT; break;
          default:
            flags = constants.O_RDWR | constants.O_CREAT;
            // A dangling symlink: create its target (O_EXCL would refuse).
            if (!(isDanglingSymlink(name))) flags |= constants.O_EXCL;
        }
        fd = openSync(name, flags, 0o660);
      }
    } catch (e) {
      lockfileUnlock(lockfile);
      if (e instanceof OvsdbError) throw e;
      const op = mode === OpenMode.CreateExcl ? 'create' : mode === OpenMode.Create ? 'create or open' : 'open';
      throw ioError((e as NodeJS.ErrnoException).code, `${name}: ${op} failed`);
    }
    const file = new OvsdbLog(absName, name, magic, lockfile, fd);
    try {
      const head = file.readAt(0, HEADER_MAX);
      if (head.length === 0) {
        if (magic.includes('|')) throw new OvsdbError('ovsdb error', `${name}: cannot identify file type`);
        fsyncParentDir(absName);
      } else {
        const nl = head.indexOf(0x0a);
        const line = head.toString('latin1', 0, nl >= 0 ? nl + 1 : head.length);
        const h = parseHeader(line);
        if (!h) throw new OvsdbError('ovsdb error', `${name}: unexpected file format`);
        if (!isMagicOk(h.magic, magic)) throw new OvsdbError('ovsdb error', `${name}: cannot identify file type`);
        file.magic = h.magic;
      }
    } catch (e) {
      file.closeNow();
      if (e instanceof OvsdbError) throw e;
      throw ioError((e as NodeJS.ErrnoException).code, `${name}: read error`);
    }
    return file;
  }

  /** Reads up to 'length' bytes at 'offset' (fewer at end of file). */
  private readAt(offset: number, length: number): Buffer {
    const end = offset + length;
    if (offset >= this.rbufStart && end <= this.rbufStart + this.rbuf.length) {
      return this.rbuf.subarray(offset - this.rbufStart, end - this.rbufStart);
    }
    const size = Math.max(length, READ_CHUNK);
    const buf = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) {
      const n = readSync(this.fd, buf, got, size - got, offset + got);
      if (n === 0) break;
      got += n;
    }
    this.rbuf = buf.subarray(0, got);
    this.rbufStart = offset;
    return this.rbuf.subarray(0, Math.min(length, got));
  }

  /** Reads the next record, as OVS's ovsdb_log_read(): returns the record's
   * JSON object, or null at end of log; throws OvsdbError on a read error
   * (and keeps throwing it until the next write). */
  read(): JsonObject | null {
    switch (this.state) {
      case State.Read: break;
      case State.Write: return null;
      default: throw this.error!;
    }
    try {
      return this.readRecord();
    } catch (e) {
      const err = e instanceof OvsdbError ? e : ioError((e as NodeJS.ErrnoException).code, `${this.displayName}: read failed`);
      this.state = State.ReadError;
      this.error = err;
      throw err;
    }
  }

  private readRecord(): JsonObject | null {
    const head = this.readAt(this.offset, HEADER_MAX);
    if (head.length === 0) return null;
    const nl = head.indexOf(0x0a);
    const lineLen = nl >= 0 ? nl + 1 : head.length;
    const line = head.toString('latin1', 0, lineLen);
    const h = parseHeader(line);
    if (!h || h.magic !== this.magic) {
      const shown = nl >= 0 ? line.slice(0, nl) : line;
      throw logSyntaxError(`${this.displayName}: parse error at offset ${this.offset} in header line "${shown}"`);
    }
    const dataOffset = this.offset + lineLen;
    const body = this.readAt(dataOffset, h.length);
    if (body.length < h.length) {
      throw ioError('EOF', `${this.displayName}: error reading ${h.length} bytes starting at offset ${dataOffset}`);
    }
    const actual = sha1Hex(body);
    if (actual !== h.sha1) {
      throw logSyntaxError(`${this.displayName}: ${h.length} bytes starting at offset ${dataOffset} have SHA-1 hash ${actual} but should have hash ${h.sha1}`);
    }
    const text = body.toString('utf8');
    let json: Json;
    try {
      json = jsonParse(text);
    } catch (e) {
      throw logSyntaxError(`${this.displayName}: ${h.length} bytes starting at offset ${dataOffset} are not valid JSON (${jsonErrorText(text, e)})`);
    }
    if (!isJsonObject(json as Json)) {
      if (json === null || typeof json !== 'object') {
        throw logSyntaxError(`${this.displayName}: ${h.length} bytes starting at offset ${dataOffset} are not valid JSON (${jsonErrorText(text, null)})`);
      }
      throw logSyntaxError(`${this.displayName}: ${h.length} bytes starting at offset ${dataOffset} are not a JSON object`);
    }
    this.prevOffset = this.offset;
    this.offset = dataOffset + h.length;
    return json as JsonObject;
  }

  /** After a read error: whether a complete, valid record of this log
   * starts anywhere after the failed one (corruption in the middle of the log
   * rather than a torn or damaged tail). */
  hasValidRecordAfterError(): boolean {
    if (this.state !== State.ReadError) return false;
    const size = fstatSync(this.fd).size;
    const marker = Buffer.from(`\nOVSDB ${this.magic} `, 'latin1');
    let pos = this.offset;
    while (pos < size) {
      const chunk = this.readAt(pos, Math.min(READ_CHUNK, size - pos));
      const i = chunk.indexOf(marker);
      if (i < 0) {
        if (chunk.length < marker.length) break;
        pos += chunk.length - marker.length + 1;
        continue;
      }
      const start = pos + i + 1;
      if (this.isValidRecordAt(start)) return true;
      pos = start;
    }
    return false;
  }

  private isValidRecordAt(offset: number): boolean {
    const head = this.readAt(offset, HEADER_MAX);
    const nl = head.indexOf(0x0a);
    if (nl < 0) return false;
    const h = parseHeader(head.toString('latin1', 0, nl + 1));
    if (!h || h.magic !== this.magic) return false;
    const body = this.readAt(offset + nl + 1, h.length);
    return body.length === h.length && sha1Hex(body) === h.sha1;
  }

  /** Truncates the file after the last good record now, rather than at the
   * next write (after a read error on a log opened for writing). */
  truncateUnread(): void {
    this.startWriting();
  }

  /** Forgets the record just read, so the next write overwrites it. */
  unread(): void {
    if (this.state === State.Read) this.offset = this.prevOffset;
  }

  /** Switches to writing: truncates anything not read (OVS's truncate). */
  private startWriting(): void {
    switch (this.state) {
      case State.Write: return;
      case State.Broken: throw this.error!;
      default: break;
    }
    try {
      ftruncateSync(this.fd, this.offset);
    } catch (e) {
      this.state = State.WriteError;
      this.error = ioError((e as NodeJS.ErrnoException).code, `${this.displayName}: cannot truncate to length ${this.offset}`);
      throw this.error;
    }
    this.rbuf = Buffer.alloc(0);
    this.state = State.Write;
    this.error = null;
  }

  /** Appends 'bytes' (whole records) to the file now. */
  private writeNow(bufs: Buffer[], total: number): void {
    this.startWriting();
    const buf = bufs.length === 1 ? bufs[0]! : Buffer.concat(bufs, total);
    try {
      let done = 0;
      while (done < buf.length) done += writeSync(this.fd, buf, done, buf.length - done, this.offset + done);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      log.warnRl(writeRl, () => `${this.name}: write failed (${strerror(code)})`);
      try { ftruncateSync(this.fd, this.offset); } catch { /* nothing more to do */ }
      this.error = ioError(code, `${this.displayName}: write failed`);
      this.state = State.WriteError;
      throw this.error;
    }
    this.offset += buf.length;
    if (this.replaceTail) for (const b of bufs) this.replaceTail.push(b);
  }

  /** Writes record 'json' (an object or array) now, as OVS's
   * ovsdb_log_write(): atomic, but durable only after commitBlock(). */
  write(json: Json): void {
    if (json === null || typeof json !== 'object') throw new OvsdbError('ovsdb error', 'bad JSON type');
    this.writeText(jsonToStringHashOrder(json));
  }

  /** write() for JSON text already serialized. */
  writeText(jsonText: string): void {
    this.flushPending();
    const rec = composeRecord(jsonText, this.magic);
    this.writeNow([rec], rec.length);
    this.appended++;
  }

  /** Makes everything written so far durable (fdatasync), blocking. */
  commitBlock(): void {
    this.flushPending();
    try {
      fdatasyncSync(this.fd);
    } catch (e) {
      throw ioError((e as NodeJS.ErrnoException).code, `${this.displayName}: fsync failed`);
    }
    this.synced = this.appended;
    this.settleDurable();
  }

  /** Group commit: queues record 'json' (or its JSON text) for writing.
   * The promise resolves once the record is written (durable=false) or
   * written and synced to disk (durable=true); it rejects with OvsdbError if
   * the write or sync fails.  Records are written in call order. */
  commit(json: Json, durable = false): Promise<void> {
    return this.commitText(jsonToStringHashOrder(json), durable);
  }

  /** commit() for a record already serialized as JSON text. */
  commitText(text: string, durable = false): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.commitTextCb(text, durable, (e) => { if (e) reject(e); else resolve(); });
    });
  }

  /** commitText() with a callback instead of a promise (no allocation
   * beyond the queue entry: the server's per-transaction path).  'done' is
   * called once, with null or the OvsdbError, from flushPending() (which the
   * caller may run itself, e.g. after a batch of requests; otherwise it runs
   * once this event-loop turn is over) or, for durable records, when the
   * sync completes.  If the log is closed, 'done' is called at once. */
  commitTextCb(text: string, durable: boolean, done: (e: OvsdbError | null) => void): void {
    if (this.closed) {
      done(new OvsdbError('ovsdb error', `${this.displayName}: log is closed`));
      return;
    }
    const rec = composeRecordText(text, this.magic);
    this.pending.push(rec.text);
    this.pendingBytes += rec.bytes;
    this.pendingWaiters.push({ seq: 0, durable, done });
    if (this.pendingBytes >= FLUSH_THRESHOLD) {
      this.flushPending();
    } else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => { this.flushScheduled = false; this.flushPending(); });
    }
  }

  /** True if commits are queued and not yet written. */
  get hasPending(): boolean { return this.pending.length !== 0; }

  /** Writes out everything commit() has queued. */
  flushPending(): void {
    if (this.pending.length === 0) return;
    const texts = this.pending;
    const waiters = this.pendingWaiters;
    const total = this.pendingBytes;
    this.pending = [];
    this.pendingWaiters = [];
    this.pendingBytes = 0;
    try {
      const buf = Buffer.from(texts.length === 1 ? texts[0]! : texts.join(''));
      if (buf.length !== total) throw new Error('record length mismatch');
      this.writeNow([buf], total);
    } catch (e) {
      for (const w of waiters) w.done(e as OvsdbError);
      return;
    }
    // Number and queue every record before calling anyone back: a callback
    // may commit again (re-entering flushPending).
    let anyDurable = false;
    for (const w of waiters) {
      w.seq = ++this.appended;
      if (w.durable) {
        this.durableWaiters.push(w);
        anyDurable = true;
      }
    }
    if (anyDurable) this.startSync();
    for (const w of waiters) if (!w.durable) w.done(null);
  }

  /** Starts an asynchronous fdatasync covering every record appended so far,
   * unless one is running (then another starts when it finishes). */
  private startSync(): void {
    if (this.syncInFlight || this.durableWaiters.length === 0) return;
    this.syncInFlight = true;
    const fd = this.fd;
    const goal = this.appended;
    const generation = this.generation;
    fdatasync(fd, (err) => {
      this.syncInFlight = false;
      const stale = generation !== this.generation;
      if (stale) {
        this.closeDeferred(fd);
      } else if (err) {
        const e = ioError(err.code, `${this.displayName}: fsync failed`);
        log.warn(`fsync failed (${strerror(err.code)})`);
        const failed = this.durableWaiters.filter((w) => w.seq <= goal);
        this.durableWaiters = this.durableWaiters.filter((w) => w.seq > goal);
        for (const w of failed) w.done(e);
      } else if (goal > this.synced) {
        this.synced = goal;
        this.settleDurable();
      }
      if (!this.closed) this.startSync();
    });
  }

  private settleDurable(): void {
    if (this.durableWaiters.length === 0) return;
    const ready: Waiter[] = [];
    const still: Waiter[] = [];
    for (const w of this.durableWaiters) (w.seq <= this.synced ? ready : still).push(w);
    this.durableWaiters = still;
    // Called back last: a callback may queue and flush more commits.
    for (const w of ready) w.done(null);
  }

  private closeDeferred(fd: number): void {
    const i = this.deferredClose.indexOf(fd);
    if (i >= 0) {
      this.deferredClose.splice(i, 1);
      try { closeSync(fd); } catch { /* ignore */ }
    }
  }

  /** Marks the current size as the base for grewLots(). */
  markBase(): void { this.base = this.offset; }

  /** OVS's ovsdb_log_grew_lots(): whether the log has grown enough past its
   * base to be worth compacting (defaults: over 10 MB and twice the base). */
  grewLots(minBytes = 10 * 1024 * 1024, factor = 2): boolean {
    return this.offset > minBytes && this.offset / factor > this.base;
  }

  /** The size of the log at its last markBase(). */
  get baseOffset(): number { return this.base; }

  /** Number of records written since open (any path). */
  get recordsWritten(): number { return this.appended; }

  /** Atomically replaces the log's contents by 'entries' (OVS's
   * ovsdb_log_replace), leaving the log positioned for appending.  Entries
   * may be produced incrementally; records committed meanwhile are copied
   * after them.  Throws OvsdbError (and leaves the log as it was) on failure. */
  async replace(entries: ReplaceEntry[]): Promise<void> {
    if (this.replaceTail) throw new OvsdbError('ovsdb error', `${this.displayName}: replace already in progress`);
    const target = followSymlinks(this.name);
    const tmpName = `${target}.tmp`;
    try {
      unlinkSync(tmpName);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') throw ioError(code, `failed to remove ${tmpName}`);
    }
    const fresh = OvsdbLog.open(tmpName, this.magic, OpenMode.CreateExcl, false);
    this.flushPending();
    this.replaceTail = [];
    try {
      for (const entry of entries) {
        if ('chunks' in entry) {
          await fresh.writeChunkedRecord(entry.chunks);
        } else if ('text' in entry) {
          fresh.writeText(entry.text);
        } else {
          fresh.write(entry.json);
        }
      }
      fresh.markBase();
      // Copy what was committed meanwhile, sync, and repeat for anything
      // committed during the sync; the final copy and the rename happen
      // without yielding.
      for (let round = 0; ; round++) {
        this.flushPending();
        const tail = this.replaceTail;
        this.replaceTail = [];
        if (tail.length) {
          let total = 0;
          for (const b of tail) total += b.length;
          fresh.writeNow(tail, total);
        }
        if (round >= 2 || (round > 0 && tail.length === 0)) break;
        await new Promise<void>((res, rej) => fdatasync(fresh.fd, (err) => err ? rej(ioError(err.code, `${fresh.displayName}: fsync failed`)) : res()));
      }
      if (this.closed) throw new OvsdbError('ovsdb error', `${this.displayName}: log closed during replace`);
      fdatasyncSync(fresh.fd);
    } catch (e) {
      this.replaceTail = null;
      fresh.closeNow();
      try { unlinkSync(tmpName); } catch { /* ignore */ }
      throw e instanceof OvsdbError ? e : ioError((e as NodeJS.ErrnoException).code, `${tmpName}: write failed`);
    }
    this.replaceTail = null;
    this.commitReplacement(fresh, target);
  }

  /** Writes one record whose data arrives in chunks, hashing as they come
   * and writing them asynchronously at the end (the header, which holds the
   * length and hash, must come first). */
  private async writeChunkedRecord(source: AsyncIterable<string> | Iterable<string>): Promise<void> {
    this.startWriting();
    const hash = nodeCrypto.createHash('sha1');
    const bufs: Buffer[] = [Buffer.alloc(0)];
    let len = 0;
    for await (const c of source) {
      if (!c) continue;
      const b = Buffer.from(c);
      hash.update(b);
      bufs.push(b);
      len += b.length;
    }
    const nl = Buffer.from('\n');
    hash.update(nl);
    bufs.push(nl);
    len += 1;
    const header = Buffer.from(`OVSDB ${this.magic} ${len} ${hash.digest('hex')}\n`, 'latin1');
    bufs[0] = header;
    const total = header.length + len;
    let done = 0;
    while (done < total) {
      // Skip what a short write already covered.
      let skip = done;
      const rest: Buffer[] = [];
      for (const b of bufs) {
        if (skip >= b.length) { skip -= b.length; continue; }
        rest.push(skip ? b.subarray(skip) : b);
        skip = 0;
      }
      const n = await new Promise<number>((res, rej) => {
        writev(this.fd, rest.slice(0, 1024), this.offset + done, (err, written) => err ? rej(ioError(err.code, `${this.displayName}: write failed`)) : res(written));
      });
      done += n;
    }
    this.offset += total;
    this.appended++;
  }

  /** Synchronous replace() for JSON entries (ovsdb-tool, tests). */
  replaceSync(entries: Json[]): void {
    const target = followSymlinks(this.name);
    const tmpName = `${target}.tmp`;
    try {
      unlinkSync(tmpName);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') throw ioError(code, `failed to remove ${tmpName}`);
    }
    const fresh = OvsdbLog.open(tmpName, this.magic, OpenMode.CreateExcl, false);
    this.flushPending();
    try {
      for (const e of entries) fresh.write(e);
      fresh.markBase();
      fresh.commitBlock();
    } catch (e) {
      fresh.closeNow();
      try { unlinkSync(tmpName); } catch { /* ignore */ }
      throw e;
    }
    this.commitReplacement(fresh, target);
  }

  private commitReplacement(fresh: OvsdbLog, target: string): void {
    try {
      renameSync(fresh.name, target);
    } catch (e) {
      fresh.closeNow();
      try { unlinkSync(fresh.name); } catch { /* ignore */ }
      throw ioError((e as NodeJS.ErrnoException).code, `failed to rename "${fresh.name}" to "${target}"`);
    }
    fsyncParentDir(this.name);
    const oldFd = this.fd;
    this.generation++;
    if (this.syncInFlight) this.deferredClose.push(oldFd);
    else { try { closeSync(oldFd); } catch { /* ignore */ } }
    this.syncInFlight = false;
    this.fd = fresh.fd;
    fresh.fd = -1;
    fresh.closeNow();
    this.state = State.Write;
    this.error = null;
    this.offset = fresh.offset;
    this.base = fresh.base;
    this.rbuf = Buffer.alloc(0);
    this.magic = fresh.magic;
    // Everything appended up to now is in the synced new file.
    this.synced = this.appended;
    this.settleDurable();
  }

  private closeNow(): void {
    if (this.fd > 0) { try { closeSync(this.fd); } catch { /* ignore */ } }
    this.fd = -1;
    lockfileUnlock(this.lockfile);
    this.lockfile = null;
    this.closed = true;
  }

  /** Closes the log: writes out queued commits (syncing them if any caller
   * asked for durability), then releases the file and its lock. */
  close(): void {
    if (this.closed) return;
    try {
      this.flushPending();
      if (this.durableWaiters.length) this.commitBlock();
    } catch (e) {
      const failed = this.durableWaiters;
      this.durableWaiters = [];
      for (const w of failed) w.done(e as OvsdbError);
    }
    const fd = this.fd;
    this.closed = true;
    if (this.syncInFlight) {
      this.generation++;
      this.deferredClose.push(fd);
      this.fd = -1;
    }
    this.closeNow();
  }

  /** Whether the log has been closed. */
  get isClosed(): boolean { return this.closed; }

  /** Current size of the file on disk (for tests and statistics). */
  fileSize(): number { return fstatSync(this.fd).size; }
}

function isDanglingSymlink(name: string): boolean {
  try {
    statSync(name);
    return false;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return false;
    try { return lstatSync(name).isSymbolicLink(); } catch { return false; }
  }
}
