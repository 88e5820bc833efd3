// JSON-RPC 2.0 over stdio, framed as one JSON object per line: the protocol the Prisma CLI's
// SchemaEngineCLI class speaks with the native schema-engine binary.
//
// Traffic goes both ways:
// - the CLI sends requests ({id, method, params}) and waits for {id, result} or {id, error};
// - the engine may send the CLI a request of its own. The CLI only knows `print`
//   ({id, method: "print", params: {content}}): it writes `content` + "\n" to its stdout and
//   answers {id, result: {}}. That is how `migrate diff` output reaches the user (and `--output`).
//
// CLI requests are served one at a time, in order, like the native engine does; responses to our
// own requests are handled as soon as they arrive, since a CLI request (diff) may be waiting on them.

import readline from "node:readline";

import { debug } from "./log.mjs";

/**
 * @typedef {{ code: number, message: string, data?: unknown }} RpcError
 * @typedef {(method: string, params: any) => Promise<unknown>} RequestHandler
 */

export class StdioRpc {
  /** @type {Map<number, { resolve: (v: unknown) => void, reject: (e: Error) => void }>} */
  #awaitingCli = new Map();
  #nextId = 1;
  /** @type {Promise<void>} */
  #queue = Promise.resolve();

  /**
   * @param {RequestHandler} handleRequest
   * @param {(error: unknown, method: string) => RpcError} toRpcError
   */
  constructor(handleRequest, toRpcError) {
    this.handleRequest = handleRequest;
    this.toRpcError = toRpcError;
  }

  /**
   * Serves requests until the CLI closes our stdin (its `stop()`), then resolves once every
   * request received so far has been answered.
   * @returns {Promise<void>}
   */
  serve() {
    const lines = readline.createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
    lines.on("line", (line) => this.#onLine(line));
    return new Promise((resolve) => {
      lines.on("close", () => {
        for (const { reject } of this.#awaitingCli.values()) reject(new Error("stdin closed before the CLI answered"));
        this.#queue.then(resolve);
      });
    });
  }

  /**
   * Sends a request to the CLI and waits for its answer.
   * @param {string} method
   * @param {unknown} params
   */
  request(method, params) {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#awaitingCli.set(id, { resolve, reject });
      this.#send({ jsonrpc: "2.0", id, method, params });
    });
  }

  /** @param {string} line */
  #onLine(line) {
    if (line.trim() === "") return;
    // A line we cannot parse means the two sides disagree on the protocol: throwing here reaches the
    // process-level handler, which logs and exits 1, so the CLI fails instead of waiting forever.
    const message = JSON.parse(line);

    if (message.method === undefined) {
      const waiter = this.#awaitingCli.get(message.id);
      if (!waiter) throw new Error(`Response for an unknown request id: ${line.slice(0, 200)}`);
      this.#awaitingCli.delete(message.id);
      if (message.error) waiter.reject(new Error(`CLI answered ${message.error.message ?? "an error"}`));
      else waiter.resolve(message.result);
      return;
    }

    this.#queue = this.#queue.then(() => this.#serveRequest(message));
  }

  /** @param {{ id?: number | string, method: string, params?: unknown }} request */
  async #serveRequest({ id, method, params }) {
    debug(`→ ${method}`);
    let response;
    try {
      const result = await this.handleRequest(method, params ?? {});
      // `{result: undefined}` would serialize to no `result` key, which the CLI rejects as invalid.
      response = { jsonrpc: "2.0", id, result: result === undefined ? {} : result };
    } catch (error) {
      response = { jsonrpc: "2.0", id, error: this.toRpcError(error, method) };
    }
    debug(`← ${method}${response.error ? " (error)" : ""}`);
    // Notifications (no id) get no answer, per JSON-RPC; the CLI does not send any today.
    if (id !== undefined) this.#send(response);
  }

  /** @param {object} message */
  #send(message) {
    process.stdout.write(`${JSON.stringify(message)}\n`);
  }
}
