import { z } from 'zod';

/** Comma-separated so a secret can be rotated: the new one is added, senders move over, the old one goes. */
export const secretList = z.preprocess(
  (v) => (v === '' ? undefined : v),
  z
    .string()
    .transform((s) => s.split(',').map((p) => p.trim()).filter(Boolean))
    .pipe(z.array(z.string().min(16, 'each secret must be at least 16 characters')).min(1))
    .optional(),
);
