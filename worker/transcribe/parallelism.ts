// How many cores one job's speech recognition may use: ASR_PARALLELISM is the worker's budget (default: the
// machine's cores), shared evenly among the jobs this worker is running when recognition starts. One job
// alone gets every core (pocketsphinx processes, or whisper threads); WORKER_CONCURRENCY jobs at once get
// budget ÷ jobs each, never less than 1, so the recognisers of concurrent jobs do not oversubscribe the CPU.
// The share is fixed for a job's recognition: a job that starts later does not slow one already running.

/** Recogniser processes (or threads) for one job: max(1, floor(budget ÷ busy jobs)). */
export function asrShare(budget: number, busyJobs: number): number {
  return Math.max(1, Math.floor(budget / Math.max(1, busyJobs)));
}
