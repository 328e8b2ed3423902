import { describe, expect, it } from 'vitest';
import type { Event } from '../core/types.js';
import { LiveSessions } from './live-sessions.js';

const like = (userId: string, itemId: string, timestamp = 0): Event => ({ userId, itemId, type: 'like', timestamp });

describe('LiveSessions', () => {
  it('keeps the latest events per user', () => {
    const s = new LiveSessions({ perUser: 3 });
    for (let i = 0; i < 5; i++) s.add(like('u', `i${i}`));
    expect(s.get('u').map((e) => e.itemId)).toEqual(['i2', 'i3', 'i4']);
    expect(s.get('nobody')).toEqual([]);
  });

  it('evicts idle users and stays within its capacity', () => {
    let now = 0;
    const s = new LiveSessions({ capacity: 1_000, idleMs: 60_000, clock: () => now });
    for (let u = 0; u < 5_000; u++) s.add(like(`u${u}`, 'a'));
    expect(s.size).toBe(1_000);
    // The most recently active users are the ones kept.
    expect(s.get('u4999')).toHaveLength(1);
    expect(s.get('u0')).toHaveLength(0);
    now = 61_000;
    s.add(like('fresh', 'b'));
    expect(s.size).toBe(1);
    expect(s.get('fresh')).toHaveLength(1);
  });

  it('keeps an active user who was first seen long ago', () => {
    let now = 0;
    const s = new LiveSessions({ idleMs: 1_000, clock: () => now });
    s.add(like('a', 'x'));
    s.add(like('b', 'x'));
    now = 900;
    s.add(like('a', 'y'));
    now = 1_500;
    s.add(like('c', 'z'));
    expect(s.get('a')).toHaveLength(2);
    expect(s.get('b')).toHaveLength(0);
  });

  it('forgets a deleted user', () => {
    const s = new LiveSessions();
    s.add(like('a', 'x'));
    s.delete('a');
    expect(s.get('a')).toEqual([]);
    expect(s.size).toBe(0);
  });
});
