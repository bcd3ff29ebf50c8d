import { Cron } from 'croner';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/app-config';
import { evaluateWindows, windowOf, windowProblem, type SyncWindow, type WindowInput } from './sync-windows';

const win = (w: WindowInput): SyncWindow => {
  expect(windowProblem(w, 'w')).toBeNull();
  return windowOf(w);
};
const deny = (schedule: string, durationMinutes: number, more: Partial<SyncWindow> = {}) => win({ kind: 'deny', schedule, durationMinutes, ...more });
const allow = (schedule: string, durationMinutes: number, more: Partial<SyncWindow> = {}) => win({ kind: 'allow', schedule, durationMinutes, ...more });
const at = (iso: string) => new Date(iso);
const untilOf = (windows: SyncWindow[], now: string) => evaluateWindows(windows, at(now)).until?.toISOString() ?? null;

describe('evaluateWindows', () => {
  it('allows everything, for good, when there is no window', () => {
    expect(evaluateWindows([], at('2026-12-07T22:30:00Z'))).toEqual({ allowed: true, manualAllowed: true, until: null, reason: null, active: [] });
  });

  it('blocks automated syncs while a deny window is active, until it ends; a window is open from its start to start + duration, end excluded', () => {
    const nightly = deny('0 22 * * *', 120);
    const v = evaluateWindows([nightly], at('2026-12-07T22:30:00Z'));
    expect(v).toEqual({
      allowed: false,
      manualAllowed: false,
      until: at('2026-12-08T00:00:00.000Z'),
      reason: 'deny window "0 22 * * *" (UTC) active until 2026-12-08T00:00:00.000Z',
      active: [nightly],
    });
    expect(evaluateWindows([nightly], at('2026-12-07T22:00:00Z')).allowed).toBe(false);
    expect(evaluateWindows([nightly], at('2026-12-07T23:59:59.999Z')).allowed).toBe(false);
    // outside: allowed until the next start
    expect(evaluateWindows([nightly], at('2026-12-08T00:00:00Z'))).toMatchObject({
      allowed: true,
      manualAllowed: true,
      until: at('2026-12-08T22:00:00Z'),
      reason: null,
      active: [],
    });
    expect(evaluateWindows([nightly], at('2026-12-07T21:59:59Z'))).toMatchObject({ allowed: true, until: at('2026-12-07T22:00:00Z') });
  });

  it('counts a window that started before now and still covers it as active (a weekend freeze from Friday 20:00 for 60 hours)', () => {
    const freeze = deny('0 20 * * 5', 60 * 60);
    const v = evaluateWindows([freeze], at('2026-12-06T12:00:00Z')); // Sunday noon
    expect(v).toMatchObject({ allowed: false, until: at('2026-12-07T08:00:00Z'), active: [freeze] });
    expect(evaluateWindows([freeze], at('2026-12-07T08:00:00Z'))).toMatchObject({ allowed: true, until: at('2026-12-11T20:00:00Z') });
  });

  it('blocks outside an allow window until it next opens, and allows inside it until it closes', () => {
    const office = allow('0 9 * * 1-5', 8 * 60);
    expect(evaluateWindows([office], at('2026-12-05T12:00:00Z'))).toEqual({
      allowed: false,
      manualAllowed: false,
      until: at('2026-12-07T09:00:00Z'),
      reason: 'outside every allow window; next opens 2026-12-07T09:00:00.000Z',
      active: [],
    });
    expect(evaluateWindows([office], at('2026-12-07T12:00:00Z'))).toEqual({
      allowed: true,
      manualAllowed: true,
      until: at('2026-12-07T17:00:00Z'),
      reason: null,
      active: [office],
    });
  });

  it('lets an active deny window win over an active allow window; until is the deny end while the allow window still covers it', () => {
    const day = allow('0 8 * * *', 10 * 60); // 08:00-18:00
    const lunch = deny('0 12 * * *', 60);
    const v = evaluateWindows([day, lunch], at('2026-12-07T12:30:00Z'));
    expect(v).toMatchObject({ allowed: false, until: at('2026-12-07T13:00:00Z'), active: [day, lunch] });
    expect(v.reason).toBe('deny window "0 12 * * *" (UTC) active until 2026-12-07T13:00:00.000Z');
    // allowed before lunch, until lunch starts (before the allow window closes)
    expect(untilOf([day, lunch], '2026-12-07T09:00:00Z')).toBe('2026-12-07T12:00:00.000Z');
  });

  it('when the allow window closes during the deny window, waits for the next allow window after the deny ends', () => {
    const morning = allow('0 8 * * *', 5 * 60); // 08:00-13:00
    const change = deny('0 12 * * *', 120); // 12:00-14:00
    const v = evaluateWindows([morning, change], at('2026-12-07T12:30:00Z'));
    expect(v).toMatchObject({ allowed: false, until: at('2026-12-08T08:00:00Z') });
    expect(v.reason).toBe('deny window "0 12 * * *" (UTC) active until 2026-12-07T14:00:00.000Z; automated syncs may run from 2026-12-08T08:00:00.000Z');
  });

  it('allows while ANY allow window is active (argo-cd #10425 blocked when one of several was inactive), until their union closes', () => {
    const early = allow('0 8 * * *', 4 * 60); // 08-12
    const late = allow('0 11 * * *', 4 * 60); // 11-15
    const night = allow('0 22 * * *', 60);
    expect(evaluateWindows([early, late, night], at('2026-12-07T09:00:00Z'))).toMatchObject({ allowed: true, until: at('2026-12-07T15:00:00Z'), active: [early] });
    expect(evaluateWindows([early, late, night], at('2026-12-07T13:00:00Z'))).toMatchObject({ allowed: true, until: at('2026-12-07T15:00:00Z'), active: [late] });
    expect(evaluateWindows([early, late, night], at('2026-12-07T16:00:00Z'))).toMatchObject({ allowed: false, until: at('2026-12-07T22:00:00Z'), active: [] });
  });

  it('an allow window opening exactly as the deny window ends lets syncs run from that instant', () => {
    expect(untilOf([deny('0 10 * * *', 60), allow('0 11 * * *', 60)], '2026-12-07T10:30:00Z')).toBe('2026-12-07T11:00:00.000Z');
    // and a second deny window starting as the first ends extends the wait
    expect(untilOf([deny('0 10 * * *', 60), deny('0 11 * * *', 30)], '2026-12-07T10:30:00Z')).toBe('2026-12-07T11:30:00.000Z');
  });

  it('permits a manual sync in deny windows only when every active one has manualSync', () => {
    const now = at('2026-12-07T22:30:00Z');
    const lenient = deny('0 22 * * *', 120, { manualSync: true });
    const strict = deny('30 22 * * *', 60);
    const later = deny('0 23 * * *', 60); // not active at 22:30
    expect(evaluateWindows([lenient], now)).toMatchObject({ allowed: false, manualAllowed: true });
    expect(evaluateWindows([lenient, strict], now)).toMatchObject({ allowed: false, manualAllowed: false });
    expect(evaluateWindows([lenient, later], now)).toMatchObject({ allowed: false, manualAllowed: true });
    // an active deny window rules manual syncs even inside a lenient allow window
    expect(evaluateWindows([allow('0 0 * * *', 1440, { manualSync: true }), strict], now)).toMatchObject({ allowed: false, manualAllowed: false });
  });

  it('permits a manual sync outside the allow windows only when one of them has manualSync, and always inside one', () => {
    const outside = at('2026-12-05T12:00:00Z');
    const office = allow('0 9 * * 1-5', 480);
    const ops = allow('0 20 * * 1-5', 60, { manualSync: true });
    expect(evaluateWindows([office], outside)).toMatchObject({ allowed: false, manualAllowed: false });
    expect(evaluateWindows([office, ops], outside)).toMatchObject({ allowed: false, manualAllowed: true });
    expect(evaluateWindows([office], at('2026-12-07T12:00:00Z'))).toMatchObject({ allowed: true, manualAllowed: true });
  });

  it('chains overlapping and touching firings of one window into one stretch', () => {
    // 09:00, 10:00, 11:00, 12:00, each for 90 minutes: one stretch 09:00-13:30
    const overlapping = deny('0 9-12 * * *', 90);
    expect(evaluateWindows([overlapping], at('2026-12-07T09:15:00Z'))).toMatchObject({
      until: at('2026-12-07T13:30:00.000Z'),
      reason: 'deny window "0 9-12 * * *" (UTC) active until 2026-12-07T13:30:00.000Z',
    });
    expect(untilOf([overlapping], '2026-12-07T12:15:00Z')).toBe('2026-12-07T13:30:00.000Z');
    // every 5 minutes for 5 minutes from 09:00 to 10:55: touching, one stretch to 11:00
    expect(evaluateWindows([deny('*/5 9-10 * * *', 5)], at('2026-12-07T09:01:00Z'))).toMatchObject({
      until: at('2026-12-07T11:00:00.000Z'),
      reason: 'deny window "*/5 9-10 * * *" (UTC) active until 2026-12-07T11:00:00.000Z',
    });
    // every 5 minutes for 4 minutes: a one-minute gap after each
    expect(untilOf([deny('*/5 9-10 * * *', 4)], '2026-12-07T09:01:00Z')).toBe('2026-12-07T09:04:00.000Z');
    // an allow window that chains keeps syncs allowed to the end of the stretch
    expect(untilOf([allow('0 9-12 * * *', 90)], '2026-12-07T09:15:00Z')).toBe('2026-12-07T13:30:00.000Z');
  });

  it('follows a stretch of 570 firings a minute apart (09:00-17:59, each for 30 minutes) to its end in one evaluation', () => {
    const v = evaluateWindows([deny('* 9-17 * * 1-5', 30, { timeZone: 'Europe/Madrid' })], at('2026-12-07T08:01:00Z'));
    expect(v).toMatchObject({ allowed: false, until: at('2026-12-07T17:29:00Z') });
    expect(v.reason).toBe('deny window "* 9-17 * * 1-5" (Europe/Madrid) active until 2026-12-07T17:29:00.000Z');
  });

  it('says "at least" when a stretch is too long to follow in one evaluation, and goes on from there the next time', () => {
    // every 6 hours for 10 hours: active for good, but only walking a year of firings shows it
    const w = deny('0 */6 * * *', 600, { timeZone: 'Europe/Lisbon' });
    const now = Date.parse('2026-12-07T12:00:00Z');
    const first = evaluateWindows([w], new Date(now));
    expect(first.allowed).toBe(false);
    expect(first.until!.getTime()).toBeGreaterThan(now + 7 * 86_400_000);
    expect(first.reason).toMatch(/active until at least .*; automated syncs may run from at least /);
    let last = first;
    for (let i = 1; i < 20 && last.until !== null; i++) last = evaluateWindows([w], new Date(now + i * 1000));
    expect(last).toMatchObject({ allowed: false, until: null });
    expect(last.reason).toBe('deny window "0 */6 * * *" (Europe/Lisbon) active until more than a year from now; automated syncs are not allowed within a year');
  });

  it('reports until null when no window opens within a year, and when nothing will ever block', () => {
    const leapDay = allow('0 0 29 2 *', 60); // next on 2028-02-29
    expect(evaluateWindows([leapDay], at('2026-03-01T00:00:00Z'))).toMatchObject({
      allowed: false,
      until: null,
      reason: 'outside every allow window; none opens within a year; automated syncs are not allowed within a year',
    });
    expect(evaluateWindows([leapDay], at('2027-03-01T00:00:00Z'))).toMatchObject({ allowed: false, until: at('2028-02-29T00:00:00Z') });
    const forever = deny('* * * * *', 60);
    expect(evaluateWindows([forever], at('2026-12-07T12:00:00Z'))).toMatchObject({ allowed: false, until: null, active: [forever] });
    // every hour for an hour, in a zone half an hour off UTC: always active
    expect(evaluateWindows([allow('0 * * * *', 60, { timeZone: 'Asia/Kolkata' })], at('2026-12-07T12:00:00Z'))).toMatchObject({ allowed: true, until: null });
    expect(evaluateWindows([allow('0 * * * *', 59, { timeZone: 'Asia/Kolkata' })], at('2026-12-07T12:00:00Z'))).toMatchObject({ allowed: true, until: at('2026-12-07T12:29:00Z') });
  });

  it('honours the time zone: 09:00 in New York is 14:00Z before and 13:00Z after the US switch to summer time on 2026-03-08', () => {
    const office = allow('0 9 * * 1-5', 480, { timeZone: 'America/New_York' });
    expect(untilOf([office], '2026-03-06T12:00:00Z')).toBe('2026-03-06T14:00:00.000Z'); // Friday, EST
    expect(untilOf([office], '2026-03-07T12:00:00Z')).toBe('2026-03-09T13:00:00.000Z'); // Saturday -> Monday, EDT
    expect(evaluateWindows([office], at('2026-03-09T20:59:00Z'))).toMatchObject({ allowed: true, until: at('2026-03-09T21:00:00Z') });
    expect(evaluateWindows([office], at('2026-03-09T21:00:00Z'))).toMatchObject({ allowed: false });
    // the same schedule in UTC is another window
    expect(untilOf([allow('0 9 * * 1-5', 480)], '2026-03-06T12:00:00Z')).toBe('2026-03-06T17:00:00.000Z');
  });
});

describe('evaluateWindows across daylight-saving changes (Europe/Berlin: 2026-03-29 02:00 -> 03:00, 2026-10-25 03:00 -> 02:00)', () => {
  const berlin = { timeZone: 'Europe/Berlin' };

  it('opens a daily "0 22 * * *" window at 21:00Z in winter and 20:00Z in summer, on both sides of each change', () => {
    const nightly = deny('0 22 * * *', 60, berlin);
    const window = (now: string) => {
      const v = evaluateWindows([nightly], at(now));
      return { allowed: v.allowed, until: v.until?.toISOString() };
    };
    expect(window('2026-03-28T21:30:00Z')).toEqual({ allowed: false, until: '2026-03-28T22:00:00.000Z' });
    expect(window('2026-03-28T22:30:00Z')).toEqual({ allowed: true, until: '2026-03-29T20:00:00.000Z' });
    expect(window('2026-03-29T20:30:00Z')).toEqual({ allowed: false, until: '2026-03-29T21:00:00.000Z' });
    expect(window('2026-10-24T20:30:00Z')).toEqual({ allowed: false, until: '2026-10-24T21:00:00.000Z' });
    expect(window('2026-10-24T21:30:00Z')).toEqual({ allowed: true, until: '2026-10-25T21:00:00.000Z' });
    expect(window('2026-10-25T21:30:00Z')).toEqual({ allowed: false, until: '2026-10-25T22:00:00.000Z' });
  });

  it('ends a "30 1 * * *" 120-minute window exactly 120 real minutes after its 00:30Z start on the spring-forward night (04:30 local, not 03:30)', () => {
    const w = deny('30 1 * * *', 120, berlin);
    expect(evaluateWindows([w], at('2026-03-29T00:29:59Z')).allowed).toBe(true);
    expect(evaluateWindows([w], at('2026-03-29T00:30:00Z'))).toMatchObject({ allowed: false, until: at('2026-03-29T02:30:00Z') });
    expect(evaluateWindows([w], at('2026-03-29T02:29:59Z')).allowed).toBe(false);
    expect(evaluateWindows([w], at('2026-03-29T02:30:00Z')).allowed).toBe(true);
    // and on the fall-back night the two hours end at 02:30 local (CET), 01:30Z
    expect(untilOf([w], '2026-10-24T23:45:00Z')).toBe('2026-10-25T01:30:00.000Z');
  });

  it('opens a window whose start (02:30) does not exist on 2026-03-29 at 03:00 CEST, the first valid time after the gap, for its full duration', () => {
    const w = deny('30 2 * * *', 60, berlin);
    expect(untilOf([w], '2026-03-28T12:00:00Z')).toBe('2026-03-29T01:00:00.000Z'); // allowed until 03:00 CEST
    expect(evaluateWindows([w], at('2026-03-29T01:30:00Z'))).toMatchObject({ allowed: false, until: at('2026-03-29T02:00:00Z') });
    expect(untilOf([w], '2026-03-29T02:00:00Z')).toBe('2026-03-30T00:30:00.000Z'); // next night at 02:30 CEST
  });

  it('opens a window whose start (02:30) occurs twice on 2026-10-25 once, at the first 02:30 (CEST), and not again an hour later', () => {
    const w = deny('30 2 * * *', 60, berlin);
    expect(evaluateWindows([w], at('2026-10-25T00:45:00Z'))).toMatchObject({ allowed: false, until: at('2026-10-25T01:30:00Z') });
    expect(evaluateWindows([w], at('2026-10-25T01:45:00Z'))).toMatchObject({ allowed: true, until: at('2026-10-26T01:30:00Z') });
  });

  it('fires a stepped schedule in the repeated hour twice, so "*/30 2 * * *" for 30 minutes denies two real hours on 2026-10-25', () => {
    expect(untilOf([deny('*/30 2 * * *', 30, berlin)], '2026-10-25T00:10:00Z')).toBe('2026-10-25T02:00:00.000Z');
  });

  it('leaves an hour uncovered by a daily 24-hour window on the day that lasts 25 hours (durations are elapsed time)', () => {
    const always = deny('0 0 * * *', 1440, berlin);
    // starts at local midnight 2026-10-24T22:00Z, ends 24 real hours later; the next local midnight is 23:00Z
    expect(evaluateWindows([always], at('2026-10-25T12:00:00Z'))).toMatchObject({ allowed: false, until: at('2026-10-25T22:00:00Z') });
    expect(evaluateWindows([always], at('2026-10-25T22:30:00Z'))).toMatchObject({ allowed: true, until: at('2026-10-25T23:00:00Z') });
  });
});

describe('evaluateWindows against a minute-by-minute reference', () => {
  // the reference walks each minute, with the firings croner lists, through the rules as written
  const POOL: [string, string][] = [
    ['0 22 * * *', 'Europe/Berlin'],
    ['30 2 * * *', 'Europe/Berlin'],
    ['*/30 2 * * *', 'Europe/Berlin'],
    ['0 9 * * 1-5', 'America/New_York'],
    ['0 */6 * * *', 'UTC'],
    ['15 8-11 * * *', 'Asia/Kolkata'],
    ['*/20 9-10 * * *', 'UTC'],
    ['0 0 * * 0', 'UTC'],
  ];
  const RANGES = [Date.parse('2026-03-05T00:00:00Z'), Date.parse('2026-03-26T00:00:00Z'), Date.parse('2026-10-22T00:00:00Z')];
  const DAYS = 6;
  const LOOK_AHEAD = 8 * 1440 * 60_000;
  const firings = new Map<string, number[]>();
  for (const [schedule, timeZone] of POOL) {
    const cron = new Cron(schedule, { timezone: timeZone, mode: '5-part' });
    const list: number[] = [];
    for (const start of RANGES) {
      let t: Date | null = new Date(start - 8 * 1440 * 60_000);
      while ((t = cron.nextRun(t)) && t.getTime() < start + DAYS * 1440 * 60_000 + LOOK_AHEAD + 60_000) list.push(t.getTime());
    }
    firings.set(`${schedule}|${timeZone}`, list);
  }
  // some firing s with s <= t < s + duration: the first firing after t - duration is at or before t
  const activeAt = (w: SyncWindow, t: number) => {
    const list = firings.get(`${w.schedule}|${w.timeZone}`)!;
    const from = t - w.durationMinutes * 60_000;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid] <= from) lo = mid + 1;
      else hi = mid;
    }
    return lo < list.length && list[lo] <= t;
  };
  const reference = (windows: SyncWindow[], t: number) => {
    const active = windows.filter((w) => activeAt(w, t));
    const denies = active.filter((w) => w.kind === 'deny');
    const allows = windows.filter((w) => w.kind === 'allow');
    const outside = allows.length > 0 && !active.some((w) => w.kind === 'allow');
    return {
      active,
      allowed: !denies.length && !outside,
      manualAllowed: denies.length ? denies.every((w) => w.manualSync) : outside ? allows.some((w) => w.manualSync) : true,
    };
  };

  it('agrees on allowed, manualAllowed, active and until for random windows and instants around DST changes', () => {
    const windowArb = fc.record({
      kind: fc.constantFrom('allow' as const, 'deny' as const),
      pick: fc.integer({ min: 0, max: POOL.length - 1 }),
      durationMinutes: fc.constantFrom(1, 20, 30, 45, 60, 90, 120, 240, 600, 1440),
      manualSync: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(windowArb, { minLength: 1, maxLength: 4 }), fc.constantFrom(...RANGES), fc.integer({ min: 0, max: DAYS * 1440 * 60 - 1 }), (specs, range, seconds) => {
        const windows = specs.map(({ pick, ...w }) => windowOf({ ...w, schedule: POOL[pick][0], timeZone: POOL[pick][1] }));
        const now = range + seconds * 1000;
        const v = evaluateWindows(windows, new Date(now));
        const ref = reference(windows, now);
        expect(v.allowed).toBe(ref.allowed);
        expect(v.manualAllowed).toBe(ref.manualAllowed);
        expect(v.active).toEqual(ref.active);
        expect(v.reason === null).toBe(ref.allowed);
        // boundaries fall on whole minutes: walk them
        let flip: number | null = null;
        for (let t = Math.floor(now / 60_000) * 60_000 + 60_000; t <= now + LOOK_AHEAD; t += 60_000) {
          if (reference(windows, t).allowed !== ref.allowed) {
            flip = t;
            break;
          }
        }
        if (flip !== null) expect(v.until?.toISOString()).toBe(new Date(flip).toISOString());
        else expect(v.until === null || v.until.getTime() > now + LOOK_AHEAD).toBe(true);
      }),
      { numRuns: 150 },
    );
  });
});

describe('windowProblem', () => {
  const ok = { kind: 'deny', schedule: '0 22 * * 1-5', durationMinutes: 120, timeZone: 'Europe/Berlin', manualSync: true };
  const problem = (change: Record<string, unknown>) => windowProblem({ ...ok, ...change }, 'syncWindows[2]');

  it('accepts a good window and fills timeZone UTC and manualSync false', () => {
    expect(windowProblem(ok, 'syncWindows[0]')).toBeNull();
    expect(windowProblem({ kind: 'allow', schedule: '@daily', durationMinutes: 1 }, 'x')).toBeNull();
    expect(windowOf({ kind: 'allow', schedule: '0 9 * * MON-FRI', durationMinutes: 60 })).toEqual({
      kind: 'allow',
      schedule: '0 9 * * MON-FRI',
      durationMinutes: 60,
      timeZone: 'UTC',
      manualSync: false,
    });
    expect(windowOf({ kind: 'allow', schedule: '0 9 * * *', durationMinutes: 60, timeZone: null, manualSync: null })).toMatchObject({ timeZone: 'UTC', manualSync: false });
  });

  it('names the field and what is wrong, starting with the prefix it was given', () => {
    expect(problem({ kind: 'block' })).toBe('syncWindows[2].kind: expected allow or deny, got "block"');
    expect(problem({ schedule: 'at night' })).toMatch(
      /^syncWindows\[2\]\.schedule: "at night" is not a cron expression \(minute hour day-of-month month day-of-week, like "0 22 \* \* 1-5"\): .*five/,
    );
    expect(problem({ schedule: '61 22 * * *' })).toBe(
      'syncWindows[2].schedule: "61 22 * * *" is not a cron expression (minute hour day-of-month month day-of-week, like "0 22 * * 1-5"): Invalid value for minute: 61',
    );
    expect(problem({ schedule: '0 0 22 * * *' })).toMatch(/^syncWindows\[2\]\.schedule: "0 0 22 \* \* \*" is not a cron expression .*exactly 5 parts/);
    expect(problem({ schedule: '0 0 31 2 *' })).toBe('syncWindows[2].schedule: "0 0 31 2 *" never fires (no date matches it)');
    expect(problem({ schedule: 42 })).toMatch(/^syncWindows\[2\]\.schedule: expected a cron expression .*, got 42$/);
    expect(problem({ timeZone: 'Mars/Base' })).toBe('syncWindows[2].timeZone: "Mars/Base" is not an IANA time zone (like UTC, Europe/Berlin or America/New_York)');
    expect(problem({ timeZone: '+01:00' })).toMatch(/^syncWindows\[2\]\.timeZone: "\+01:00" is not an IANA time zone/);
    expect(problem({ timeZone: '' })).toMatch(/^syncWindows\[2\]\.timeZone: "" is not an IANA time zone/);
    for (const d of [0, 10081, 1.5, '60', undefined]) {
      expect(problem({ durationMinutes: d })).toBe(
        `syncWindows[2].durationMinutes: expected whole minutes from 1 to 10080 (a week), got ${d === undefined ? 'nothing' : JSON.stringify(d)}`,
      );
    }
    expect(problem({ manualSync: 'yes' })).toBe('syncWindows[2].manualSync: expected true or false, got "yes"');
    expect(problem({ timezone: 'Europe/Berlin' })).toBe('syncWindows[2].timezone: unknown key (a window has kind, schedule, durationMinutes, timeZone, manualSync)');
    expect(windowProblem('deny at night' as never, 'syncWindows[2]')).toMatch(/^syncWindows\[2\]: expected a window/);
  });
});

describe('sync.windows in the configuration', () => {
  it('defaults to no global window', () => {
    expect(loadConfig({ env: {} }).sync.windows).toEqual([]);
  });

  it('reads the list from FLOTILLA_SYNC__WINDOWS (JSON or YAML text), filling defaults', () => {
    const config = loadConfig({ env: { FLOTILLA_SYNC__WINDOWS: '[{"kind":"deny","schedule":"0 22 * * 1-5","durationMinutes":120,"timeZone":"Europe/Berlin"}]' } });
    expect(config.sync.windows).toEqual([{ kind: 'deny', schedule: '0 22 * * 1-5', durationMinutes: 120, timeZone: 'Europe/Berlin', manualSync: false }]);
  });

  it('stops start-up naming each bad window field and where it came from', () => {
    const env = {
      FLOTILLA_SYNC__WINDOWS:
        '[{kind: deny, schedule: "0 22 * * 1-5", durationMinutes: 120}, {kind: allow, schedule: "0 25 * * *", durationMinutes: 60}, {kind: deny, schedule: "0 1 * * *", durationMinutes: 60, timeZone: Mars/Base}]',
    };
    expect(() => loadConfig({ env })).toThrow(
      /sync\.windows\[1\]\.schedule: "0 25 \* \* \*" is not a cron expression .*: Invalid value for hour: 25 \(from environment variable FLOTILLA_SYNC__WINDOWS\)/,
    );
    expect(() => loadConfig({ env })).toThrow(/sync\.windows\[2\]\.timeZone: "Mars\/Base" is not an IANA time zone .*\(from environment variable FLOTILLA_SYNC__WINDOWS\)/);
    expect(() => loadConfig({ env: { FLOTILLA_SYNC__WINDOWS: '{kind: deny}' } })).toThrow(/sync\.windows: expected a list of sync windows, got/);
  });
});
