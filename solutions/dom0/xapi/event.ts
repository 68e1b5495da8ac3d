// Xen API events: what changed since a token, for the classes a client watches: book §11.3;
// xapi's event class (event.from, event.inject; EVENTS_LOST, EVENT_FROM_TOKEN_PARSE_FAILURE).
// xenlab: file from 11
//
// The log compares each object's record with the last one it saw (objects change when their
// domains do, not only when a call changes them) and numbers every difference. A token is the
// number of the last event a client has; event.from answers with what came after it. An empty
// token asks for every object as it is now. event.from answers at once, with no events if
// nothing changed: the client polls (a real xapi may hold the call up to its timeout).

import { CLASSES, type XapiClass, type XapiContext } from './objects.ts';
import { type ApiMap, type ApiValue, XapiFailure } from './values.ts';

/** Events kept: a token older than the oldest kept gets EVENTS_LOST. */
export const EVENT_LOG_SIZE = 10_000;

interface XapiEvent {
  id: number;
  cls: XapiClass;
  operation: 'add' | 'mod' | 'del';
  ref: string;
  snapshot: ApiMap | null;
}

function serialize(record: ApiMap): string {
  return JSON.stringify(record, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
}

function tokenOf(id: number): string {
  return String(id).padStart(20, '0');
}

export class EventLog {
  private readonly seen = new Map<
    string,
    { cls: XapiClass; id: string; text: string; record: ApiMap }
  >();
  private readonly log: XapiEvent[] = [];
  private nextId = 1;

  /** Records an event for every object whose record differs from the last one seen. */
  sync(ctx: XapiContext): void {
    const now = new Set<string>();
    for (const cls of CLASSES) {
      for (const id of cls.ids(ctx)) {
        const ref = ctx.refs.ref(cls.name, id);
        now.add(ref);
        const record = cls.record(ctx, id);
        const text = serialize(record);
        const before = this.seen.get(ref);
        if (before?.text === text) continue;
        this.seen.set(ref, { cls, id, text, record });
        this.push({ cls, operation: before === undefined ? 'add' : 'mod', ref, snapshot: record });
      }
    }
    for (const [ref, { cls }] of this.seen) {
      if (now.has(ref)) continue;
      this.seen.delete(ref);
      this.push({ cls, operation: 'del', ref, snapshot: null });
    }
  }

  /** event.inject: a "mod" event for the object, and the token just after it. */
  inject(cls: XapiClass, ref: string): string {
    const seen = this.seen.get(ref);
    this.push({ cls, operation: 'mod', ref, snapshot: seen?.record ?? null });
    return this.currentToken();
  }

  currentToken(): string {
    return tokenOf(this.nextId - 1);
  }

  /** event.from: the events after `token` for `classes` (names, any case, or "*"). */
  from(ctx: XapiContext, classes: string[], token: string): ApiMap {
    const wanted = new Set(classes.map((c) => c.toLowerCase()));
    const watched = (cls: XapiClass) => wanted.has('*') || wanted.has(cls.name.toLowerCase());
    let events: XapiEvent[];
    if (token === '') {
      events = [...this.seen.entries()]
        .filter(([, s]) => watched(s.cls))
        .map(([ref, s]) => ({
          id: this.nextId - 1,
          cls: s.cls,
          operation: 'add',
          ref,
          snapshot: s.record,
        }));
    } else {
      if (!/^\d{1,20}$/.test(token))
        throw new XapiFailure('EVENT_FROM_TOKEN_PARSE_FAILURE', [token]);
      const after = Number(token);
      const oldest = this.log[0]?.id ?? this.nextId;
      if (after < oldest - 1) throw new XapiFailure('EVENTS_LOST', []);
      events = this.log.filter((e) => e.id > after && watched(e.cls));
    }
    const counts: ApiMap = {};
    for (const cls of CLASSES)
      if (watched(cls)) counts[cls.name.toLowerCase()] = BigInt(cls.ids(ctx).length);
    return {
      events: events.map((e) => this.eventRecord(e)),
      valid_ref_counts: counts,
      token: this.currentToken(),
    };
  }

  private eventRecord(e: XapiEvent): ApiMap {
    const record: ApiMap = {
      id: BigInt(e.id),
      timestamp: tokenOf(e.id),
      class: e.cls.name.toLowerCase(),
      operation: e.operation,
      ref: e.ref,
    };
    if (e.snapshot !== null) record.snapshot = e.snapshot as ApiValue;
    return record;
  }

  private push(e: Omit<XapiEvent, 'id'>): void {
    this.log.push({ id: this.nextId++, ...e });
    if (this.log.length > EVENT_LOG_SIZE) this.log.shift();
  }
}
