// Claim shape checks. Each returns the value or throws TokenMalformed naming the claim, so a receipt
// that verifies but is missing a field fails loudly instead of surfacing as `undefined` downstream.
import { TokenMalformed } from '../errors.js';
import { isObject } from './jws.js';

export function fail(path: string, message: string): never {
  throw new TokenMalformed(`${path} ${message}`, { path });
}

export function str(v: unknown, path: string, re?: RegExp): string {
  if (typeof v !== 'string' || (re !== undefined && !re.test(v))) fail(path, 'is missing or malformed');
  return v as string;
}

export function num(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(path, 'must be a number');
  return v as number;
}

export function count(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
    fail(path, 'must be a non-negative integer');
  return v as number;
}

export function obj(v: unknown, path: string): Record<string, unknown> {
  if (!isObject(v)) fail(path, 'must be an object');
  return v as Record<string, unknown>;
}
