/** Text as XML character data or an attribute value: the five predefined entities escaped. */
const escapeXml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c,
  );

/** The TwiML that answers an inbound SMS with no reply at all. */
export function renderNoReply(): string {
  return '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';
}

/** The TwiML that answers an inbound SMS with one reply message (docs/design.md §4.2). */
export function renderSmsReply(reply: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Response><Message>${escapeXml(reply)}</Message></Response>`;
}
