/**
 * One request per click: every button or form that changes something on the server goes through
 * `useSubmit`, so a double click (or Enter pressed twice) sends one request, and the button is disabled
 * while it is in flight. The action handles its own errors (show them next to the form).
 */
import { useMemo, useRef, useState } from "preact/hooks";

/** `action` wrapped so that a call while the previous one is still pending gets that same promise. */
export function singleFlight<A extends unknown[], R>(
  action: (...args: A) => Promise<R>,
  onBusy: (busy: boolean) => void = () => {},
): (...args: A) => Promise<R> {
  let pending: Promise<R> | null = null;
  return (...args: A) => {
    if (pending) return pending;
    onBusy(true);
    let started: Promise<R>;
    try {
      started = Promise.resolve(action(...args));
    } catch (error) {
      started = Promise.reject(error);
    }
    const mine: Promise<R> = started.finally(() => {
      if (pending === mine) pending = null;
      onBusy(false);
    });
    pending = mine;
    return mine;
  };
}

/** `[submit, busy]`: `submit` runs the latest `action` unless a run is in flight; render `disabled=${busy}`. */
export function useSubmit<A extends unknown[], R>(action: (...args: A) => Promise<R>): [(...args: A) => Promise<R>, boolean] {
  const [busy, setBusy] = useState(false);
  const latest = useRef(action);
  latest.current = action;
  const submit = useMemo(() => singleFlight((...args: A) => latest.current(...args), setBusy), []);
  return [submit, busy];
}
