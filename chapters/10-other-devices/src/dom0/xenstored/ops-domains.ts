// Your working copy for chapter 10, generated from solutions/dom0/xenstored/ops-domains.ts by npx xenlab stage.
// The toolstack's requests about domains: INTRODUCE, RELEASE, IS_DOMAIN_INTRODUCED,
// GET_DOMAIN_PATH, RESUME, SET_TARGET and CONTROL: book §8.1, §8.4.3; Xen
// tools/xenstored/domain.c, control.c.
//
// xenstored learns of a guest when the toolstack INTRODUCEs it, naming the frame of the guest's
// ring and the event channel that signals it: from then on the guest is a connection. RELEASE
// ends that when the domain dies. Each fires a watch event on a special path,
// "@introduceDomain" or "@releaseDomain", which is how back ends learn of domains coming and
// going.

import type { Connection } from './connection.ts';
import type { RingTransport } from './ring.ts';
import { domainPath } from './store.ts';
import {
  oneArg,
  splitStrings,
  strings,
  XS_CONTROL,
  XS_GET_DOMAIN_PATH,
  XS_INTRODUCE,
  XS_IS_DOMAIN_INTRODUCED,
  XS_RELEASE,
  XS_RESUME,
  XS_SET_TARGET,
  type XsError,
} from './wire.ts';
import type { Request, WireFunc, Xenstored } from './xenstored.ts';

/** A domain xenstored serves over its ring. */
export interface IntroducedDomain {
  domid: number;
  /** The ring's frame (start_info.store_mfn) and the event channel port in domain 0. */
  mfn: number;
  port: number;
  /** The guest's connection and its ring, when xenstored could reach the ring. */
  conn: Connection | undefined;
  ring: RingTransport | undefined;
}

/** Reaches domain `domid`'s ring page `mfn`, signalled through domain 0's port `port`. */
export type RingConnector = (
  xs: Xenstored,
  domid: number,
  mfn: number,
  port: number,
) => RingTransport | undefined;

const OK = strings('OK');
/** The first domid that names no domain (DOMID_FIRST_RESERVED). */
const DOMID_FIRST_RESERVED = 0x7ff0;

/** A domid argument: a decimal number naming a real domain other than 0, else undefined. */
function domidOf(arg: string | undefined): number | undefined {
  if (arg === undefined || !/^[0-9]{1,5}$/.test(arg)) return undefined;
  const domid = Number(arg);
  return domid > 0 && domid < DOMID_FIRST_RESERVED ? domid : undefined;
}

/** The introduced domain named by the payload's one argument (onearg_domain). */
function domainArg(r: Request): IntroducedDomain | XsError {
  const domid = domidOf(oneArg(r.msg.payload));
  if (domid === undefined) return 'EINVAL';
  return r.xs.domains.get(domid) ?? 'ENOENT';
}

/** INTRODUCE domid, mfn, port: start serving a domain's ring (a second time changes nothing). */
function doIntroduce(r: Request): Uint8Array | XsError {
  const args = splitStrings(r.msg.payload);
  if (args.length < 3) return 'EINVAL';
  const domid = domidOf(args[0]);
  const mfn = /^[0-9]+$/.test(args[1]!) ? Number(args[1]) : Number.NaN;
  const port = /^[0-9]+$/.test(args[2]!) ? Number(args[2]) : 0;
  if (domid === undefined || !Number.isSafeInteger(mfn) || port <= 0) return 'EINVAL';
  const { xs } = r;
  if (xs.domains.has(domid)) return OK;
  const ring = xs.ringConnector?.(xs, domid, mfn, port);
  const conn = ring === undefined ? undefined : xs.connect(domid, ring);
  xs.domains.set(domid, { domid, mfn, port, conn, ring });
  xs.fireWatches(undefined, { path: '@introduceDomain', exact: true });
  return OK;
}

/** RELEASE domid: the domain is gone; its connection closes and @releaseDomain fires. */
function doRelease(r: Request): Uint8Array | XsError {
  const domain = domainArg(r);
  if (typeof domain === 'string') return domain;
  releaseDomain(r.xs, domain);
  return OK;
}

export function releaseDomain(xs: Xenstored, domain: IntroducedDomain): void {
  xs.domains.delete(domain.domid);
  if (domain.conn !== undefined) xs.disconnect(domain.conn);
  xs.fireWatches(undefined, { path: '@releaseDomain', exact: true });
}

function doIsDomainIntroduced(r: Request): Uint8Array | XsError {
  const arg = oneArg(r.msg.payload);
  if (arg === undefined || !/^[0-9]{1,5}$/.test(arg)) return 'EINVAL';
  return strings(r.xs.introduced(Number(arg)) ? 'T' : 'F');
}

/** Any domain may ask where a domain's home is. */
function doGetDomainPath(r: Request): Uint8Array | XsError {
  const arg = oneArg(r.msg.payload);
  if (arg === undefined || !/^[0-9]{1,5}$/.test(arg)) return 'EINVAL';
  return strings(domainPath(Number(arg)));
}

/** RESUME domid: the domain came back from suspend (nothing to undo here). */
function doResume(r: Request): Uint8Array | XsError {
  const domain = domainArg(r);
  return typeof domain === 'string' ? domain : OK;
}

/** SET_TARGET domid, target: domid (a device model) acts for target from now on. */
function doSetTarget(r: Request): Uint8Array | XsError {
  const args = splitStrings(r.msg.payload);
  if (args.length < 2) return 'EINVAL';
  const domid = domidOf(args[0]);
  const target = domidOf(args[1]);
  if (domid === undefined || target === undefined) return 'EINVAL';
  const domain = r.xs.domains.get(domid);
  if (domain === undefined || !r.xs.domains.has(target)) return 'ENOENT';
  if (domain.conn !== undefined) domain.conn.target = target;
  return OK;
}

/** XS_CONTROL's commands (xenstore-control), by name. */
type ControlCommand = (r: Request, args: string[]) => Uint8Array | XsError;

const CONTROL_COMMANDS: ReadonlyMap<string, ControlCommand> = new Map<string, ControlCommand>([
  ['check', () => OK],
  ['help', () => strings([...CONTROL_COMMANDS.keys()].join('\n'))],
  [
    'print',
    (r, args) => {
      if (args.length !== 1) return 'EINVAL';
      r.xs.log.push(args[0]!);
      return OK;
    },
  ],
  [
    'quota',
    (r) =>
      strings(
        Object.entries(r.xs.quotas)
          .map(([k, v]) => `${k}: ${v}`)
          .join('\n'),
      ),
  ],
]);

function doControl(r: Request): Uint8Array | XsError {
  const [command, ...args] = splitStrings(r.msg.payload);
  const run = command === undefined ? undefined : CONTROL_COMMANDS.get(command);
  return run === undefined ? 'EINVAL' : run(r, args);
}

export const DOMAIN_OPS: ReadonlyArray<[number, WireFunc]> = [
  [XS_CONTROL, { handler: doControl, privileged: true }],
  [XS_INTRODUCE, { handler: doIntroduce, privileged: true }],
  [XS_RELEASE, { handler: doRelease, privileged: true }],
  [XS_GET_DOMAIN_PATH, { handler: doGetDomainPath }],
  [XS_IS_DOMAIN_INTRODUCED, { handler: doIsDomainIntroduced, privileged: true }],
  [XS_RESUME, { handler: doResume, privileged: true }],
  [XS_SET_TARGET, { handler: doSetTarget, privileged: true }],
];
