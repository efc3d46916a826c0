import { expect } from "vitest";

/** A mail as Mailpit's search lists it. */
export interface MailSummary {
  readonly ID: string;
  readonly MessageID: string;
  readonly Subject: string;
  readonly To: readonly { readonly Address: string }[];
}

/** One mail read whole. */
export interface Mail extends MailSummary {
  readonly Text: string;
  readonly HTML: string;
}

/** Reads what reached Mailpit through its HTTP API, as a person would read their inbox. */
export function mailpit(baseUrl: string) {
  const get = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${baseUrl}${path}`);
    if (!response.ok) throw new Error(`Mailpit ${path}: HTTP ${response.status}`);
    return (await response.json()) as T;
  };
  const api = {
    /** The mails to `address`, newest first (the 200 newest: a test sends fewer to one address). */
    async to(address: string): Promise<MailSummary[]> {
      const found = await get<{ messages: MailSummary[]; messages_count: number }>(`/api/v1/search?query=${encodeURIComponent(`to:"${address}"`)}&limit=200`);
      if (found.messages_count > found.messages.length) throw new Error(`${address} has ${found.messages_count} mails, more than a test reads`);
      return found.messages;
    },
    message: (id: string) => get<Mail>(`/api/v1/message/${id}`),
    headers: (id: string) => get<Record<string, string[]>>(`/api/v1/message/${id}/headers`),
    /** Waits until `address` has `count` mails, and returns them (newest first). */
    async waitFor(address: string, count: number, timeoutMs = 20_000): Promise<MailSummary[]> {
      await expect.poll(async () => (await api.to(address)).length, { timeout: timeoutMs, interval: 100 }).toBeGreaterThanOrEqual(count);
      return api.to(address);
    },
  };
  return api;
}
