import { describe, expect, it } from "vitest";
import { singleFlight } from "./submit";

function deferred() {
  let resolve!: (value: string) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<string>((ok, fail) => { resolve = ok; reject = fail; });
  return { promise, resolve, reject };
}

describe("one request per click", () => {
  it("ignores a second call while the first is in flight and says when it is busy", async () => {
    const request = deferred();
    const calls: string[] = [];
    const busy: boolean[] = [];
    const submit = singleFlight((name: string) => { calls.push(name); return request.promise; }, (b) => busy.push(b));
    const first = submit("make batch");
    const second = submit("make batch");
    expect(calls).toEqual(["make batch"]);
    expect(second).toBe(first);
    request.resolve("made");
    await expect(first).resolves.toBe("made");
    expect(busy).toEqual([true, false]);
  });

  it("runs again once the previous request ended, even when it failed", async () => {
    let calls = 0;
    const submit = singleFlight(async () => { calls += 1; if (calls === 1) throw new Error("refused"); return calls; });
    await expect(submit()).rejects.toThrow("refused");
    await expect(submit()).resolves.toBe(2);
  });

  it("calls the action at once, so a form handler can still prevent the default", () => {
    let called = false;
    const submit = singleFlight(() => { called = true; return Promise.resolve(); });
    void submit();
    expect(called).toBe(true);
  });
});
