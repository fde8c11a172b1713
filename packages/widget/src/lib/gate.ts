// TEMPORARY: the gate module (issue 5) is not exported from @assent/core's barrel yet.
export { connectConsentMode, consentModeDefault } from '../../../core/src/gate/consent-mode.js';
export { createGate } from '../../../core/src/gate/gating.js';
export { applyGpc, readGpc } from '../../../core/src/gate/gpc.js';
export { resolveJurisdiction } from '../../../core/src/gate/region.js';
export { clearOnWithdraw } from '../../../core/src/gate/withdrawal.js';
