import { existsSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { upsertUser } from "../../lib/auth/users";
import { parseSrt } from "../../lib/captions";
import { signIn } from "../admin/staff-sessions";
import { download, uploadFile, waitForJob } from "../support/api-client";
import { launchChromium } from "../support/browser";
import { makeSpeechVideo } from "../support/make-media";
import { type Stack, startStack } from "../support/stack";

// Edit and re-render: the submitter (manage token) or an admin fixes the captions; the job renders the
// edited cues without recognising the speech again, and every version's files are kept.

const SCRIPT = "Please check the captions on this short clip before lunch. The meeting moves to Friday.";

let stack: Stack;
let jobId: string;
let manageToken: string;

beforeAll(async () => {
  stack = await startStack({ workerEnv: { TRANSCRIBER: "pocketsphinx" } });
  await upsertUser(stack.db, { email: "admin@edit.test", role: "admin", password: "admin-password-1" });
  await upsertUser(stack.db, { email: "support@edit.test", role: "support", password: "support-password-1" });
  const clip = await makeSpeechVideo({ script: SCRIPT });
  const key = await uploadFile(stack.baseUrl, clip.path);
  const res = await fetch(`${stack.baseUrl}/api/video/process`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ key, burnIn: false }),
  });
  expect(res.status).toBe(202);
  ({ id: jobId, manageToken } = (await res.json()) as { id: string; manageToken: string });
  const job = await waitForJob(stack.baseUrl, jobId, { timeoutMs: 150_000 });
  expect(job.status, JSON.stringify(job.error)).toBe("completed");
});

afterAll(async () => {
  await stack?.stop();
});

const captionsUrl = () => `${stack.baseUrl}/api/video/job/${jobId}/captions`;

interface Captions {
  version: number;
  cues: { start: number; end: number; text: string }[];
  versions: { version: number; source: string; rendered: boolean }[];
}

async function getCaptions(): Promise<Captions> {
  const res = await fetch(captionsUrl());
  expect(res.status).toBe(200);
  return (await res.json()) as Captions;
}

function put(body: unknown, headers: Record<string, string> = {}) {
  return fetch(captionsUrl(), {
    method: "PUT",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

const bearer = () => ({ authorization: `Bearer ${manageToken}` });

describe("GET/PUT /api/video/job/:id/captions", () => {
  it("shows version 1: the cues as recognised, with their text", async () => {
    const captions = await getCaptions();
    expect(captions.version).toBe(1);
    expect(captions.cues.length).toBeGreaterThan(0);
    expect(captions.versions).toMatchObject([{ version: 1, source: "recognised", rendered: true }]);
    const srt = parseSrt((await download((await jobView()).result?.srtUrl ?? "")).toString("utf8"));
    expect(captions.cues.map((c) => c.text.replace(/\n/g, " "))).toEqual(srt.map((c) => c.lines.join(" ")));
  });

  it.each([
    ["no credentials", {}, 401, "UNAUTHORIZED"],
    [
      "another job's token",
      { authorization: "Bearer mt_not-this-jobs-token-at-all-aaaaaaaaaaaaaaaaaa" },
      403,
      "FORBIDDEN",
    ],
  ])("refuses an edit with %s (%s)", async (_name, headers, status, code) => {
    const { version, cues } = await getCaptions();
    const res = await put({ version, cues }, headers as Record<string, string>);
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
  });

  it("refuses a signed-in support user (403): only admins edit from the console", async () => {
    const cookie = await signIn(stack.baseUrl, "support@edit.test", "support-password-1");
    const { version, cues } = await getCaptions();
    const res = await put({ version, cues }, { cookie: cookie ?? "", origin: stack.baseUrl });
    expect(res.status).toBe(403);
  });

  it("explains every broken rule per cue (400), and refuses a stale version (409)", async () => {
    const { version, cues } = await getCaptions();
    const first = cues[0];
    if (!first) throw new Error("no cue");
    const broken = [
      { ...first, end: first.start + 0.2 }, // too short, and far too fast
      { start: first.start + 0.1, end: first.start + 2, text: "x".repeat(50) }, // overlaps, line too long
    ];
    const res = await put({ version, cues: broken }, bearer());
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as {
      error: { code: string; message: string; cues: { index: number; problems: string[] }[] };
    };
    expect(error.code).toBe("VALIDATION_ERROR");
    expect(error.message).toMatch(/^2 captions break the rules; caption 0: on screen 0.200 s, less than the minimum/);
    expect(error.cues.map((c) => c.index)).toEqual([0, 1]);
    expect(error.cues[1]?.problems).toEqual([
      "line 1 has 50 characters, more than 42",
      expect.stringMatching(/^reading speed 26\.\d chars\/s is above 20$/),
      expect.stringMatching(/^starts at .* before caption 0 ends/),
    ]);

    const stale = await put({ version: version + 5, cues }, bearer());
    expect(stale.status).toBe(409);
  });

  it("re-renders the submitter's edit without recognition, as version 2, keeping version 1's files", async () => {
    const before = await getCaptions();
    const edited = before.cues.map((cue, i) => (i === 0 ? { ...cue, text: "Please check the captions" } : cue));
    const res = await put({ version: 1, cues: edited }, bearer());
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ id: jobId, status: "queued", version: 2 });

    const job = await waitForJob(stack.baseUrl, jobId, { timeoutMs: 120_000 });
    expect(job.status, JSON.stringify(job.error)).toBe("completed");
    expect(job.result?.version).toBe(2);
    const srt = parseSrt((await download(job.result?.srtUrl ?? "")).toString("utf8"));
    expect(srt[0]?.lines.join(" ")).toBe("Please check the captions");

    const events = await stack.db.jobEvent.findMany({ where: { jobId }, orderBy: { id: "asc" } });
    expect(events.filter((e) => e.type === "stage_completed" && e.stage === "transcribing")).toHaveLength(1);
    expect(events.find((e) => e.type === "captions_edited")?.message).toMatch(/by the submitter: version 2/);
    const skipped = events.filter((e) => e.type === "stage_skipped");
    expect(skipped.map((e) => e.stage)).toEqual(["extracting_audio", "transcribing"]);
    expect(skipped[0]?.message).toBe("Rendering edited captions (version 2): no recognition.");

    const versions = await stack.db.jobCaptionVersion.findMany({ where: { jobId }, orderBy: { version: "asc" } });
    expect(versions.map((v) => [v.version, v.source, v.author])).toEqual([
      [1, "recognised", "worker"],
      [2, "edited", "submitter"],
    ]);
    const [v1, v2] = versions;
    expect(v1?.outputVideoKey).not.toBe(v2?.outputVideoKey);
    for (const key of [v1?.outputVideoKey, v1?.outputSrtKey, v2?.outputVideoKey, v2?.outputSrtKey]) {
      expect(key).toMatch(new RegExp(`^rendered/${jobId}-\\d+\\.(mp4|srt)$`));
      expect(existsSync(path.join(stack.dataDir, "objects", key ?? "missing"))).toBe(true);
    }
    expect((await getCaptions()).versions.map((v) => v.version)).toEqual([1, 2]);
  });

  it("lets an admin edit from the console, audited", async () => {
    const cookie = await signIn(stack.baseUrl, "admin@edit.test", "admin-password-1");
    const { version, cues } = await getCaptions();
    expect(version).toBe(2);
    const edited = cues.map((cue, i) => (i === 0 ? { ...cue, text: "Please check the captions now" } : cue));
    const res = await put({ version, cues: edited }, { cookie: cookie ?? "", origin: stack.baseUrl });
    expect(res.status).toBe(202);
    const job = await waitForJob(stack.baseUrl, jobId, { timeoutMs: 120_000 });
    expect(job.result?.version).toBe(3);
    const audit = await stack.db.auditLog.findMany({ where: { jobId } });
    expect(audit).toMatchObject([{ action: "job.captions_edit", userEmail: "admin@edit.test", data: { version: 3 } }]);
  });
});

describe("the job page's cue editor", () => {
  it("edits text and timing with the keyboard, shows a refused cue's problem, and saves the next version", async () => {
    const browser = await launchChromium();
    try {
      const context = await browser.newContext({ baseURL: stack.baseUrl });
      // The upload page keeps the manage token in localStorage; this browser "submitted" the job.
      await context.addInitScript(
        ([id, token]) => localStorage.setItem(`captioner:manage-token:${id}`, token ?? ""),
        [jobId, manageToken],
      );
      const page = await context.newPage();
      await page.goto(`/jobs/${jobId}`);
      await page.getByText("Edit captions (version 3)").click();
      const end = page.getByLabel("End of caption 1 (seconds)", { exact: true });
      const originalEnd = await end.inputValue();
      const start = Number(await page.getByLabel("Start of caption 1 (seconds)", { exact: true }).inputValue());
      await end.fill(String(start + 0.1));
      await page.getByLabel("Text of caption 1", { exact: true }).press("Control+s");
      await page
        .getByText(/less than the minimum/)
        .first()
        .waitFor({ timeout: 15_000 });

      await end.fill(originalEnd);
      const text = page.getByLabel("Text of caption 1", { exact: true });
      await text.fill("Check the captions please");
      await text.press("Control+s");
      const job = await waitForJob(stack.baseUrl, jobId, {
        timeoutMs: 120_000,
        until: (j) => j.status === "completed" && j.result?.version === 4,
      });
      const srt = parseSrt((await download(job.result?.srtUrl ?? "")).toString("utf8"));
      expect(srt[0]?.lines.join(" ")).toBe("Check the captions please");
    } finally {
      await browser.close();
    }
  });
});

function jobView() {
  return waitForJob(stack.baseUrl, jobId, { timeoutMs: 5_000 });
}
