#!/usr/bin/env node
// Foreign Open Badges 3.0 fixtures: credentials of *other* issuers, built with the Digital Bazaar libraries (the
// engines behind the DCC's issuer and wallet), never with Tremplin's code. tests/badges/test_foreign.py runs it
// once per test session and checks every fixture with Tremplin's verifier and with the independent ones.
//
//   node interop/make-foreign.mjs OUT_DIR --site ORIGIN --down ORIGIN --off-limits ORIGIN
//
// ORIGIN is an https://IP:PORT origin: --site the issuer's site (the test's HTTPS server serves OUT_DIR/site
// there), --down one nobody listens on, --off-limits one outside the addresses the verifier may reach (the test
// serves OUT_DIR/off-limits there). Keys come from fixed seeds and every date is fixed, so for the same origins the
// output is the same byte for byte.
//
// Written: OUT_DIR/credentials/<name>.json (one per fixture), OUT_DIR/site/... and OUT_DIR/off-limits/...
// (/.well-known/did.json and /status/<issuer>.json), OUT_DIR/manifest.json ({email, validIndex, revokedIndex,
// fixtures: {name: {file, issuer, proof, twin}}}).
//
// Issuers: `key` (did:key, DataIntegrityProof eddsa-rdfc-2022), `web` (did:web of the --site origin, same
// cryptosuite, Multikey in its did.json), `ed2020` (did:key, the legacy Ed25519Signature2020). Each has a signed
// BitstringStatusListCredential (revocation) whose bit REVOKED_INDEX is set. Twins of each issuer's credential:
// valid, tampered (a field changed after signing), wrong-key (signed by another key than the one it names),
// revoked, expired, not-yet-valid, unreachable (its did.json or status list on --down), off-limits (on
// --off-limits, where it is really served).
import {createHash} from 'node:crypto';
import {mkdirSync, writeFileSync} from 'node:fs';
import {dirname, join} from 'node:path';

import * as vc from '@digitalbazaar/vc';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {Ed25519Signature2020} from '@digitalbazaar/ed25519-signature-2020';
import {Ed25519VerificationKey2020} from '@digitalbazaar/ed25519-verification-key-2020';
import {createCredential as createStatusList, createList} from '@digitalbazaar/vc-bitstring-status-list';
import {securityLoader} from '@digitalcredentials/security-document-loader';

const HELP = 'usage: node make-foreign.mjs OUT_DIR --site https://IP:PORT --down https://IP:PORT --off-limits https://IP:PORT';

const VC2 = 'https://www.w3.org/ns/credentials/v2';
const OB3 = 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json';
const OB3_EXTENSIONS = 'https://purl.imsglobal.org/spec/ob/v3p0/extensions.json';
const ED2020 = 'https://w3id.org/security/suites/ed25519-2020/v1';
const OB3_SCHEMA = 'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json';
const EMAIL = 'alex.martin@example.net';
const SALT = 'f1c3b2a0e9d8';
const VALID_INDEX = 10;
const REVOKED_INDEX = 20;
const LIST_FROM = '2024-01-01T00:00:00Z';
const ISSUED = '2024-03-15T09:30:00Z';
const EXPIRED_UNTIL = '2025-03-15T09:30:00Z';
const FUTURE_FROM = '2999-01-01T00:00:00Z';

// ------------------------------------------------------------------------------------------------ arguments
function parseArgs(argv) {
  const options = {};
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    const name = {'--site': 'site', '--down': 'down', '--off-limits': 'offLimits'}[argv[i]];
    if (name) {
      options[name] = argv[++i];
    } else if (argv[i] === '-h' || argv[i] === '--help') {
      process.stdout.write(HELP + '\n');
      process.exit(0);
    } else {
      rest.push(argv[i]);
    }
  }
  for (const name of ['site', 'down', 'offLimits']) {
    if (!/^https:\/\/[^/]+$/.test(options[name] ?? '')) usage(`--${name === 'offLimits' ? 'off-limits' : name} must be an https origin`);
  }
  if (rest.length !== 1) usage('give one output directory');
  options.out = rest[0];
  return options;
}

function usage(message) {
  process.stderr.write(`make-foreign: ${message}\n${HELP}\n`);
  process.exit(2);
}

const options = parseArgs(process.argv.slice(2));

// ------------------------------------------------------------------------------------------------ keys, issuers
const seed = (label) => new Uint8Array(createHash('sha256').update(`tremplin foreign fixture ${label}`).digest());
const didWeb = (origin) => `did:web:${encodeURIComponent(new URL(origin).host)}`;

/** An issuer: its DID, the verification method its proofs name, and a suite factory (optionally lying about the key). */
async function multikeyIssuer(label, did) {
  const {publicKeyMultibase} = await Ed25519Multikey.generate({seed: seed(label)});
  did ??= `did:key:${publicKeyMultibase}`;
  const methodId = did.startsWith('did:key:') ? `${did}#${publicKeyMultibase}` : `${did}#key-1`;
  const keyPair = await Ed25519Multikey.generate({seed: seed(label), id: methodId, controller: did});
  const impostor = await Ed25519Multikey.generate({seed: seed(`${label} impostor`), id: methodId, controller: did});
  return {
    label, did, methodId, keyPair,
    suite: (date, wrongKey = false) => new DataIntegrityProof({
      signer: (wrongKey ? impostor : keyPair).signer(), date, cryptosuite: eddsaRdfc2022,
    }),
    contexts: [VC2, OB3, OB3_EXTENSIONS],
  };
}

async function ed2020Issuer(label) {
  const keyPair = await Ed25519VerificationKey2020.generate({seed: seed(label)});
  const did = `did:key:${keyPair.fingerprint()}`;
  const methodId = `${did}#${keyPair.fingerprint()}`;
  keyPair.id = methodId;
  keyPair.controller = did;
  const impostor = await Ed25519VerificationKey2020.generate({seed: seed(`${label} impostor`)});
  impostor.id = methodId;
  impostor.controller = did;
  return {
    label, did, methodId, keyPair,
    suite: (date, wrongKey = false) => new Ed25519Signature2020({key: wrongKey ? impostor : keyPair, date}),
    contexts: [VC2, OB3, OB3_EXTENSIONS, ED2020],
  };
}

function didDocument(issuer) {
  const method = {id: issuer.methodId, type: 'Multikey', controller: issuer.did,
    publicKeyMultibase: issuer.keyPair.publicKeyMultibase};
  return {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
    id: issuer.did,
    verificationMethod: [method],
    assertionMethod: [issuer.methodId],
    authentication: [issuer.methodId],
  };
}

// ------------------------------------------------------------------------------------------------ documents
const documentLoader = securityLoader().build();

async function sign(credential, issuer, {date, wrongKey = false, now} = {}) {
  const signed = await vc.issue({credential: structuredClone(credential), suite: issuer.suite(date, wrongKey),
    documentLoader, now: now ?? date});
  // The OB 3.0 JSON Schema wants `proof` as an array (a set of proofs in JSON-LD: the same signed data).
  if (signed.type.includes('OpenBadgeCredential')) signed.proof = [signed.proof];
  return signed;
}

async function statusList(issuer, url) {
  const list = await createList({length: 131072});
  list.setStatus(REVOKED_INDEX, true);
  const credential = await createStatusList({id: url, list, statusPurpose: 'revocation', context: [VC2]});
  credential.issuer = issuer.did;
  credential.validFrom = LIST_FROM;
  if (issuer.contexts.includes(ED2020)) credential['@context'] = [VC2, ED2020];
  return sign(credential, issuer, {date: LIST_FROM});
}

function uuidFor(text) {
  const hex = createHash('sha256').update(text).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** An OB 3.0 OpenBadgeCredential shaped like the specification's examples (Appendix B). */
function openBadgeCredential(issuer, name, {statusUrl, index = VALID_INDEX, validFrom = ISSUED, validUntil} = {}) {
  const credential = {
    '@context': issuer.contexts,
    id: `urn:uuid:${uuidFor(`${issuer.did} ${name}`)}`,
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    name: 'Peer support: active listening',
    issuer: {
      id: issuer.did,
      type: ['Profile'],
      name: 'Réseau Pair-Aidance Wallonie (foreign test issuer)',
      url: 'https://pair-aidance.example.org/',
      email: 'badges@pair-aidance.example.org',
    },
    validFrom,
    credentialSubject: {
      type: ['AchievementSubject'],
      identifier: [{
        type: 'IdentityObject',
        identityHash: `sha256$${createHash('sha256').update(EMAIL + SALT).digest('hex')}`,
        identityType: 'emailAddress',
        hashed: true,
        salt: SALT,
      }],
      achievement: {
        id: 'https://pair-aidance.example.org/achievements/active-listening',
        type: ['Achievement'],
        achievementType: 'Competency',
        name: 'Active listening',
        description: 'Listens to a peer without judging, reformulates and checks what was understood.',
        criteria: {narrative: 'Observed role play, assessed with the network\'s observation grid.'},
      },
    },
    credentialSchema: [{id: OB3_SCHEMA, type: '1EdTechJsonSchemaValidator2019'}],
  };
  if (validUntil) credential.validUntil = validUntil;
  if (statusUrl) {
    credential.credentialStatus = {
      id: `${statusUrl}#${index}`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: String(index),
      statusListCredential: statusUrl,
    };
  }
  return credential;
}

// ------------------------------------------------------------------------------------------------ output
const written = {};
function write(relative, doc) {
  const path = join(options.out, relative);
  mkdirSync(dirname(path), {recursive: true});
  writeFileSync(path, JSON.stringify(doc, null, 2) + '\n');
}

function fixture(issuer, proof, twin, credential) {
  const name = `ob3-${issuer.label}-${twin}`;
  write(`credentials/${name}.json`, credential);
  written[name] = {file: `credentials/${name}.json`, issuer: issuer.did, proof, twin};
}

async function family(issuer, proof, {siteBase, downIssuer, offIssuer}) {
  const statusPath = `/status/${issuer.label}.json`;
  const statusUrl = siteBase + statusPath;
  write(`site${statusPath}`, await statusList(issuer, statusUrl));
  const twin = (name, extra = {}) => openBadgeCredential(issuer, name, {statusUrl, ...extra});

  const valid = await sign(twin('valid'), issuer, {date: ISSUED});
  fixture(issuer, proof, 'valid', valid);

  const tampered = structuredClone(valid);
  tampered.credentialSubject.achievement.name = 'Expert in everything';
  fixture(issuer, proof, 'tampered', tampered);

  fixture(issuer, proof, 'wrong-key', await sign(twin('wrong-key'), issuer, {date: ISSUED, wrongKey: true}));
  fixture(issuer, proof, 'revoked', await sign(twin('revoked', {index: REVOKED_INDEX}), issuer, {date: ISSUED}));
  fixture(issuer, proof, 'expired',
    await sign(twin('expired', {validUntil: EXPIRED_UNTIL}), issuer, {date: ISSUED}));
  fixture(issuer, proof, 'not-yet-valid',
    await sign(twin('not-yet-valid', {validFrom: FUTURE_FROM}), issuer, {date: ISSUED, now: FUTURE_FROM}));

  // Unreachable and off-limits: for a did:web issuer the DID itself lives there; otherwise the status list does.
  for (const [name, base, other, folder] of [['unreachable', options.down, downIssuer, null],
    ['off-limits', options.offLimits, offIssuer, 'off-limits']]) {
    const who = other ?? issuer;
    const url = base + statusPath;
    if (folder) {
      write(`${folder}${statusPath}`, await statusList(who, url));
      if (other) write(`${folder}/.well-known/did.json`, didDocument(other));
    }
    const credential = openBadgeCredential(who, name, {statusUrl: url});
    fixture(issuer, proof, name, await sign(credential, who, {date: ISSUED}));
  }
}

const keyIssuer = await multikeyIssuer('key');
const webIssuer = await multikeyIssuer('web', didWeb(options.site));
const ed2020 = await ed2020Issuer('ed2020');
write('site/.well-known/did.json', didDocument(webIssuer));

await family(keyIssuer, 'DataIntegrityProof/eddsa-rdfc-2022', {siteBase: options.site});
await family(webIssuer, 'DataIntegrityProof/eddsa-rdfc-2022', {
  siteBase: options.site,
  downIssuer: await multikeyIssuer('web', didWeb(options.down)),
  offIssuer: await multikeyIssuer('web', didWeb(options.offLimits)),
});
await family(ed2020, 'Ed25519Signature2020', {siteBase: options.site});

write('manifest.json', {email: EMAIL, validIndex: VALID_INDEX, revokedIndex: REVOKED_INDEX, fixtures: written});
process.stdout.write(`${Object.keys(written).length} fixtures in ${options.out}\n`);
