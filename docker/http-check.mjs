// Container health and readiness probe without curl (the slim images have none):
//   node docker/http-check.mjs URL                      one GET; exit 0 on a 2xx answer, else 1
//   node docker/http-check.mjs URL --wait 120           retry until it succeeds or 120 s pass
//   node docker/http-check.mjs URL --any-status         any HTTP answer counts (the server listens)
const [url, ...flags] = process.argv.slice(2);
if (!url) {
  console.error("usage: node docker/http-check.mjs URL [--wait SECONDS] [--any-status]");
  process.exit(2);
}
const waitIndex = flags.indexOf("--wait");
const waitSec = waitIndex === -1 ? 0 : Number(flags[waitIndex + 1]);
const anyStatus = flags.includes("--any-status");
const deadline = Date.now() + waitSec * 1000;

async function once() {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3_000) });
    await res.body?.cancel();
    return { ok: anyStatus || res.ok, why: `HTTP ${res.status}` };
  } catch (error) {
    return { ok: false, why: error?.cause?.code ?? error?.name ?? String(error) };
  }
}

for (;;) {
  const result = await once();
  if (result.ok) process.exit(0);
  if (Date.now() >= deadline) {
    console.error(`http-check: ${url} not ready (${result.why})`);
    process.exit(1);
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
}
