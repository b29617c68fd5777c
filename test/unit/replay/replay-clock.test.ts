import { describe, expect, it } from 'vitest';
import { ReplayClock } from '../../../src/pipeline/replay-clock.ts';
import { SPEED_STEPS } from '../../../src/session/controls.ts';
import { FakeTime } from '../../helpers/fake-time.ts';

function clock(opts: { speed?: number | 'max'; position?: number; cap?: number } = {}) {
  const ft = new FakeTime(1_000_000);
  const c = new ReplayClock({ now: ft.now, schedule: ft.schedule, ...opts });
  return { ft, c };
}

describe('ReplayClock', () => {
  it('advances with wall time × speed', () => {
    const { ft, c } = clock({ position: 5000 });
    expect(c.position()).toBe(5000);
    ft.advance(1000);
    expect(c.position()).toBe(6000);
    c.setSpeed(10);
    ft.advance(500);
    expect(c.position()).toBe(11_000);
  });

  it('freezes while paused and continues from there on resume', () => {
    const { ft, c } = clock({ speed: 2 });
    ft.advance(1000);
    c.pause();
    expect(c.paused).toBe(true);
    ft.advance(60_000);
    expect(c.position()).toBe(2000);
    c.togglePause();
    expect(c.paused).toBe(false);
    ft.advance(250);
    expect(c.position()).toBe(2500);
  });

  it('steps through SPEED_STEPS with faster/slower and stops at the ends', () => {
    const { c } = clock({ speed: 1 });
    const seen: (number | 'max')[] = [c.speed];
    for (let i = 0; i < SPEED_STEPS.length + 2; i++) {
      c.faster();
      seen.push(c.speed);
    }
    expect(seen.slice(0, SPEED_STEPS.length)).toEqual([...SPEED_STEPS]);
    expect(c.speed).toBe('max');
    const down: (number | 'max')[] = [];
    for (let i = 0; i < SPEED_STEPS.length + 2; i++) {
      c.slower();
      down.push(c.speed);
    }
    expect(down.slice(0, SPEED_STEPS.length - 1)).toEqual([...SPEED_STEPS].reverse().slice(1));
    expect(c.speed).toBe(1);
  });

  it('goes to the next step from a speed between steps', () => {
    const { c } = clock({ speed: 3 });
    c.faster();
    expect(c.speed).toBe(5);
    c.setSpeed(7);
    c.slower();
    expect(c.speed).toBe(5);
  });

  it('seeks forward and back, relative and absolute, while running or paused', () => {
    const { ft, c } = clock({ position: 10_000 });
    c.seek(5000);
    expect(c.position()).toBe(15_000);
    ft.advance(1000);
    expect(c.position()).toBe(16_000);
    c.seek(-12_000);
    expect(c.position()).toBe(4000);
    c.pause();
    c.seekTo(42);
    ft.advance(1000);
    expect(c.position()).toBe(42);
  });

  it('never passes its cap; at max speed everything up to the cap is due', () => {
    const { ft, c } = clock({ position: 0, cap: 3000 });
    ft.advance(10_000);
    expect(c.position()).toBe(3000);
    c.setCap(100_000);
    expect(c.position()).toBe(3000);
    ft.advance(1000);
    expect(c.position()).toBe(4000);
    c.setSpeed('max');
    expect(c.due()).toBe(100_000);
    expect(c.position()).toBe(4000); // at max the player moves the position as it feeds
    c.seekTo(50_000);
    c.pause();
    expect(c.due()).toBe(50_000);
  });

  it('tells how long until a log time is reached', () => {
    const { c } = clock({ speed: 5, position: 1000 });
    expect(c.msUntil(2000)).toBe(200);
    expect(c.msUntil(500)).toBe(0);
    c.pause();
    expect(c.msUntil(2000)).toBe(Infinity);
    c.resume();
    c.setSpeed('max');
    expect(c.msUntil(1e12)).toBe(0);
  });

  it('wait() resolves through the injected scheduler, without real time', async () => {
    const { ft, c } = clock();
    let done = false;
    const p = c.wait(50).then(() => (done = true));
    await Promise.resolve();
    expect(done).toBe(false);
    expect(ft.pending).toBe(1);
    ft.advance(49);
    await Promise.resolve();
    expect(done).toBe(false);
    ft.advance(1);
    await p;
    expect(done).toBe(true);
    expect(ft.pending).toBe(0);
  });

  it('wait() returns at once on pause/resume/speed/seek and on wake, and cancels its timer', async () => {
    const { ft, c } = clock();
    for (const change of [() => c.pause(), () => c.resume(), () => c.setSpeed(10), () => c.seek(5), () => c.wake()]) {
      let done = false;
      const p = c.wait(Infinity).then(() => (done = true));
      await Promise.resolve();
      expect(done).toBe(false);
      change();
      await p;
      expect(done).toBe(true);
    }
    const p = c.wait(1000);
    expect(ft.pending).toBe(1);
    c.wake();
    await p;
    expect(ft.pending).toBe(0);
  });

  it('refuses a bad speed', () => {
    expect(() => clock({ speed: 0 })).toThrow(RangeError);
    expect(() => clock({ speed: Number.NaN })).toThrow(RangeError);
  });
});
