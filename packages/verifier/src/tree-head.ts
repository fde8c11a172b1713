import { HASH_B64URL, TREE_HEAD_TYP, type TreeHead } from '@assent/core/protocol';
import type { Backend } from './lib/backend.js';
import { count, str } from './lib/claims.js';
import { verifyJws } from './lib/jws.js';
import { keySetFor } from './jwks.js';
import type { KeyOptions } from './receipt.js';

export async function verifyTreeHead(b: Backend, jws: string, options: KeyOptions): Promise<TreeHead> {
  const keys = keySetFor(b, options);
  const c = await verifyJws(b, jws, keys, TREE_HEAD_TYP);
  return {
    treeSize: count(c['treeSize'], '$.treeSize'),
    rootHash: str(c['rootHash'], '$.rootHash', HASH_B64URL),
    timestamp: count(c['timestamp'], '$.timestamp'),
  };
}
