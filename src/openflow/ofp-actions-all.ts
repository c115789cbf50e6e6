/* ofp-actions-all: loads every action family so that the dispatch tables of
 * ofp-actions.ts are complete.  Import this (or ofp-actions-all.js) once
 * before decoding, encoding, parsing or formatting actions. */
import './ofp-actions-basic.js';
import './ofp-actions-field.js';
import './ofp-actions-nx.js';
export * from './ofp-actions.js';
