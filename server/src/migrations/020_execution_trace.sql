-- An execution's trace context, generated when it is created while traces are recorded (NULL
-- otherwise): `traceparent` (W3C) names the execution's own span, sent in every lease so each
-- runner's step spans join the same trace, across restarts; `trace_parent_span_id` is the span it
-- hangs under (the webhook request that started it) or NULL for a trace of its own. The execution
-- span itself is written when the execution finishes, from these ids and the recorded times.
ALTER TABLE executions ADD COLUMN traceparent TEXT;
ALTER TABLE executions ADD COLUMN trace_parent_span_id TEXT;
