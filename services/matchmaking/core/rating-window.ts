import type { QueueConfig } from "./queue-config.js";

/**
 * The rating window of a ticket that has waited since `enqueuedAt`: it starts
 * narrow (good matches for those who can wait a moment) and widens linearly
 * with time in the queue up to the queue's maximum (anyone gets a match eventually).
 */
export function ratingWindowAt(queue: Pick<QueueConfig, "initialWindow" | "widenPerSecond" | "maxWindow">, enqueuedAt: Date, now: Date): number {
  const waited = Math.max(0, now.getTime() - enqueuedAt.getTime()) / 1000;
  return Math.min(queue.maxWindow, queue.initialWindow + queue.widenPerSecond * waited);
}
