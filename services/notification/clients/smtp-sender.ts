import nodemailer from "nodemailer";
import type { EmailSender } from "../core/senders.js";

/** Options of {@link createSmtpSender}. */
export interface SmtpSenderOptions {
  /** smtp://[user:pass@]host:port, or smtps:// for implicit TLS. */
  readonly url: string;
  readonly from: string;
  /** Connection, greeting and reply timeouts. */
  readonly timeoutMs: number;
}

/** An email sender over SMTP (nodemailer, a pooled transport); it throws unless the server answered 250 to the message. */
export function createSmtpSender(options: SmtpSenderOptions): EmailSender & { close(): void } {
  const url = new URL(options.url);
  const transport = nodemailer.createTransport({
    host: url.hostname,
    port: Number(url.port || (url.protocol === "smtps:" ? 465 : 587)),
    secure: url.protocol === "smtps:",
    auth: url.username === "" ? undefined : { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) },
    pool: true,
    maxConnections: 4,
    connectionTimeout: options.timeoutMs,
    greetingTimeout: options.timeoutMs,
    socketTimeout: options.timeoutMs,
  });
  return {
    async send(email) {
      await transport.sendMail({
        from: options.from,
        to: email.to,
        subject: email.subject,
        text: email.text,
        html: email.html,
        messageId: email.messageId,
        headers: { ...email.headers },
      });
    },
    close: () => transport.close(),
  };
}
