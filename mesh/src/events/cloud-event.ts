import { contractPackage } from "../domain/contract-package.js";
import { inWorld } from "../world.js";
import { randomUUID } from "node:crypto";
import type { IHeaders } from "kafkajs";

/** The CloudEvents attributes of one event (Kafka protocol binding, binary mode). */
export interface CloudEventAttributes {
  /** Unique per event; consumers deduplicate on it. */
  readonly id: string;
  /** The protobuf message's full name, e.g. "chaos.combat.v1.SpellCast". */
  readonly type: string;
  /** The producing workload's SPIFFE ID. */
  readonly source: string;
  /** The aggregate id (also the partition key). */
  readonly subject: string;
  /** RFC 3339. */
  readonly time: string;
  /** W3C traceparent of the producing call, when there was one. */
  readonly traceparent?: string;
}

/** Content type of every event payload. */
export const protobufContentType = "application/protobuf";

/** A new event's attributes. */
export function newCloudEvent(type: string, source: string, subject: string, traceparent?: string): CloudEventAttributes {
  return { id: randomUUID(), type, source, subject, time: new Date().toISOString(), traceparent };
}

/** Kafka headers of the CloudEvents Kafka binding (binary content mode). */
export function toKafkaHeaders(event: CloudEventAttributes): Record<string, string> {
  const headers: Record<string, string> = {
    ce_specversion: "1.0",
    ce_id: event.id,
    ce_type: event.type,
    ce_source: event.source,
    ce_subject: event.subject,
    ce_time: event.time,
    "content-type": protobufContentType,
  };
  if (event.traceparent !== undefined) headers.traceparent = event.traceparent;
  return headers;
}

/** Reads the CloudEvents attributes back; undefined when a required one is missing. */
export function fromKafkaHeaders(headers: IHeaders | undefined): CloudEventAttributes | undefined {
  const get = (key: string) => {
    const value = headers?.[key];
    if (value === undefined) return undefined;
    return (Array.isArray(value) ? value[0] : value)?.toString();
  };
  const id = get("ce_id");
  const type = get("ce_type");
  if (id === undefined || type === undefined || get("ce_specversion") !== "1.0") return undefined;
  return { id, type, source: get("ce_source") ?? "", subject: get("ce_subject") ?? "", time: get("ce_time") ?? "", traceparent: get("traceparent") };
}

/** Topic name of a domain's event stream: chaos.<domain>.v1.<stream>, in the current world (or `world`). */
export function topicName(domain: string, stream: string, world?: string): string {
  return inWorld(`${contractPackage(domain)}.${stream}`, ".", world);
}

/** The dead-letter topic of a topic. */
export function deadLetterTopic(topic: string): string {
  return `${topic}.dlq`;
}
