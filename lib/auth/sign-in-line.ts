// Sign-ins wait their turn: at most SIGN_INS_AT_ONCE are processed at a time in this app process, the
// rest wait in line (no CPU while waiting). A sign-in costs ~25 ms of CPU (next-auth's checks, the
// database, argon2, the encrypted cookie); a crowd of them handled at once would fill the event loop
// and the hashing threads, and every other request — the public API included — would queue behind
// them. One at a time, each other request waits for at most one sign-in step.

/** Sign-ins processed at once per app process. */
export const SIGN_INS_AT_ONCE = 1;
/** Sign-ins allowed to wait; beyond that the newest is refused at once (SignInLineFull). */
export const SIGN_INS_WAITING = 100;

export class SignInLineFull extends Error {
  constructor() {
    super("too many sign-ins waiting");
    this.name = "SignInLineFull";
  }
}

let running = 0;
const waiting: (() => void)[] = [];

/** Runs `work` when its turn comes; throws SignInLineFull when the line is full. */
export async function inSignInLine<T>(work: () => Promise<T>): Promise<T> {
  if (running >= SIGN_INS_AT_ONCE) {
    if (waiting.length >= SIGN_INS_WAITING) throw new SignInLineFull();
    await new Promise<void>((resolve) => waiting.push(resolve));
  } else {
    running++;
  }
  try {
    return await work();
  } finally {
    // Hand the slot straight to the next in line (running stays the same), or free it.
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}
