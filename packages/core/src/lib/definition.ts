import type { AssentConfig, Purpose } from '../config/types.js';
import { isSeparate } from '../separate.js';
import { gradeOf } from './grade.js';

// Everything the shopper is told about a purpose, the input of its definition hash. Shared by the
// synchronous hashing of servers and the loader's Web Crypto hashing, so both hash the same bytes.
export const definitionOf = (purpose: Purpose, config: AssentConfig): object => ({
  id: purpose.id,
  basis: purpose.basis,
  categories: purpose.categories.map((id) => {
    const c = config.categories.find((x) => x.id === id);
    return c ? { id, kind: c.kind, grade: gradeOf(c), texts: c.texts } : { id };
  }),
  retention: purpose.retention,
  recipients: purpose.recipients,
  transfer: purpose.transfer,
  publicDisclosure: purpose.publicDisclosure === true,
  separate: isSeparate(purpose, config),
  texts: purpose.texts,
});
