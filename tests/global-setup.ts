import type { TestProject } from "vitest/node";
import { ensureNextBuild } from "../scripts/lib/next-build";
import { migrateDatabase } from "../scripts/lib/services";
import { adminUrl, recreateDatabase, TEMPLATE_DB } from "./support/databases";

/** Once per run: a migrated template database and an up-to-date `next build` for the app servers. */
export default async function setup(project: TestProject) {
  const started = performance.now();
  const templateUrl = await recreateDatabase(TEMPLATE_DB);
  migrateDatabase(templateUrl, true);
  ensureNextBuild((line) => console.log(`[global-setup] ${line}`));
  project.provide("postgresAdminUrl", adminUrl());
  console.log(`[global-setup] ready in ${Math.round(performance.now() - started)} ms`);
}

declare module "vitest" {
  export interface ProvidedContext {
    postgresAdminUrl: string;
  }
}
