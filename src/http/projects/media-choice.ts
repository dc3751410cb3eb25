import type { MediaPlan, MediaStepMode } from '../../contracts/media';
import type { CreateProjectRequest } from '../../contracts/projects';
import type { Config } from '../../platform/config';
import { HttpError } from '../errors';
import type { FieldProblem } from '../validation';

/** What this deployment can do for a film's media steps, and what it does when a film does not say. */
export interface MediaOffer {
  /** LAST_FRAME_STEP and STITCH_STEP. */
  defaults: { lastFrame: MediaStepMode; stitch: MediaStepMode };
  /** Whether an asset store is configured (ASSET_STORE local or s3): built-in steps keep their output there. */
  store: boolean;
  /** Whether the guide's last-frame and stitch services have URLs here. */
  remote: { lastFrame: boolean; stitch: boolean };
  /** MEDIA_TASK_QUEUE. */
  taskQueue: string;
}

/** The offer of a deployment's configuration (LAST_FRAME_STEP, STITCH_STEP, ASSET_STORE, the services' URLs). */
export const mediaOfferOf = ({ media, services }: Pick<Config, 'media' | 'services'>): MediaOffer => ({
  defaults: { lastFrame: media.lastFrame, stitch: media.stitch },
  store: media.store.kind !== 'none',
  remote: { lastFrame: Boolean(services.lastFrame), stitch: Boolean(services.stitch) },
  taskQueue: media.taskQueue,
});

const steps = [
  { step: 'lastFrame', field: 'last_frame', service: 'last-frame service (LAST_FRAME_SERVICE_URL)' },
  { step: 'stitch', field: 'stitch', service: 'stitch service (STITCH_SERVICE_URL)' },
] as const;

/**
 * The media plan a new film starts with: the deployment's steps, with the film's own choice over them
 * (`media.last_frame`, `media.stitch`). A choice this deployment cannot carry out is a 400 naming the
 * field: a built-in step without an asset store, a remote one without its service's URL. No plan at all
 * (a film made exactly as before) when nothing is built in and nothing is stored.
 */
export function resolveMediaPlan(request: Pick<CreateProjectRequest, 'media'>, offer: MediaOffer): MediaPlan | undefined {
  const chosen = { ...offer.defaults };
  const fields: FieldProblem[] = [];
  for (const { step, field, service } of steps) {
    const asked = request.media?.[field];
    if (!asked) continue;
    if (asked === 'builtin' && !offer.store) {
      fields.push({ field: `media.${field}`, message: 'a built-in step keeps its output in the asset store, and this server has none (ASSET_STORE)' });
    } else if (asked === 'remote' && !offer.remote[step]) {
      fields.push({ field: `media.${field}`, message: `this server has no ${service}` });
    }
    chosen[step] = asked;
  }
  if (fields.length) {
    throw new HttpError(400, 'validation_failed', `Project is invalid: ${fields.map((f) => f.field).join(', ')}`, { fields });
  }
  if (!offer.store && chosen.lastFrame === 'remote' && chosen.stitch === 'remote') return undefined;
  return { ...chosen, store: offer.store, taskQueue: offer.taskQueue };
}
