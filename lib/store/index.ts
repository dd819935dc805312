export {
  BlueButtonStore,
  type StoreDeleteOptions,
  type StoreSetOptions,
} from './bluebutton.store.js';
export { MemoryBlueButtonStore } from './memory.store.js';
