import { describe, expect, it } from 'vitest';
import { BackgroundRefresher } from './background-refresher.js';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function settled(r: BackgroundRefresher): Promise<void> {
  for (let i = 0; i < 100 && (r.size > 0 || r.done + r.failed === 0); i++) await turn();
  await turn();
}

describe('BackgroundRefresher', () => {
  it('runs each key once, one task at a time, with a turn of the event loop between two tasks', async () => {
    const r = new BackgroundRefresher();
    const log: string[] = [];
    let running = 0;
    const task = (name: string) => async () => {
      running++;
      expect(running).toBe(1);
      log.push(`start ${name}`);
      // I/O that arrives while a task runs is handled before the next task starts.
      setImmediate(() => log.push(`io after ${name}`));
      await Promise.resolve();
      log.push(`end ${name}`);
      running--;
    };
    expect(r.enqueue('a', task('a'))).toBe(true);
    expect(r.enqueue('a', task('a again'))).toBe(false);
    expect(r.enqueue('b', task('b'))).toBe(true);
    // Nothing runs inside the caller's turn.
    expect(log).toEqual([]);
    await settled(r);
    for (let i = 0; i < 5; i++) await turn();
    expect(log).toEqual(['start a', 'end a', 'io after a', 'start b', 'end b', 'io after b']);
    expect(r.done).toBe(2);
    // Once a key's task ran, the key can be queued again.
    expect(r.enqueue('a', task('a'))).toBe(true);
    await settled(r);
    expect(r.done).toBe(3);
  });

  it('drops tasks beyond maxPending, counts failures, and stops', async () => {
    const errors: string[] = [];
    const r = new BackgroundRefresher({ maxPending: 2, onError: (key, e) => errors.push(`${key}: ${String(e)}`) });
    let ran = 0;
    expect(r.enqueue('a', async () => ran++)).toBe(true);
    expect(r.enqueue('b', () => Promise.reject(new Error('boom')))).toBe(true);
    expect(r.enqueue('c', async () => ran++)).toBe(false);
    expect(r.dropped).toBe(1);
    await settled(r);
    for (let i = 0; i < 5; i++) await turn();
    expect(ran).toBe(1);
    expect(r.failed).toBe(1);
    expect(errors).toEqual(['b: Error: boom']);
    r.stop();
    expect(r.enqueue('d', async () => ran++)).toBe(false);
    for (let i = 0; i < 5; i++) await turn();
    expect(ran).toBe(1);
    expect(() => new BackgroundRefresher({ maxPending: -1 })).toThrow(/maxPending/);
  });
});
