import { createHash } from 'node:crypto';
import { SyncWatermarkError } from './sync.errors.js';
import { SYNC_RESOURCE_TYPES, type SyncResourceType } from './sync.types.js';

/** Where one resource type's next search starts, and what the previous one already delivered. */
export interface TypeMark {
  /** The server's `meta.lastUpdated` of the search's first page (epoch ms). */
  at: number;
  /** The search's filter (sorted claim types, or `*`): another filter makes the mark void. */
  filter: string;
  /** Digests of the resources delivered with a `meta.lastUpdated` in the overlap window. */
  seen: string[];
}

/** The decoded content of a watermark. */
export interface WatermarkState {
  /** Digest of the beneficiary's patient id (see {@link patientDigest}). */
  patient: string;
  types: Partial<Record<SyncResourceType, TypeMark>>;
}

/** `bbsync.` + format version + `.` + base64url JSON: opaque, versioned, plain ASCII. */
const PREFIX = 'bbsync.';
const VERSION = 1;
/** Bounds that no real watermark comes near; a larger input is refused before parsing. */
const MAX_LENGTH = 4_000_000;
const MAX_SEEN = 200_000;
const DIGEST = /^[A-Za-z0-9_-]{11}$/;
const PATIENT = /^[A-Za-z0-9_-]{6}$/;
const FILTER = /^(\*|[a-z]+(,[a-z]+)*)$/;

/**
 * A short digest of the patient id: enough to refuse another beneficiary's watermark (one chance
 * in 2^32 to miss), too short to tell which of the many ids with the same digest it came from.
 */
export function patientDigest(patient: string | undefined): string {
  return digest(`patient|${patient ?? ''}`, 4);
}

/** The digest of one resource version: type, id and `meta.lastUpdated` (epoch ms). */
export function resourceDigest(type: string, id: string, lastUpdated: number): string {
  return digest(`${type}/${id}|${lastUpdated}`, 8);
}

function digest(text: string, bytes: number): string {
  return createHash('sha256').update(text).digest().subarray(0, bytes).toString('base64url');
}

/** Writes a watermark string. */
export function encodeWatermark(state: WatermarkState): string {
  const t: Record<string, [number, string, string[]]> = {};
  for (const type of SYNC_RESOURCE_TYPES) {
    const mark = state.types[type];
    if (mark) t[type] = [mark.at, mark.filter, mark.seen];
  }
  const json = JSON.stringify({ p: state.patient, t });
  return `${PREFIX}${VERSION}.${Buffer.from(json).toString('base64url')}`;
}

/**
 * Reads a watermark written by {@link encodeWatermark} for the beneficiary whose patient digest is
 * `patient`. Throws `SyncWatermarkError` for anything else: not a string, another format version,
 * a damaged body, or another beneficiary's watermark.
 */
export function decodeWatermark(text: unknown, patient: string): WatermarkState {
  if (typeof text !== 'string') throw malformed(`a ${text === null ? 'null' : typeof text}`);
  if (text.length > MAX_LENGTH) throw malformed('far too long');
  const match = /^bbsync\.(\d{1,4})\.([A-Za-z0-9_-]*)$/.exec(text);
  if (!match) throw malformed('not a bbsync watermark');
  if (Number(match[1]) !== VERSION) {
    throw new SyncWatermarkError('unsupported-version', `format ${match[1]}, expected ${VERSION}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(match[2] as string, 'base64url').toString('utf8'));
  } catch {
    throw malformed('damaged body');
  }
  const state = parseBody(body);
  if (state.patient !== patient) {
    throw new SyncWatermarkError('other-beneficiary', "written for another beneficiary's token");
  }
  return state;
}

function parseBody(body: unknown): WatermarkState {
  if (!isObject(body) || typeof body.p !== 'string' || !PATIENT.test(body.p) || !isObject(body.t))
    throw malformed('damaged body');
  const types: WatermarkState['types'] = {};
  for (const [type, value] of Object.entries(body.t)) {
    if (!(SYNC_RESOURCE_TYPES as readonly string[]).includes(type))
      throw malformed('unknown resource type');
    types[type as SyncResourceType] = parseMark(value);
  }
  return { patient: body.p, types };
}

function parseMark(value: unknown): TypeMark {
  if (!Array.isArray(value) || value.length !== 3) throw malformed('damaged type entry');
  const [at, filter, seen] = value as unknown[];
  if (!Number.isSafeInteger(at) || (at as number) < 0) throw malformed('bad instant');
  if (typeof filter !== 'string' || !FILTER.test(filter)) throw malformed('bad filter');
  if (!Array.isArray(seen) || seen.length > MAX_SEEN) throw malformed('bad digest list');
  for (const d of seen) if (typeof d !== 'string' || !DIGEST.test(d)) throw malformed('bad digest');
  return { at: at as number, filter, seen: seen as string[] };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function malformed(detail: string): SyncWatermarkError {
  return new SyncWatermarkError('malformed', detail);
}
