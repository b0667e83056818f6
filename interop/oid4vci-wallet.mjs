#!/usr/bin/env node
// A wallet Tremplin did not write: Sphereon's OpenID4VCI client (@sphereon/oid4vci-client) takes a credential
// offer URI through the pre-authorized code flow — issuer metadata, token (with the tx_code if asked), nonce,
// credential with a key proof JWT signed by a fresh holder key (jose) — and prints what it received.
//
//   node interop/oid4vci-wallet.mjs [--binding did:key|did:jwk|jwk] [--pin CODE] [--config ID]
//                                    [--tamper aud|nonce|stale-nonce|signature] [--out FILE] OFFER_URI
//
// --binding   how the proof names the holder's key: did:key (Ed25519, EdDSA), did:jwk (P-256, ES256) or a
//             jwk header (P-256, ES256). Default did:key.
// --tamper    a misbehaving holder, to see the issuer refuse: aud (another audience), nonce (a made-up nonce),
//             stale-nonce (a nonce fetched, then waited on: needs TREMPLIN_STALE_NONCE=<a nonce> instead), signature
//             (signed with another key than the one named).
// Prints one JSON line: {"ok": true, "holder_did", "format", "credential"} or {"ok": false, "stage", "error"}.
// Exit status: 0 received, 1 refused by the issuer, 2 bad usage.
import { writeFileSync } from 'node:fs';
import { OpenID4VCIClientV1_0_15 } from '@sphereon/oid4vci-client';
import { SignJWT, exportJWK, generateKeyPair, importJWK } from 'jose';

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
function base58(bytes) {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) + BigInt(b);
  let out = '';
  while (n > 0n) { out = B58[Number(n % 58n)] + out; n /= 58n; }
  for (const b of bytes) { if (b !== 0) break; out = '1' + out; }
  return out;
}
const b64url = (text) => Buffer.from(text).toString('base64url');

function usage(message) {
  process.stderr.write(`${message}\nusage: oid4vci-wallet.mjs [--binding did:key|did:jwk|jwk] [--pin CODE] ` +
    '[--config ID] [--tamper aud|nonce|stale-nonce|signature] [--out FILE] OFFER_URI\n');
  process.exit(2);
}

const args = process.argv.slice(2);
const opts = { binding: 'did:key', pin: undefined, config: 'OpenBadgeCredential_ldp_vc', tamper: undefined, out: undefined };
let uri;
while (args.length) {
  const arg = args.shift();
  if (arg === '--help') { process.stdout.write('oid4vci-wallet.mjs: see the header of this file\n'); process.exit(0); }
  else if (['--binding', '--pin', '--config', '--tamper', '--out'].includes(arg)) {
    if (!args.length) usage(`${arg} needs a value`);
    opts[arg.slice(2)] = args.shift();
  } else if (!uri) uri = arg;
  else usage(`unexpected argument ${arg}`);
}
if (!uri) usage('no offer URI');
if (!['did:key', 'did:jwk', 'jwk'].includes(opts.binding)) usage(`unknown binding ${opts.binding}`);

const alg = opts.binding === 'did:key' ? 'EdDSA' : 'ES256';
async function newKey() {
  const { privateKey, publicKey } = alg === 'EdDSA'
    ? await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })
    : await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk };
}
const holder = await newKey();
const publicJwk = alg === 'EdDSA'
  ? { kty: 'OKP', crv: 'Ed25519', x: holder.jwk.x }
  : { kty: 'EC', crv: 'P-256', x: holder.jwk.x, y: holder.jwk.y };
// did:jwk: the JWK's members in lexicographic order (as the issuer writes a did:jwk of a jwk header)
const sorted = Object.fromEntries(Object.keys(publicJwk).sort().map((k) => [k, publicJwk[k]]));
let holderDid, kid, jwkHeader;
if (opts.binding === 'did:key') {
  const multikey = 'z' + base58(Buffer.concat([Buffer.from([0xed, 0x01]), Buffer.from(holder.jwk.x, 'base64url')]));
  holderDid = `did:key:${multikey}`;
  kid = `${holderDid}#${multikey}`;
} else {
  holderDid = `did:jwk:${b64url(JSON.stringify(sorted))}`;
  if (opts.binding === 'did:jwk') kid = `${holderDid}#0`; else jwkHeader = publicJwk;
}
const signer = opts.tamper === 'signature' ? (await newKey()).privateKey : holder.privateKey;

// The wallet signs the proof the client built (header + payload); a tampering holder changes it first.
async function signCallback(args) {
  const header = { ...args.header };
  const payload = { ...args.payload };
  if (opts.tamper === 'aud') payload.aud = 'https://another-issuer.example';
  if (opts.tamper === 'nonce') payload.nonce = 'a-nonce-nobody-gave';
  if (opts.tamper === 'stale-nonce') payload.nonce = process.env.TREMPLIN_STALE_NONCE;
  return await new SignJWT(payload).setProtectedHeader(header).sign(signer);
}

function print(result, code) {
  const text = JSON.stringify(result);
  if (opts.out) writeFileSync(opts.out, JSON.stringify(result.credential ?? null));
  process.stdout.write(text + '\n');
  process.exit(code);
}

let stage = 'offer';
try {
  const client = await OpenID4VCIClientV1_0_15.fromURI({ uri, retrieveServerMetadata: true });
  stage = 'token';
  await client.acquireAccessToken(opts.pin !== undefined ? { pin: opts.pin } : {});
  stage = 'credential';
  const response = await client.acquireCredentials({
    credentialConfigurationId: opts.config,
    proofCallbacks: { signCallback },
    alg,
    ...(kid ? { kid } : { jwk: jwkHeader }),
  });
  const credential = response.credentials?.[0]?.credential ?? response.credential;
  if (!credential) print({ ok: false, stage, error: 'no credential in the response', response }, 1);
  print({ ok: true, holder_did: holderDid, format: typeof credential === 'string' ? 'jwt' : 'json', credential }, 0);
} catch (error) {
  print({ ok: false, stage, error: String(error?.message ?? error) }, 1);
}
