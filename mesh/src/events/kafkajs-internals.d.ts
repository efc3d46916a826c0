/** kafkajs's request queue (CommonJS, untyped), patched by kafka-request-queue-fix.ts. */
declare module "kafkajs/src/network/requestQueue/index.js" {
  const RequestQueue: { prototype: object };
  export default RequestQueue;
}
