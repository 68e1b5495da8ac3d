// What <GuestConsole> gives the visualisers inside it (Vue provide/inject): the guest's state,
// a counter that changes whenever the guest may have changed, and the worker's inspectors.

import type { InjectionKey, Ref } from 'vue';
import type { InspectArgs } from './inspectors.ts';
import type { GuestState } from './protocol.ts';

export interface GuestHandle {
  /** The latest state the worker reported; null before boot. */
  state: Ref<GuestState | null>;
  /** Bumped after every boot, step, pause and end: re-inspect when it changes. */
  version: Ref<number>;
  inspect<T>(name: string, args?: InspectArgs): Promise<T>;
  /** Runs `count` guest instructions, as the Step button runs one (a visualiser's own step). */
  step(count: number): Promise<void>;
}

export const GUEST: InjectionKey<GuestHandle> = Symbol('xenlab guest');

export const hex = (value: number, digits = 8): string =>
  (value >>> 0).toString(16).padStart(digits, '0');
