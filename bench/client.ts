/** A benchmark's client of the local API: calls that must succeed, and tokens signed by `POST /local/token`. */
export function apiClient(url: string) {
  /** Answers the call's JSON body; throws when it answers 400 or above. */
  async function call(method: string, path: string, token?: string, body?: unknown, key?: string) {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        ...(token && { authorization: `Bearer ${token}` }),
        ...(body !== undefined && { 'content-type': 'application/json' }),
        ...(key && { 'idempotency-key': key }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status >= 400) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as any;
  }
  const token = async (claims: object) => (await call('POST', '/local/token', undefined, claims)).token as string;
  return { call, token };
}
