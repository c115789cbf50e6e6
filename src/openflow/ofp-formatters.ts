/* ofp-formatters: which family formatter prints each message type (the
 * switch statement of OVS's ofp_to_string__, as a table).  Types without an
 * entry print nothing after their header. */
import type { Ds } from '../lib/dynamic-string.js';
import type { OfpMsg, OfpType } from './ofp-msgs.js';
import { formatHello, formatEcho } from './ofp-hello.js';
import { formatErrorMsg } from './ofp-error-print.js';

type Formatter = (ds: Ds, msg: OfpMsg, verbosity: number) => void;

/** Message type -> formatter. */
export const FORMATTERS: Partial<Record<OfpType, Formatter>> = {
  HELLO: formatHello,
  ERROR: formatErrorMsg,
  ECHO_REQUEST: formatEcho,
  ECHO_REPLY: formatEcho,
};
