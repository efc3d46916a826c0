/**
 * Runs a Kafka admin request again while the broker answers with an error
 * kafkajs marks retriable. Right after a topic is created, a broker under
 * load can still say "This server does not host this topic-partition" or
 * "is not the leader" while its view of the new partitions settles; kafkajs's
 * producers and consumers refresh their metadata and retry, but several admin
 * requests (metadata while waiting for leaders, listOffsets) give up at once.
 * Bounded: `attempts` tries, waiting 100 ms more each time (default 8, about
 * 2.8 s in all), then the last error is thrown.
 */
export async function whileBrokerSettles<T>(request: () => Promise<T>, attempts = 8): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await request();
    } catch (error) {
      if (attempt >= attempts || (error as { retriable?: boolean }).retriable !== true) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}
