export { QUEUE_BOARD_PATH, type QueueBoardAccess, queueBoardAccess } from "./access";
export { parseCookieHeader, readStaffSession, SESSION_COOKIE_NAMES, type StaffSession } from "./session";
