// Wiring target; the application issue gives it its behaviour.
export const handler = (): Promise<unknown> =>
  Promise.resolve({
    statusCode: 501,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ error: { code: 'NotImplemented', message: 'Not implemented yet' } }),
  });
