/** A request the guard refused: no or a bad token (`auth.failed`), or a role too low (`auth.forbidden`). */
export interface AccessDenial {
  actor: string;
  role?: string;
  action: 'auth.failed' | 'auth.forbidden';
  /** `METHOD /path` */
  subject: string;
  details: Record<string, unknown>;
}

/**
 * Where the guard reports refusals. The audit module provides it (it records them in the audit
 * log); auth itself does not import audit, so the two layers do not loop.
 */
export abstract class AccessDenials {
  abstract record(denial: AccessDenial): Promise<void>;
}
