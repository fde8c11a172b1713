// TEMPORARY: the gate module (issue 5) is not exported from @assent/core's barrel yet.
export { consentModeDefault } from '../../../core/src/gate/consent-mode.js';
export { enforceConsent } from '../../../core/src/gate/enforce.js';
export { readGpc } from '../../../core/src/gate/gpc.js';
export { placeholders } from '../../../core/src/gate/placeholder.js';
export { resolveJurisdiction } from '../../../core/src/gate/region.js';
