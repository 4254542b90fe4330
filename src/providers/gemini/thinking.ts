/**
 * Anthropic's `thinking` and `output_config.effort` as Gemini's `thinkingConfig`, by model
 * (see docs/sources/gemini.md § How each Gemini model controls thinking):
 * - Gemini 2.5 takes a `thinkingBudget` (0 turns thinking off on Flash and Flash-Lite; 2.5 Pro
 *   cannot turn it off, "Budget 0 is invalid. This model only works in thinking mode.");
 * - Gemini 3 and later take a `thinkingLevel` (Pro: low and high; Flash: minimal to high) and
 *   still a `thinkingBudget` for compatibility, never both, and cannot turn thinking off;
 * - Gemini 1.x and 2.0 and Gemma do not think.
 * A model the gateway does not know is treated as a 2.5 Flash: Gemini refuses, per request,
 * what it cannot take.
 */
import { GatewayError } from "../../lib/errors";
import { PROVIDER } from "./client";
import { rememberLast } from "../../lib/remember-last";

type Level = "minimal" | "low" | "medium" | "high";

/** How a model's thinking is controlled. */
export type ModelThinking =
  | { kind: "none" }
  | { kind: "budget"; canDisable: boolean; maxBudget: number }
  | { kind: "level"; levels: readonly Level[] };

/** Gemini's `thinkingConfig`. */
export interface ThinkingConfig {
  thinkingBudget?: number;
  thinkingLevel?: Level;
  includeThoughts?: boolean;
}

export const EFFORTS = ["low", "medium", "high", "xhigh", "max"] as const;
type Effort = (typeof EFFORTS)[number];

// Google maps OpenAI's reasoning_effort low, medium and high to these budgets on Gemini 2.5
// (see docs/sources/gemini.md § How each Gemini model controls thinking); xhigh and max, which
// OpenAI has not, take the model's largest budget.
const EFFORT_BUDGETS: Record<Exclude<Effort, "xhigh" | "max">, number> = { low: 1024, medium: 8192, high: 24576 };

/**
 * How `model` controls its thinking.
 *
 * @example
 * modelThinking("gemini-2.5-pro") // { kind: "budget", canDisable: false, maxBudget: 32768 }
 * modelThinking("gemini-3-pro-preview") // { kind: "level", levels: ["low", "high"] }
 */
export function modelThinking(model: string): ModelThinking {
  return rememberedThinking(model);
}

function thinkingFor(model: string): ModelThinking {
  const name = model.replace(/^models\//, "");
  if (/^gemma-/.test(name) || /^gemini-(1\.|2\.0)/.test(name)) return { kind: "none" };
  if (/^gemini-2\.5-pro/.test(name)) return { kind: "budget", canDisable: false, maxBudget: 32768 };
  const major = /^gemini-(\d+)/.exec(name);
  if (major && Number(major[1]) >= 3) {
    return { kind: "level", levels: /-pro/.test(name) ? ["low", "high"] : ["minimal", "low", "medium", "high"] };
  }
  return { kind: "budget", canDisable: true, maxBudget: 24576 };
}

// Asked for every request of a batch, which mostly names one model (its patterns, asked each
// time, showed in a 100,000-request create's profile).
const rememberedThinking = rememberLast(thinkingFor);

/**
 * The `thinkingConfig` for a request's `thinking` and `output_config.effort` on `model`, or
 * `undefined` when there is nothing to send; throws a 400 naming the param (and the model)
 * Gemini cannot honour.
 *
 * @example
 * toThinkingConfig({ type: "disabled" }, undefined, "gemini-2.5-flash") // { thinkingBudget: 0 }
 * toThinkingConfig(undefined, "low", "gemini-3-pro-preview") // { thinkingLevel: "low" }
 */
export function toThinkingConfig(thinking: Record<string, unknown> | undefined, effort: unknown, model: string): ThinkingConfig | undefined {
  const capability = modelThinking(model);
  const type = thinking?.type;
  const chosenEffort = effortOf(effort);
  if (chosenEffort !== undefined) {
    if (type === "enabled") refuse("params.output_config.effort", "cannot be combined with thinking.budget_tokens (Gemini takes one thinking budget or level)");
    if (type === "disabled") refuse("params.output_config.effort", "cannot be combined with disabled thinking (Gemini's only effort control is its thinking)");
    if (capability.kind === "none") refuse("params.output_config.effort", `${model} does not think, and Gemini's only effort control is its thinking`);
  }
  if (type === "disabled") {
    if (capability.kind === "none") return undefined;
    if (capability.kind === "level" || !capability.canDisable) refuse("params.thinking.type", `is "disabled", but ${model} cannot turn thinking off`);
    return { thinkingBudget: 0 };
  }
  if (thinking !== undefined && capability.kind === "none") refuse("params.thinking", `${model} does not think`);

  const config: ThinkingConfig = {};
  if (type === "enabled") config.thinkingBudget = thinking!.budget_tokens as number;
  if (chosenEffort !== undefined) {
    if (capability.kind === "level") config.thinkingLevel = levelFor(chosenEffort, capability.levels);
    else if (capability.kind === "budget") config.thinkingBudget = chosenEffort === "xhigh" || chosenEffort === "max" ? capability.maxBudget : EFFORT_BUDGETS[chosenEffort];
  } else if (type === "adaptive" && capability.kind === "budget") {
    // Dynamic thinking ("the model decides") is -1 on 2.5, and the default on Gemini 3.
    config.thinkingBudget = -1;
  }
  // Anthropic returns thinking blocks only when thinking is asked for; Gemini's are its thought summaries.
  if (type === "enabled" || type === "adaptive") config.includeThoughts = true;
  return Object.keys(config).length > 0 ? config : undefined;
}

// The level an effort asks for, or the next one up the model has (Gemini 3 Pro has no medium).
function levelFor(effort: Effort, levels: readonly Level[]): Level {
  const wanted: Level = effort === "low" ? "low" : effort === "medium" ? "medium" : "high";
  const order: Level[] = ["minimal", "low", "medium", "high"];
  return order.slice(order.indexOf(wanted)).find((level) => levels.includes(level)) ?? "high";
}

function effortOf(effort: unknown): Effort | undefined {
  if (effort === undefined || effort === null) return undefined;
  if (typeof effort !== "string" || !(EFFORTS as readonly string[]).includes(effort)) {
    throw GatewayError.invalid(`params.output_config.effort: must be one of ${EFFORTS.join(", ")}`);
  }
  return effort as Effort;
}

function refuse(param: string, why: string): never {
  throw GatewayError.unsupported(PROVIDER, param, why);
}
