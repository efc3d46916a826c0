import { Metadata } from "@grpc/grpc-js";

/**
 * grpc-js Metadata ⇄ Fetch Headers, so handlers see Connect's Headers on both
 * faces. Binary (`-bin`) values travel as unpadded base64, as in gRPC's
 * HTTP/2 mapping.
 */
export function headersFromMetadata(metadata: Metadata): Headers {
  const headers = new Headers();
  for (const [key, values] of Object.entries(metadata.toJSON())) {
    for (const value of values) {
      headers.append(key, typeof value === "string" ? value : Buffer.from(value).toString("base64").replace(/=+$/, ""));
    }
  }
  return headers;
}

/** Headers → grpc-js Metadata; reserved gRPC transport headers are left to grpc-js. */
export function metadataFromHeaders(headers: Headers): Metadata {
  const metadata = new Metadata();
  headers.forEach((value, key) => {
    if (reserved.has(key) || key.startsWith(":")) return;
    if (key.endsWith("-bin")) {
      for (const part of value.split(",")) metadata.add(key, Buffer.from(part.trim(), "base64"));
    } else {
      metadata.add(key, value);
    }
  });
  return metadata;
}

const reserved = new Set(["grpc-status", "grpc-message", "grpc-timeout", "content-type", "te", "user-agent", "grpc-encoding", "grpc-accept-encoding"]);
