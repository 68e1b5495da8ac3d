// Your working copy for chapter 10, generated from solutions/xen/console-send.ts by npx xenlab stage.
// A stand-in for event_channel_op: EVTCHNOP_send on the console's pre-bound port, and nothing
// else: book §6.7 (event channels are chapter 07); Xen common/event_channel.c (evtchn_send),
// public/event_channel.h, docs/xen-abi.md §10.
//
// The toolstack gives each new domain a console port (start_info.console.domU.evtchn) whose other
// end is domain 0's console back end. A guest that has written to its console ring sends an event
// on that port; domain 0 is TypeScript here, so delivering the event to it means calling the
// handler its console service bound. Chapter 07 replaces all of this with real event channels.
