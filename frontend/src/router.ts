/** Client routes under /app/: history API, links intercepted, one hook to read the current path. */
import { useEffect, useState } from "preact/hooks";

export const APP_ROOT = "/app";

export function navigate(path: string, replace = false): void {
  const url = path.startsWith(APP_ROOT) ? path : APP_ROOT + path;
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  window.dispatchEvent(new Event("raylabel:navigate"));
}

export function useLocation(): { path: string; params: URLSearchParams } {
  const read = () => ({
    path: location.pathname.replace(/^\/app/, "").replace(/\/+$/, "") || "/",
    params: new URLSearchParams(location.search),
  });
  const [state, setState] = useState(read);
  useEffect(() => {
    const update = () => setState(read());
    window.addEventListener("popstate", update);
    window.addEventListener("raylabel:navigate", update);
    return () => {
      window.removeEventListener("popstate", update);
      window.removeEventListener("raylabel:navigate", update);
    };
  }, []);
  return state;
}

/** Plain left clicks on in-app links go through the router instead of reloading the page. */
export function interceptLinks(): void {
  document.addEventListener("click", (event) => {
    const anchor = (event.target as HTMLElement).closest("a");
    if (!anchor || event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || anchor.target || anchor.hasAttribute("download")) return;
    const href = anchor.getAttribute("href") ?? "";
    if (!href.startsWith(APP_ROOT + "/") && href !== APP_ROOT) return;
    event.preventDefault();
    navigate(href);
  });
}

/** Matches "/projects/:id/..." patterns; numeric params become numbers. */
export function match(pattern: string, path: string): Record<string, number> | null {
  const want = pattern.split("/");
  const have = path.split("/");
  if (want.length !== have.length) return null;
  const params: Record<string, number> = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(":")) {
      const value = Number(have[i]);
      if (!Number.isInteger(value)) return null;
      params[want[i].slice(1)] = value;
    } else if (want[i] !== have[i]) return null;
  }
  return params;
}
