import { z } from 'zod';
import { projectIdSchema } from './ids';
import { storableText } from './text';

export const maxScenes = 200;

export const createProjectRequest = z.object({
  project_id: projectIdSchema.optional(),
  user_id: storableText({ nonBlank: true }).max(128).trim().optional(),
  scenes: z
    .array(
      z.object({
        prompt: storableText({ nonBlank: true }).max(4000).trim(),
        /** Seconds of video wanted for the scene; the video service's default when absent. */
        duration: z.number().positive().max(600).optional(),
      }),
    )
    .min(1, 'a project needs at least one scene')
    .max(maxScenes, `a project has at most ${maxScenes} scenes`),
});

export type CreateProjectRequest = z.infer<typeof createProjectRequest>;
