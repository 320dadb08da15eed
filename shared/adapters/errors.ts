/**
 * A service refused work that the same request, retried, can redo: a queue that kept
 * refusing messages, say. The HTTP edge answers 503 with the message as the problem's
 * detail, so the message tells the caller what to do and names nothing internal.
 */
export class DependencyUnavailableError extends Error {
  override name = 'DependencyUnavailableError';
}

/**
 * SNS did not publish an SMS. Its own errors may spell the phone number ("PhoneNumber
 * Reason: +86… is not valid"), and a thrown error reaches logs and, through Lambda's
 * failure records, dead-letter queues: this one carries only SNS's error code.
 */
export class SmsNotSentError extends Error {
  override name = 'SmsNotSentError';
  /** SNS's error code (`InvalidParameter`, `Throttling`…), or the error's name. */
  readonly code: string;
  constructor(code: string) {
    super(`SNS did not publish the SMS: ${code}`);
    this.code = code;
  }
}

/**
 * A service answered a call without what the call is for (KMS without a signature or a
 * public key): the work fails and is retried; an HTTP caller gets a bare 500.
 */
export class IncompleteAnswerError extends Error {
  override name = 'IncompleteAnswerError';
}
