import { encode, type JWT } from "next-auth/jwt";
import type { Stack } from "../support/stack";
import { waitFor } from "../support/stack";

// Staff for the queue-board suites: real User rows, and sessions minted exactly as next-auth issues
// them (its encrypted JWT in `next-auth.session-token`, the cookie name on http).

export type Role = "admin" | "ops" | "support";
export interface StaffMember {
  id: string;
  email: string;
  role: Role;
  /** The Cookie header of a signed-in browser. */
  cookie: string;
}

/** Creates the user (no usable password: these tests never sign in by form) and mints its session. */
export async function createStaff(stack: Stack, role: Role): Promise<StaffMember> {
  const email = `${role}-${Math.random().toString(36).slice(2, 8)}@captioner.test`;
  const user = await stack.db.user.create({ data: { email, role, name: `Test ${role}`, passwordHash: "!" } });
  return { id: user.id, email, role, cookie: await sessionCookie(stack, { sub: user.id, email, role }) };
}

export async function sessionCookie(
  stack: Stack,
  token: { sub: string; email: string; role: string },
  secret = stack.env.NEXTAUTH_SECRET ?? "",
): Promise<string> {
  // `role` stays a plain string: tests also mint sessions with roles the console does not know.
  return `next-auth.session-token=${await encode({ token: token as JWT, secret })}`;
}

/** startStack starts the dashboard without waiting for it: wait for /healthz. */
export async function waitForDashboard(stack: Stack): Promise<void> {
  await waitFor(
    async () => {
      const dashboard = stack.dashboard;
      if (!dashboard) throw new Error("the stack has no dashboard");
      if (dashboard.child.exitCode !== null) throw new Error(`dashboard exited:\n${dashboard.output()}`);
      return (await fetch(`${stack.dashboardUrl}/healthz`)).ok;
    },
    { timeoutMs: 30_000, what: "the dashboard to answer /healthz" },
  );
}
