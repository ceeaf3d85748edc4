declare module 'amfjs';
