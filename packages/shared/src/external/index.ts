export * from './description';
export * from './validate';
export * from './encode';
