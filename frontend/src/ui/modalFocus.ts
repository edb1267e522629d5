/**
 * Focus handling of a modal dialog: focus moves to `initialFocus` inside it before the next paint and
 * returns to where it was when the dialog closes; Tab and Shift+Tab stay inside it; the `closeKeys`
 * close it. Keys are heard on the window, so a key pressed at once (or after a click on the backdrop
 * moved focus out) still reaches the dialog.
 */
import { type RefObject } from "preact";
import { useLayoutEffect, useRef } from "preact/hooks";

export function useModalFocus(
  dialog: RefObject<HTMLElement | null>, onClose: () => void, { initialFocus = "button", closeKeys = ["Escape"] } = {},
): void {
  const close = useRef(onClose);
  close.current = onClose;
  useLayoutEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    dialog.current?.querySelector<HTMLElement>(initialFocus)?.focus();
    return () => before?.focus?.();
  }, []);
  // Listening from the commit that draws the dialog, not after paint: an Esc pressed the moment it shows closes it.
  useLayoutEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (closeKeys.includes(event.key)) {
        event.preventDefault();
        close.current();
      } else if (event.key === "Tab" && dialog.current) {
        trapTab(event, dialog.current);
      }
    };
    window.addEventListener("keydown", onKeyDown, true);
    return () => window.removeEventListener("keydown", onKeyDown, true);
  }, []);
}

/** Keep Tab and Shift+Tab cycling through the focusable elements inside `container`. */
function trapTab(event: KeyboardEvent, container: HTMLElement): void {
  const focusable = [...container.querySelectorAll<HTMLElement>("button, [href], input, select, textarea, [tabindex]:not([tabindex='-1'])")];
  if (!focusable.length) return;
  const first = focusable[0];
  const last = focusable[focusable.length - 1];
  if (!container.contains(document.activeElement)) {
    event.preventDefault();
    first.focus();
  } else if (event.shiftKey && document.activeElement === first) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && document.activeElement === last) {
    event.preventDefault();
    first.focus();
  }
}
