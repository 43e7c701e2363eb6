/**
 * A long chat session: ordering 5,000 messages into the feed's render plan (`buildChatRenderPlan`,
 * what the chat page computes for a session) in Node. Moved here from the chat page's unit test,
 * whose wall-clock limit measured the machine, not the code; that test keeps proving the windowing
 * (only the rows near the end are in the DOM).
 */
import { buildChatRenderPlan, type ChatRenderPlanInput } from '../client/src/chat/render-plan';

type Message = ChatRenderPlanInput['messages'][number];

const MESSAGES = 5000;
const RUNS = 30;
const WARMUP = 5;
/** The plan is rebuilt on every message event: it must stay well inside a frame budget. */
const GOAL_MEDIAN_MS = 16;

export const title = `Chat: render plan of a ${MESSAGES.toLocaleString('en')}-message session`;

function session(): Message[] {
  const start = Date.parse('2026-01-01T00:00:00Z');
  return Array.from({ length: MESSAGES }, (_, i) => ({
    id: `msg_${i}`,
    sessionId: 'ses_bench',
    role: i % 2 === 0 ? 'user' : 'assistant',
    parts: [{ type: 'text', text: `Message number ${i}` }],
    status: 'complete',
    deltaSeq: 0,
    createdAt: new Date(start + i * 1000).toISOString(),
  }));
}

export async function run(): Promise<Record<string, unknown>> {
  const messages = session();
  const times: number[] = [];
  let items = 0;
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const started = performance.now();
    items = buildChatRenderPlan({ messages, steps: [] }).length;
    const ms = performance.now() - started;
    if (i >= WARMUP) times.push(ms);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => Math.round(times[Math.min(times.length - 1, Math.floor(q * times.length))]! * 100) / 100;
  const median = at(0.5);
  return {
    messages: MESSAGES,
    items,
    runs: RUNS,
    warmup: WARMUP,
    medianMs: median,
    p95Ms: at(0.95),
    maxMs: at(1),
    goalMedianMs: GOAL_MEDIAN_MS,
    goalMet: median < GOAL_MEDIAN_MS,
  };
}

export function markdown(r: Record<string, any>): string {
  return [
    `**Goal: median under ${r.goalMedianMs} ms: ${r.goalMet ? 'yes' : 'NO'}** (median ${r.medianMs} ms, p95 ${r.p95Ms} ms, max ${r.maxMs} ms over ${r.runs} runs after ${r.warmup} warm-up).`,
    '',
    `${r.messages} text messages (alternating user and assistant, one second apart, no steps) ordered into ${r.items} render items by \`buildChatRenderPlan\` in Node ${process.version}.`,
  ].join('\n');
}
