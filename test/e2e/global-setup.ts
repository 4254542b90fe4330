import type { TestProject } from "vitest/node";
import { startStack, type Stack } from "./support/stack.ts";

declare module "vitest" {
  export interface ProvidedContext {
    gatewayUrl: string;
    fakes: Stack["fakes"];
  }
}

let stack: Stack | undefined;

/** Starts the fakes and `npm run dev` once for all e2e files. */
export async function setup(project: TestProject): Promise<void> {
  stack = await startStack({ verbose: process.env.E2E_VERBOSE === "1" });
  project.provide("gatewayUrl", stack.gatewayUrl);
  project.provide("fakes", stack.fakes);
}

export async function teardown(): Promise<void> {
  await stack?.stop();
}
