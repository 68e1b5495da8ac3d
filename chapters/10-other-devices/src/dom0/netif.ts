// Your working copy for chapter 10, generated from solutions/dom0/netif.ts by npx xenlab stage.
// The network device's wire format: the tx and rx rings' requests and responses, their flags
// and statuses: book §9.2.1; Xen xen/include/public/io/netif.h, docs/xen-abi.md §12.2.
//
// A vif has two rings, each one shared page of ring.h's layout. On the tx ring the guest sends:
// each request names a granted page, where the frame starts in it and how long it is; the back
// end answers each with its id and a NETIF_RSP_* status. On the rx ring the guest lends empty
// pages: each request names one, and the back end copies an arriving frame into it and answers
// with where the frame starts and, as the status, how long it is (negative: NETIF_RSP_*).

import { ringSize } from './ring.ts';

/** struct netif_tx_request (12 bytes): the ring's slot size, as the largest of the union. */
export const NETIF_TX_REQUEST = {
  gref: 0,
  offset: 4,
  flags: 6,
  id: 8,
  size: 10,
  bytes: 12,
} as const;
/** struct netif_tx_response (4 bytes; the slot is 12). */
export const NETIF_TX_RESPONSE = { id: 0, status: 2, bytes: 4 } as const;
/** struct netif_rx_request (8 bytes). */
export const NETIF_RX_REQUEST = { id: 0, pad: 2, gref: 4, bytes: 8 } as const;
/** struct netif_rx_response (8 bytes). */
export const NETIF_RX_RESPONSE = { id: 0, offset: 2, flags: 4, status: 6, bytes: 8 } as const;

/** Bytes per slot: the union of request and response DEFINE_RING_TYPES makes. */
export const NETIF_TX_SLOT = NETIF_TX_REQUEST.bytes;
export const NETIF_RX_SLOT = NETIF_RX_REQUEST.bytes;

/** NET_TX_RING_SIZE and NET_RX_RING_SIZE for one 4 KiB page: (4096 − 64) / slot, a power of 2. */
export const NET_TX_RING_SIZE = ringSize(NETIF_TX_SLOT);
export const NET_RX_RING_SIZE = ringSize(NETIF_RX_SLOT);

// NETTXF_*: a tx request's flags.
export const NETTXF_csum_blank = 1 << 0;
export const NETTXF_data_validated = 1 << 1;
export const NETTXF_more_data = 1 << 2;
export const NETTXF_extra_info = 1 << 3;

// NETRXF_*: an rx response's flags.
export const NETRXF_data_validated = 1 << 0;
export const NETRXF_csum_blank = 1 << 1;
export const NETRXF_more_data = 1 << 2;
export const NETRXF_extra_info = 1 << 3;
export const NETRXF_gso_prefix = 1 << 4;

// NETIF_RSP_*: a response's status (an rx response's positive status is the frame's length).
export const NETIF_RSP_DROPPED = -2;
export const NETIF_RSP_ERROR = -1;
export const NETIF_RSP_OKAY = 0;
export const NETIF_RSP_NULL = 1;

/** XEN_NETIF_MAX_TX_SIZE: the largest size a tx request's u16 can name. */
export const XEN_NETIF_MAX_TX_SIZE = 0xffff;

// Ethernet (IEEE 802.3): the header, and the longest frame without a VLAN tag or FCS.
export const ETH_ALEN = 6;
export const ETH_HLEN = 14;
export const ETH_FRAME_LEN = 1514;
