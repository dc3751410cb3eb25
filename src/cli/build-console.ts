import { builtConsoleDir, bundleConsole } from '../http/console/assets';

/** `npm run build`: bundle the browser console into dist/console, which the compiled gateway serves. */
async function main() {
  const assets = await bundleConsole(builtConsoleDir);
  const sizes = [...assets].map(([name, file]) => `${name} ${(file.body.length / 1024).toFixed(0)} KiB`).join(', ');
  console.log(`Console written to ${builtConsoleDir} (${sizes})`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
