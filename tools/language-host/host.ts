// The Node.js language host the pulumi CLI talks to: a thin gRPC front for the Go-built host.
//
// The standalone pulumi-language-nodejs module is not served by the Go module proxy here, so the Go
// host comes from the last sdk/v3 release that carries it (v3.68.0, see tools/README.md). It runs
// programs with the current @pulumi/pulumi runner, but predates `RunPlugin`, which the CLI uses to
// start policy packs from source (`pulumi preview --policy-pack`). This front forwards every call
// to the Go host unchanged and answers `RunPlugin` itself, by running the policy-pack runner of the
// pack's own @pulumi/pulumi, exactly as the newer hosts do.
//
// Started by the CLI like any language host: `pulumi-language-nodejs [flags] <engine address>`; it
// prints the port it serves on.
import * as grpc from "@grpc/grpc-js";
import { spawn } from "node:child_process";
import * as path from "node:path";
import * as readline from "node:readline";

// The SDK's generated gRPC code: loaded at run time from the project's @pulumi/pulumi.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const services = require("@pulumi/pulumi/proto/language_grpc_pb");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const messages = require("@pulumi/pulumi/proto/language_pb");

type Definition = grpc.ServiceDefinition;
type AnyCall = grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>;

const GO_HOST =
  process.env.ORDER_TRACING_GO_LANGUAGE_HOST ??
  path.join(__dirname, "..", "..", ".tools", "bin", "pulumi-language-nodejs-go");
/** The runner a policy pack's own @pulumi/pulumi ships for `RunPlugin` of kind analyzer. */
const POLICY_PACK_RUNNER = "@pulumi/pulumi/cmd/run-policy-pack";

/** Starts the Go host with the CLI's arguments and resolves the port it prints. */
function startGoHost(args: string[]): Promise<{ port: string; stop: () => void }> {
  return new Promise((resolve, reject) => {
    const child = spawn(GO_HOST, args, { stdio: ["ignore", "pipe", "inherit"] });
    child.on("error", reject);
    child.on("exit", (code) => reject(new Error(`the Go language host exited with ${code} before serving`)));
    let serving = false;
    readline.createInterface({ input: child.stdout }).on("line", (line) => {
      if (!serving) {
        serving = true;
        resolve({ port: line.trim(), stop: () => child.kill() });
        return;
      }
      // After its port, the Go host forwards the program's own output (console.log): pass it on.
      process.stdout.write(`${line}\n`);
    });
  });
}

/** Forwards one method to the Go host: unary calls and server streams alike. */
function forward(client: grpc.Client, method: string, definition: grpc.MethodDefinition<unknown, unknown>) {
  const target = client as unknown as Record<string, (...a: unknown[]) => unknown>;
  if (definition.responseStream) {
    return (call: grpc.ServerWritableStream<unknown, unknown>) => {
      const upstream = target[method].call(client, call.request, call.metadata) as grpc.ClientReadableStream<unknown>;
      upstream.on("data", (message) => call.write(message));
      upstream.on("error", (error) => call.destroy(error));
      upstream.on("end", () => call.end());
      call.on("cancelled", () => upstream.cancel());
    };
  }
  return (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
    target[method].call(client, call.request, call.metadata, (error: grpc.ServiceError | null, response: unknown) =>
      callback(error, response),
    );
  };
}

interface RunPluginRequest {
  getPwd(): string;
  /** Deprecated by the CLI in favour of `info`; still read for older CLIs. */
  getProgram(): string;
  getInfo(): { getProgramDirectory(): string } | undefined;
  getArgsList(): string[];
  getEnvList(): string[];
  getKind(): string;
}

/** `RunPlugin`: runs a policy pack from source, streaming its output and exit code to the CLI. */
function runPlugin(call: grpc.ServerWritableStream<RunPluginRequest, unknown>): void {
  const request = call.request;
  const program = request.getInfo()?.getProgramDirectory() || request.getProgram();
  const reply = (set: (response: Record<string, (v: unknown) => void>) => void) => {
    const response = new messages.RunPluginResponse();
    set(response);
    call.write(response);
  };
  let runner: string;
  try {
    runner = require.resolve(POLICY_PACK_RUNNER, { paths: [program, request.getPwd()] });
  } catch {
    reply((r) =>
      r.setStderr(Buffer.from(`could not find ${POLICY_PACK_RUNNER} from ${program}; run npm install there\n`)),
    );
    reply((r) => r.setExitcode(1));
    call.end();
    return;
  }
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const entry of request.getEnvList()) {
    const at = entry.indexOf("=");
    if (at > 0) env[entry.slice(0, at)] = entry.slice(at + 1);
  }
  const child = spawn(process.execPath, [runner, ...request.getArgsList(), program], { cwd: program, env });
  child.stdout.on("data", (chunk: Buffer) => reply((r) => r.setStdout(chunk)));
  child.stderr.on("data", (chunk: Buffer) => reply((r) => r.setStderr(chunk)));
  child.on("error", (error) => reply((r) => r.setStderr(Buffer.from(`${error.message}\n`))));
  child.on("close", (code) => {
    reply((r) => r.setExitcode(code ?? 1));
    call.end();
  });
  call.on("cancelled", () => child.kill());
}

async function main(args: string[]): Promise<void> {
  const goHost = await startGoHost(args);
  const definition: Definition = services.LanguageRuntimeService;
  const Client = grpc.makeGenericClientConstructor(definition, "LanguageRuntime");
  const client = new Client(`127.0.0.1:${goHost.port}`, grpc.credentials.createInsecure(), {
    "grpc.max_receive_message_length": 400 * 1024 * 1024,
  });

  const implementation: Record<string, (call: AnyCall, callback?: grpc.sendUnaryData<unknown>) => void> = {};
  for (const [method, methodDefinition] of Object.entries(definition)) {
    implementation[method] = forward(client, method, methodDefinition) as (typeof implementation)[string];
  }
  implementation.runPlugin = runPlugin as (typeof implementation)[string];

  const server = new grpc.Server({ "grpc.max_receive_message_length": 400 * 1024 * 1024 });
  server.addService(definition, implementation as grpc.UntypedServiceImplementation);
  server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, port) => {
    if (error) throw error;
    console.log(port);
  });

  const stop = () => {
    goHost.stop();
    server.forceShutdown();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main(process.argv.slice(2)).catch((error: Error) => {
  console.error(`pulumi-language-nodejs: ${error.message}`);
  process.exit(1);
});
