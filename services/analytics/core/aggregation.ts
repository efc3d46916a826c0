import { fromBinary, type DescMessage, type Message } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Aggregation } from "@chaos/gen/chaos/analytics/v1/metric_pb.js";
import { hourOf } from "./buckets.js";
import type { AggregateWriter, Fact } from "./analytics-store.js";
import type { Contribution, MetricDefinition, MetricSource, Remembered, Topic } from "./metric-definition.js";

/** What the table does with one event type. */
interface EventRule {
  readonly schema: DescMessage;
  readonly remembered: readonly Remembered[];
  readonly sources: ReadonlyArray<{ readonly metric: MetricDefinition; readonly source: MetricSource }>;
}

/**
 * Applies events to aggregates by the metric table. The live consumer and a
 * rebuild both go through `apply`, so a rebuild computes what the live path
 * did by construction: the same function over the same events in the same order.
 */
export interface Aggregator {
  /** Every event type the table reads, with its topic. */
  readonly eventTypes: ReadonlyArray<{ readonly schema: DescMessage; readonly topic: Topic }>;
  /** The topics to consume. */
  readonly topics: readonly Topic[];
  apply(writer: AggregateWriter, schema: DescMessage, message: Message, eventTime: Date): Promise<void>;
  /** A recorded fact decoded and applied; false when the table no longer reads its type. */
  applyFact(writer: AggregateWriter, fact: Fact): Promise<boolean>;
}

export function createAggregator(metrics: readonly MetricDefinition[], remembered: readonly Remembered[]): Aggregator {
  const rules = new Map<string, EventRule & { topic: Topic; sources: Array<{ metric: MetricDefinition; source: MetricSource }>; remembered: Remembered[] }>();
  const ruleOf = (schema: DescMessage, topic: Topic) => {
    let rule = rules.get(schema.typeName);
    if (rule === undefined) rules.set(schema.typeName, (rule = { schema, topic, sources: [], remembered: [] }));
    return rule;
  };
  for (const metric of metrics) for (const source of metric.sources) ruleOf(source.schema, source.topic).sources.push({ metric, source });
  for (const entry of remembered) ruleOf(entry.schema, entry.topic).remembered.push(entry);

  const topics = new Map<string, Topic>();
  for (const rule of rules.values()) topics.set(`${rule.topic.domain}.${rule.topic.stream}`, rule.topic);

  async function apply(writer: AggregateWriter, schema: DescMessage, message: Message, eventTime: Date): Promise<void> {
    const rule = rules.get(schema.typeName);
    if (rule === undefined) return;
    // Lookups first: an event may read what it leaves itself (none does now; the order is fixed all the same).
    for (const entry of rule.remembered) for (const [namespace, key, value] of entry.remember(message as never)) await writer.remember(namespace, key, value);
    for (const { metric, source } of rule.sources) {
      const result = await source.contribute(message as never, (namespace, key) => writer.recall(namespace, key));
      const contributions: readonly Contribution[] = result === undefined ? [] : Array.isArray(result) ? result : [result as Contribution];
      for (const contribution of contributions) {
        const hour = hourOf(contribution.time === undefined ? eventTime : timestampDate(contribution.time));
        const dimensions = contribution.dimensions ?? {};
        if (metric.aggregation === Aggregation.DISTINCT) {
          if (contribution.member !== undefined && contribution.member !== "") await writer.addMember(metric.name, hour, dimensions, contribution.member);
        } else {
          await writer.add(metric.name, hour, dimensions, contribution.value ?? 1n);
        }
      }
    }
  }

  return {
    eventTypes: [...rules.values()].map(({ schema, topic }) => ({ schema, topic })),
    topics: [...topics.values()],
    apply,
    async applyFact(writer, fact) {
      const rule = rules.get(fact.eventType);
      if (rule === undefined) return false;
      await apply(writer, rule.schema, fromBinary(rule.schema, fact.payload), fact.eventTime);
      return true;
    },
  };
}
