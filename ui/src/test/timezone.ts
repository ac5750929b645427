// Sets Node's time zone for a test file (Node re-reads TZ when it is assigned), so local-time
// code can be asserted exactly. Returns the previous value for restoring. (No @types/node here.)
const env = (globalThis as unknown as { process: { env: Record<string, string | undefined> } }).process.env;

export function setTimeZone(tz: string | undefined): string | undefined {
  const previous = env.TZ;
  if (tz === undefined) delete env.TZ;
  else env.TZ = tz;
  return previous;
}
