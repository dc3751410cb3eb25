import type { ProviderCost, ProviderName } from '../contracts/providers';
import { nearestDuration } from './durations';
import { falModels } from './fal-models';
import { lumaModels } from './luma-models';
import { runwayModels } from './runway-models';

/**
 * What a scene's video will cost before it is submitted, from the providers' public price lists, in the
 * unit the provider's adapter reports its cost in once the video is made (so an estimate and the costs
 * reported add up against a film's spend limit, docs/review.md#the-spend-limit). The spend limit is
 * checked against an estimate before each submit, and a video whose provider reports no cost counts
 * its estimate. Undefined where no price is known here: the guide's services (Reelay knows no price
 * list for them), Replicate (it reports compute seconds, which no price page predicts), models not in
 * these tables.
 */
export interface PriceRequest {
  model: string;
  /** Seconds of video asked for; the model's default when absent. */
  durationSeconds?: number;
  options: Record<string, unknown>;
}

/**
 * Runway bills credits by the second of video (1 credit = $0.01), by model: Runway's API pricing page,
 * https://docs.dev.runwayml.com/guides/pricing/ (gen4_turbo's 5 credits/s also matches $0.05/s resold,
 * and https://academy.runwayml.com/getting-started/generation-credits gives 1 credit = $0.01).
 */
export const runwayCreditsPerSecond: Readonly<Record<string, number>> = { gen4_turbo: 5, 'gen4.5': 12, 'veo3.1': 40, 'veo3.1_fast': 15 };

/**
 * fal's per-video prices in US dollars, for its models not billed by the second (those report seconds
 * of video themselves). From each model's page on fal.ai, e.g.
 * https://fal.ai/models/fal-ai/kling-video/v2.5-turbo/pro/image-to-video/llms.txt ("For 5s video your
 * request will cost $0.35. For every additional second you will be charged $0.07"),
 * https://fal.ai/models/fal-ai/kling-video/v2.5-turbo/standard/image-to-video/llms.txt ($0.21, $0.042),
 * https://fal.ai/models/fal-ai/kling-video/v3/pro/image-to-video/llms.txt ($0.112 a second without
 * audio, $0.168 with). The pro text-to-video endpoint is priced as its image-to-video one.
 */
export const falUsd: Readonly<Record<string, { firstFiveSeconds: number; perSecond: number; perSecondWithAudio?: number }>> = {
  'fal-ai/kling-video/v2.5-turbo/pro/image-to-video': { firstFiveSeconds: 0.35, perSecond: 0.07 },
  'fal-ai/kling-video/v2.5-turbo/pro/text-to-video': { firstFiveSeconds: 0.35, perSecond: 0.07 },
  'fal-ai/kling-video/v2.5-turbo/standard/image-to-video': { firstFiveSeconds: 0.21, perSecond: 0.042 },
  'fal-ai/kling-video/v3/pro/image-to-video': { firstFiveSeconds: 0.56, perSecond: 0.112, perSecondWithAudio: 0.168 },
};

/** Luma's default length, as its adapter asks for it (luma-models.ts). */
const lumaDefaultSeconds = 5;
/** Runway's and fal's Kling models make 5 s when no length is asked for. */
const defaultSeconds = 5;

const roundCents = (usd: number) => Math.round(usd * 1e4) / 1e4;

/** The estimate of one video, or undefined where no price is known. */
export function estimateVideoCost(provider: ProviderName, request: PriceRequest): ProviderCost | undefined {
  const wanted = request.durationSeconds;
  switch (provider) {
    case 'luma': {
      // Luma prices a generation by its seconds of video (at a rate per model and resolution on its API
      // pricing page), which is the unit its adapter reports: the estimate is what it will report.
      const spec = lumaModels[request.model];
      if (!spec?.duration) return undefined;
      return { amount: nearestDuration(wanted ?? lumaDefaultSeconds, spec.duration.seconds), unit: 'video_seconds' };
    }
    case 'runway': {
      const perSecond = runwayCreditsPerSecond[request.model];
      const model = runwayModels[request.model];
      if (perSecond === undefined || !model) return undefined;
      return { amount: perSecond * nearestDuration(wanted ?? defaultSeconds, model.durations), unit: 'credits' };
    }
    case 'fal': {
      const model = falModels[request.model];
      if (!model) return undefined;
      const seconds = wanted === undefined ? defaultSeconds : nearestDuration(wanted, model.durations);
      if (model.billedPerSecond) return { amount: seconds, unit: 'video_seconds' };
      const price = falUsd[request.model];
      if (!price) return undefined;
      const perSecond = request.options.generate_audio === true && price.perSecondWithAudio ? price.perSecondWithAudio : price.perSecond;
      const firstFive = price.perSecondWithAudio !== undefined ? perSecond * 5 : price.firstFiveSeconds;
      return { amount: roundCents(seconds <= 5 ? (firstFive * seconds) / 5 : firstFive + (seconds - 5) * perSecond), unit: 'usd' };
    }
    default:
      return undefined;
  }
}
