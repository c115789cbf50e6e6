/* dynamic-string: an append-only text builder (OVS's struct ds), shared by
 * formatters that may stop half-way (the text so far stays visible). */

/** Growable string with OVS's chomp semantics. */
export class Ds {
  s = '';
  /** Appends text. */
  put(text: string): this { this.s += text; return this; }
  /** Removes one trailing 'c' if present. */
  chomp(c: string): this {
    if (this.s.endsWith(c)) this.s = this.s.slice(0, -1);
    return this;
  }
  /** Length so far. */
  get length(): number { return this.s.length; }
  /** The last character, or ''. */
  last(): string { return this.s.length ? this.s[this.s.length - 1]! : ''; }
  toString(): string { return this.s; }
}
