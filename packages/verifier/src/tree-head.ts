import { HASH_B64URL, TREE_HEAD_TYP, type TreeHead } from '@assent/core/protocol';
import type { Backend } from './lib/backend.js';
import { count, str } from './lib/claims.js';
import { verifyJws } from './lib/jws.js';
import { nowSeconds, type TimeOptions, tolerance } from './lib/time.js';
import { TokenMalformed, TokenNotYetValid } from './errors.js';
import { keySetFor } from './jwks.js';
import type { KeyOptions } from './receipt.js';

// base64url SHA-256 of no bytes: the root of the empty tree (RFC 9162 §2.1.1).
const EMPTY_ROOT = '47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU';

export interface VerifyTreeHeadOptions extends KeyOptions, TimeOptions {}

export async function verifyTreeHead(
  b: Backend,
  jws: string,
  options: VerifyTreeHeadOptions,
): Promise<TreeHead> {
  const keys = keySetFor(b, options);
  const now = nowSeconds(options);
  const skew = tolerance(options);
  const c = await verifyJws(b, jws, keys, TREE_HEAD_TYP);
  const head = {
    treeSize: count(c['treeSize'], '$.treeSize'),
    rootHash: str(c['rootHash'], '$.rootHash', HASH_B64URL),
    timestamp: count(c['timestamp'], '$.timestamp'),
  };
  // The empty tree has exactly one root, the hash of no bytes (RFC 9162 §2.1.1); any other root
  // for size 0 would let the head "prove" things no tree holds.
  if (head.treeSize === 0 && head.rootHash !== EMPTY_ROOT) {
    throw new TokenMalformed('a tree head of size 0 must carry the empty-tree root', { path: '$.rootHash' });
  }
  // A head from the future (milliseconds) is a broken or lying clock: the same skew bound as `iat`.
  if (head.timestamp / 1000 > now + skew) {
    throw new TokenNotYetValid(`tree head timestamp ${head.timestamp} is in the future`, {
      path: '$.timestamp',
    });
  }
  return head;
}
