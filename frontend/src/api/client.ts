/** The REST API over fetch: session cookie, X-CSRFToken on writes, errors as readable ApiError. */

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly body: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function csrfToken(): string {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

export function loginUrl(): string {
  return `/login/?next=${encodeURIComponent(location.pathname + location.search)}`;
}

function isAuthFailure(status: number, body: Record<string, unknown>): boolean {
  const message = String(body.error ?? "");
  return status === 401 || (status === 403 && /credentials|authenticat/i.test(message));
}

/** The readable message of a failed answer: the API's `error`, else the status line. */
export function errorFrom(status: number, statusText: string, body: unknown): ApiError {
  const fields = body && typeof body === "object" ? (body as Record<string, unknown>) : {};
  const message = typeof fields.error === "string" && fields.error
    ? fields.error
    : `The server answered ${status} ${statusText || ""}`.trim();
  return new ApiError(message, status, fields);
}

async function parseBody(response: Response): Promise<unknown> {
  if (response.status === 204) return null;
  const type = response.headers.get("content-type") ?? "";
  if (type.includes("json")) return response.json();
  return response.text();
}

export async function request<T>(method: string, url: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  let payload: BodyInit | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  if (method !== "GET") headers["X-CSRFToken"] = csrfToken();
  let response: Response;
  try {
    response = await fetch(url, { method, headers, body: payload, credentials: "same-origin" });
  } catch {
    throw new ApiError("The server could not be reached: check your connection and try again.", 0);
  }
  const data = await parseBody(response).catch(() => null);
  if (!response.ok) {
    const error = errorFrom(response.status, response.statusText, data);
    if (isAuthFailure(response.status, error.body)) location.assign(loginUrl());
    throw error;
  }
  return data as T;
}

export const api = {
  get: <T>(url: string) => request<T>("GET", url),
  post: <T>(url: string, body?: unknown) => request<T>("POST", url, body ?? {}),
  patch: <T>(url: string, body: unknown) => request<T>("PATCH", url, body),
  delete: <T>(url: string) => request<T>("DELETE", url),
};

/**
 * POST a multipart form with XMLHttpRequest, whose upload progress events fetch lacks.
 *
 * onProgress receives the sent fraction 0..1.
 */
export function uploadWithProgress<T>(url: string, form: FormData, onProgress: (fraction: number) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      let data: unknown = null;
      try {
        data = JSON.parse(xhr.responseText);
      } catch {
        data = xhr.responseText;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve(data as T);
      } else reject(errorFrom(xhr.status, xhr.statusText, data));
    };
    xhr.onerror = () => reject(new ApiError("The upload failed: the server could not be reached.", 0));
    xhr.send(form);
  });
}

export interface Page<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

/** The rows of a list's answer: every list answers a page (docs/API.md); this is its first page only. */
export function items<T>(page: Page<T>): T[] {
  return page.results;
}
