// What oauth4webapi made of a refusal, as the client scripts print it:
// {ok: false, kind, status, error, description}. The error code and description come from
// the RFC 6750 challenge when there is one, else from the JSON error body.
export function failure(e) {
  const challenge = e.cause?.[0]?.parameters;
  return {
    ok: false,
    kind: e.constructor.name,
    status: e.status ?? e.response?.status ?? e.cause?.status,
    error: challenge?.error ?? e.error,
    description: challenge?.error_description ?? e.error_description ?? e.message,
  };
}
