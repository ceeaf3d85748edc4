export * from './audit';
export * from './config';
export * from './roles';
export * from './sessions';
export * from './users';
