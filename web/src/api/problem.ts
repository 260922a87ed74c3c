import type { ProblemDocument } from './client';

/** A failed request in the form the screens show: an RFC 9457 problem details document, or a stand-in for one. */
export interface Problem {
  /** The HTTP status, or 0 when no response arrived. */
  status: number;
  title: string;
  detail: string;
  /** Messages by field name, from the problem's `errors`. */
  fieldErrors: Record<string, string>;
}

export type ApiResult<T> = { ok: true; data: T; status: number } | { ok: false; problem: Problem };

type FetchResult<T> = { data?: T; error?: unknown; response: Response };

export const networkProblem: Problem = {
  status: 0,
  title: 'Network error',
  detail: 'The server could not be reached. Check your connection and try again.',
  fieldErrors: {},
};

function isProblemDocument(value: unknown): value is ProblemDocument {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ProblemDocument).title === 'string' &&
    typeof (value as ProblemDocument).detail === 'string'
  );
}

/** Turns an error body of any shape into a {@link Problem}. */
export function toProblem(status: number, body: unknown): Problem {
  if (!isProblemDocument(body)) {
    return {
      status,
      title: `Request failed (${status})`,
      detail: 'The server could not complete the request. Try again in a minute.',
      fieldErrors: {},
    };
  }

  const fieldErrors: Record<string, string> = {};
  for (const error of body.errors ?? []) {
    // The first message for a field is the one shown beside it.
    fieldErrors[error.field] ??= error.message;
  }
  return { status, title: body.title, detail: body.detail, fieldErrors };
}

/**
 * Awaits an openapi-fetch call and folds its outcomes, including a
 * rejected fetch, into one result.
 */
export async function request<T>(call: Promise<FetchResult<T>>): Promise<ApiResult<T>> {
  let result: FetchResult<T>;
  try {
    result = await call;
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') {
      throw error;
    }
    return { ok: false, problem: networkProblem };
  }

  const { response } = result;
  if (!response.ok) {
    return { ok: false, problem: toProblem(response.status, result.error) };
  }
  return { ok: true, data: result.data as T, status: response.status };
}

/** Tells whether a request was aborted on purpose, which calls for no message. */
export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}
