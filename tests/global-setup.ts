import type { TestProject } from "vitest/node";
import { ensureNextBuild } from "../scripts/lib/next-build";
import { migrateDatabase } from "../scripts/lib/services";
import { adminUrl, dropDatabase, recreateDatabase } from "./support/databases";

/** Once per run: a migrated template database and an up-to-date `next build` for the app servers. */
export default async function setup(project: TestProject) {
  const started = performance.now();
  // One template per run: parallel runs on one machine never drop a template another run is cloning.
  const templateDb = `captioner_test_template_${process.pid}`;
  const templateUrl = await recreateDatabase(templateDb);
  migrateDatabase(templateUrl, true);
  project.provide("templateDb", templateDb);
  ensureNextBuild((line) => console.log(`[global-setup] ${line}`));
  project.provide("postgresAdminUrl", adminUrl());
  console.log(`[global-setup] ready in ${Math.round(performance.now() - started)} ms`);
  return () => dropDatabase(templateDb);
}

declare module "vitest" {
  export interface ProvidedContext {
    postgresAdminUrl: string;
    templateDb: string;
  }
}
