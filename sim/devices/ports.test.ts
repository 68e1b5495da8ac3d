import { describe, expect, it } from 'vitest';
import { DEBUG_CONSOLE_PORT, DebugConsole } from './debug-console.ts';
import { PortBus } from './ports.ts';

describe('PortBus and the debug console', () => {
  it('routes claimed ports and floats unclaimed ones to all ones', () => {
    const bus = new PortBus();
    const con = new DebugConsole();
    bus.register(DEBUG_CONSOLE_PORT, 1, con);
    expect(bus.claimed(0xe9)).toBe(true);
    expect(bus.claimed(0xea)).toBe(false);
    expect(bus.read(0x80, 1)).toBe(0xff);
    expect(bus.read(0x80, 2)).toBe(0xffff);
    expect(bus.read(0x80, 4)).toBe(0xffffffff);
    expect(bus.read(0xe9, 1)).toBe(0xe9);
    for (const ch of 'hi\n') bus.write(0xe9, 1, ch.charCodeAt(0));
    bus.write(0xe9, 2, 0x4121); // only the low byte counts
    bus.write(0x80, 1, 0x55); // dropped
    expect(con.text()).toBe('hi\n!');
    expect([...con.output()]).toEqual([0x68, 0x69, 0x0a, 0x21]);
    con.clear();
    expect(con.text()).toBe('');
  });

  it('refuses to give a port two owners', () => {
    const bus = new PortBus();
    bus.register(0x3f8, 8, new DebugConsole());
    expect(() => bus.register(0x3ff, 1, new DebugConsole())).toThrow(/already owned/);
  });
});
