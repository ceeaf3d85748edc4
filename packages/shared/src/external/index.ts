export * from './description';
export * from './encode';
export * from './php-json';
export * from './validate';
