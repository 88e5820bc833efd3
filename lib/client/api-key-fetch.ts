// The CLI's API key (`Authorization: Bearer cap_…`) goes to the Captioner API and nowhere else: never to a
// presigned storage URL (S3/R2 refuse a request signed twice, and the key must not leak to a storage host),
// nor to the local driver's signed storage routes, nor to any other host.

/** Whether a request to `url` is a call to the API of the server at `apiOrigin` (and may carry the key). */
export function isApiCall(url: string, apiOrigin: string): boolean {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return false;
  }
  return (
    target.origin === new URL(apiOrigin).origin &&
    target.pathname.startsWith("/api/") &&
    !target.pathname.startsWith("/api/storage/")
  );
}

/** `fetchImpl` that adds `Authorization: Bearer <apiKey>` to the API calls of the server at `apiOrigin`. */
export function fetchWithApiKey(fetchImpl: typeof fetch, apiOrigin: string, apiKey: string): typeof fetch {
  return (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (!isApiCall(url, apiOrigin)) return fetchImpl(input, init);
    const headers = new Headers(input instanceof Request ? input.headers : undefined);
    for (const [name, value] of new Headers(init?.headers)) headers.set(name, value);
    headers.set("authorization", `Bearer ${apiKey}`);
    return fetchImpl(input, { ...init, headers });
  };
}
