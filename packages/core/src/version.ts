/** Version of @assent/core, recorded as `widget` in consent events unless the widget names its own. */
export const VERSION = '0.1.0';
