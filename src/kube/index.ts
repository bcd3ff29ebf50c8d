export * from './api-version';
export * from './client';
export * from './credentials';
export * from './discovery';
export * from './errors';
export * from './informer';
export * from './names';
