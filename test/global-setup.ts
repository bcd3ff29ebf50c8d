// Starts the shared test clusters once for the whole run; test files get them through inject().
import 'vitest';
import type { TestProject } from 'vitest/node';
import { TestBed, TestCluster } from './testbed/cluster';

declare module 'vitest' {
  export interface ProvidedContext {
    clusters: TestCluster[];
  }
}

let bed: TestBed | undefined;

export async function setup(project: TestProject): Promise<void> {
  bed = await TestBed.start({ names: ['east', 'west'] });
  project.provide('clusters', bed.clusters);
}

export async function teardown(): Promise<void> {
  await bed?.stop();
}
