import { ApplicationFailure } from '@temporalio/common';
import { configFromEnvironment } from '../stack/process-entry';
import { masked, register, registrationPlan } from './register-webhooks';

/**
 * `npm run register-webhooks [-- --dry-run]`: registers the three webhook URLs with the services.
 * Safe to run again: each registration carries an Idempotency-Key derived from what it registers.
 */
async function main() {
  const dryRun = process.argv.includes('--dry-run');
  const config = configFromEnvironment('stack');
  const problems = [
    ...(['video', 'lastFrame', 'stitch'] as const).filter((s) => !config.services[s]).map((s) => `no URL configured for the ${s} service`),
    ...Object.keys(config.generated)
      .filter((name) => name.endsWith('_WEBHOOK_SECRET'))
      .map((name) => `${name} is not set (a generated secret would be useless to the service)`),
    ...(config.publicUrl ? [] : ['NEXT_PUBLIC_APP_URL is not set: services need a public URL to call back']),
  ];
  if (problems.length && !dryRun) {
    console.error(`Cannot register webhooks:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    process.exit(1);
  }
  const plan = registrationPlan(config);
  if (dryRun) {
    for (const problem of problems) console.error(`warning: ${problem}`);
    console.log(JSON.stringify(plan.map((r) => ({ method: 'POST', ...masked(r) })), null, 2));
    return;
  }
  let failed = 0;
  for (const registration of plan) {
    try {
      const answer = await register(config, registration);
      console.log(`${registration.service}: registered ${registration.body.url} for ${registration.body.events.join(', ')} ${JSON.stringify(answer)}`);
    } catch (err) {
      failed += 1;
      const message = err instanceof ApplicationFailure ? err.message : String(err);
      console.error(`${registration.service}: registration failed: ${message}`);
    }
  }
  process.exit(failed ? 1 : 0);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
