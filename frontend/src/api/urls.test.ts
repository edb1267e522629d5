import { describe, expect, it } from "vitest";
import { urls } from "./urls";

describe("urls", () => {
  it("fills a path's placeholders in order and escapes them", () => {
    expect(urls.projectMember(3, "ann lee/2")).toBe("/api/projects/3/members/ann%20lee%2F2/");
    expect(urls.frameOverlay(12, "depth")).toBe("/api/frames/12/overlay/depth/");
  });

  it("adds the defined, non-empty query values and nothing when there are none", () => {
    expect(urls.projectJobs(5, { kind: "train", limit: 20, batch: "", status: undefined })).toBe("/api/projects/5/jobs/?kind=train&limit=20");
    expect(urls.projectJobs(5)).toBe("/api/projects/5/jobs/");
    expect(urls.object(7, { version: 2 })).toBe("/api/objects/7/?version=2");
  });
});
