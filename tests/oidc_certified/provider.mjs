// panva's oidc-provider (OpenID Certified) on a loopback port, for the tests of single
// sign-on. Everything it needs comes in one JSON file, named as the only argument:
//
//   {"port": 0, "client": {"client_id": ..., "client_secret": ...,
//    "redirect_uris": [...], "post_logout_redirect_uris": [...]},
//    "people": "/path/to/people.json"}
//
// `people` maps a login to that person's claims and is read at every sign-in, so a
// test can change someone's groups between two sign-ins. The provider signs in any
// login that file holds with any password (its development sign-in pages, which
// are what this test needs: the protocol around them is the production code).
// When it listens it prints one line, "listening <issuer>", and nothing else on stdout.
import { readFileSync } from 'node:fs';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const settings = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const people = () => JSON.parse(readFileSync(settings.people, 'utf8'));

// A signing key of this run's own, as a provider in production has.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signing = { ...privateKey.export({ format: 'jwk' }), kid: randomBytes(8).toString('hex'),
  use: 'sig', alg: 'RS256' };

const server = createServer();
server.listen(settings.port || 0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [{
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      ...settings.client,
    }],
    // Claims by scope, as identity providers release them; the groups claim needs
    // the "groups" scope, as at Okta and others.
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username'],
      groups: ['groups'],
    },
    // Every client must use PKCE, whatever it authenticates with.
    pkce: { required: () => true },
    // conformIdTokenClaims stays at its default (true): the ID token carries only
    // `sub` and the claims about the sign-in; the rest comes from userinfo, as the
    // specification says for the code flow.
    features: {
      devInteractions: { enabled: true },
      rpInitiatedLogout: { enabled: true },
    },
    jwks: { keys: [signing] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    async findAccount(ctx, id) {
      const claims = people()[id];
      if (!claims) return undefined;
      return {
        accountId: id,
        async claims() { return { sub: id, ...claims }; },
      };
    },
  });
  provider.on('server_error', (ctx, err) => { console.error('server_error', err); });
  server.on('request', provider.callback());
  console.log(`listening ${issuer}`);
});

process.on('SIGTERM', () => { server.close(); process.exit(0); });
