#!/usr/bin/env node
// Tremplin's interop harness, Open Badges 3.0: one credential in, one JSON verdict out, checked by code Tremplin
// did not write.
//
//   node interop/ob3-verify.mjs [--brief] [--recipient-email ADDR] [--recipient-id ID] [--schema-dir DIR]
//                               [--no-schema] [--allow-host HOST] INPUT
//
// INPUT: a credential as JSON (embedded Data Integrity proof), a VC-JWT (compact JWS) file, a baked PNG or SVG,
// '-' for stdin, or a loopback http(s) URL.
//
// Engines:
//   embedded proofs  @digitalcredentials/verifier-core (the DCC's engine behind VerifierPlus and the Learner
//                    Credential Wallet): proof, issuer = controller of the key, did:key, validUntil,
//                    BitstringStatusList; its own document loader carries the JSON-LD contexts (VC 2.0, OB 3.0
//                    and its extensions, Data Integrity, Bitstring Status List).
//   VC-JWT           jose for the signature (key from the `jwk` header, a did:key `kid` resolved by the DCC's
//                    resolver, or a loopback `kid` URL), the OB 3.0 §8.2 claim rules, the DCC's BitstringStatusList
//                    checker for the status.
//   both             ajv + the official 1EdTech OB 3.0 JSON Schema (default: badges/schemas/ob3 in this repository).
//
// Network: every fetch goes through a guard: the schema URLs are answered from the local files, loopback hosts
// (127.0.0.1, localhost, ::1) and --allow-host hosts are reached, anything else is refused and listed in the
// verdict's `blocked`.
//
// Verdict: {"verdict": "valid"|"invalid", "failedChecks": [...], "messages": [...], ...}; exit 0 valid,
// 1 invalid, 2 usage error. Check ids: parse, signature, validity-period, status, schema, jwt-claims,
// subject-identified, recipient, internal.
import {createHash} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const DEFAULT_SCHEMA_DIR = join(HERE, '..', 'badges', 'schemas', 'ob3');
const HELP = `usage: node ob3-verify.mjs [--brief] [--recipient-email ADDR] [--recipient-id ID] [--schema-dir DIR]
                          [--no-schema] [--allow-host HOST] INPUT
INPUT: credential.json | credential.jwt | baked .png/.svg | - | http://127.0.0.1:PORT/...`;

// ------------------------------------------------------------------------------------------------ arguments
function parseArgs(argv) {
  const options = {brief: false, schema: true, hosts: new Set(['127.0.0.1', 'localhost', '::1', '[::1]'])};
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usageError(`${arg} needs a value`);
      return argv[++i];
    };
    switch (arg) {
      case '--brief': options.brief = true; break;
      case '--no-schema': options.schema = false; break;
      case '--recipient-email': options.email = value(); break;
      case '--recipient-id': options.subjectId = value(); break;
      case '--schema-dir': options.schemaDir = value(); break;
      case '--allow-host': options.hosts.add(value()); break;
      case '-h': case '--help': process.stdout.write(HELP + '\n'); process.exit(0); break;
      default:
        if (arg.startsWith('--')) usageError(`unknown option ${arg}`);
        rest.push(arg);
    }
  }
  if (rest.length !== 1) usageError(rest.length ? 'give one input only' : 'no input given');
  options.input = rest[0];
  options.schemaDir = resolve(options.schemaDir ?? process.env.OB3_SCHEMA_DIR ?? DEFAULT_SCHEMA_DIR);
  return options;
}

function usageError(message) {
  process.stderr.write(`ob3-verify: ${message}\n${HELP}\n`);
  process.exit(2);
}

const options = parseArgs(process.argv.slice(2));

// ------------------------------------------------------------------------------------------------ the verdict
const checks = [];
const blocked = [];
let proofFormat = null;

/** Record a check; ok === null is informational (never fails the verdict). */
function record(id, ok, by, message) {
  checks.push({id, ok, by, message});
  return ok;
}

function finish(credential) {
  const failed = [...new Set(checks.filter((c) => c.ok === false).map((c) => c.id))];
  if (!checks.some((c) => c.id === 'signature') && !failed.length) failed.push('signature');
  const verdict = failed.length === 0 ? 'valid' : 'invalid';
  const messages = checks.filter((c) => c.ok === false).map((c) => `${c.id}: ${c.message}`);
  const out = {verdict, input: options.input, proofFormat, failedChecks: failed, messages};
  if (blocked.length) out.blocked = blocked;
  if (!options.brief) {
    out.checks = checks;
    if (credential && typeof credential === 'object') {
      out.credential = {id: credential.id, type: credential.type, issuer: credential.issuer?.id ?? credential.issuer,
        validFrom: credential.validFrom, validUntil: credential.validUntil};
    }
  }
  process.stdout.write(JSON.stringify(out, null, options.brief ? undefined : 2) + '\n');
  process.exit(verdict === 'valid' ? 0 : 1);
}

// ------------------------------------------------------------------------------------------------ network guard
// The official schemas, by every URL a credential or a verifier may use for them: their `$id`
// (…-jsonschema1.json) and the URL the specification and credentials cite (…_schema.json).
const SCHEMA_BASE = 'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/';
const schemas = new Map();
for (const name of ['achievementcredential', 'endorsementcredential', 'profile']) {
  let schema;
  try {
    schema = JSON.parse(readFileSync(join(options.schemaDir, `${name}.json`), 'utf8'));
  } catch {
    continue; // reported by the schema check when it is needed
  }
  for (const url of [schema.$id, `${SCHEMA_BASE}ob_v3p0_${name}_schema.json`]) schemas.set(url, {...schema, $id: url});
}

const realFetch = globalThis.fetch;
globalThis.fetch = async (resource, init) => {
  const href = typeof resource === 'string' ? resource : resource instanceof URL ? resource.href : resource.url;
  const url = new URL(href);
  const local = schemas.get(href.split('#')[0]);
  if (local) return new Response(JSON.stringify(local), {headers: {'content-type': 'application/schema+json'}});
  if (options.hosts.has(url.hostname) || options.hosts.has(url.host)) return realFetch(resource, init);
  blocked.push(href);
  throw new TypeError(`ob3-verify works offline: refused to fetch ${href}`);
};

// ------------------------------------------------------------------------------------------------ input
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The text of the PNG's uncompressed iTXt chunk with this keyword (OB 3.0: "openbadgecredential"), or null. */
function pngText(png, keyword) {
  for (let at = 8; at + 12 <= png.length;) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    at += 12 + length;
    if (type === 'IEND') break;
    if (type !== 'iTXt') continue;
    const end = data.indexOf(0);
    if (data.toString('latin1', 0, end) !== keyword) continue;
    if (data[end + 1] !== 0) throw new Error(`the "${keyword}" iTXt chunk is compressed (OB 3.0 forbids it)`);
    const language = data.indexOf(0, end + 3); // keyword\0 flag method language\0 translated\0 text
    const translated = data.indexOf(0, language + 1);
    return data.subarray(translated + 1).toString('utf8');
  }
  return null;
}

const xmlUnescape = (s) => s.replace(/&(lt|gt|quot|apos|amp);/g,
  (_, e) => ({lt: '<', gt: '>', quot: '"', apos: "'", amp: '&'})[e]);

/** OB 3.0 baked SVG: <openbadges:credential verify="JWS"/> or <openbadges:credential><![CDATA[json]]>. */
function svgText(svg) {
  const attribute = /<openbadges:credential\b[^>]*\bverify\s*=\s*"([^"]*)"/.exec(svg);
  if (attribute) return xmlUnescape(attribute[1]);
  const cdata = /<openbadges:credential\b[^>]*>\s*<!\[CDATA\[([\s\S]*?)\]\]>/.exec(svg);
  return cdata ? cdata[1] : null;
}

async function readInput(input) {
  if (/^https?:\/\//i.test(input)) {
    const response = await globalThis.fetch(input, {headers: {accept: 'application/vc+ld+json, application/ld+json, application/json, application/vc+jwt, text/plain'}});
    if (!response.ok) throw new Error(`HTTP ${response.status} for ${input}`);
    return response.text();
  }
  const bytes = readFileSync(input === '-' ? 0 : input);
  if (bytes.subarray(0, 8).equals(PNG_SIGNATURE)) {
    const text = pngText(bytes, 'openbadgecredential');
    if (text === null) throw new Error('the PNG holds no "openbadgecredential" iTXt chunk (an OB 3.0 baked badge)');
    return text;
  }
  const text = bytes.toString('utf8');
  if (/^\s*(<\?xml|<svg)/.test(text)) {
    const inside = svgText(text);
    if (inside === null) throw new Error('the SVG holds no <openbadges:credential> element');
    return inside;
  }
  return text;
}

// ------------------------------------------------------------------------------------------------ checks
function checkValidityPeriod(credential, by) {
  const now = Date.now();
  const {validFrom, validUntil} = credential;
  if (validFrom && !(Date.parse(validFrom) <= now)) return record('validity-period', false, by, `not yet valid (validFrom ${validFrom})`);
  if (validUntil && !(Date.parse(validUntil) > now)) return record('validity-period', false, by, `expired (validUntil ${validUntil})`);
  return record('validity-period', true, by, 'within validFrom/validUntil');
}

function checkSubject(credential) {
  const BY = 'harness (OB 3.0 §9.3 recipient)';
  const subject = credential.credentialSubject;
  const identifiers = [].concat(subject?.identifier ?? []).filter((i) => i && typeof i === 'object');
  record('subject-identified', Boolean(subject?.id || identifiers.length), BY,
    subject?.id || identifiers.length ? 'credentialSubject has an id or an identifier' : 'credentialSubject has neither id nor identifier');
  if (options.subjectId !== undefined) {
    record('recipient', subject?.id === options.subjectId, BY, `credentialSubject.id is ${subject?.id}`);
  }
  if (options.email !== undefined) {
    const matches = identifiers.filter((i) => i.identityType === 'emailAddress').some((i) => {
      if (!i.hashed) return i.identityHash === options.email;
      const [algorithm, digest] = String(i.identityHash).split('$');
      if (!['sha256', 'md5'].includes(algorithm)) return false;
      return createHash(algorithm).update(options.email + (i.salt ?? '')).digest('hex') === String(digest).toLowerCase();
    });
    record('recipient', matches, BY, matches ? 'the email address matches an identifier' : 'no emailAddress identifier matches the email address');
  }
}

async function checkSchema(credential) {
  if (!options.schema) return;
  const BY = 'ajv + 1EdTech OB 3.0 JSON Schema';
  const {Ajv2019} = await import('ajv/dist/2019.js');
  const {default: addFormats} = await import('ajv-formats');
  const ajv = new Ajv2019({allErrors: true, strict: false});
  addFormats(ajv);
  for (const [url, schema] of schemas) ajv.addSchema(schema, url);
  const types = [].concat(credential.type ?? []);
  const cited = [].concat(credential.credentialSchema ?? [])
    .filter((s) => s?.type === '1EdTechJsonSchemaValidator2019').map((s) => s.id);
  if (!cited.length) {
    if (types.includes('EndorsementCredential')) cited.push(`${SCHEMA_BASE}ob_v3p0_endorsementcredential_schema.json`);
    else cited.push(`${SCHEMA_BASE}ob_v3p0_achievementcredential_schema.json`);
  }
  for (const url of cited) {
    const validate = ajv.getSchema(url);
    if (!validate) {
      record('schema', false, BY, `no local copy of ${url} in ${options.schemaDir}`);
    } else if (validate(credential)) {
      record('schema', true, BY, `valid against ${url}`);
    } else {
      const errors = validate.errors.slice(0, 10).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
      record('schema', false, BY, `invalid against ${url}: ${errors}`);
    }
  }
}

async function verifyEmbeddedProof(credential) {
  const BY = '@digitalcredentials/verifier-core';
  const proofs = [].concat(credential.proof ?? []);
  proofFormat = proofs.map((p) => [p?.type, p?.cryptosuite].filter(Boolean).join('/')).join(', ') || 'none';
  const {verifyCredential} = await import('@digitalcredentials/verifier-core');
  // verifier-core logs to the console (schema fetches, status errors): keep stdout for the verdict alone.
  const saved = [console.log, console.warn, console.error, console.info];
  console.log = console.warn = console.error = console.info = () => {};
  let result;
  try {
    result = await verifyCredential({credential, knownDIDRegistries: []});
  } finally {
    [console.log, console.warn, console.error, console.info] = saved;
  }
  if (result.errors?.length) {
    const why = result.errors.map((e) => `${e.name}: ${e.message}`).join('; ');
    return record('signature', false, BY, why);
  }
  const step = (id) => (result.log ?? []).find((entry) => entry.id === id);
  const signature = step('valid_signature');
  record('signature', signature?.valid === true, BY, signature?.valid === true ? 'proof verified, the issuer controls the key'
    : `the proof does not verify${result.error?.message ? ` (${result.error.message})` : ''}`);
  const expiration = step('expiration');
  if (expiration) {
    record('validity-period', expiration.valid === true, BY,
      expiration.valid === true ? 'not expired' : `expired (validUntil ${credential.validUntil})`);
  }
  // verifier-core has no step for a validFrom in the future: the harness adds it.
  if (credential.validFrom && !(Date.parse(credential.validFrom) <= Date.now())) {
    record('validity-period', false, 'harness', `not yet valid (validFrom ${credential.validFrom})`);
  }
  const status = step('revocation_status');
  if (status) {
    if (status.error) record('status', false, BY, `the status could not be read: ${status.error.message ?? status.error.name}`);
    else record('status', status.valid === true, BY, status.valid === true ? 'not revoked' : 'REVOKED: the status list has its bit set');
  } else if (credential.credentialStatus) {
    const kinds = [].concat(credential.credentialStatus).map((s) => s?.type).join(', ');
    record('status', null, BY, `credentialStatus of type ${kinds} is not checked by verifier-core`);
  }
}

/** The public key that signed a VC-JWT: from its `jwk` header, a did:key `kid`, or a loopback `kid` URL. */
async function jwtKey(jose, header) {
  if (header.jwk) {
    if (header.jwk.d) throw new Error('the jwk header holds a private key');
    return {key: await jose.importJWK(header.jwk, header.alg), source: 'jwk header'};
  }
  const kid = typeof header.kid === 'string' ? header.kid : '';
  if (kid.startsWith('did:key:')) {
    const {securityLoader} = await import('@digitalcredentials/security-document-loader');
    const Ed25519Multikey = await import('@digitalcredentials/ed25519-multikey');
    const {document} = await securityLoader().build()(kid);
    const keyPair = await Ed25519Multikey.from(document);
    const jwk = await Ed25519Multikey.toJwk({keyPair});
    return {key: await jose.importJWK(jwk, 'EdDSA'), source: `did:key ${kid.split('#')[0]}`};
  }
  if (/^https?:\/\//.test(kid)) {
    const response = await globalThis.fetch(kid, {headers: {accept: 'application/jwk+json, application/json'}});
    if (!response.ok) throw new Error(`HTTP ${response.status} for the kid ${kid}`);
    const body = await response.json();
    const jwk = Array.isArray(body.keys) ? (body.keys.find((k) => k.kid === kid) ?? (body.keys.length === 1 ? body.keys[0] : null)) : body;
    if (!jwk) throw new Error(`no key ${kid} in the key set`);
    if (jwk.d) throw new Error('the key document holds a private key');
    return {key: await jose.importJWK(jwk, header.alg), source: `kid ${kid}`};
  }
  throw new Error('no key to check it with: neither a jwk header, nor a did:key or http(s) kid');
}

const JWT_ALGORITHMS = ['EdDSA', 'Ed25519', 'ES256', 'ES384', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];

async function verifyJwt(token) {
  const BY = 'jose + OB 3.0 §8.2 (VC-JWT)';
  const jose = await import('jose');
  let header;
  try {
    header = jose.decodeProtectedHeader(token);
  } catch (error) {
    record('parse', false, 'jose', `not a compact JWS: ${error.message}`);
    return null;
  }
  proofFormat = `VC-JWT/${header.alg}`;
  if (!JWT_ALGORITHMS.includes(header.alg)) {
    record('signature', false, BY, `the algorithm ${header.alg} is not accepted`);
    return null;
  }
  let key;
  let source;
  let claims;
  try {
    ({key, source} = await jwtKey(jose, header));
  } catch (error) {
    record('signature', false, BY, `the signing key could not be found: ${error.message}`);
    return null;
  }
  try {
    const {payload} = await jose.compactVerify(token, key, {algorithms: JWT_ALGORITHMS});
    claims = JSON.parse(new TextDecoder().decode(payload));
  } catch (error) {
    record('signature', false, BY, `the JWS signature does not verify with the key from the ${source}: ${error.message}`);
    return null;
  }
  record('signature', true, BY, `JWS signature verified with the key from the ${source}`);

  // OB 3.0 §8.2.4.1: the credential is the payload (or, VCDM 1.1 style, its `vc` claim); the registered claims
  // must repeat what the credential says.
  const credential = claims.vc && typeof claims.vc === 'object' ? {...claims.vc} : {...claims};
  for (const name of ['iss', 'sub', 'jti', 'nbf', 'exp', 'iat', 'aud']) delete credential[name];
  const issuer = credential.issuer?.id ?? credential.issuer;
  const seconds = (date) => Math.floor(Date.parse(date) / 1000);
  const problems = [];
  if (claims.iss !== issuer) problems.push(`iss ${claims.iss} is not the issuer ${issuer}`);
  if (claims.sub !== credential.credentialSubject?.id) problems.push(`sub ${claims.sub} is not credentialSubject.id ${credential.credentialSubject?.id}`);
  if (claims.jti !== credential.id) problems.push(`jti ${claims.jti} is not the id ${credential.id}`);
  if (claims.nbf === undefined || !credential.validFrom || claims.nbf !== seconds(credential.validFrom)) problems.push(`nbf ${claims.nbf} does not match validFrom ${credential.validFrom}`);
  if ((claims.exp !== undefined || credential.validUntil) && claims.exp !== seconds(credential.validUntil)) problems.push(`exp ${claims.exp} does not match validUntil ${credential.validUntil}`);
  const kid = typeof header.kid === 'string' ? header.kid : '';
  if (kid.startsWith('did:key:') && kid.split('#')[0] !== issuer) problems.push(`the key ${kid.split('#')[0]} is not the issuer's`);
  record('jwt-claims', problems.length === 0, BY, problems.length ? problems.join('; ') : 'iss, sub, jti, nbf and exp match the credential');

  const now = Math.floor(Date.now() / 1000);
  if (claims.nbf !== undefined && claims.nbf > now) record('validity-period', false, BY, `not yet valid (nbf ${new Date(claims.nbf * 1000).toISOString()})`);
  else if (claims.exp !== undefined && claims.exp <= now) record('validity-period', false, BY, `expired (exp ${new Date(claims.exp * 1000).toISOString()})`);
  else checkValidityPeriod(credential, BY);

  if (credential.credentialStatus) await checkJwtStatus(credential);
  return credential;
}

/** BitstringStatusList for a VC-JWT, with the DCC library verifier-core itself uses (the list's proof included). */
async function checkJwtStatus(credential) {
  const BY = '@digitalcredentials/vc-bitstring-status-list';
  const kinds = [].concat(credential.credentialStatus).map((s) => s?.type);
  if (!kinds.includes('BitstringStatusListEntry')) {
    record('status', null, BY, `credentialStatus of type ${kinds.join(', ')} is not checked`);
    return;
  }
  const {checkStatus} = await import('@digitalcredentials/vc-bitstring-status-list');
  const {securityLoader} = await import('@digitalcredentials/security-document-loader');
  const {DataIntegrityProof} = await import('@digitalcredentials/data-integrity');
  const {cryptosuite} = await import('@digitalcredentials/eddsa-rdfc-2022-cryptosuite');
  const result = await checkStatus({
    credential,
    documentLoader: securityLoader({fetchRemoteContexts: true}).build(),
    suite: new DataIntegrityProof({cryptosuite}),
    verifyMatchingIssuers: false,
  });
  if (result.error) record('status', false, BY, `the status could not be read: ${result.error.message}`);
  else record('status', result.verified === true, BY, result.verified === true ? 'not revoked' : 'REVOKED: the status list has its bit set');
}

// ------------------------------------------------------------------------------------------------ main
let credential = null;
try {
  let text;
  try {
    text = (await readInput(options.input)).trim();
  } catch (error) {
    record('parse', false, 'harness', error.message);
    finish(null);
  }
  if (/^[\w-]+\.[\w-]+\.[\w-]*$/.test(text)) {
    credential = await verifyJwt(text);
  } else {
    try {
      credential = JSON.parse(text);
    } catch (error) {
      record('parse', false, 'harness', `neither JSON nor a compact JWS: ${error.message}`);
      finish(null);
    }
    if (credential === null || typeof credential !== 'object' || Array.isArray(credential)) {
      record('parse', false, 'harness', 'the JSON is not an object');
      finish(null);
    }
    await verifyEmbeddedProof(credential);
  }
  if (credential) {
    checkSubject(credential);
    await checkSchema(credential);
  }
} catch (error) {
  record('internal', false, 'harness', `${error.name}: ${error.message}`);
}
finish(credential);
