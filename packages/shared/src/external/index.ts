export * from './description';
export * from './encode';
export * from './validate';
