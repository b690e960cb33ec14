/** The shape of /report.json as report.mjs writes it, parsed when the demo reads it back. */
import { z } from 'zod';

export const reportSchema = z.object({
  messages: z.number().int(),
  averageSentiment: z.number(),
  urgentThreshold: z.number(),
  urgent: z.number().int(),
  categories: z.record(
    z.string(),
    z.object({ messages: z.number().int(), averageSentiment: z.number(), urgent: z.number().int() }),
  ),
  mostUrgent: z.array(
    z.object({
      message: z.string(),
      category: z.string(),
      urgency: z.number(),
      sentiment: z.number(),
      subject: z.string(),
    }),
  ),
});
export type Report = z.output<typeof reportSchema>;
