import type { DescMessage, MessageShape } from "@bufbuild/protobuf";

/** An event to publish: a message of the domain's events.proto and where it goes. */
export interface OutgoingEvent<Desc extends DescMessage = DescMessage> {
  readonly topic: string;
  /** The aggregate id: partition key and ce_subject, so one aggregate's events stay in order. */
  readonly aggregateId: string;
  readonly schema: Desc;
  readonly message: MessageShape<Desc>;
}
