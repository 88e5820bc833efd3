import autocannon from "autocannon";

// A bounded load of the public API on loopback: polls (GET /api/video/job/:id) of the jobs submitted so far
// from several connections for `seconds`, never more than a fixed number of requests, while submits
// (POST /api/video/process) go in at one per second, one per 5 s of load in total: each is a real job the
// two workers then run on this 2-core machine, so more would only measure the queue's drain time. Returns
// every accepted job id so the caller can check none is lost, and the latency figures autocannon measured.

export interface LoadSummary {
  seconds: number;
  submitsAccepted: number;
  submitsRefused: number;
  polls: number;
  errors5xx: number;
  socketErrors: number;
  submitP50Ms: number;
  submitP99Ms: number;
  pollP50Ms: number;
  pollP99Ms: number;
  pollRps: number;
}

/** Submits per second, and seconds of load per submit (each is a real job: soft subtitles, a 1 s clip). */
const SUBMIT_RATE = 1;
const SECONDS_PER_SUBMIT = 5;
const POLL_CONNECTIONS = 8;
/** Hard caps on request counts, whatever the duration. */
const MAX_POLLS = 200_000;

type Result = autocannon.Result & { "5xx"?: number; non2xx: number; errors: number };

export async function runLoad(options: { baseUrl: string; key: string; seconds: number }): Promise<{
  jobIds: string[];
  summary: LoadSummary;
}> {
  const url = new URL(options.baseUrl);
  if (!["127.0.0.1", "localhost", "[::1]"].includes(url.hostname)) throw new Error("load runs against loopback only");
  const jobIds: string[] = [];
  let refused = 0;
  let next = 0;

  const submits = autocannon({
    url: options.baseUrl,
    connections: 1,
    overallRate: SUBMIT_RATE,
    duration: options.seconds,
    amount: Math.ceil(options.seconds / SECONDS_PER_SUBMIT),
    requests: [
      {
        method: "POST",
        path: "/api/video/process",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ key: options.key, burnIn: false }),
        onResponse: (status: number, body: string) => {
          if (status === 202) jobIds.push((JSON.parse(body) as { id: string }).id);
          else refused++;
        },
      },
    ],
  }) as unknown as Promise<Result>;

  const polls = autocannon({
    url: options.baseUrl,
    connections: POLL_CONNECTIONS,
    duration: options.seconds,
    // Not `amount`: it would override the duration; this caps the count and the duration still ends it.
    maxOverallRequests: MAX_POLLS,
    requests: [
      {
        method: "GET",
        setupRequest: (request: autocannon.Request) => {
          const id = jobIds[next++ % Math.max(1, jobIds.length)];
          return { ...request, path: id ? `/api/video/job/${id}` : "/api/health" };
        },
      },
    ],
  }) as unknown as Promise<Result>;

  const [s, p] = await Promise.all([submits, polls]);
  const fivexx = (r: Result) => r["5xx"] ?? 0;
  return {
    jobIds,
    summary: {
      seconds: options.seconds,
      submitsAccepted: jobIds.length,
      submitsRefused: refused,
      polls: p.requests.total,
      errors5xx: fivexx(s) + fivexx(p),
      socketErrors: s.errors + p.errors,
      submitP50Ms: s.latency.p50,
      submitP99Ms: s.latency.p99,
      pollP50Ms: p.latency.p50,
      pollP99Ms: p.latency.p99,
      pollRps: Math.round(p.requests.average),
    },
  };
}
