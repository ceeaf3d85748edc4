export * from './audit';
export * from './auth';
export * from './capabilities';
export * from './errors';
export * from './paging';
export * from './roles';
export * from './settings';
export * from './users';
