import { createHash } from 'node:crypto';

/** A Lua script run with EVALSHA, falling back to EVAL when Redis does not have it cached (yet). */
export interface LuaScript {
  readonly source: string;
  readonly sha: string;
}

function lua(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * Versioned write. KEYS[1] entry; ARGV[1] new version; ARGV[2] new entry; ARGV[3] TTL in ms
 * (-1: none, 0: already expired). Returns 1 when written, 0 when the stored entry's version is
 * equal or higher. The version is read from the entry's plaintext `v` field, outside any
 * encrypted payload; an entry that does not parse or has no version is overwritten, as in memory.
 */
export const SET_VERSIONED = lua(`
local current = redis.call('GET', KEYS[1])
if current then
  local ok, entry = pcall(cjson.decode, current)
  if ok and type(entry) == 'table' and type(entry.v) == 'number' and entry.v >= tonumber(ARGV[1]) then
    return 0
  end
end
local ttl = tonumber(ARGV[3])
if ttl == 0 then
  redis.call('DEL', KEYS[1])
elseif ttl > 0 then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ttl)
else
  redis.call('SET', KEYS[1], ARGV[2])
end
return 1
`);

/**
 * Versioned delete. KEYS[1] entry; ARGV[1] version. Deletes unless the stored entry's plaintext
 * `v` is higher (a newer token). Returns 1 when deleted.
 */
export const DELETE_VERSIONED = lua(`
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local ok, entry = pcall(cjson.decode, current)
if ok and type(entry) == 'table' and type(entry.v) == 'number' and entry.v > tonumber(ARGV[1]) then
  return 0
end
return redis.call('DEL', KEYS[1])
`);

/** Compare-and-delete of a lock. KEYS[1] lock; ARGV[1] the caller's lock token. Returns 1 when released. */
export const RELEASE_LOCK = lua(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`);
