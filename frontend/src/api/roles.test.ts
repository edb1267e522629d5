import { describe, expect, it } from "vitest";
import { mayCancel } from "./roles";
import type { Me } from "./types";

describe("who is offered Cancel on a job", () => {
  const annotator = { id: 2, username: "ann", projects: { "3": "annotator" } } as Me;
  const manager = { id: 1, username: "boss", projects: { "3": "manager" } } as Me;

  it("offers it to whoever started the job", () => {
    expect(mayCancel(annotator, { created_by: "ann", project: 3 })).toBe(true);
  });

  it("hides it from an annotator on someone else's job, and offers it to the project's manager", () => {
    const round = { created_by: "boss", project: 3 };
    const training = { created_by: "someone", project: 3 };
    expect(mayCancel(annotator, round)).toBe(false);
    expect(mayCancel(annotator, training)).toBe(false);
    expect(mayCancel(manager, training)).toBe(true);
  });

  it("shows nothing before /api/me/ answers, and no manager rights outside their project", () => {
    expect(mayCancel(undefined, { created_by: "ann", project: 3 })).toBe(false);
    expect(mayCancel(manager, { created_by: "someone", project: 9 })).toBe(false);
  });
});
