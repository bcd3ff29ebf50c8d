/**
 * The key under `res.locals` where the exception filter leaves why a request failed (5xx), so
 * that the one log line per request, written when the response finishes, carries it beside the
 * request id.
 */
export const FAILURE = 'flotillaFailure';
