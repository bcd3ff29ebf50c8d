import { describe, expect, it } from 'vitest';
import { HOOK_EVENTS } from './delivery.entity';
import { cloudEventType } from './hook-events';
import { ROLLOUT_EVENT_TYPES } from './rollout-event';

describe('cloudEventType', () => {
  it('sync events and the grouped revision keep their io.flotilla.sync.* types', () => {
    expect(cloudEventType('PreSync')).toBe('io.flotilla.sync.presync');
    expect(cloudEventType('HealthDegraded')).toBe('io.flotilla.sync.healthdegraded');
    expect(cloudEventType('Revision')).toBe('io.flotilla.sync.revision');
    expect(cloudEventType('Test')).toBe('io.flotilla.sync.test');
  });

  it('rollout events are io.flotilla.rollout.<event>', () => {
    expect(cloudEventType('RolloutHalted')).toBe('io.flotilla.rollout.rollouthalted');
    expect(ROLLOUT_EVENT_TYPES.map(cloudEventType)).toEqual([
      'io.flotilla.rollout.rolloutstarted',
      'io.flotilla.rollout.wavestarted',
      'io.flotilla.rollout.wavecompleted',
      'io.flotilla.rollout.rolloutawaitingapproval',
      'io.flotilla.rollout.rollouthalted',
      'io.flotilla.rollout.rolloutcompleted',
    ]);
  });

  it('a hook may name every sync and rollout event', () => {
    expect(HOOK_EVENTS).toEqual(['PreSync', 'PostSync', 'SyncFailed', 'HealthDegraded', 'DriftDetected', ...ROLLOUT_EVENT_TYPES]);
  });
});
