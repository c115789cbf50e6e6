/* virtio-net: the virtio_net_hdr that PACKET_VNET_HDR sockets and IFF_VNET_HDR
 * taps put in front of every packet (virtio spec 5.1.6; <linux/virtio_net.h>).
 *
 * Layout (10 bytes, host byte order — little-endian on the machines we run on):
 * flags (1: 1 NEEDS_CSUM, 2 DATA_VALID) | gso_type (1) | hdr_len (2) |
 * gso_size (2) | csum_start (2) | csum_offset (2).
 * datapath/netdev-linux.ts moves these fields into DpPacketBatch metadata on
 * receive and writes them back on send.
 */
/** Byte offsets of the header fields. */
export const FIELD = { FLAGS: 0, GSO_TYPE: 1, HDR_LEN: 2, GSO_SIZE: 4, CSUM_START: 6, CSUM_OFFSET: 8 } as const;
/** Size of the header. */
export const VNET_HDR_LEN = 10;
/** Header flag bits. */
export const VNET_F_NEEDS_CSUM = 1, VNET_F_DATA_VALID = 2;

function le16(b: Uint8Array, o: number): number { return b[o]! | (b[o + 1]! << 8); }
function putLe16(b: Uint8Array, o: number, v: number): void { b[o] = v; b[o + 1] = v >>> 8; }

/** Flags of the header at b[o]. */
export function vnetFlags(b: Uint8Array, o: number): number { return b[o + FIELD.FLAGS]!; }
/** GSO type of the header at b[o]. */
export function vnetGsoType(b: Uint8Array, o: number): number { return b[o + FIELD.GSO_TYPE]!; }
/** Size of the headers (Ethernet+IP+L4) before the segmented payload. */
export function vnetHdrLen(b: Uint8Array, o: number): number { return le16(b, o + FIELD.HDR_LEN); }
/** GSO segment size. */
export function vnetGsoSize(b: Uint8Array, o: number): number { return le16(b, o + FIELD.GSO_SIZE); }
/** Where checksumming starts (from the frame's first byte). */
export function vnetCsumStart(b: Uint8Array, o: number): number { return le16(b, o + FIELD.CSUM_START); }
/** Where the checksum goes (from csum_start). */
export function vnetCsumOffset(b: Uint8Array, o: number): number { return le16(b, o + FIELD.CSUM_OFFSET); }

/** Writes a whole header at b[o]. */
export function putVnetHdr(b: Uint8Array, o: number, flags: number, gsoType: number, hdrLen: number,
                           gsoSize: number, csumStart: number, csumOffset: number): void {
  b[o + FIELD.FLAGS] = flags;
  b[o + FIELD.GSO_TYPE] = gsoType;
  putLe16(b, o + FIELD.HDR_LEN, hdrLen);
  putLe16(b, o + FIELD.GSO_SIZE, gsoSize);
  putLe16(b, o + FIELD.CSUM_START, csumStart);
  putLe16(b, o + FIELD.CSUM_OFFSET, csumOffset);
}
