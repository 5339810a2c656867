// The catalogue of every error the API and CLI report: a code, an HTTP status and a message template.
export const ERRORS = {
  HEARTH_CONFIG_INVALID: { status: 500, message: 'Invalid configuration:\n{problems}' },
  HEARTH_VALIDATION: { status: 400, message: '{message}' },
  HEARTH_UNAUTHORIZED: { status: 401, message: 'Authentication required' },
  HEARTH_BAD_CREDENTIALS: { status: 401, message: 'Wrong username or password' },
  HEARTH_FORBIDDEN: { status: 403, message: '{message}' },
  HEARTH_NOT_FOUND: { status: 404, message: '{message}' },
  HEARTH_DEVICE_NOT_FOUND: { status: 404, message: 'No device with id "{id}"' },
  HEARTH_RULE_NOT_FOUND: { status: 404, message: 'No rule with id "{id}"' },
  HEARTH_USER_NOT_FOUND: { status: 404, message: 'No user named "{name}"' },
  HEARTH_CONFLICT: { status: 409, message: '{message}' },
  HEARTH_RULE_INVALID: { status: 400, message: '{message}' },
  HEARTH_RATE_LIMITED: { status: 429, message: 'Too many attempts; try again in {seconds} s' },
  HEARTH_PAYLOAD_TOO_LARGE: { status: 413, message: 'Request body is too large' },
  HEARTH_NOT_READY: { status: 503, message: 'Hearth is starting or stopping' },
  HEARTH_BROKER_UNAVAILABLE: { status: 503, message: 'The MQTT broker did not accept the message: {reason}' },
  HEARTH_BROKER_REFUSED: { status: 502, message: '{reason}' },
  HEARTH_STORAGE_UNAVAILABLE: { status: 503, message: 'The change was not saved: {reason}; try again when there is space (see /healthz)' },
  HEARTH_DATA_DIR_LOCKED: { status: 409, message: '{holder} owns the data dir {dataDir}: {advice}' },
  HEARTH_LISTEN_FAILED: { status: 500, message: '{what} port {reason}: choose another with {option} (0 picks a free port)' },
  HEARTH_DATABASE_NEWER: {
    status: 500,
    message:
      'The database has schema version {from}, newer than this Hearth knows ({latest}): upgrade Hearth, or restore a backup made by this version',
  },
  HEARTH_INTERNAL: { status: 500, message: 'Internal error' },
} as const;

export type ErrorCode = keyof typeof ERRORS;

export class HearthError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, params: Record<string, unknown> = {}, details?: Record<string, unknown>) {
    super(formatMessage(ERRORS[code].message, params));
    this.name = 'HearthError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.details = details;
  }

  toJSON(): { code: ErrorCode; message: string } & Record<string, unknown> {
    return { code: this.code, message: this.message, ...(this.details ?? {}) };
  }
}

function formatMessage(template: string, params: Record<string, unknown>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => (key in params ? String(params[key]) : whole));
}

/** Render a value the way error messages quote it: strings in double quotes, others as JSON. */
export function quote(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
