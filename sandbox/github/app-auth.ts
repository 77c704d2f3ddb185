// GitHub App authentication as GitHub documents it
// (https://docs.github.com/apps/creating-github-apps/authenticating-with-a-github-app): the app signs
// a JSON web token with its private key (RS256; `iat`, `exp` at most ten minutes later, `iss` the app
// id), and trades it at POST /app/installations/{id}/access_tokens for an installation token
// (`ghs_...`) that works like a personal token until it expires.
import { createPublicKey, generateKeyPairSync, randomBytes, verify } from 'node:crypto';

export interface AppKeyPair {
  /** PKCS#1 PEM ("BEGIN RSA PRIVATE KEY"), as GitHub hands it out */
  privateKey: string;
  /** SPKI PEM */
  publicKey: string;
}

/** A key pair like the one GitHub generates for an app, for tests and the sandbox. */
export function generateAppKeyPair(): AppKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  return { privateKey, publicKey };
}

/** The public half of a private key PEM (what the sandbox registers when given the app's key). */
export function publicKeyOf(privateKey: string): string {
  return createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
}

/** The longest a JWT may live, and how far `iat` may lie ahead of the fake's clock. */
const MAX_LIFETIME_SECONDS = 600;
const CLOCK_SKEW_SECONDS = 60;

export const JWT_MESSAGES = {
  undecodable: 'A JSON web token could not be decoded',
  tooLong: "'Expiration time' claim ('exp') is too far in the future",
  expired: "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
  issuedLater: "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued",
  unknownApp: 'Integration not found',
} as const;

export type JwtCheck = { ok: true; appId: number } | { ok: false; message: string };

/** Checks an app's JWT: structure, RS256 signature by the app named in `iss`, then `iat`/`exp`. */
export function verifyAppJwt(jwt: string, publicKeyOfApp: (appId: number) => string | undefined, now: number): JwtCheck {
  const parts = jwt.split('.');
  const [headerPart, payloadPart, signaturePart] = parts;
  if (parts.length !== 3 || !headerPart || !payloadPart || !signaturePart) return { ok: false, message: JWT_MESSAGES.undecodable };
  const header = decodeSegment(headerPart);
  const claims = decodeSegment(payloadPart);
  if (!header || !claims || header.alg !== 'RS256') return { ok: false, message: JWT_MESSAGES.undecodable };
  const appId = Number(claims.iss);
  if (!Number.isInteger(appId) || appId <= 0) return { ok: false, message: JWT_MESSAGES.undecodable };
  const publicKey = publicKeyOfApp(appId);
  if (!publicKey) return { ok: false, message: JWT_MESSAGES.unknownApp };
  const signed = verify('RSA-SHA256', Buffer.from(`${headerPart}.${payloadPart}`), publicKey, Buffer.from(signaturePart, 'base64url'));
  if (!signed) return { ok: false, message: JWT_MESSAGES.undecodable };
  const { iat, exp } = claims;
  if (typeof iat !== 'number' || !Number.isInteger(iat) || iat > now + CLOCK_SKEW_SECONDS) return { ok: false, message: JWT_MESSAGES.issuedLater };
  if (typeof exp !== 'number' || !Number.isInteger(exp) || exp <= now) return { ok: false, message: JWT_MESSAGES.expired };
  if (exp - iat > MAX_LIFETIME_SECONDS) return { ok: false, message: JWT_MESSAGES.tooLong };
  return { ok: true, appId };
}

function decodeSegment(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** An installation token: `ghs_` and 36 letters and digits, as GitHub issues them. */
export function newInstallationToken(): string {
  return `ghs_${[...randomBytes(36)].map((byte) => TOKEN_ALPHABET[byte % TOKEN_ALPHABET.length]).join('')}`;
}
