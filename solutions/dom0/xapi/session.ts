// Xen API sessions: login with a user name and password, a session reference every later call
// carries first, logout, and expiry of sessions left idle: book §11.1.2; xapi's session class
// (session.login_with_password, session.logout; SESSION_AUTHENTICATION_FAILED, SESSION_INVALID).
// xenlab: file from 11
//
// Time is the server's stated clock (milliseconds, passed in): the Node server passes the host's
// clock, tests a counter, so expiry is tested without waiting.

import { XapiFailure } from './values.ts';

export interface Credentials {
  username: string;
  password: string;
}

export interface SessionOptions {
  credentials: Credentials;
  /** Milliseconds now, on the stated clock. */
  clock: () => number;
  /** A session unused this long (ms) is gone: xapi's idle limit is 24 hours. */
  idleMs?: number;
  /** At most this many sessions at once; a login past it drops the least recently used. */
  maxSessions?: number;
  /** Makes the unguessable part of a reference (the Node edge passes crypto's random UUIDs). */
  newId: () => string;
}

export const DEFAULT_IDLE_MS = 24 * 3600 * 1000;
export const DEFAULT_MAX_SESSIONS = 500;

interface Session {
  ref: string;
  uuid: string;
  username: string;
  lastActive: number;
}

/** Equal strings, compared without stopping at the first difference. */
function sameSecret(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++)
    diff |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0);
  return diff === 0;
}

export class Sessions {
  private readonly options: SessionOptions;
  private readonly live = new Map<string, Session>();

  constructor(options: SessionOptions) {
    this.options = options;
  }

  /** session.login_with_password: a new session's reference, or SESSION_AUTHENTICATION_FAILED. */
  login(username: string, password: string): string {
    const { credentials } = this.options;
    const userOk = sameSecret(username, credentials.username);
    const passwordOk = sameSecret(password, credentials.password);
    if (!userOk || !passwordOk)
      throw new XapiFailure('SESSION_AUTHENTICATION_FAILED', [username, 'Authentication failure']);
    this.expire();
    const max = this.options.maxSessions ?? DEFAULT_MAX_SESSIONS;
    while (this.live.size >= max) this.live.delete(this.live.keys().next().value!);
    const session: Session = {
      ref: `OpaqueRef:${this.options.newId()}`,
      uuid: this.options.newId(),
      username,
      lastActive: this.options.clock(),
    };
    this.live.set(session.ref, session);
    return session.ref;
  }

  /** The session `ref` names, touched (its idle time starts again); SESSION_INVALID if none. */
  check(ref: unknown): Session {
    if (typeof ref !== 'string') throw new XapiFailure('FIELD_TYPE_ERROR', ['session_id']);
    this.expire();
    const session = this.live.get(ref);
    if (session === undefined) throw new XapiFailure('SESSION_INVALID', [ref]);
    session.lastActive = this.options.clock();
    // Most recently used last, so the first is the one to drop when full.
    this.live.delete(session.ref);
    this.live.set(session.ref, session);
    return session;
  }

  logout(ref: unknown): void {
    this.check(ref);
    this.live.delete(ref as string);
  }

  get count(): number {
    return this.live.size;
  }

  /** Drops every session idle for longer than the limit. */
  private expire(): void {
    const limit = this.options.idleMs ?? DEFAULT_IDLE_MS;
    const now = this.options.clock();
    for (const [ref, s] of this.live) if (now - s.lastActive > limit) this.live.delete(ref);
  }
}
