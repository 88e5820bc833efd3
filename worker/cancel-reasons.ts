// Why a running job's AbortSignal fired. The processor reacts differently: a cancel ends the job as
// canceled; a shutdown hands it back to the queue for another worker.

export class CancelRequested extends Error {
  constructor() {
    super("canceled by an administrator");
    this.name = "CancelRequested";
  }
}

export class ShutdownRequested extends Error {
  constructor() {
    super("worker shutting down");
    this.name = "ShutdownRequested";
  }
}
