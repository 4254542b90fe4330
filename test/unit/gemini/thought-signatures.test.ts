import { describe, expect, it } from "vitest";
import { readSignedToolUseId, requiresThoughtSignatures, signedToolUseId } from "../../../src/providers/gemini/thought-signatures";

describe("thought signatures in tool_use ids", () => {
  it("round-trips a call id and a signature through an id made of Anthropic's tool_use id characters", () => {
    const signature = "CiQBcsjafFxz+/9d7WpQ0ZdmWCkzZ0AmbFEjSCqxmP6ydtLUtQ==";
    for (const callId of ["toolu_01ABC", "call_7", "función-ü"]) {
      const id = signedToolUseId({ callId, signature });
      expect(id).toMatch(/^toolu_gs_[A-Za-z0-9_-]+$/);
      expect(readSignedToolUseId(id)).toStrictEqual({ callId, signature });
    }
  });

  it("reads any other id as carrying no signature", () => {
    for (const id of ["toolu_01", "toolu_gs_", "toolu_gs_!!", "toolu_gs_WyJ4Il0", "toolu_gs_eyJhIjoxfQ", "call_7"]) {
      expect(readSignedToolUseId(id)).toBeUndefined();
    }
  });

  it("knows which models validate the signatures", () => {
    expect(["gemini-3-pro-preview", "gemini-3.1-pro-preview", "models/gemini-3-flash-preview", "gemini-4"].map(requiresThoughtSignatures)).toStrictEqual([true, true, true, true]);
    expect(["gemini-2.5-flash", "gemini-1.5-pro", "gemma-3-27b-it", "model-a"].map(requiresThoughtSignatures)).toStrictEqual([false, false, false, false]);
  });
});
