/** Stops the engines that global-setup started (the same process holds the handle). */
export default async function globalTeardown(): Promise<void> {
  const engines = globalThis.__PHOTO_ENGINES__;
  globalThis.__PHOTO_ENGINES__ = undefined;
  await engines?.stop();
}
