import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rolloutWaves, waveSummaries } from './rollout-waves';

const sha = 'abc1234def5678901234567890abcdef12345678';
const stored = (states: string[][]) =>
  JSON.stringify(
    states.map((targets, i) => ({
      name: ['canary', 'eu', 'rest'][i],
      state: ['Completed', 'Progressing', 'Pending'][i],
      targets: targets.map((state) => ({ cluster: 'c', namespace: 'n', state })),
    })),
  );

describe('rolloutWaves', () => {
  let ds: DataSource;

  beforeEach(async () => {
    ds = new DataSource({ type: 'better-sqlite3', database: ':memory:' });
    await ds.initialize();
  });

  afterEach(async () => {
    await ds.destroy();
  });

  it('none before the rollouts table exists', async () => {
    expect(await rolloutWaves(ds.manager, 'guestbook', sha)).toBeUndefined();
  });

  it('the newest rollout of the application and revision, a target done once Healthy', async () => {
    await ds.query(`CREATE TABLE rollouts (id INTEGER PRIMARY KEY AUTOINCREMENT, application VARCHAR(63), revision VARCHAR(64), waves TEXT)`);
    const insert = (application: string, revision: string, waves: string) =>
      ds.query(`INSERT INTO rollouts (application, revision, waves) VALUES (?, ?, ?)`, [application, revision, waves]);
    await insert('guestbook', sha, stored([['Failed'], [], []]));
    await insert('guestbook', sha, stored([['Healthy'], ['Healthy', 'Healthy', 'Healthy', 'Syncing', 'Waiting', 'Waiting', 'Waiting', 'Failed'], ['Waiting', 'Waiting']]));
    await insert('guestbook', 'f'.repeat(40), stored([['Waiting'], [], []]));
    await insert('shop', sha, stored([['Waiting'], [], []]));
    expect(await rolloutWaves(ds.manager, 'guestbook', sha)).toEqual([
      { name: 'canary', state: 'Completed', targets: 1, done: 1 },
      { name: 'eu', state: 'Progressing', targets: 8, done: 3 },
      { name: 'rest', state: 'Pending', targets: 2, done: 0 },
    ]);
    expect(await rolloutWaves(ds.manager, 'guestbook', 'e'.repeat(40))).toBeUndefined();
  });

  it('other database errors are not hidden', async () => {
    await ds.query(`CREATE TABLE rollouts (id INTEGER PRIMARY KEY, application VARCHAR(63))`);
    await expect(rolloutWaves(ds.manager, 'guestbook', sha)).rejects.toThrow(/waves|revision/);
  });
});

describe('waveSummaries', () => {
  it('reads parsed JSON too, and nothing from what is not a list of waves', () => {
    expect(waveSummaries([{ name: 'canary', state: 'Soaking', targets: [{ state: 'Healthy' }] }])).toEqual([{ name: 'canary', state: 'Soaking', targets: 1, done: 1 }]);
    expect(waveSummaries('not json')).toBeUndefined();
    expect(waveSummaries('{"waves": []}')).toBeUndefined();
    expect(waveSummaries(null)).toBeUndefined();
    expect(waveSummaries([{ state: 'Pending' }, { name: 'rest' }])).toEqual([{ name: 'rest', state: 'Pending', targets: 0, done: 0 }]);
  });
});
