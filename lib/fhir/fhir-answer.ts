import { FhirHttpError, UnexpectedResponseError } from '../errors/bluebutton.errors.js';
import type { BlueButtonResponse } from '../http/bluebutton-http.service.js';
import { excerpt } from '../common/redact.js';
import { parseRetryAfter } from '../http/retry.operator.js';

const RESOURCE_TYPE = /^[A-Z][A-Za-z]{1,63}$/;

/**
 * The resourceType a GET of `url` must answer, from its path: a search (`fhir/Coverage/`) answers a
 * Bundle, a read (`fhir/Coverage/part-a--1`) the type it names, `fhir/metadata` a
 * CapabilityStatement. Undefined for anything else (userinfo, `$operations`): a JSON object then.
 */
export function expectedResourceType(url: URL): string | undefined {
  const at = url.pathname.indexOf('/fhir/');
  if (at < 0) return undefined;
  const [type, id, ...rest] = url.pathname.slice(at + '/fhir/'.length).split('/');
  if (type === 'metadata' && !id) return 'CapabilityStatement';
  if (!RESOURCE_TYPE.test(type ?? '') || rest.some(Boolean)) return undefined;
  if (!id) return 'Bundle';
  return id.startsWith('$') ? undefined : type;
}

/**
 * Reads Blue Button's answers to GETs: the data of a 2xx answer that has the expected shape, a
 * typed error for everything else (non-2xx → `FhirHttpError`, an unusable 2xx body →
 * `UnexpectedResponseError`). It remembers which errors were a 401 `invalid_token`, the one
 * failure worth a refresh, without marking the public error itself.
 */
export class FhirAnswers {
  /** 401 answers whose challenge says the access token is invalid or expired. */
  private readonly invalidToken = new WeakSet<FhirHttpError>();

  /** The checked data of `res`; throws the typed error of any other answer. */
  read(res: BlueButtonResponse, expected: string | undefined): unknown {
    if (res.status >= 200 && res.status < 300) return checkedData(res, expected);
    const error = httpError(res);
    if (res.status === 401 && /invalid_token/.test(res.headers['www-authenticate'] ?? ''))
      this.invalidToken.add(error);
    throw error;
  }

  /** Whether `error` came from a 401 `invalid_token` answer read here. */
  isInvalidToken(error: unknown): boolean {
    return error instanceof FhirHttpError && this.invalidToken.has(error);
  }
}

/**
 * The data of a 2xx answer, or `UnexpectedResponseError` when its body is not what was asked for.
 * Messages come from the response's scrubbed views, so an echo of the request never reaches them.
 */
function checkedData(res: BlueButtonResponse, expected: string | undefined): unknown {
  const problem =
    res.data === undefined
      ? (res.jsonProblem ??
        `expected JSON but got ${res.headers['content-type'] || 'an empty body'}${res.empty ? '' : ` ("${excerpt(res.text, 60)}")`}`)
      : shapeProblem(res.data, () => res.body, expected);
  if (problem) throw new UnexpectedResponseError(res.status, res.method, res.path, problem);
  return res.data;
}

/** The `FhirHttpError` of a non-2xx answer, its body from the scrubbed view. */
function httpError(res: BlueButtonResponse): FhirHttpError {
  return new FhirHttpError(
    res.status,
    res.body ?? excerpt(res.text),
    res.method,
    res.path,
    parseRetryAfter(res.headers['retry-after']),
  );
}

/** What is wrong with a parsed 2xx body, or undefined when it is what was asked for. */
function shapeProblem(
  data: unknown,
  safe: () => unknown,
  expected: string | undefined,
): string | undefined {
  const wanted = expected ? withArticle(expected) : 'a JSON object';
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    const got =
      data === null ? 'null' : Array.isArray(data) ? 'a JSON array' : `a JSON ${typeof data}`;
    return `expected ${wanted} but got ${got}`;
  }
  const resource = data as { resourceType?: unknown; entry?: unknown; link?: unknown };
  const type = resource.resourceType;
  if (type === 'OperationOutcome' && expected !== 'OperationOutcome') {
    return `expected ${wanted} but got an OperationOutcome${diagnostics(safe())}`;
  }
  if (expected && type !== expected) {
    const got =
      typeof type === 'string' && RESOURCE_TYPE.test(type) ? withArticle(type) : 'no resourceType';
    return `expected ${wanted} but got ${got}`;
  }
  if (expected === 'Bundle') {
    // The paginators walk these two: anything but arrays is not a Bundle.
    if (resource.entry !== undefined && !Array.isArray(resource.entry))
      return 'the Bundle\'s "entry" is not a list';
    if (resource.link !== undefined && !Array.isArray(resource.link))
      return 'the Bundle\'s "link" is not a list';
  }
  return undefined;
}

/** `a Bundle`, `an ExplanationOfBenefit`. */
function withArticle(type: string): string {
  return `${/^[AEIOU]/.test(type) ? 'an' : 'a'} ${type}`;
}

/** `: <first issue's diagnostics>` of an OperationOutcome (already scrubbed), bounded. */
function diagnostics(outcome: unknown): string {
  const issue = (outcome as { issue?: unknown })?.issue;
  const first = Array.isArray(issue)
    ? (issue[0] as { diagnostics?: unknown } | undefined)
    : undefined;
  const text = typeof first?.diagnostics === 'string' ? excerpt(first.diagnostics, 200) : '';
  return text ? `: ${text}` : '';
}
