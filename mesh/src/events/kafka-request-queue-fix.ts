import RequestQueue from "kafkajs/src/network/requestQueue/index.js";

/**
 * kafkajs 2.2.4's request queue, once a connection has answered one request, re-arms a timer with a
 * negative delay (1 ms) for ever, whether or not a request waits (tulios/kafkajs#1556, fixed in no
 * release): measured here, an idle service woke its event loop about 1,500 times a second and spent
 * about 3 % of a core doing nothing, so a world of twenty idle processes took half a core — and the test
 * suite, which runs several worlds at once on two cores, the same. With nothing pending there is nothing
 * to check: every path that queues a request schedules a check itself (push), and every answer or
 * timeout checks at once (fulfillRequest, timeout), so the check is armed only when a request waits.
 * Applied once, when the Kafka client module loads; kafka-request-queue-fix.test.ts holds it to that.
 */
const queue = RequestQueue.prototype as { scheduleCheckPendingRequests(this: { pending: unknown[] }): void };
const schedule = queue.scheduleCheckPendingRequests;
queue.scheduleCheckPendingRequests = function scheduleWhenPending(this: { pending: unknown[] }) {
  if (this.pending.length > 0) schedule.call(this);
};
