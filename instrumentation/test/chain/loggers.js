// The chain services' logging, as teams set it up without any tracing code: pino, winston and
// bunyan, each writing one JSON line per record to stdout. Every record goes through all three, so
// each run of the chain (Node.js 20, 22, 24) checks log correlation for each logger.
const pino = require("pino");
const winston = require("winston");
const bunyan = require("bunyan");

module.exports.createLogger = (service) => {
  const loggers = {
    pino: pino({ name: service }),
    winston: winston.createLogger({
      defaultMeta: { name: service },
      format: winston.format.json(),
      transports: [new winston.transports.Console()],
    }),
    bunyan: bunyan.createLogger({ name: service }),
  };
  return {
    /** Logs `message` with `fields` through each logger; each line names its logger. */
    info(fields, message) {
      loggers.pino.info({ ...fields, logger: "pino" }, message);
      loggers.winston.info(message, { ...fields, logger: "winston" });
      loggers.bunyan.info({ ...fields, logger: "bunyan" }, message);
    },
  };
};
