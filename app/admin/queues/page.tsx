import type { Metadata } from "next";
import { QUEUE_BOARD_READERS } from "@/lib/auth/roles";
import { requireRole } from "@/lib/auth/session";
import { QUEUE_BOARD_PATH, queueBoardAccess } from "@/lib/queue-board";
import "./queues.css";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Queues" };

/**
 * The queue board (Bull Board) inside the console. The frame loads through the app's proxy
 * (./board/[[...path]]); the dashboard behind it checks the same session and role on every request.
 */
export default async function QueuesPage() {
  const user = await requireRole(QUEUE_BOARD_READERS, "/admin/queues");
  const readOnly = queueBoardAccess(user.role) === "read-only";
  return (
    <section className="queue-board">
      <div className="queue-board-head">
        <h1>Queues</h1>
        <p>
          {readOnly ? "Read-only for your role: you can look, not act. " : null}
          <a href={`${QUEUE_BOARD_PATH}/`} target="_blank" rel="noopener">
            Open the board in its own tab
          </a>
        </p>
      </div>
      <iframe className="queue-board-frame" src={`${QUEUE_BOARD_PATH}/`} title="Queue board (Bull Board)" />
    </section>
  );
}
