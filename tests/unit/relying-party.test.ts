import { describe, expect, it } from 'vitest';
import { withLoginDomainEndpoints } from '#shared/adapters/oidc/relying-party.ts';

const userPool = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example';
const loginDomain = 'https://tsq-prod-123456789012.auth.eu-west-1.amazoncognito.com';

describe('withLoginDomainEndpoints', () => {
  it("takes revocation and sign-out from the user pool's login domain when discovery names neither", () => {
    // Prepare: what a user pool's discovery document says.
    const discovered = {
      issuer: userPool,
      authorization_endpoint: `${loginDomain}/oauth2/authorize`,
      token_endpoint: `${loginDomain}/oauth2/token`,
      jwks_uri: `${userPool}/.well-known/jwks.json`,
    };

    // Act
    const completed = withLoginDomainEndpoints(discovered);

    // Assess
    expect(completed).toEqual({
      ...discovered,
      revocation_endpoint: `${loginDomain}/oauth2/revoke`,
      end_session_endpoint: `${loginDomain}/logout`,
    });
  });

  it('keeps the endpoints a provider names itself', () => {
    // Prepare
    const discovered = {
      issuer: 'http://127.0.0.1:4000',
      authorization_endpoint: 'http://127.0.0.1:4000/auth',
      revocation_endpoint: 'http://127.0.0.1:4000/token/revocation',
      end_session_endpoint: 'http://127.0.0.1:4000/session/end',
    };

    // Act
    const completed = withLoginDomainEndpoints(discovered);

    // Assess
    expect(completed).toEqual(discovered);
  });
});
