import type { ProviderName } from '../../contracts/providers';
import { startFalStandIn } from './fal-stand-in';
import { startRunwayStandIn } from './runway-stand-in';
import { startLumaStandIn } from './luma-stand-in';
import { startReplicateStandIn } from './replicate-stand-in';
import type { StandInStarter } from './stand-in-server';

export type { ProviderStandIn, StandInOptions, StandInStarter, StandInTask } from './stand-in-server';

/** Each provider's stand-in (`VIDEO_PROVIDER=<name> npm start` starts it; so do the tests). */
export const standIns: Partial<Record<Exclude<ProviderName, 'guide'>, StandInStarter>> = {
  fal: startFalStandIn,
  runway: startRunwayStandIn,
  replicate: startReplicateStandIn,
  luma: startLumaStandIn,
};
