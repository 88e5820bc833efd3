import { expect, test } from "vitest";
import { queueBoardAccess } from "./access";

test.each([
  ["admin", "full"],
  ["ops", "read-only"],
  ["support", "none"],
  ["", "none"],
  ["Admin", "none"],
  ["superuser", "none"],
])("role %j → %s", (role, access) => {
  expect(queueBoardAccess(role)).toBe(access);
});
