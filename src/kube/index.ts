export * from './client';
export * from './credentials';
export * from './discovery';
export * from './errors';
