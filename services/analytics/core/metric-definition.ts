import type { DescEnum, DescMessage, MessageShape } from "@bufbuild/protobuf";
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { Aggregation } from "@chaos/gen/chaos/analytics/v1/metric_pb.js";

/** Dimension values of one contribution, e.g. {spell: "fireball", school: "fire"}. */
export type Dimensions = Readonly<Record<string, string>>;

/** What one event adds to one metric. */
export interface Contribution {
  /** The event's own time; the envelope's ce_time when it has none. */
  readonly time?: Timestamp;
  readonly dimensions?: Dimensions;
  /** SUM and MEAN: the amount (default 1: the event counts once). */
  readonly value?: bigint;
  /** DISTINCT: who contributed (an account id). */
  readonly member?: string;
}

/** Reads what an earlier event left (a cast's spell, for its defeat); undefined when nothing was. */
export type Recall = (namespace: string, key: string) => Promise<string | undefined>;

/** A topic of the event backbone. */
export interface Topic {
  readonly domain: string;
  readonly stream: string;
}

/** How one event type of one topic contributes to a metric: none, one or several contributions. */
export interface MetricSource {
  readonly topic: Topic;
  readonly schema: DescMessage;
  readonly contribute: (message: never, recall: Recall) => Contribution | readonly Contribution[] | undefined | Promise<Contribution | readonly Contribution[] | undefined>;
}

/** One metric of the catalog with the events it is counted from. */
export interface MetricDefinition {
  /** "<domain>.<what>", e.g. "combat.casts". */
  readonly name: string;
  readonly aggregation: Aggregation;
  readonly unit: string;
  readonly description: string;
  /** Every dimension a contribution may carry: the only ones a query may group or filter by. */
  readonly dimensions: readonly string[];
  readonly sources: readonly MetricSource[];
}

/** What one event leaves for later events of the same flow to read (see Recall). */
export interface Remembered {
  readonly topic: Topic;
  readonly schema: DescMessage;
  readonly remember: (message: never) => ReadonlyArray<readonly [namespace: string, key: string, value: string]>;
}

/** Pairs an event schema with its contribution, keeping the message type checked. */
export function from<Desc extends DescMessage>(
  topic: Topic,
  schema: Desc,
  contribute: (message: MessageShape<Desc>, recall: Recall) => Contribution | readonly Contribution[] | undefined | Promise<Contribution | readonly Contribution[] | undefined>,
): MetricSource {
  return { topic, schema, contribute: contribute as MetricSource["contribute"] };
}

/** Pairs an event schema with what it leaves for later events. */
export function remembers<Desc extends DescMessage>(topic: Topic, schema: Desc, remember: (message: MessageShape<Desc>) => ReadonlyArray<readonly [string, string, string]>): Remembered {
  return { topic, schema, remember: remember as Remembered["remember"] };
}

/** A metric of the catalog. */
export function metric(name: string, aggregation: Aggregation, unit: string, dimensions: readonly string[], description: string, ...sources: MetricSource[]): MetricDefinition {
  return { name, aggregation, unit, dimensions, description, sources };
}

/** An enum value as a dimension value: SCHOOL_FIRE of School is "fire"; an unknown number is its digits. */
export function enumLabel(schema: DescEnum, value: number): string {
  const found = schema.values.find((v) => v.number === value);
  if (found === undefined) return String(value);
  return found.localName.toLowerCase();
}

/** Milliseconds from one time to another, or undefined when either is missing or the span is negative. */
export function msBetween(from: Timestamp | undefined, to: Timestamp | undefined): bigint | undefined {
  if (from === undefined || to === undefined) return undefined;
  const ms = timestampDate(to).getTime() - timestampDate(from).getTime();
  return ms < 0 ? undefined : BigInt(ms);
}
