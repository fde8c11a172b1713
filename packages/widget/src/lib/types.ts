// Types the widget shares between the loader and the UI.
export type {
  AssentConfig,
  Consent,
  ConsentChange,
  ConsentHistory,
  Decision,
  HistoryRecord,
  PromptReason,
} from '@assent/core';

/** What `requestSeparate` resolves to: the shopper's answer, or `dismissed` if they closed the dialog. */
export type SeparateAnswer = 'given' | 'refused' | 'dismissed';
