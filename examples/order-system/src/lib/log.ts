/**
 * One-line JSON logs on stdout. Services log order ids and statuses, never customer data.
 */
export function createLogger(service: string): Logger {
  const write =
    (level: "info" | "warn" | "error") =>
    (message: string, fields: Record<string, unknown> = {}): void => {
      const line = JSON.stringify({ time: new Date().toISOString(), level, service, message, ...fields });
      if (level === "info") console.log(line);
      else console.error(line);
    };
  return { info: write("info"), warn: write("warn"), error: write("error") };
}

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
