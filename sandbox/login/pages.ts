/**
 * The stand-in login's pages: plain server-rendered HTML forms, no script at all, one
 * stylesheet allowed by its hash. English only, like the emulator's other tools.
 */
import { createHash } from 'node:crypto';
import { html, SafeHtml } from '#shared/web/html.ts';

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1b1d21}
main{max-width:26rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:8px;box-shadow:0 1px 3px #0003}
h1{font-size:1.4rem;margin:0 0 .25rem}p.note{color:#4a4f57;margin:.25rem 0 1rem}
label{display:block;font-weight:600;margin:1rem 0 .25rem}
input{box-sizing:border-box;width:100%;font:inherit;padding:.5rem;border:1px solid #6b7280;border-radius:4px}
button{margin-top:1.25rem;font:inherit;font-weight:600;padding:.6rem 1rem;border:0;border-radius:4px;background:#0b5cad;color:#fff;cursor:pointer}
button.quiet{background:#e5e7eb;color:#1b1d21;margin-left:.5rem}
.error{background:#fde8e8;color:#8a1c1c;padding:.5rem .75rem;border-radius:4px}
code{word-break:break-all;background:#f4f5f7;padding:.1rem .25rem}
footer{margin-top:1.5rem;font-size:.85rem;color:#4a4f57}`;

/** The pages' content security policy: nothing runs, the one stylesheet by its hash. */
export const LOGIN_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** A whole page around its content. */
export function loginPage(title: string, content: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · sandbox login</title>
<style>${new SafeHtml(STYLE)}</style>
</head>
<body>
<main>
<h1>${title}</h1>
${content}
<footer>The sandbox's stand-in for the user pool's managed login. Accounts are the emulator's user-pool users.</footer>
</main>
</body>
</html>`.markup;
}

const errorLine = (error: string | undefined) =>
  error ? html`<p class="error" role="alert">${error}</p>` : '';

/** E-mail and password. */
export const passwordForm = (action: string, error?: string, email = '') =>
  loginPage(
    'Sign in',
    html`<p class="note">Sign in with your e-mail address and password.</p>
${errorLine(error)}
<form method="post" action="${action}">
<label for="email">E-mail address</label>
<input id="email" name="email" type="email" autocomplete="username" required value="${email}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>`,
  );

/** The code of the person's authenticator app. */
export const codeForm = (action: string, error?: string) =>
  loginPage(
    'Enter your code',
    html`<p class="note">Enter the 6-digit code your authenticator app shows.</p>
${errorLine(error)}
<form method="post" action="${action}">
<label for="code">Code</label>
<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" required>
<button type="submit">Continue</button>
</form>`,
  );

/** A new password, in place of the temporary one an invitation gave. */
export const newPasswordForm = (action: string, error?: string) =>
  loginPage(
    'Choose a new password',
    html`<p class="note">Your password was temporary. Choose your own, as long and varied as the pool's password policy asks (upper- and lower-case letters, digits, symbols).</p>
${errorLine(error)}
<form method="post" action="${action}">
<label for="password">New password</label>
<input id="password" name="password" type="password" autocomplete="new-password" required>
<button type="submit">Set password</button>
</form>`,
  );

/** The authenticator's key to add, then its first code. */
export const authenticatorForm = (
  action: string,
  setup: { key: string; uri: string },
  error?: string,
) =>
  loginPage(
    'Set up your authenticator',
    html`<p class="note">Sign-in needs a second factor. Add this key to an authenticator app (TOTP, 6 digits, 30 seconds), then enter the code it shows.</p>
${errorLine(error)}
<p>Key: <code data-totp-key>${setup.key}</code></p>
<p>Or the app's link: <code data-totp-uri>${setup.uri}</code></p>
<form method="post" action="${action}">
<label for="code">Code</label>
<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" required>
<button type="submit">Verify</button>
</form>`,
  );

/** RP-initiated logout asks before it ends the session (the form comes from oidc-provider). */
export const signOutConfirmation = (form: string) =>
  loginPage(
    'Sign out',
    html`<p class="note">Sign out of the sandbox login too?</p>
${new SafeHtml(form)}
<button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>
<button type="submit" form="op.logoutForm" class="quiet">Stay signed in</button>`,
  );

/** Signed out, with no portal to return to. */
export const signedOutPage = () =>
  loginPage('Signed out', html`<p class="note">You are signed out of the sandbox login.</p>`);

/** Something the flow cannot go on from. */
export const errorPage = (title: string, detail: string) =>
  loginPage(title, html`<p class="error" role="alert">${detail}</p>`);
