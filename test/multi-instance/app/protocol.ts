/** The line a child app prints once it listens, followed by a JSON {@link ReadyLine}. */
export const READY_MARKER = 'MULTI_INSTANCE_READY';

/** What follows {@link READY_MARKER} on the ready line. */
export interface ReadyLine {
  instance: string;
  url: string;
  pid: number;
}

/** The environment a child app is configured from (all required except `MI_PORT`, default 0). */
export interface ChildAppEnv {
  MI_INSTANCE: string;
  MI_PORT?: string;
  MI_BB_BASE_URL: string;
  MI_BB_CLIENT_ID: string;
  MI_BB_CLIENT_SECRET: string;
  MI_BB_CALLBACK_URL: string;
  MI_REDIS_URL: string;
  MI_REDIS_PREFIX: string;
  MI_SESSION_SECRET: string;
  /** The store's encryption key (base64): every instance must share it. */
  MI_STORE_KEY: string;
}
