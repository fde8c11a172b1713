import type { AssentConfig } from '../config/types.js';
import { encodeBase64url } from '../protocol/base64url.js';
import { utf8 } from '../protocol/lib/utf8.js';
import { sha256 } from '../protocol/sha256.js';
import { jcs } from './jcs-lite.js';

/** Unpadded base64url SHA-256 of the RFC 8785 form of validated config data, synchronously. */
export const digest = (value: unknown): string => encodeBase64url(sha256(utf8(jcs(value))));

/** The policy hash: controller, notice and every purpose's definition hash (see `policyHash`). */
export const policyDigest = (config: AssentConfig, hashes: Readonly<Record<string, string>>): string =>
  digest(policyInput(config, hashes));

/** What the policy hash covers. */
export const policyInput = (config: AssentConfig, hashes: Readonly<Record<string, string>>) => ({
  controller: config.controller,
  notice: config.notice,
  purposes: hashes,
});
