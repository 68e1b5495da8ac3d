// The contract between `xenlab run` and a hypervisor tree (grader/commands/run.ts), checked by
// the type checker against the reference and every chapter snapshot (`npm run typecheck`). A
// chapter whose src/ holds a hypervisor or a monitor gets its lines here; hypervisor-contract.test
// checks that none is missing.

import type { Hypervisor, Monitor } from '../grader/commands/run.ts';
import type * as refToolstack from '../solutions/dom0/toolstack.ts';
import type * as refGuests from '../solutions/guests/index.ts';
import type * as refMonitor from '../solutions/monitor/index.ts';
import type * as refXen from '../solutions/xen/index.ts';
import type * as ch01Monitor from './01-virtualization/src/monitor/index.ts';
import type * as ch02Toolstack from './02-architecture/src/dom0/toolstack.ts';
import type * as ch02Guests from './02-architecture/src/guests/index.ts';
import type * as ch02Monitor from './02-architecture/src/monitor/index.ts';
import type * as ch02Xen from './02-architecture/src/xen/index.ts';
import type * as ch03Toolstack from './03-shared-info/src/dom0/toolstack.ts';
import type * as ch03Guests from './03-shared-info/src/guests/index.ts';
import type * as ch03Monitor from './03-shared-info/src/monitor/index.ts';
import type * as ch03Xen from './03-shared-info/src/xen/index.ts';
import type * as ch04Toolstack from './04-grant-tables/src/dom0/toolstack.ts';
import type * as ch04Guests from './04-grant-tables/src/guests/index.ts';
import type * as ch04Monitor from './04-grant-tables/src/monitor/index.ts';
import type * as ch04Xen from './04-grant-tables/src/xen/index.ts';
import type * as ch05Toolstack from './05-memory/src/dom0/toolstack.ts';
import type * as ch05Guests from './05-memory/src/guests/index.ts';
import type * as ch05Monitor from './05-memory/src/monitor/index.ts';
import type * as ch05Xen from './05-memory/src/xen/index.ts';
import type * as ch06Toolstack from './06-device-drivers/src/dom0/toolstack.ts';
import type * as ch06Guests from './06-device-drivers/src/guests/index.ts';
import type * as ch06Monitor from './06-device-drivers/src/monitor/index.ts';
import type * as ch06Xen from './06-device-drivers/src/xen/index.ts';
import type * as ch07Toolstack from './07-event-channels/src/dom0/toolstack.ts';
import type * as ch07Guests from './07-event-channels/src/guests/index.ts';
import type * as ch07Monitor from './07-event-channels/src/monitor/index.ts';
import type * as ch07Xen from './07-event-channels/src/xen/index.ts';
import type * as ch08Toolstack from './08-xenstore/src/dom0/toolstack.ts';
import type * as ch08Guests from './08-xenstore/src/guests/index.ts';
import type * as ch08Monitor from './08-xenstore/src/monitor/index.ts';
import type * as ch08Xen from './08-xenstore/src/xen/index.ts';
import type * as ch09Toolstack from './09-core-devices/src/dom0/toolstack.ts';
import type * as ch09Guests from './09-core-devices/src/guests/index.ts';
import type * as ch09Monitor from './09-core-devices/src/monitor/index.ts';
import type * as ch09Xen from './09-core-devices/src/xen/index.ts';
import type * as ch10Toolstack from './10-other-devices/src/dom0/toolstack.ts';
import type * as ch10Guests from './10-other-devices/src/guests/index.ts';
import type * as ch10Monitor from './10-other-devices/src/monitor/index.ts';
import type * as ch10Xen from './10-other-devices/src/xen/index.ts';

/**
 * Compiles only when `Tree`, a tree's xen/, guests/ and dom0/toolstack.ts modules merged as
 * loadHypervisor merges them, satisfies the contract with the tree's own Xen class `Instance`.
 */
type Check<Tree extends Hypervisor<Instance>, Instance extends object> = Tree;
type MonitorSatisfies<M extends Monitor> = M;

export type CheckedHypervisors = [
  Check<typeof refXen & typeof refGuests & typeof refToolstack, InstanceType<typeof refXen.Xen>>,
  Check<
    typeof ch02Xen & typeof ch02Guests & typeof ch02Toolstack,
    InstanceType<typeof ch02Xen.Xen>
  >,
  Check<
    typeof ch03Xen & typeof ch03Guests & typeof ch03Toolstack,
    InstanceType<typeof ch03Xen.Xen>
  >,
  Check<
    typeof ch04Xen & typeof ch04Guests & typeof ch04Toolstack,
    InstanceType<typeof ch04Xen.Xen>
  >,
  Check<
    typeof ch05Xen & typeof ch05Guests & typeof ch05Toolstack,
    InstanceType<typeof ch05Xen.Xen>
  >,
  Check<
    typeof ch06Xen & typeof ch06Guests & typeof ch06Toolstack,
    InstanceType<typeof ch06Xen.Xen>
  >,
  Check<
    typeof ch07Xen & typeof ch07Guests & typeof ch07Toolstack,
    InstanceType<typeof ch07Xen.Xen>
  >,
  Check<
    typeof ch08Xen & typeof ch08Guests & typeof ch08Toolstack,
    InstanceType<typeof ch08Xen.Xen>
  >,
  Check<
    typeof ch09Xen & typeof ch09Guests & typeof ch09Toolstack,
    InstanceType<typeof ch09Xen.Xen>
  >,
  Check<
    typeof ch10Xen & typeof ch10Guests & typeof ch10Toolstack,
    InstanceType<typeof ch10Xen.Xen>
  >,
];

export type CheckedMonitors = [
  MonitorSatisfies<typeof refMonitor>,
  MonitorSatisfies<typeof ch01Monitor>,
  MonitorSatisfies<typeof ch02Monitor>,
  MonitorSatisfies<typeof ch03Monitor>,
  MonitorSatisfies<typeof ch04Monitor>,
  MonitorSatisfies<typeof ch05Monitor>,
  MonitorSatisfies<typeof ch06Monitor>,
  MonitorSatisfies<typeof ch07Monitor>,
  MonitorSatisfies<typeof ch08Monitor>,
  MonitorSatisfies<typeof ch09Monitor>,
  MonitorSatisfies<typeof ch10Monitor>,
];
