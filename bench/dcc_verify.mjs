// Benchmark helper (not a test), run by bench/badges.py: the Digital Credentials Consortium's verifier in its own
// node process, verifying the same credentials as Tremplin's in-process verifier, timed per verification after a
// warm-up. Imports from the node_modules folder given as first argument (the installed interop verifiers).
//
//   node bench/dcc_verify.mjs NODE_MODULES sign-di COUNT          → JSON list of COUNT OB 3.0 credentials, one
//        issuer (a fresh did:key), each with a DataIntegrityProof eddsa-rdfc-2022 made by the DCC's own signing
//        libraries (@digitalcredentials/vc, data-integrity, eddsa-rdfc-2022-cryptosuite, ed25519-multikey)
//   node bench/dcc_verify.mjs NODE_MODULES verify-di FILE WARMUP  → verifier-core's verifyCredential on each
//   node bench/dcc_verify.mjs NODE_MODULES verify-jwt FILE WARMUP → jose compactVerify (RS256, key from the jwk
//        header; what the interop harness uses for VC-JWT — verifier-core has no VC-JWT path) + the claims check
// FILE holds a JSON list; its first WARMUP items warm up, the rest are timed. Prints one JSON line:
// {"count": n, "valid": n_valid, "ms_per_verification": x}.
import fs from 'node:fs';
import path from 'node:path';
import {pathToFileURL} from 'node:url';

const [modules, mode, arg, warmupArg] = process.argv.slice(2);
const load = async (name, entry) => import(pathToFileURL(path.join(modules, name, entry)).href);
const pkgEntry = (name) => {
  const pkg = JSON.parse(fs.readFileSync(path.join(modules, name, 'package.json'), 'utf8'));
  let entry = pkg.exports?.['.'] ?? pkg.exports ?? pkg.module ?? pkg.main ?? 'index.js';
  if (typeof entry === 'object') entry = entry.import?.default ?? entry.import ?? entry.default ?? entry.node;
  if (typeof entry === 'object') entry = entry.default;
  return entry;
};
const need = async (name) => load(name, pkgEntry(name));

async function signDi(count) {
  const vc = await need('@digitalcredentials/vc');
  const {DataIntegrityProof} = await need('@digitalcredentials/data-integrity');
  const {cryptosuite} = await need('@digitalcredentials/eddsa-rdfc-2022-cryptosuite');
  const Multikey = await need('@digitalcredentials/ed25519-multikey');
  const {securityLoader} = await need('@digitalcredentials/security-document-loader');
  const documentLoader = securityLoader().build();
  const seed = crypto.getRandomValues(new Uint8Array(32));
  const did = `did:key:${(await Multikey.generate({seed})).publicKeyMultibase}`;
  const key = await Multikey.generate({seed, controller: did}); // id: did:key:z6Mk…#z6Mk…
  const suite = new DataIntegrityProof({signer: key.signer(), cryptosuite});
  const out = [];
  for (let i = 0; i < count; i++) {
    const credential = {
      '@context': ['https://www.w3.org/ns/credentials/v2', 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'],
      id: `urn:uuid:6f1d0c52-1b9e-4c57-9a3b-${String(i).padStart(12, '0')}`,
      type: ['VerifiableCredential', 'OpenBadgeCredential'],
      name: 'Écoute active',
      issuer: {id: did, type: ['Profile'], name: 'École Exemple du Nord', url: 'https://ecole.example.net/'},
      validFrom: '2026-01-15T10:00:00Z',
      credentialSubject: {
        type: ['AchievementSubject'],
        identifier: [{type: 'IdentityObject', identityHash: `learner${i}@example.net`, identityType: 'emailAddress', hashed: false}],
        achievement: {
          id: 'https://ecole.example.net/badges/ecoute', type: ['Achievement'], name: 'Écoute active',
          description: 'Savoir écouter.', criteria: {narrative: 'Un atelier de deux jours suivi en entier.'},
        },
      },
    };
    const signed = await vc.issue({credential, suite, documentLoader});
    // The 1EdTech OB 3.0 JSON Schema wants `proof` as an array (the DCC writes one proof as an object; the same
    // JSON-LD, and the same signature: the proof is not part of what it signs).
    signed.proof = [signed.proof];
    out.push(signed);
  }
  process.stdout.write(JSON.stringify(out));
}

async function timeLoop(items, warmup, verifyOne) {
  let valid = 0;
  for (const item of items.slice(0, warmup)) await verifyOne(item);
  const timed = items.slice(warmup);
  const started = process.hrtime.bigint();
  for (const item of timed) valid += (await verifyOne(item)) ? 1 : 0;
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  console.log(JSON.stringify({count: timed.length, valid, ms_per_verification: ms / timed.length}));
}

async function verifyDi(items, warmup) {
  const {verifyCredential} = await need('@digitalcredentials/verifier-core');
  const quiet = console.log;
  await timeLoop(items, warmup, async (credential) => {
    console.log = () => {};
    try {
      const result = await verifyCredential({credential, knownDIDRegistries: []});
      return (result.log ?? []).some((s) => s.id === 'valid_signature' && s.valid) && !(result.errors?.length);
    } finally {
      console.log = quiet;
    }
  });
}

async function verifyJwt(tokens, warmup) {
  const jose = await need('jose');
  await timeLoop(tokens, warmup, async (token) => {
    const header = jose.decodeProtectedHeader(token);
    const key = await jose.importJWK(header.jwk, header.alg);
    const {payload} = await jose.compactVerify(token, key, {algorithms: ['RS256']});
    const claims = JSON.parse(new TextDecoder().decode(payload));
    const now = Date.now() / 1000;
    return typeof claims.iss === 'string' && (claims.nbf ?? 0) <= now
      && (claims.exp === undefined || claims.exp > now);
  });
}

// Nothing is fetched: the official OB 3.0 JSON Schemas verifier-core asks for are served from the folder in
// $OB3_SCHEMA_DIR (as the interop harness does), any other request fails (a request would be a bug in the bench).
const PURL = 'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/';
const schemas = new Map();
for (const name of ['achievementcredential', 'endorsementcredential', 'profile']) {
  const file = path.join(process.env.OB3_SCHEMA_DIR ?? '', `${name}.json`);
  if (!process.env.OB3_SCHEMA_DIR || !fs.existsSync(file)) continue;
  const schema = JSON.parse(fs.readFileSync(file, 'utf8'));
  for (const url of [schema.$id, `${PURL}ob_v3p0_${name}_schema.json`]) schemas.set(url, {...schema, $id: url});
}
globalThis.fetch = async (resource) => {
  const href = (typeof resource === 'string' ? resource : resource?.url ?? String(resource)).split('#')[0];
  if (schemas.has(href)) {
    return new Response(JSON.stringify(schemas.get(href)), {status: 200, headers: {'content-type': 'application/json'}});
  }
  throw new TypeError(`bench: no network (${href})`);
};
if (mode === 'sign-di') await signDi(Number(arg));
else if (mode === 'verify-di') await verifyDi(JSON.parse(fs.readFileSync(arg, 'utf8')), Number(warmupArg));
else if (mode === 'verify-jwt') await verifyJwt(JSON.parse(fs.readFileSync(arg, 'utf8')), Number(warmupArg));
else { console.error('usage: node dcc_verify.mjs NODE_MODULES sign-di COUNT | verify-di FILE WARMUP | verify-jwt FILE WARMUP'); process.exit(2); }
