// Validators shared by the DTOs: one rule per concept, with messages that name the field.
import { registerDecorator, type ValidationArguments } from 'class-validator';
import { LABEL_VALUE, validLabelKey, validLabelValue } from '../../shared/label-selector';

/** A property check written as a function returning the problem, or null. */
export function Custom(check: (value: unknown, property: string) => string | null) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      target: target.constructor,
      propertyName,
      validator: {
        validate: (value: unknown, args: ValidationArguments) => check(value, args.property) === null,
        defaultMessage: (args: ValidationArguments) => check(args.value, args.property) ?? 'invalid',
      },
    });
}

/** Labels as Kubernetes allows them: at most 64, valid keys and values. */
export const LabelMap = () =>
  Custom((v, p) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return `${p} must be an object of string values`;
    const entries = Object.entries(v);
    if (entries.length > 64) return `${p} may hold at most 64 labels`;
    for (const [i, [k, val]] of entries.entries()) {
      // an invalid key is named by its place, not quoted: messages reach the audit log
      if (!validLabelKey(k)) return `${p}: key ${i + 1} is not a valid label key (name of at most 63 characters, optionally prefixed by a DNS subdomain and "/")`;
      if (typeof val !== 'string' || !validLabelValue(val)) return `${p}.${k} must be a valid label value (at most 63 characters: letters, digits, "-", "_", ".")`;
    }
    return null;
  });

/** The OpenAPI schema LabelMap enforces. */
export const LABELS_SCHEMA = {
  type: 'object' as const,
  additionalProperties: { type: 'string', maxLength: 63, pattern: LABEL_VALUE.source },
  maxProperties: 64,
  description: 'at most 64; keys are label keys (a name of at most 63 characters, optionally prefixed by a DNS subdomain and "/")',
};
