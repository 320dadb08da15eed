/** TOTP codes as an authenticator app shows them (the sandbox's own generator). */
import { totp } from '#sandbox/login/totp.ts';

export { otpauthUri, totp } from '#sandbox/login/totp.ts';

/**
 * A code with at least `seconds` of its 30-second step left (waiting for the next step
 * when fewer remain), as a person reads one off their phone: on a loaded machine, a code
 * taken at the end of its step can expire before the slow process it is handed to checks it.
 */
export async function freshTotp(base32Key: string, seconds = 12): Promise<string> {
  const left = 30_000 - (Date.now() % 30_000);
  if (left < seconds * 1000) await new Promise((resolve) => setTimeout(resolve, left + 50));
  return totp(base32Key);
}
