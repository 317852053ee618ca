import type { Answer } from '@aauth-gate/core';

/** Core's answer as a `Response`, unchanged: status, every header, body (`''` = no body). */
export function answerResponse(answer: Answer): Response {
  const body = answer.body === '' ? null : answer.body;
  return new Response(body, { status: answer.status, headers: answer.headers });
}
