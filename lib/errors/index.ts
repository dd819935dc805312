export * from './bluebutton.errors.js';
