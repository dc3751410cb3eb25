import type { ProviderName } from '../../contracts/providers';
import { startLumaStandIn } from './luma-stand-in';
import { startReplicateStandIn } from './replicate-stand-in';
import type { StandInStarter } from './stand-in-server';

export type { ProviderStandIn, StandInOptions, StandInStarter, StandInTask } from './stand-in-server';

/** Each provider's stand-in (`VIDEO_PROVIDER=<name> npm start` starts it; so do the tests). */
export const standIns: Partial<Record<Exclude<ProviderName, 'guide'>, StandInStarter>> = {
  replicate: startReplicateStandIn,
  luma: startLumaStandIn,
};
