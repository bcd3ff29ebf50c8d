// Every migration, in order. Generated files are added here by hand (explicit imports work the
// same under tsc, Vitest and the TypeORM CLI, where a glob of .ts files would not).
export const MIGRATIONS: Function[] = [];
