/**
 * A service refused work that the same request, retried, can redo: a queue that kept
 * refusing messages, say. The HTTP edge answers 503 with the message as the problem's
 * detail, so the message tells the caller what to do and names nothing internal.
 */
export class DependencyUnavailableError extends Error {
  override name = 'DependencyUnavailableError';
}

/**
 * A service answered a call without what the call is for (KMS without a signature or a
 * public key): the work fails and is retried; an HTTP caller gets a bare 500.
 */
export class IncompleteAnswerError extends Error {
  override name = 'IncompleteAnswerError';
}
