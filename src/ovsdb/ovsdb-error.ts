/* ovsdb-error: the error values of the OVSDB protocol (RFC 7047 section 3.1).
 *
 * An OvsdbError has a tag (the "error" member: "syntax error", "constraint
 * violation", "referential integrity violation", ...), optional details and,
 * for syntax errors, the offending JSON serialized with sorted members (the
 * "syntax" member OVS adds).  Parsers and executors in ovsdb/ throw these;
 * execution.ts catches them and puts toJson() into the transaction result.
 *
 * OvsdbError deliberately does not extend Error: it is thrown on ordinary
 * paths (bad client input) and capturing a stack trace each time is waste.
 */
import { type Json, type JsonObject, jsonToString } from '../lib/json.js';

/** An OVSDB error: {"error": tag, "details": ..., "syntax": ...}. */
export class OvsdbError {
  constructor(
    public tag: string,
    public details: string | null = null,
    public syntax: string | null = null,
    public ioError: string | null = null,
  ) {}

  /** The JSON object sent to clients. */
  toJson(): JsonObject {
    const o: JsonObject = { error: this.tag };
    if (this.details !== null) o['details'] = this.details;
    if (this.syntax !== null) o['syntax'] = this.syntax;
    if (this.ioError !== null) o['io-error'] = this.ioError;
    return o;
  }

  /** The one-line form OVS prints: [syntax "...": ]tag[: details]. */
  toString(): string {
    let s = '';
    if (this.syntax !== null) s += `syntax "${this.syntax}": `;
    s += this.tag;
    if (this.details !== null) s += `: ${this.details}`;
    if (this.ioError !== null) s += ` (${this.ioError})`;
    return s;
  }

  /** Prefixes the details with 'msg: ' (OVS's ovsdb_wrap_error). */
  wrap(msg: string): this {
    this.details = this.details !== null ? `${msg}: ${this.details}` : msg;
    return this;
  }
}

/** An error with 'tag' (default "ovsdb error") and details. */
export function ovsdbError(tag: string | null, details: string | null = null): OvsdbError {
  return new OvsdbError(tag ?? 'ovsdb error', details);
}

/** A syntax error about 'json' (serialized sorted into "syntax"), tag default "syntax error". */
export function syntaxError(json: Json | undefined, tag: string | null, details: string | null): OvsdbError {
  return new OvsdbError(tag ?? 'syntax error', details,
                        json === undefined ? null : jsonToString(json, { sort: true }));
}

/** A "permission error". */
export function permError(details: string): OvsdbError {
  return new OvsdbError('permission error', details);
}

/** An "internal error" for conditions that should never happen. */
export function internalError(details: string): OvsdbError {
  return new OvsdbError('internal error', details);
}

/** True if 'e' is an OvsdbError. */
export function isOvsdbError(e: unknown): e is OvsdbError {
  return e instanceof OvsdbError;
}
