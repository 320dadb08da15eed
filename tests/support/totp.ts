/** TOTP codes as an authenticator app shows them (the sandbox's own generator). */
export { otpauthUri, totp } from '#sandbox/login/totp.ts';
