/** Reading a service's settings from its environment, failing at start with the variable's name. */
export function requiredEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (!value) throw new Error(`environment variable ${name} is required`);
  return value;
}

export function portEnv(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const text = env[name];
  if (text === undefined || text === "") return fallback;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`environment variable ${name} must be a TCP port (0-65535), got "${text}"`);
  }
  return port;
}

/** The address servers listen on: loopback unless the deployment says otherwise (HOST=0.0.0.0 in a pod). */
export function listenHost(env: NodeJS.ProcessEnv = process.env): string {
  return env.HOST || "127.0.0.1";
}
