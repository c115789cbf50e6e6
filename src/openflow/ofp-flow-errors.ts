/* ofp-flow-errors: the OpenFlow errors the flow language reports.
 *
 * Decoders of matches and actions (nx-match.ts, ofp-match10.ts,
 * ofp-match11.ts, ofp-actions*.ts) never throw on bad input; they return an
 * OfpError naming the error as OVS does (OFPERR_* without the prefix, e.g.
 * "OFPBMC_BAD_FIELD").  The message layer (ofp-errors.ts) maps a name to the
 * type/code pair of each OpenFlow version when it builds an OFPT_ERROR.
 */

/** OFPERR_* names this layer can return. */
export type OfpErrName =
  | 'OFPBRC_BAD_LEN' | 'OFPBRC_PIPELINE_FIELDS_ONLY'
  | 'OFPBAC_BAD_TYPE' | 'OFPBAC_BAD_LEN' | 'OFPBAC_BAD_VENDOR' | 'OFPBAC_BAD_VENDOR_TYPE'
  | 'OFPBAC_BAD_OUT_PORT' | 'OFPBAC_BAD_ARGUMENT' | 'OFPBAC_TOO_MANY' | 'OFPBAC_BAD_QUEUE'
  | 'OFPBAC_BAD_OUT_GROUP' | 'OFPBAC_MATCH_INCONSISTENT' | 'OFPBAC_UNSUPPORTED_ORDER'
  | 'OFPBAC_BAD_TAG' | 'OFPBAC_BAD_SET_TYPE' | 'OFPBAC_BAD_SET_LEN' | 'OFPBAC_BAD_SET_ARGUMENT'
  | 'OFPBAC_BAD_SET_MASK' | 'OFPBAC_BAD_METER'
  | 'NXBAC_MUST_BE_ZERO' | 'NXBAC_BAD_CONJUNCTION' | 'NXBAC_BAD_HEADER_TYPE'
  | 'NXBAC_UNKNOWN_ED_PROP' | 'NXBAC_BAD_ED_PROP'
  | 'OFPBIC_UNKNOWN_INST' | 'OFPBIC_UNSUP_INST' | 'OFPBIC_BAD_TABLE_ID' | 'OFPBIC_UNSUP_METADATA'
  | 'OFPBIC_UNSUP_METADATA_MASK' | 'OFPBIC_BAD_EXPERIMENTER' | 'OFPBIC_BAD_EXP_TYPE'
  | 'OFPBIC_BAD_LEN' | 'OFPBIC_EPERM' | 'OFPBIC_DUP_INST'
  | 'OFPBMC_BAD_TYPE' | 'OFPBMC_BAD_LEN' | 'OFPBMC_BAD_TAG' | 'OFPBMC_BAD_DL_ADDR_MASK'
  | 'OFPBMC_BAD_NW_ADDR_MASK' | 'OFPBMC_BAD_WILDCARDS' | 'OFPBMC_BAD_FIELD' | 'OFPBMC_BAD_VALUE'
  | 'OFPBMC_BAD_MASK' | 'OFPBMC_BAD_PREREQ' | 'OFPBMC_DUP_FIELD' | 'OFPBMC_EPERM'
  | 'NXFMFC_INVALID_TLV_FIELD' | 'OFPFMFC_BAD_COMMAND';

/** An OpenFlow error returned (not thrown) by a decoder. */
export class OfpError {
  constructor(readonly name: OfpErrName, readonly detail?: string) {}
  toString(): string { return `OFPERR_${this.name}${this.detail ? ` (${this.detail})` : ''}`; }
}

export function isOfpError(x: unknown): x is OfpError { return x instanceof OfpError; }
