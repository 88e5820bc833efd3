import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { ExpressAdapter } from "@bull-board/express";
import type { Express } from "express";
import { QUEUE_BOARD_PATH } from "../lib/queue-board";
import type { BoardQueue } from "./queues";

// Two Bull Board instances over the same queues: a full one for admins and a read-only one for ops.
// Bull Board's readOnlyMode refuses every queue action with 405 on the server (allowRetries alone only
// hides buttons), and dashboard/auth.ts refuses ops' writes before they get here anyway.

export interface Boards {
  admin: Express;
  ops: Express;
}

export function createBoards(queues: readonly BoardQueue[]): Boards {
  return { admin: createBoard(queues, false), ops: createBoard(queues, true) };
}

function createBoard(queues: readonly BoardQueue[], readOnly: boolean): Express {
  const serverAdapter = new ExpressAdapter();
  // Written into the page's <base href>: the path the browser sees through the app's proxy.
  serverAdapter.setBasePath(QUEUE_BOARD_PATH);
  createBullBoard({
    queues: queues.map(
      ({ queue, description, consoleUrlOf, readOnly: queueReadOnly }) =>
        new BullMQAdapter(queue, {
          readOnlyMode: readOnly || queueReadOnly === true,
          allowRetries: !readOnly && queueReadOnly !== true,
          description,
          // Bull Board's supported link from a job to elsewhere: shown on the job card (opens a new tab).
          externalJobUrl: consoleUrlOf
            ? (job) => {
                const href = consoleUrlOf(job.data);
                return href
                  ? { href, displayText: "Open in console" }
                  : { href: "/admin/jobs", displayText: "Console jobs" };
              }
            : undefined,
        }),
    ),
    serverAdapter,
    options: {
      uiConfig: {
        boardTitle: "Captioner",
        hideDocsLink: true,
        // Narrower than the default queue list (one or two queues here), so every status tab (FAILED,
        // DELAYED…) fits beside it at 1440 px inside the console.
        menu: { width: "180px" },
        ...(readOnly ? { environment: { label: "read-only", color: "#64748b", textColor: "#ffffff" } } : {}),
      },
    },
  });
  const app = serverAdapter.getRouter() as Express;
  app.disable("x-powered-by");
  return app;
}
