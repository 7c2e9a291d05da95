export * from './profile/index.js';
