/**
 * A provider's SDK, loaded the first time it is used rather than when the process starts. Every gateway
 * and worker builds all four adapters, but most deployments use one provider or none: loaded at start,
 * the SDKs (lumaai, @runwayml/sdk, @fal-ai/client and jose, replicate) took about 4 MiB of every
 * process's heap.
 */
export function lazily<T>(load: () => T): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= load());
}
