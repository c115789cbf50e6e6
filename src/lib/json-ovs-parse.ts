/* json-ovs-parse: JSON parsing with Open vSwitch's rules and error texts
 * (lib/json.c's lexer and parser, reimplemented).
 *
 * JSON.parse is the fast path everywhere; this parser exists for the cases
 * where OVS and JavaScript disagree or where the error text is shown to the
 * user: malformed input ("line 0, column 8, byte 8: invalid keyword 'tru'"),
 * top-level scalars (OVS accepts only an object or array), NUL escapes,
 * nesting deeper than 1000.  Positions count UTF-8 bytes, as OVS does.
 * parseJsonOvs() tries JSON.parse first and falls back to the faithful parser
 * only to produce OVS's verdict.
 */
import { type Json, type JsonObject, jsonParse } from './json.js';

const MAX_HEIGHT = 1000;
const NUMBER_CHARS = new Set([...'.0123456789eE-+'].map((ch) => ch.charCodeAt(0)));

const enum Lex { Start, Keyword, Number, String, Escape }
const enum Parse { Start, End, ObjectInit, ObjectName, ObjectColon, ObjectValue, ObjectNext, ArrayInit, ArrayValue, ArrayNext }

type Token =
  | { t: '{' | '}' | '[' | ']' | ':' | ',' }
  | { t: 'false' | 'true' | 'null' }
  | { t: 'int'; v: number | bigint }
  | { t: 'real'; v: number }
  | { t: 'string'; v: string };

class OvsJsonParser {
  private line = 0;
  private column = 0;
  private byte = 0;
  private error: string | null = null;
  private lexState = Lex.Start;
  private parseState = Parse.Start;
  private stack: (JsonObject | Json[])[] = [];
  private memberName: string | null = null;
  private result: Json = null;

  constructor(private readonly bytes: Uint8Array) {}

  private fail(msg: string): void {
    if (this.error === null) this.error = `line ${this.line}, column ${this.column}, byte ${this.byte}: ${msg}`;
  }

  private account(c: number): void {
    this.byte++;
    if (c === 0x0a) {
      this.column = 0;
      this.line++;
    } else {
      this.column++;
    }
  }

  run(): { value: Json } | { error: string } {
    this.feed(this.bytes, 0, this.bytes.length);
    // Finish: flush a pending keyword/number as if a space followed.
    if (this.error === null) {
      if (this.lexState === Lex.String || this.lexState === Lex.Escape) {
        this.fail('unexpected end of input in quoted string');
      } else if (this.lexState === Lex.Number || this.lexState === Lex.Keyword) {
        this.feed(new Uint8Array([0x20]), 0, 1);
      }
    }
    if (this.parseState === Parse.Start) this.fail('empty input stream');
    else if (this.parseState !== Parse.End) this.fail('unexpected end of input');
    if (this.error !== null) return { error: this.error };
    return { value: this.result };
  }

  /** Bytes of the token in progress carried over between feeds. */
  private pending: number[] = [];

  private feed(input: Uint8Array, from: number, to: number): void {
    let tokenStart = from;
    let i = from;
    const takeToken = (end: number): Uint8Array => {
      const part = input.subarray(tokenStart, end);
      if (this.pending.length) {
        const all = new Uint8Array(this.pending.length + part.length);
        all.set(this.pending, 0);
        all.set(part, this.pending.length);
        this.pending = [];
        return all;
      }
      return part;
    };
    while (this.error === null && i < to) {
      const c = input[i]!;
      let consumed = true;
      switch (this.lexState) {
        case Lex.Start:
          if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) {
            tokenStart = i + 1;
          } else if (c >= 0x61 && c <= 0x7a) {
            this.lexState = Lex.Keyword;
            tokenStart = i;
          } else if (c === 0x5b || c === 0x7b || c === 0x5d || c === 0x7d || c === 0x3a || c === 0x2c) {
            this.input({ t: String.fromCharCode(c) as '{' });
            tokenStart = i + 1;
          } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
            this.lexState = Lex.Number;
            tokenStart = i;
          } else if (c === 0x22) {
            this.lexState = Lex.String;
            tokenStart = i + 1;
          } else if (c >= 0x20 && c < 0x7f) {
            this.fail(`invalid character '${String.fromCharCode(c)}'`);
          } else {
            this.fail(`invalid character U+${c.toString(16).padStart(4, '0')}`);
          }
          break;
        case Lex.Keyword:
          if (!((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a))) {
            this.lexKeyword(latin1(takeToken(i)));
            consumed = false;
          }
          break;
        case Lex.Number:
          if (!NUMBER_CHARS.has(c)) {
            this.lexNumber(latin1(takeToken(i)));
            consumed = false;
          }
          break;
        case Lex.String:
          if (c === 0x5c) {
            this.lexState = Lex.Escape;
          } else if (c === 0x22) {
            this.lexString(takeToken(i));
          } else if (c < 0x20) {
            this.fail(`U+${c.toString(16).toUpperCase().padStart(4, '0')} must be escaped in quoted string`);
          }
          break;
        case Lex.Escape:
          this.lexState = Lex.String;
          break;
      }
      if (consumed) {
        this.account(c);
        i++;
      }
    }
    if (this.error === null && this.lexState !== Lex.Start) {
      for (let k = tokenStart; k < i; k++) this.pending.push(input[k]!);
    }
  }

  private lexKeyword(s: string): void {
    if (s === 'false' || s === 'true' || s === 'null') this.input({ t: s });
    else this.fail(`invalid keyword '${s}'`);
  }

  private lexNumber(s: string): void {
    let p = 0;
    let negative = false;
    let significand = 0n;
    let pow10 = 0;
    let imprecise = false;
    const ULLONG_MAX = 18446744073709551615n;
    const isDigit = (ch: string | undefined): boolean => ch !== undefined && ch >= '0' && ch <= '9';
    if (s[p] === '-') { negative = true; p++; }
    if (s[p] === '0') {
      p++;
      if (isDigit(s[p])) { this.fail('leading zeros not allowed'); return; }
    } else if (isDigit(s[p])) {
      do {
        if (significand <= ULLONG_MAX / 10n) significand = significand * 10n + BigInt(s.charCodeAt(p) - 48);
        else { pow10++; if (s[p] !== '0') imprecise = true; }
        p++;
      } while (isDigit(s[p]));
    } else {
      this.fail("'-' must be followed by digit");
      return;
    }
    if (s[p] === '.') {
      p++;
      if (!isDigit(s[p])) { this.fail('decimal point must be followed by digit'); return; }
      do {
        if (significand <= ULLONG_MAX / 10n) { significand = significand * 10n + BigInt(s.charCodeAt(p) - 48); pow10--; }
        else if (s[p] !== '0') imprecise = true;
        p++;
      } while (isDigit(s[p]));
    }
    if (s[p] === 'e' || s[p] === 'E') {
      p++;
      let negExp = false;
      if (s[p] === '+') p++;
      else if (s[p] === '-') { negExp = true; p++; }
      if (!isDigit(s[p])) { this.fail('exponent must contain at least one digit'); return; }
      let exponent = 0;
      do {
        if (exponent >= Math.floor(2147483647 / 10)) { this.fail('exponent outside valid range'); return; }
        exponent = exponent * 10 + (s.charCodeAt(p) - 48);
        p++;
      } while (isDigit(s[p]));
      pow10 += negExp ? -exponent : exponent;
    }
    if (p !== s.length) { this.fail('syntax error in number'); return; }
    if (significand === 0n) { this.input({ t: 'int', v: 0 }); return; }
    if (!imprecise) {
      while (pow10 > 0 && significand < ULLONG_MAX / 10n) { significand *= 10n; pow10--; }
      while (pow10 < 0 && significand % 10n === 0n) { significand /= 10n; pow10++; }
      if (pow10 === 0 && significand <= (negative ? 9223372036854775808n : 9223372036854775807n)) {
        const v = negative ? -significand : significand;
        const n = Number(v);
        this.input({ t: 'int', v: Number.isSafeInteger(n) ? n : v });
        return;
      }
    }
    const real = Number(s);
    if (!Number.isFinite(real)) { this.fail('number outside valid range'); return; }
    this.input({ t: 'real', v: real === 0 ? 0 : real });
  }

  private lexString(raw: Uint8Array): void {
    const text = new TextDecoder().decode(raw);
    if (!text.includes('\\')) {
      this.input({ t: 'string', v: text });
      return;
    }
    const r = unescapeJsonString(text);
    if (typeof r === 'string') this.input({ t: 'string', v: r });
    else this.fail(r.error);
  }

  private top(): JsonObject | Json[] {
    return this.stack[this.stack.length - 1]!;
  }

  private putValue(v: Json): void {
    const node = this.top();
    if (Array.isArray(node)) node.push(v);
    else { node[this.memberName!] = v; this.memberName = null; }
  }

  private push(v: JsonObject | Json[], state: Parse): void {
    if (this.stack.length >= MAX_HEIGHT) {
      this.fail(`input exceeds maximum nesting depth ${MAX_HEIGHT}`);
      return;
    }
    if (this.stack.length > 0) this.putValue(v);
    else this.result = v;
    this.stack.push(v);
    this.parseState = state;
  }

  private pop(): void {
    if (this.stack.length === 1) {
      this.parseState = Parse.End;
      this.stack.pop();
      return;
    }
    this.stack.pop();
    this.parseState = Array.isArray(this.top()) ? Parse.ArrayNext : Parse.ObjectNext;
  }

  private value(tok: Token, next: Parse): void {
    let v: Json;
    switch (tok.t) {
      case 'false': v = false; break;
      case 'true': v = true; break;
      case 'null': v = null; break;
      case '{': this.push({}, Parse.ObjectInit); return;
      case '[': this.push([], Parse.ArrayInit); return;
      case 'int': case 'real': case 'string': v = tok.v; break;
      default: this.fail('syntax error expecting value'); return;
    }
    this.putValue(v);
    this.parseState = next;
  }

  private memberNameToken(tok: Token): void {
    if (tok.t === 'string') {
      this.memberName = tok.v;
      this.parseState = Parse.ObjectColon;
    } else {
      this.fail('syntax error parsing object expecting string');
    }
  }

  private input(tok: Token): void {
    switch (this.parseState) {
      case Parse.Start:
        if (tok.t === '{') this.push({}, Parse.ObjectInit);
        else if (tok.t === '[') this.push([], Parse.ArrayInit);
        else this.fail('syntax error at beginning of input');
        break;
      case Parse.End:
        this.fail('trailing garbage at end of input');
        break;
      case Parse.ObjectInit:
        if (tok.t === '}') this.pop();
        else this.memberNameToken(tok);
        break;
      case Parse.ObjectName:
        this.memberNameToken(tok);
        break;
      case Parse.ObjectColon:
        if (tok.t === ':') this.parseState = Parse.ObjectValue;
        else this.fail("syntax error parsing object expecting ':'");
        break;
      case Parse.ObjectValue:
        this.value(tok, Parse.ObjectNext);
        break;
      case Parse.ObjectNext:
        if (tok.t === ',') this.parseState = Parse.ObjectName;
        else if (tok.t === '}') this.pop();
        else this.fail("syntax error expecting '}' or ','");
        break;
      case Parse.ArrayInit:
        if (tok.t === ']') this.pop();
        else this.value(tok, Parse.ArrayNext);
        break;
      case Parse.ArrayValue:
        this.value(tok, Parse.ArrayNext);
        break;
      case Parse.ArrayNext:
        if (tok.t === ',') this.parseState = Parse.ArrayValue;
        else if (tok.t === ']') this.pop();
        else this.fail("syntax error expecting ']' or ','");
        break;
    }
    this.lexState = Lex.Start;
  }
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
}

/** Unescapes the inside of a JSON string as OVS's json_string_unescape():
 * returns the string or {error}. */
export function unescapeJsonString(s: string): string | { error: string } {
  let out = '';
  let i = 0;
  const hex4 = (at: number): number | string => {
    if (at + 4 > s.length) return 'quoted string ends within \\u escape';
    const h = s.slice(at, at + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(h)) return 'malformed \\u escape';
    const v = parseInt(h, 16);
    if (v === 0) return 'null bytes not supported in quoted strings';
    return v;
  };
  while (i < s.length) {
    const c = s[i]!;
    if (c === '"') return { error: 'quoted string may not include unescaped "' };
    if (c !== '\\') { out += c; i++; continue; }
    i++;
    if (i >= s.length) return { error: 'quoted string may not end with backslash' };
    const e = s[i++]!;
    switch (e) {
      case '"': case '\\': case '/': out += e; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        const c0 = hex4(i);
        if (typeof c0 === 'string') return { error: c0 };
        i += 4;
        if (c0 < 0xd800 || c0 > 0xdbff) { out += String.fromCharCode(c0); break; }
        if (i + 2 > s.length || s[i] !== '\\' || s[i + 1] !== 'u') return { error: 'malformed escaped surrogate pair' };
        i += 2;
        const c1 = hex4(i);
        if (typeof c1 === 'string') return { error: c1 };
        i += 4;
        if (c1 < 0xdc00 || c1 > 0xdfff) return { error: 'second half of escaped surrogate pair is not trailing surrogate' };
        out += String.fromCharCode(c0, c1);
        break;
      }
      default:
        return { error: `bad escape \\${e}` };
    }
  }
  return out;
}

/** Parses 'text' as OVS's json_from_string() would: an object or array, or
 * an error text ("line L, column C, byte B: ..."). */
export function parseJsonOvs(text: string): { value: Json } | { error: string } {
  const t = text.trimStart();
  if ((t.startsWith('{') || t.startsWith('[')) && !/\\u(0000|[dD][89abAB])/.test(text)) {
    try {
      return { value: jsonParse(text) };
    } catch { /* let the faithful parser explain */ }
  }
  return new OvsJsonParser(new TextEncoder().encode(text)).run();
}

/** parseJsonOvs() for raw bytes (files are parsed as bytes in OVS). */
export function parseJsonOvsBytes(bytes: Uint8Array): { value: Json } | { error: string } {
  return parseJsonOvs(new TextDecoder().decode(bytes));
}
