/** An email on its way to one address. */
export interface OutgoingEmail {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** Stable per delivery: a receiver (or a mail client) that sees it twice knows it is one mail. */
  readonly messageId: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** Sends email; throws when the server did not accept it. */
export interface EmailSender {
  send(email: OutgoingEmail): Promise<void>;
}

/** A signed webhook request. */
export interface OutgoingWebhook {
  readonly url: string;
  /** The raw JSON body, exactly as signed. */
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** POSTs webhooks; throws when the receiver did not answer 2xx in time, or its address is not allowed. */
export interface WebhookSender {
  post(webhook: OutgoingWebhook): Promise<void>;
}
