export { BlueButtonStore, type StoreSetOptions } from './bluebutton.store.js';
export { MemoryBlueButtonStore } from './memory.store.js';
