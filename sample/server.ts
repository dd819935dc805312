import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import type { INestApplication, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { BlueButtonConfig, type BlueButtonModuleOptions } from 'nestjs-bluebutton';
import { BlueButtonEmulator } from 'nestjs-bluebutton/testing';
import { AppModule } from './app.module.js';

/** The file that switches the sample from the embedded emulator to a real Blue Button. */
export const CONFIG_FILE = '.bluebutton-config.json';

/** Options of {@link startSample}. */
export interface StartSampleOptions {
  /** Where to look for `.bluebutton-config.json`. Default: the working directory. */
  cwd?: string;
  /** The sample's port; 0 picks a free one. Default: `PORT`, else the callback URL's port, else 3000. */
  port?: number;
  /** The embedded emulator's port. Default 8000, where the official SDKs' LOCAL environment points. */
  emulatorPort?: number;
  /** Session cookie secret. Default: `SESSION_SECRET`, else random (sessions end at restart). */
  sessionSecret?: string;
  /** Nest's log levels; `false` silences it. */
  logger?: LogLevel[] | false;
}

/** A running sample, and the emulator it started (if any). */
export interface RunningSample {
  /** The URL to open in a browser. */
  url: string;
  /** `emulator` when it started the embedded emulator, `config-file` when it uses the file. */
  mode: 'emulator' | 'config-file';
  /** The Blue Button environment in use. */
  environment: string;
  /** The Blue Button the app talks to, e.g. `http://localhost:8000` or the sandbox. */
  blueButtonUrl: string;
  app: INestApplication;
  emulator?: BlueButtonEmulator;
  /** Stops the app, then the emulator. */
  close(): Promise<void>;
}

/**
 * Starts the sample. With a `.bluebutton-config.json` in `cwd` it talks to the Blue Button that
 * file names (the sandbox, normally) and starts no emulator; without one it starts the embedded
 * emulator with the sample's callback registered, so `npm start` works with no account and no setup.
 */
export async function startSample(options: StartSampleOptions = {}): Promise<RunningSample> {
  const cwd = options.cwd ?? process.cwd();
  const session = {
    secret:
      options.sessionSecret ?? process.env.SESSION_SECRET ?? randomBytes(32).toString('base64url'),
  };
  const file = resolve(cwd, CONFIG_FILE);
  const envPort = process.env.PORT ? Number(process.env.PORT) : undefined;

  let bluebutton: BlueButtonModuleOptions;
  let port: number;
  let environment: string;
  let emulator: BlueButtonEmulator | undefined;
  if (existsSync(file)) {
    const settings = readSettings(file);
    environment = String(settings.environment ?? 'SANDBOX').toUpperCase();
    const callback = settings.callbackUrl ?? settings.callback_url;
    port = options.port ?? envPort ?? portOf(callback) ?? 3000;
    // The file's keys (credentials, callback, environment) stand; the sample adds its session.
    bluebutton = { configFile: file, session };
  } else {
    port = options.port ?? envPort ?? 3000;
    if (port === 0) port = await freePort();
    const callbackUrl = `http://localhost:${port}/callback`;
    emulator = await startEmulator(options.emulatorPort ?? 8000, callbackUrl);
    const emulatorPort = Number(new URL(emulator.baseUrl).port);
    environment = 'LOCAL';
    bluebutton = {
      environment: 'LOCAL',
      // LOCAL is http://localhost:8000; another port needs the host spelled out.
      ...(emulatorPort === 8000 ? {} : { baseUrl: `http://localhost:${emulatorPort}` }),
      clientId: emulator.client.clientId,
      clientSecret: emulator.client.clientSecret,
      callbackUrl,
      session,
    };
  }

  let app: INestApplication | undefined;
  try {
    app = await NestFactory.create(AppModule.register(bluebutton), {
      logger: options.logger ?? ['error', 'warn', 'log'],
    });
    // Loopback only: the sample shows medical data and has no reason to be reachable from the network.
    await app.listen(port, '127.0.0.1');
  } catch (error) {
    await app?.close().catch(() => undefined);
    await emulator?.close();
    throw error;
  }
  const address = app.getHttpServer().address() as { port: number };
  const started = app;
  return {
    url: `http://localhost:${address.port}`,
    mode: emulator ? 'emulator' : 'config-file',
    environment,
    blueButtonUrl: app.get(BlueButtonConfig).baseUrl,
    app,
    emulator,
    async close() {
      await started.close();
      await emulator?.close();
    },
  };
}

async function startEmulator(port: number, callbackUrl: string): Promise<BlueButtonEmulator> {
  try {
    // v3 on, so the second login button works: the ready-made client is a v3 early adopter.
    return await BlueButtonEmulator.start({ port, redirectUris: [callbackUrl], v3Enabled: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(
        `Port ${port} is already in use, so the Blue Button emulator cannot start there. Stop whatever uses it (another emulator?), or create ${CONFIG_FILE} to use the real sandbox.`,
        { cause: error },
      );
    }
    throw error;
  }
}

function readSettings(file: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // Reported below; BlueButtonModule would also point at the exact position.
  }
  throw new Error(
    `${file} is not a JSON object: fix it, or delete it to use the embedded emulator.`,
  );
}

function portOf(url: unknown): number | undefined {
  if (typeof url !== 'string') return undefined;
  try {
    const u = new URL(url);
    return u.port ? Number(u.port) : undefined;
  } catch {
    return undefined;
  }
}

/** A port that was free a moment ago (the callback URL must name the port before the app listens). */
function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}
