import { parseJsonBody } from './json-body.js';
import type { Scrubber } from './scrubber.js';

/**
 * Blue Button's answer to one request, whatever its status. `body` and `text` are the forms to
 * build messages and errors from: every value the request sent is scrubbed out of them. `data` is
 * the JSON exactly as received, for what a successful call returns (a token answer, FHIR data).
 */
export class BlueButtonResponse {
  /** The parsed JSON as received; undefined when the body is empty, not JSON, or unusable. */
  readonly data: unknown;
  /** Why a body that claimed to be JSON is unusable (truncated, malformed, nested too deep). */
  readonly jsonProblem: string | undefined;
  #text: string | undefined;
  #body: { value: unknown } | undefined;

  /** Parses `rawText` once; the scrubbed views are computed only if something reads them. */
  constructor(
    /** The HTTP status. */
    readonly status: number,
    /** Response headers, lowercased. */
    readonly headers: Readonly<Record<string, string>>,
    private readonly rawText: string,
    /** When the response arrived (ms since epoch). */
    readonly receivedAt: number,
    /** Method and redacted path, for messages. */
    readonly method: string,
    readonly path: string,
    private readonly scrubber: Scrubber,
  ) {
    const parsed = parseJsonBody(rawText, headers['content-type'] ?? '');
    this.data = parsed.json;
    this.jsonProblem = parsed.problem;
  }

  /** The body text, scrubbed of the request's secrets. */
  get text(): string {
    return (this.#text ??= this.scrubber.text(this.rawText));
  }

  /** The parsed JSON body, scrubbed of the request's secrets (undefined when there is none). */
  get body(): unknown {
    if (!this.#body) {
      const echoes = this.data !== undefined && this.scrubber.found(this.rawText);
      this.#body = { value: echoes ? this.scrubber.value(this.data) : this.data };
    }
    return this.#body.value;
  }

  /** Whether the body is empty. */
  get empty(): boolean {
    return this.rawText.length === 0;
  }
}
